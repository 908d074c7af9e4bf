#include "http/connection.hpp"

#include "http/read.hpp"
#include "http/request.hpp"
#include "net/happy_eyeballs.hpp"
#include "net/name_lookup.hpp"
#include "net/tls.hpp"
#include "process/output.hpp"
#include "sitecheck/errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <sstream>

namespace sitecheck::detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<TlsContext> default_tls_context()
{
    static std::once_flag once;
    static std::shared_ptr<TlsContext> context;
    std::call_once(once, [] { context = make_tls_context(std::nullopt); });
    return context;
}

std::string seconds_text(double seconds)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

// Asio prints an endpoint as "127.0.0.1:8080" or "[::1]:8080".
std::string endpoint_text(const tcp::endpoint& endpoint)
{
    std::ostringstream text;
    text << endpoint;
    return text.str();
}

} // namespace

Connection::Connection(Settings settings, std::string url)
    : settings_(std::move(settings)), url_(std::move(url)),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(settings_.timeout))
{
    if (!settings_.tls)
        settings_.tls = default_tls_context();
    // Beast reads as much as the buffer has room for: a body streams through 16 KiB.
    buffer_.reserve(16 * 1024);
}

// The request and its retry. A server may close a kept-alive connection just as the next
// request goes out; a GET is then safe to send again (RFC 9112 section 9.3.1), once, on a new
// connection.
awaitable<void> Connection::request(const Target& to)
{
    bool reuse = is_open() && target_.same_origin(to) && reader_ && reader_->keep_alive();
    if (reuse && !body_read_) {
        reader_->discard_body();
        co_await read_body();
    }
    target_ = to;
    // At most twice: the second pass is on a new connection, where a failure is thrown.
    for (;;) {
        if (!reuse) {
            co_await disconnect();
            co_await open();
        }
        if (co_await send_request_and_read_head(reuse))
            co_return;
        trace(url_, "retry on a new connection");
        reuse = false;
    }
}

// Resolve, connect, then TLS for an https URL: three steps, each against the deadline.
awaitable<void> Connection::open()
{
    const auto endpoints = co_await resolve();
    // Happy Eyeballs races a second address after 250 ms: a place for each of two attempts.
    slot_.emplace();
    if (!co_await slot_->acquire(deadline_, std::min<std::size_t>(endpoints.size(), 2)))
        fail(beast::error::timeout, Phase::connect);
    PlainStream stream = co_await connect(endpoints);
    if (!target_.tls) {
        plain_.emplace(std::move(stream));
        co_return;
    }
    co_await start_tls(std::move(stream));
    trace(url_, "tls");
}

// Lookups on their own threads: net/name_lookup.cpp.
awaitable<std::vector<tcp::endpoint>> Connection::resolve()
{
    if (target_.host_is_ip) // an IP literal needs no lookup
        co_return std::vector{tcp::endpoint(asio::ip::make_address(target_.host),
                                            static_cast<unsigned short>(std::stoi(target_.port)))};
    auto [ec, endpoints] = co_await look_up(target_.host, target_.port, deadline_);
    if (ec)
        fail(ec, Phase::resolve);
    co_return endpoints;
}

// Happy Eyeballs: net/happy_eyeballs.cpp.
awaitable<PlainStream> Connection::connect(const std::vector<tcp::endpoint>& endpoints)
{
    Connected connected = co_await connect_happily(endpoints, deadline_, slot_->held());
    slot_->keep_one(); // the race is over: one socket is left
    if (connected.error)
        fail(connected.error, Phase::connect);
    PlainStream stream(std::move(connected.socket));
    // From here on, the stream's timer carries the deadline for every read and write.
    stream.expires_at(deadline_);
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    trace(url_, "connected " + endpoint_text(connected.winner));
    co_return stream;
}

awaitable<void> Connection::start_tls(PlainStream stream)
{
    tls_.emplace(std::move(stream), settings_.tls->context);
    expect_peer(tls_->native_handle(), target_.host, target_.host_is_ip);
    auto [ec] = co_await tls_->async_handshake(ssl::stream_base::client, use_tuple);
    if (ec)
        fail(ec, Phase::handshake);
}

// False when the request went on a reused connection that the server closed before any byte
// of its response came back, with time left: request() then tries once more.
awaitable<bool> Connection::send_request_and_read_head(bool reused)
{
    try {
        co_await send_request();
        co_await read_head();
        co_return true;
    } catch (const CheckError&) {
        const bool response_begun = buffer_.size() > 0 || (reader_ && reader_->got_some());
        if (!reused || response_begun || std::chrono::steady_clock::now() >= deadline_)
            throw;
    }
    co_return false;
}

template <class Step>
awaitable<error_code> Connection::on_stream(Step step)
{
    try {
        if (tls_)
            co_return co_await step(*tls_);
        co_return co_await step(*plain_);
    } catch (const boost::system::system_error& e) {
        // Cancelled before a read or write began: Asio throws rather than start it.
        if (e.code() == asio::error::operation_aborted)
            trace(url_, "cancelled");
        throw;
    }
}

awaitable<void> Connection::send_request()
{
    const std::string request = request_bytes(target_);
    reader_.reset(); // nothing of this request's response has arrived yet
    body_read_ = false;
    if (auto ec = co_await on_stream([&](auto& stream) -> awaitable<error_code> {
            auto [ec, n] = co_await asio::async_write(stream, asio::buffer(request), use_tuple);
            co_return ec;
        }))
        fail(ec, Phase::head);
}

awaitable<void> Connection::read_head()
{
    if (auto ec = co_await on_stream(
            [&](auto& stream) { return read_response_head(stream, buffer_, reader_); }))
        fail(ec, Phase::head);
}

awaitable<void> Connection::read_body()
{
    if (body_read_)
        co_return;
    if (auto ec = co_await on_stream(
            [&](auto& stream) { return read_response_body(stream, buffer_, *reader_, deadline_); }))
        fail(ec, Phase::body);
    body_read_ = true;
    trace(url_, "body " + std::to_string(reader_->body_bytes()) + " bytes");
}

awaitable<void> Connection::close()
{
    closed_ = true;
    const bool was_open = is_open();
    const auto how = co_await disconnect();
    if (was_open)
        trace(url_, how);
}

void Connection::cut()
{
    closed_ = true;
    if (!is_open())
        return;
    trace(url_, "connection cut, never closed");
    error_code ignored;
    tcp().socket().close(ignored);
}

// Ends the connection and says how, for --trace: "closed" when our goodbye went out (over TLS,
// and the peer's came back),
// "closed, no reply to close_notify" when the peer had not answered ours within the grace,
// "closed, cut by the peer" when it ended the stream without its own, "connection cut" when
// no goodbye could be sent (a timeout has closed the socket already, or the TLS handshake
// never finished).
awaitable<std::string_view> Connection::disconnect()
{
    std::string_view how = "closed";
    if (!is_open()) {
        slot_.reset(); // a connect that failed may hold one
        co_return how;
    }
    if (!tcp().socket().is_open() || (tls_ && !SSL_is_init_finished(tls_->native_handle()))) {
        how = "connection cut"; // a timeout closed it, or TLS never started: no goodbye to say
    } else if (tls_) {
        // close_notify, then the peer's, which some servers never send. RFC 8446 6.1 needs no
        // wait at all; a short grace lets a polite peer answer, and the stream's timer ends it
        // there, never at the check's deadline, which could be half a minute away. A Ctrl-C
        // during the wait does not cut it short (close_deadline() bounds it as after Ctrl-C),
        // so a check whose report is complete ends as it began: complete.
        const auto grace_end = close_deadline(deadline_);
        tcp().expires_at(grace_end);
        co_await tls_->async_shutdown(
            asio::bind_cancellation_slot(asio::cancellation_slot(), use_tuple));
        // OpenSSL records whether the peer's close_notify came; the clock tells a silent peer
        // from one that cut the stream.
        if (!(SSL_get_shutdown(tls_->native_handle()) & SSL_RECEIVED_SHUTDOWN))
            how = std::chrono::steady_clock::now() >= grace_end ? "closed, no reply to close_notify"
                                                                : "closed, cut by the peer";
    } else {
        error_code ec;
        plain_->socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec)
            how = "closed, cut by the peer";
    }
    tcp().close();
    tls_.reset();
    plain_.reset();
    slot_.reset();
    buffer_.clear();
    co_return how;
}

void Connection::fail(const error_code& ec, Phase phase)
{
    if (ec == asio::error::operation_aborted) {
        trace(url_, "cancelled");
        throw boost::system::system_error(ec); // passed on as it is
    }
    if (ec == beast::error::timeout)
        throw CheckError("timed out after " + seconds_text(settings_.timeout.count()) + " s");
    // TLS 1.3 says so with an alert of its own, which arrives after the client's side of the
    // handshake, with the response. TLS 1.2 refuses within the handshake, with a generic alert.
    const bool tls_error = ec.category() == asio::error::get_ssl_category();
    const int tls_reason = tls_error ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) : 0;
    if (tls_reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
        (tls_reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE && tls_ &&
         server_asked_for_certificate(tls_->native_handle())))
        throw CheckError("the server requires a client certificate");
    switch (phase) {
    case Phase::resolve:
        throw CheckError("could not resolve host " + target_.host);
    case Phase::connect:
        if (ec == asio::error::connection_refused)
            throw CheckError("connection refused");
        throw CheckError("could not connect: " + ec.message());
    case Phase::handshake:
        if (tls_reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            const long result = SSL_get_verify_result(tls_->native_handle());
            throw CheckError(std::string("certificate verify failed: ") +
                             X509_verify_cert_error_string(result));
        }
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
            throw CheckError("TLS handshake failed: the server closed the connection");
        if (tls_error)
            throw CheckError("TLS handshake failed: " + tls_error_text(ec));
        break;
    case Phase::head:
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            throw CheckError("response header too large");
        // RFC 9110 section 8.6: the same value twice is one length; two are a forgery or a bug.
        if (ec == http::error::multiple_content_length)
            throw CheckError("conflicting Content-Length");
        if (ec == http::error::bad_content_length)
            throw CheckError("invalid Content-Length");
        if (ec == asio::error::eof || ec == http::error::end_of_stream ||
            ec == ssl::error::stream_truncated)
            throw CheckError("server closed the connection without a response");
        if (ec.category() == http::make_error_code(http::error::bad_version).category())
            throw CheckError("not an HTTP response");
        break;
    case Phase::body:
        if (const auto part = too_large_part(ec, buffer_); !part.empty())
            throw CheckError(std::string(part) + " too large");
        if (ec == http::error::partial_message || ec == asio::error::eof ||
            ec == ssl::error::stream_truncated)
            throw CheckError("response body ended early");
        if (ec.category() == http::make_error_code(http::error::bad_version).category())
            throw CheckError("malformed response body");
        break;
    }
    if (ec == asio::error::connection_reset)
        throw CheckError("connection reset by peer");
    throw CheckError(ec.message());
}

} // namespace sitecheck::detail

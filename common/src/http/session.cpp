// The HTTP client under ClientSession: resolve, connect, TLS, request, response, redirects,
// close, all against one deadline. Each step turns a failure into a CheckError whose text is
// the spec's plain-words MESSAGE.
#include "sitecheck/session.hpp"

#include "http/read.hpp"
#include "url/url.hpp"
#include "net/connection_limit.hpp"
#include "net/happy_eyeballs.hpp"
#include "net/name_lookup.hpp"
#include "net/tls.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "sitecheck/errors.hpp"
#include "text/text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#ifndef SITECHECK_VERSION
#define SITECHECK_VERSION "0.0.0"
#endif

namespace sitecheck {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr int max_redirects = 10;

namespace {

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

bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// "127.0.0.1:8080", "[::1]:8080"
std::string address_text(const tcp::endpoint& endpoint)
{
    const auto address = endpoint.address().to_string();
    const auto port = std::to_string(endpoint.port());
    return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

std::string openssl_reason(const error_code& ec)
{
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    return reason ? reason : ec.message();
}

} // namespace

namespace detail {

// One check's connection and what it has read. Shared by the session and its Response.
struct Connection {
    enum class Phase { resolve, connect, handshake, head, body };

    Connection(asio::any_io_executor executor, Settings s, std::string url)
        : executor(std::move(executor)), settings(std::move(s)), url(std::move(url)),
          deadline(std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                       settings.timeout))
    {
        if (!settings.tls)
            settings.tls = default_tls_context();
        // Beast reads as much as the buffer has room for: a body streams through 16 KiB.
        buffer.reserve(16 * 1024);
    }

    asio::any_io_executor executor;
    Settings settings;
    std::string url; // as given, for trace lines
    std::chrono::steady_clock::time_point deadline;

    Target target;                      // where the open connection goes
    std::optional<ConnectionSlot> slot; // held while a socket is open
    // One of the two is open. The tcp_stream under either carries the check's deadline.
    std::optional<beast::tcp_stream> plain;
    std::optional<ssl::stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer; // received bytes not parsed yet
    std::optional<ResponseReader> reader;
    bool body_read = false;
    bool session_closed = false; // by close() or the destructor: a Response can outlive both

    bool is_open() const { return plain || tls; }
    beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }

    [[noreturn]] void fail(const error_code& ec, Phase phase);
    awaitable<void> connect(const Target& to);
    awaitable<std::vector<tcp::endpoint>> resolve();
    awaitable<beast::tcp_stream> connect_tcp(const std::vector<tcp::endpoint>& endpoints);
    awaitable<void> start_tls(beast::tcp_stream stream);
    awaitable<void> send_request();
    awaitable<bool> exchange(bool reused);
    awaitable<void> read_head();
    awaitable<void> read_body();
    awaitable<std::string_view> close();

    // Runs one HTTP step on the open stream, TLS or plain: the steps are the same on both.
    template <class Step>
    awaitable<error_code> on_stream(Step step)
    {
        try {
            if (tls)
                co_return co_await step(*tls);
            co_return co_await step(*plain);
        } catch (const boost::system::system_error& e) {
            // Cancelled before a read or write began: Asio throws rather than start it.
            if (e.code() == asio::error::operation_aborted)
                trace(url, "cancelled");
            throw;
        }
    }
};

void Connection::fail(const error_code& ec, Phase phase)
{
    if (ec == asio::error::operation_aborted) {
        trace(url, "cancelled");
        throw boost::system::system_error(ec); // passed on as it is
    }
    if (ec == beast::error::timeout)
        throw CheckError("timed out after " + seconds_text(settings.timeout.count()) + " s");
    // TLS 1.3 says so with an alert of its own, which arrives after the client's side of the
    // handshake, with the response. TLS 1.2 refuses within the handshake, with a generic alert.
    if (ec.category() == asio::error::get_ssl_category()) {
        const auto reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
        if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
            (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE && tls &&
             server_asked_for_certificate(tls->native_handle())))
            throw CheckError("the server requires a client certificate");
    }
    switch (phase) {
    case Phase::resolve:
        throw CheckError("could not resolve host " + target.host);
    case Phase::connect:
        if (ec == asio::error::connection_refused)
            throw CheckError("connection refused");
        throw CheckError("could not connect: " + ec.message());
    case Phase::handshake:
        if (ec.category() == asio::error::get_ssl_category() &&
            ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            const long result = SSL_get_verify_result(tls->native_handle());
            throw CheckError(std::string("certificate verify failed: ") +
                             X509_verify_cert_error_string(result));
        }
        if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
            throw CheckError("TLS handshake failed: the server closed the connection");
        if (ec.category() == asio::error::get_ssl_category())
            throw CheckError("TLS handshake failed: " + openssl_reason(ec));
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
        if (ec == http::error::buffer_overflow)
            throw CheckError(std::string(unfinished_part(buffer)) + " too large");
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

// Resolve, connect, then TLS for an https URL: three steps, each against the deadline.
awaitable<void> Connection::connect(const Target& to)
{
    target = to;
    const auto endpoints = co_await resolve();
    // Happy Eyeballs races a second address after 250 ms: a place for each of two attempts.
    slot.emplace();
    if (!co_await slot->acquire(deadline, std::min<std::size_t>(endpoints.size(), 2)))
        fail(beast::error::timeout, Phase::connect);
    beast::tcp_stream stream = co_await connect_tcp(endpoints);
    if (!target.tls) {
        plain.emplace(std::move(stream));
        co_return;
    }
    co_await start_tls(std::move(stream));
    trace(url, "tls");
}

// Lookups on their own threads: name_lookup.cpp.
awaitable<std::vector<tcp::endpoint>> Connection::resolve()
{
    if (target.host_is_ip) // an IP literal needs no lookup
        co_return std::vector{tcp::endpoint(asio::ip::make_address(target.host),
                                            static_cast<unsigned short>(std::stoi(target.port)))};
    auto [ec, endpoints] = co_await look_up(target.host, target.port, deadline);
    if (ec)
        fail(ec, Phase::resolve);
    co_return endpoints;
}

// Happy Eyeballs: happy_eyeballs.cpp.
awaitable<beast::tcp_stream> Connection::connect_tcp(const std::vector<tcp::endpoint>& endpoints)
{
    Connected connected = co_await connect_happily(endpoints, deadline, slot->held());
    slot->keep_one(); // the race is over: one socket is left
    if (connected.error)
        fail(connected.error, Phase::connect);
    beast::tcp_stream stream(std::move(connected.socket));
    // From here on, the stream's timer carries the deadline for every read and write.
    stream.expires_at(deadline);
    error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);
    trace(url, "connected " + address_text(connected.winner));
    co_return stream;
}

awaitable<void> Connection::start_tls(beast::tcp_stream stream)
{
    tls.emplace(std::move(stream), settings.tls->context);
    expect_peer(tls->native_handle(), target.host, target.host_is_ip);
    auto [ec] = co_await tls->async_handshake(ssl::stream_base::client, use_tuple);
    if (ec)
        fail(ec, Phase::handshake);
}

namespace {

// The request: a GET over HTTP/1.1 with the headers aiohttp sends.
http::request<http::empty_body> make_request(const Target& target)
{
    http::request<http::empty_body> request(http::verb::get, target.target, 11);
    request.set(http::field::host, target.host_header);
    if (!target.authorization.empty())
        request.set(http::field::authorization, target.authorization);
    request.set(http::field::user_agent, "sitecheck/" SITECHECK_VERSION);
    request.set(http::field::accept, "*/*");
    request.set(http::field::accept_encoding, "gzip, deflate, br");
    return request;
}

template <class Stream>
awaitable<error_code> write_request(Stream& stream, const http::request<http::empty_body>& request)
{
    auto [ec, n] = co_await http::async_write(stream, request, use_tuple);
    co_return ec;
}

} // namespace

awaitable<void> Connection::send_request()
{
    const auto request = make_request(target);
    reader.reset(); // nothing of this request's response has arrived yet
    if (auto ec = co_await on_stream([&](auto& stream) { return write_request(stream, request); }))
        fail(ec, Phase::head);
    body_read = false;
}

// Sends the request and reads the response's head. A server may close a kept-alive connection
// just as the next request goes out; a GET is then safe to send again (RFC 9112 section
// 9.3.1), so on a reused connection that failed before any byte of the response, this
// returns false and the caller retries once on a new connection.
awaitable<bool> Connection::exchange(bool reused)
{
    try {
        co_await send_request();
        co_await read_head();
        co_return true;
    } catch (const CheckError&) {
        const bool response_begun = buffer.size() > 0 || (reader && reader->got_some());
        if (!reused || response_begun || std::chrono::steady_clock::now() >= deadline)
            throw;
    }
    co_return false;
}

awaitable<void> Connection::read_head()
{
    if (auto ec = co_await on_stream([&](auto& stream) { return read_response_head(stream, buffer, reader); }))
        fail(ec, Phase::head);
}

awaitable<void> Connection::read_body()
{
    if (body_read)
        co_return;
    if (auto ec = co_await on_stream([&](auto& stream) { return read_response_body(stream, buffer, *reader, deadline); }))
        fail(ec, Phase::body);
    body_read = true;
    trace(url, "body " + std::to_string(reader->body_bytes()) + " bytes");
}

// Ends the connection and says how, for --trace: "closed" when both sides said goodbye,
// "closed, no reply to close_notify" when the peer had not answered ours within the grace,
// "closed, cut by the peer" when it ended the stream without its own, "connection cut" when
// no goodbye could be sent (a timeout has closed the socket already, or the TLS handshake
// never finished).
awaitable<std::string_view> Connection::close()
{
    std::string_view how = "closed";
    if (!is_open()) {
        slot.reset(); // a connect that failed may hold one
        co_return how;
    }
    if (!tcp().socket().is_open() || (tls && !SSL_is_init_finished(tls->native_handle()))) {
        how = "connection cut"; // a timeout closed it, or TLS never started: no goodbye to say
    } else if (tls) {
        // close_notify, then the peer's, which some servers never send. RFC 8446 6.1 needs no
        // wait at all; a short grace lets a polite peer answer, and the stream's timer ends it
        // there, never at the check's deadline, which could be half a minute away. A Ctrl-C
        // during the wait does not cut it short (close_deadline() bounds it as after Ctrl-C),
        // so a check whose report is complete ends as it began: complete.
        const auto grace_end = close_deadline(deadline);
        tcp().expires_at(grace_end);
        co_await tls->async_shutdown(
            asio::bind_cancellation_slot(asio::cancellation_slot(), use_tuple));
        // OpenSSL records whether the peer's close_notify came; the clock tells a silent peer
        // from one that cut the stream.
        if (!(SSL_get_shutdown(tls->native_handle()) & SSL_RECEIVED_SHUTDOWN))
            how = std::chrono::steady_clock::now() >= grace_end ? "closed, no reply to close_notify"
                                                                : "closed, cut by the peer";
    } else {
        error_code ec;
        plain->socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec)
            how = "closed, cut by the peer";
    }
    tcp().close();
    tls.reset();
    plain.reset();
    slot.reset();
    buffer.clear();
    co_return how;
}

} // namespace detail

// Response

Response::Response(std::shared_ptr<detail::Connection> connection)
    : connection_(std::move(connection))
{
}

int Response::status() const
{
    return connection_->reader->status();
}

awaitable<std::string> Response::text()
{
    // aiohttp raises ClientConnectionError for a response read after its session closed.
    if (connection_->session_closed)
        throw CheckError("the session is closed");
    co_await connection_->read_body();
    const auto& reader = *connection_->reader;
    co_return decode_text(reader.prefix(), charset_of(reader.content_type()));
}

// ClientSession

ClientSession::ClientSession() = default;
ClientSession::ClientSession(ClientSession&&) noexcept = default;
ClientSession& ClientSession::operator=(ClientSession&&) noexcept = default;

ClientSession::~ClientSession()
{
    if (!connection_)
        return;
    connection_->session_closed = true;
    if (connection_->is_open()) {
        trace(connection_->url, "connection cut, never closed");
        error_code ignored;
        connection_->tcp().socket().close(ignored);
    }
}

awaitable<Response> ClientSession::get(std::string url)
{
    if (connection_)
        co_await close();
    connection_ = std::make_shared<detail::Connection>(co_await asio::this_coro::executor,
                                                        settings(), url);
    auto& c = *connection_;
    trace(url, "open");
    Target target = parse_url(url);
    for (int redirects = 0;; ++redirects) {
        const bool reused = c.is_open() && c.target.same_origin(target);
        if (!reused) {
            co_await c.close();
            co_await c.connect(target);
        }
        c.target = target;
        if (!co_await c.exchange(reused)) {
            trace(url, "retry on a new connection");
            co_await c.close();
            co_await c.connect(target);
            c.target = target;
            co_await c.exchange(false);
        }
        const int status = c.reader->status();
        if (!is_redirect(status) || c.reader->location().empty()) {
            trace(url, "status " + std::to_string(status));
            co_return Response(connection_);
        }
        // aiohttp's max_redirects=10 counts redirect responses: the tenth fails.
        if (redirects + 1 == max_redirects)
            throw CheckError("too many redirects");
        Target next = resolve_location(target, c.reader->location());
        trace(url, "redirect " + std::to_string(status) + " " + next.url);
        // Same server and a connection it keeps open: read past this body, undecoded (its
        // coding does not matter), and reuse it.
        if (next.same_origin(target) && c.reader->keep_alive()) {
            c.reader->discard_body();
            co_await c.read_body();
        } else {
            co_await c.close();
        }
        target = std::move(next);
    }
}

awaitable<void> ClientSession::close()
{
    if (!connection_)
        co_return;
    connection_->session_closed = true;
    if (!connection_->is_open())
        co_return;
    trace(connection_->url, co_await connection_->close());
}

} // namespace sitecheck

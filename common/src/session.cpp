// The HTTP client under ClientSession: resolve, connect, TLS, request, response, redirects,
// close, all against one deadline. Each step turns a failure into a CheckError whose text is
// the spec's plain-words MESSAGE.
#include "sitecheck/session.hpp"

#include "connection_slots.hpp"
#include "happy_eyeballs.hpp"
#include "name_lookup.hpp"
#include "response_reader.hpp"
#include "sitecheck/errors.hpp"
#include "sitecheck/report.hpp"
#include "sitecheck/run.hpp"
#include "sitecheck/text.hpp"
#include "sitecheck/url.hpp"
#include "tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
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

Settings& settings()
{
    static Settings instance;
    return instance;
}

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

// An allocator that leaves new elements uninitialised: the pages of a receive buffer that a
// small response never reaches are then never touched (300 checks: 4 MiB less peak RSS).
template <class T>
struct Uninitialised : std::allocator<T> {
    template <class U>
    struct rebind {
        using other = Uninitialised<U>;
    };
    template <class U>
    void construct(U* p) noexcept
    {
        ::new (static_cast<void*>(p)) U;
    }
};

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
    }

    asio::any_io_executor executor;
    Settings settings;
    std::string url; // as given, for trace lines
    std::chrono::steady_clock::time_point deadline;

    Target target;   // where the open connection goes
    std::optional<ConnectionSlot> slot; // held while a socket is open
    std::optional<beast::tcp_stream> plain;
    std::optional<TlsSocket> tls;
    std::optional<asio::steady_timer> tls_deadline; // raced against each wait for the socket
    // Received bytes not parsed yet. A head must fit whole, so the buffer grows up to the
    // header limit when a head is large; bodies stream through its first 16 KiB.
    std::vector<char, Uninitialised<char>> buffer = std::vector<char, Uninitialised<char>>(16 * 1024);
    std::size_t begin = 0, end = 0;
    std::optional<detail::ResponseReader> reader;
    bool body_read = false;
    bool session_closed = false; // by close() or the destructor: a Response can outlive both
    bool response_begun = false; // a byte of the response to the last request has arrived

    bool is_open() const { return plain || tls; }
    beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }

    [[noreturn]] void fail(const error_code& ec, Phase phase) const;
    awaitable<void> connect(const Target& to);
    awaitable<void> send_request();
    awaitable<bool> exchange(bool reused);
    awaitable<void> read_head();
    awaitable<void> read_body();
    awaitable<void> close();
    awaitable<std::size_t> read_some(Phase phase);
    template <class Call>
    awaitable<std::tuple<error_code, int>> tls_call(Call call);
};

void Connection::fail(const error_code& ec, Phase phase) const
{
    if (ec == asio::error::operation_aborted) {
        trace(url, "cancelled");
        throw boost::system::system_error(ec); // passed on as it is
    }
    if (ec == beast::error::timeout)
        throw CheckError("timed out after " + seconds_text(settings.timeout.count()) + " s");
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
        if (ec == http::error::header_limit)
            throw CheckError("response header too large");
        if (ec == asio::error::eof || ec == http::error::end_of_stream ||
            ec == ssl::error::stream_truncated)
            throw CheckError("server closed the connection without a response");
        if (ec.category() == http::make_error_code(http::error::bad_version).category())
            throw CheckError("not an HTTP response");
        break;
    case Phase::body:
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

awaitable<void> Connection::connect(const Target& to)
{
    using namespace asio::experimental::awaitable_operators;
    target = to;

    // Lookups on their own threads and Happy Eyeballs: name_lookup.cpp, happy_eyeballs.cpp.
    std::vector<tcp::endpoint> endpoints;
    error_code ec;
    if (target.host_is_ip) {
        // An IP literal needs no lookup.
        endpoints.emplace_back(asio::ip::make_address(target.host),
                               static_cast<unsigned short>(std::stoi(target.port)));
    } else {
        std::tie(ec, endpoints) = co_await look_up(target.host, target.port, deadline);
        if (ec)
            fail(ec, Phase::resolve);
    }

    slot.emplace();
    if (!co_await ConnectionSlot::acquire(*slot, deadline))
        fail(beast::error::timeout, Phase::connect);
    Connected connected = co_await connect_happily(endpoints, deadline);
    if (connected.error)
        fail(connected.error, Phase::connect);
    beast::tcp_stream stream(std::move(connected.socket));
    stream.socket().set_option(tcp::no_delay(true), ec);
    trace(url, "connected " + address_text(connected.winner));

    if (!target.tls) {
        plain.emplace(std::move(stream));
        co_return;
    }
    tls.emplace(std::move(stream), settings.tls->context.native_handle());
    tls_deadline.emplace(executor, deadline);
    SSL* ssl = tls->native_handle();
    // SNI names the host, never an IP literal. The peer's certificate must match the host name
    // or the address; OpenSSL checks it during the chain's verification, which is what
    // ssl::host_name_verification does too, and then reports the reason in its verify result.
    if (!target.host_is_ip) {
        SSL_set_tlsext_host_name(ssl, target.host.c_str());
        SSL_set1_host(ssl, target.host.c_str());
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target.host.c_str());
    }
    std::tie(ec, std::ignore) = co_await tls_call([ssl] { return SSL_connect(ssl); });
    if (ec)
        fail(ec, Phase::handshake);
    trace(url, "tls");
}

awaitable<void> Connection::send_request()
{
    std::string request = "GET " + target.target + " HTTP/1.1\r\nHost: " + target.host_header +
                          (target.authorization.empty() ? "" : "\r\nAuthorization: " + target.authorization) +
                          "\r\nUser-Agent: sitecheck/" SITECHECK_VERSION
                          "\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n\r\n";
    response_begun = end > begin;
    lowest().expires_at(deadline);
    error_code ec;
    if (tls) {
        SSL* ssl = tls->native_handle();
        std::tie(ec, std::ignore) = co_await tls_call(
            [&] { return SSL_write(ssl, request.data(), static_cast<int>(request.size())); });
    } else
        std::tie(ec, std::ignore) = co_await asio::async_write(*plain, asio::buffer(request), use_tuple);
    if (ec)
        fail(ec, Phase::head);
    reader.emplace();
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
        if (!reused || response_begun || std::chrono::steady_clock::now() >= deadline)
            throw;
    }
    co_return false;
}

awaitable<std::size_t> Connection::read_some(Phase phase)
{
    // Beast's timer stops only a read that waits: against a peer that sends faster than the
    // check reads (an endless body, a slow sanitizer build), every read completes at once.
    if (std::chrono::steady_clock::now() >= deadline)
        fail(beast::error::timeout, phase);
    if (begin > 0) {
        std::memmove(buffer.data(), buffer.data() + begin, end - begin);
        end -= begin;
        begin = 0;
    }
    if (end == buffer.size()) {
        if (buffer.size() > ResponseReader::header_limit_bytes)
            fail(http::error::header_limit, phase);
        buffer.resize(buffer.size() * 2);
    }
    lowest().expires_at(deadline);
    const auto space = asio::buffer(buffer.data() + end, buffer.size() - end);
    error_code ec;
    std::size_t n = 0;
    if (tls) {
        SSL* ssl = tls->native_handle();
        int got = 0;
        std::tie(ec, got) = co_await tls_call(
            [&] { return SSL_read(ssl, space.data(), static_cast<int>(space.size())); });
        n = ec ? 0 : static_cast<std::size_t>(got);
    } else {
        std::tie(ec, n) = co_await plain->async_read_some(space, use_tuple);
    }
    end += n;
    response_begun = response_begun || n > 0;
    if (ec == asio::error::eof || (ec == ssl::error::stream_truncated)) {
        // The peer closed: a body delimited by the close ends here; anything else was cut short.
        reader->feed_eof(ec);
        if (ec)
            fail(ec, phase);
        co_return 0;
    }
    if (ec)
        fail(ec, phase);
    co_return n;
}

awaitable<void> Connection::read_head()
{
    for (;;) {
        error_code ec;
        const std::string_view data(buffer.data() + begin, end - begin);
        // A server that speaks no HTTP is told apart by its first bytes, without waiting.
        if (!reader->started() && !data.empty() &&
            std::string_view("HTTP/").substr(0, std::min<std::size_t>(data.size(), 5)) !=
                data.substr(0, 5))
            throw CheckError("not an HTTP response");
        begin += reader->feed(data, ec);
        if (ec && ec != http::error::need_more)
            fail(ec, Phase::head);
        if (reader->header_done()) {
            if (!reader->informational())
                co_return;
            reader.emplace(); // 100 Continue and the like: the real response follows
            continue;
        }
        co_await read_some(Phase::head);
        if (!reader->header_done() && reader->done())
            fail(http::error::end_of_stream, Phase::head);
    }
}

awaitable<void> Connection::read_body()
{
    if (body_read)
        co_return;
    while (!reader->done()) {
        error_code ec;
        begin += reader->feed({buffer.data() + begin, end - begin}, ec);
        if (ec && ec != http::error::need_more)
            fail(ec, Phase::body);
        if (reader->done())
            break;
        co_await read_some(Phase::body);
    }
    body_read = true;
    trace(url, "body " + std::to_string(reader->body_bytes()) + " bytes");
}

awaitable<void> Connection::close()
{
    if (!is_open()) {
        slot.reset(); // a connect that failed may hold one
        co_return;
    }
    // After Ctrl-C a close gets a short grace period, not the rest of the deadline.
    deadline = close_deadline(deadline);
    lowest().expires_at(deadline);
    if (tls_deadline)
        tls_deadline->expires_at(deadline);
    error_code ec;
    if (tls) {
        // close_notify, then wait for the peer's, but never past the deadline: some servers
        // never answer. A peer that just cuts the stream (stream_truncated) is fine too.
        SSL* ssl = tls->native_handle();
        std::tie(ec, std::ignore) = co_await tls_call([ssl] {
            const int sent = SSL_shutdown(ssl); // 0: ours is sent, the peer's is still to come
            return sent == 0 ? SSL_shutdown(ssl) : sent;
        });
    } else {
        plain->socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    lowest().close();
    tls.reset();
    tls_deadline.reset();
    plain.reset();
    slot.reset();
    begin = end = 0;
}

// Calls OpenSSL until it succeeds, waiting for the socket whenever it wants to read or write,
// and reports a failure with the error codes asio::ssl::stream gives, which fail() knows: the
// OpenSSL error in the SSL category, eof after the peer's close_notify, stream_truncated for
// a stream cut without one, a system error for the socket's own, timeout at the deadline.
template <class Call>
awaitable<std::tuple<error_code, int>> Connection::tls_call(Call call)
{
    using namespace asio::experimental::awaitable_operators;
    for (;;) {
        // Past the deadline nothing more is sent, not even a close_notify, as with Beast's
        // timeouts on plain connections.
        if (std::chrono::steady_clock::now() >= deadline)
            co_return std::tuple{error_code(beast::error::timeout), 0};
        ERR_clear_error();
        errno = 0;
        const int result = call();
        if (result > 0)
            co_return std::tuple{error_code{}, result};
        const int system_error = errno;
        const int reason = SSL_get_error(tls->native_handle(), result);
        asio::socket_base::wait_type wait;
        if (reason == SSL_ERROR_WANT_READ) {
            wait = asio::socket_base::wait_read;
        } else if (reason == SSL_ERROR_WANT_WRITE) {
            wait = asio::socket_base::wait_write;
        } else if (reason == SSL_ERROR_ZERO_RETURN) {
            co_return std::tuple{error_code(asio::error::eof), result};
        } else {
            const unsigned long error = ERR_get_error();
            if (reason == SSL_ERROR_SYSCALL && error == 0)
                co_return std::tuple{system_error ? error_code(system_error, asio::error::get_system_category())
                                                  : error_code(ssl::error::stream_truncated),
                                     result};
            if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                co_return std::tuple{error_code(ssl::error::stream_truncated), result};
            co_return std::tuple{error_code(static_cast<int>(error), asio::error::get_ssl_category()), result};
        }
        auto raced = co_await (tls->stream.socket().async_wait(wait, use_tuple) ||
                               tls_deadline->async_wait(use_tuple));
        if (raced.index() == 1) {
            const auto [ec] = std::get<1>(raced);
            co_return std::tuple{ec ? ec : error_code(beast::error::timeout), 0};
        }
        if (const auto [ec] = std::get<0>(raced); ec)
            co_return std::tuple{ec, 0};
    }
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

ClientSession::ClientSession() : ClientSession(settings()) {}
ClientSession::ClientSession(Settings settings) : settings_(std::move(settings)) {}
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
        connection_->lowest().socket().close(ignored);
    }
}

awaitable<Response> ClientSession::get(std::string url)
{
    if (connection_)
        co_await close();
    connection_ = std::make_shared<detail::Connection>(co_await asio::this_coro::executor,
                                                        settings_, url);
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
        if (redirects == max_redirects)
            throw CheckError("too many redirects");
        Target next = resolve_location(target, c.reader->location());
        trace(url, "redirect " + std::to_string(status) + " " + next.url);
        // Same server and a connection it keeps open: read past this body and reuse it.
        if (next.same_origin(target) && c.reader->keep_alive())
            co_await c.read_body();
        else
            co_await c.close();
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
    co_await connection_->close();
    trace(connection_->url, "closed");
}

} // namespace sitecheck

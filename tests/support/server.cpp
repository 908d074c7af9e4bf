// LoopbackServer: a small HTTP/1.1 (and HTTPS) server written with Boost.Asio
// C++20 coroutines, one io_context on one thread per server.
//
// Lifetimes: every connection is a coroutine that owns its socket; while it
// runs, the socket is registered in Impl::live (touched only on the io
// thread). Stopping closes the acceptor, every registered socket and every
// barrier timer, so every pending operation completes with an error and every
// coroutine ends; then io_context::run() returns and the thread is joined.

#include "support/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace testsupport {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::string_view kOkBody = "<!doctype html>\n<html><body>ok</body></html>\n";
constexpr std::size_t kPiece = 64 * 1024;
constexpr std::uint64_t kBombSent = ~std::uint64_t{0};  // a key of barriers no /barrier/N uses
constexpr std::uint64_t kFloodCap = 256 * 1024 * 1024;
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kDoctype = "<!doctype html>\n";

template <class T> struct is_ssl_stream : std::false_type {};
template <class T> struct is_ssl_stream<ssl::stream<T>> : std::true_type {};

enum class Next { KeepAlive, Close, Abort };

struct Request {
    std::string method;
    std::string target;
    std::string path;
    std::string query;
    std::string version;
    bool keep_alive = true;
    std::uint64_t content_length = 0;
    std::string authorization;
};

struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    bool released = false;
};

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return r;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

template <class Int> std::optional<Int> parse_number(std::string_view s) {
    Int v{};
    if (s.empty()) return std::nullopt;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

Request parse_head(std::string_view head) {
    Request r;
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 != std::string_view::npos) {
        r.method = std::string(line.substr(0, sp1));
        r.target = std::string(line.substr(sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1));
        if (sp2 != std::string_view::npos) r.version = std::string(line.substr(sp2 + 1));
    }
    std::string_view target = r.target;
    // absolute-form ("http://host/path") -> keep the path only
    if (auto p = target.find("://"); p != std::string_view::npos && target.front() != '/') {
        auto slash = target.find('/', p + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));

    std::string connection;
    std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
        std::size_t e = head.find("\r\n", pos);
        if (e == std::string_view::npos) e = head.size();
        std::string_view h = head.substr(pos, e - pos);
        pos = e + 2;
        auto colon = h.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name = lower(trim(h.substr(0, colon)));
        std::string_view value = trim(h.substr(colon + 1));
        if (name == "connection") connection += lower(value) + ",";
        if (name == "authorization") r.authorization = std::string(value);
        if (name == "content-length") r.content_length = parse_number<std::uint64_t>(value).value_or(0);
    }
    if (r.version == "HTTP/1.1")
        r.keep_alive = connection.find("close") == std::string::npos;
    else
        r.keep_alive = connection.find("keep-alive") != std::string::npos;
    return r;
}

std::string_view reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 418: return "I'm a teapot";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

struct Head {
    int status = 200;
    std::string_view content_type = kHtml;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool close = false;
    std::string extra;  // extra header lines, each ending in "\r\n"
};

std::string render(const Head& h) {
    std::string s = "HTTP/1.1 " + std::to_string(h.status) + " " + std::string(reason(h.status)) + "\r\n";
    s += "Server: sitecheck-test\r\n";
    s += "Content-Type: " + std::string(h.content_type) + "\r\n";
    if (h.content_length) s += "Content-Length: " + std::to_string(*h.content_length) + "\r\n";
    if (h.chunked) s += "Transfer-Encoding: chunked\r\n";
    s += h.close ? "Connection: close\r\n" : "Connection: keep-alive\r\n";
    s += h.extra;
    s += "\r\n";
    return s;
}

std::string percent_decode(std::string_view in) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

std::string query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view kv = query.substr(0, amp);
        auto eq = kv.find('=');
        if (kv.substr(0, eq) == key) return eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::string compress(std::string_view in, int window_bits) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    return out;
}

std::string brotli(std::string_view in) {
    std::string out(BrotliEncoderMaxCompressedSize(in.size()), '\0');
    std::size_t size = out.size();
    if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                               reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                               reinterpret_cast<std::uint8_t*>(out.data())))
        throw std::runtime_error("brotli failed");
    out.resize(size);
    return out;
}

std::string brotli_stream(BrotliEncoderState* state, std::string_view in, BrotliEncoderOperation op) {
    std::string out;
    auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    do {
        std::array<std::uint8_t, 16 * 1024> piece;
        std::uint8_t* next_out = piece.data();
        std::size_t avail_out = piece.size();
        if (!BrotliEncoderCompressStream(state, op, &avail_in, &next_in, &avail_out, &next_out, nullptr))
            throw std::runtime_error("brotli failed");
        out.append(reinterpret_cast<const char*>(piece.data()), piece.size() - avail_out);
    } while (avail_in > 0 || BrotliEncoderHasMoreOutput(state));
    return out;
}

// A brotli body of some 200 KB that decodes to "<!doctype html>\n" and 16 GiB of 'x'. A MiB
// of 'x' after 'x's encodes to the same 13 bytes each time (copies from one byte back), so the
// encoder sees 2 MiB and the rest is that block repeated.
std::string brotli_bomb() {
    std::unique_ptr<BrotliEncoderState, decltype(&BrotliEncoderDestroyInstance)> state(
        BrotliEncoderCreateInstance(nullptr, nullptr, nullptr), BrotliEncoderDestroyInstance);
    BrotliEncoderSetParameter(state.get(), BROTLI_PARAM_QUALITY, 5);
    BrotliEncoderSetParameter(state.get(), BROTLI_PARAM_LGWIN, 24);
    const std::string block(1024 * 1024, 'x');
    std::string bomb = brotli_stream(state.get(), kDoctype, BROTLI_OPERATION_FLUSH);
    bomb += brotli_stream(state.get(), block, BROTLI_OPERATION_FLUSH);
    const std::string repeated = brotli_stream(state.get(), block, BROTLI_OPERATION_FLUSH);
    for (int i = 2; i < 16 * 1024; ++i) bomb += repeated;
    return bomb + brotli_stream(state.get(), {}, BROTLI_OPERATION_FINISH);
}

// The codings of a comma-separated list, applied in order to `body`; other names are labels only.
std::string encode(std::string body, std::string_view codings) {
    while (!codings.empty()) {
        const auto comma = codings.find(',');
        const std::string_view coding = trim(codings.substr(0, comma));
        if (coding == "gzip") body = compress(body, 15 + 16);
        if (coding == "deflate") body = compress(body, 15);
        if (coding == "br") body = brotli(body);
        codings.remove_prefix(comma == std::string_view::npos ? codings.size() : comma + 1);
    }
    return body;
}

// Pages in other charsets, as bytes (written with Python's codecs), for /charset/NAME.
struct CharsetPage {
    std::string_view path;    // NAME in /charset/NAME
    std::string_view charset; // the Content-Type's charset parameter; empty: none
    std::string_view body;
};
const std::array<CharsetPage, 9> charset_pages{{
        {"windows-1251", "windows-1251", {"\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xdd\xf2\xee \xf1\xf2\xf0\xe0\xed\xe8\xf6\xe0 \xe2 \xea\xee\xe4\xe8\xf0\xee\xe2\xea\xe5", 37}},
        {"koi8-r", "koi8-r", {"\xfa\xc4\xd2\xc1\xd7\xd3\xd4\xd7\xd5\xca, \xcd\xc9\xd2! \xfc\xd4\xcf \xd3\xd4\xd2\xc1\xce\xc9\xc3\xc1 \xd7 KOI8", 36}},
        {"shift_jis", "Shift_JIS", {"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81" "A\x90\xa2\x8a" "E\x81" "B\x93\xfa\x96{\x8c\xea\x82\xcc\x83y\x81[\x83W\x82\xc5\x82\xb7", 36}},
        {"iso-8859-2", "ISO-8859-2", {"Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1, to jest strona", 33}},
        {"utf-16", "UTF-16", {"\xff\xfeH\x00" "e\x00l\x00l\x00o\x00 \x00" "f\x00r\x00o\x00m\x00 \x00" "a\x00 \x00U\x00T\x00" "F\x00-\x00" "1\x00" "6\x00 \x00p\x00" "a\x00g\x00" "e\x00,\x00 \x00w\x00i\x00t\x00h\x00 \x00\xe9\x00", 66}},
        {"none-cp1252", "", {"Caf\xe9 \x93quoted\x94 \x96 na\xefve text here", 31}},
        {"none-utf8", "", {"Gr\xc3\xbc\xc3\x9f" "e ohne Zeichensatz, aber UTF-8", 36}},
        {"none-utf8-stray", "", {"Gr\xc3\xbc\xc3\x9f" "e \xff ohne Zeichensatz, aber UTF-8", 38}},
        // A ";" inside a quoted parameter value is no separator.
        {"quoted-semicolon", "windows-1251", {"\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xdd\xf2\xee \xf1\xf2\xf0\xe0\xed\xe8\xf6\xe0 \xe2 \xea\xee\xe4\xe8\xf0\xee\xe2\xea\xe5", 37}},
}};

std::string chunk_size_line(std::size_t n) {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, n, 16);
    (void)ec;
    return std::string(buf, p) + "\r\n";
}

}  // namespace

struct LoopbackServer::Impl {
    explicit Impl(ServerOptions o) : opts(std::move(o)), acceptor(ioc) {
        filler.resize(kPiece + 64);
        for (std::size_t i = 0; i < filler.size(); ++i) filler[i] = (i % 64 == 63) ? '\n' : 'x';
    }

    ServerOptions opts;
    std::vector<char> filler;  // immutable after construction

    // shared with other threads
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::size_t opened = 0;
    std::size_t closed = 0;
    std::size_t close_notify = 0;
    std::uint64_t flooded = 0;
    std::vector<std::string> heads;
    std::vector<std::string> sni_names;
    bool run_done = false;

    // io thread only
    bool stopping = false;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, tcp::socket*> live;
    std::map<std::uint64_t, std::vector<std::shared_ptr<Waiter>>> barriers;  // /barrier/N, and kBombSent
    std::string bomb;        // made at the first /brotli-bomb
    bool bomb_sent = false;

    // The io_context is declared after the state above, so that coroutine
    // frames it might still destroy (only if stopping had to be forced) find
    // that state alive; the acceptor and TLS context are declared after it.
    asio::io_context ioc;
    std::optional<ssl::context> tls_ctx;
    tcp::acceptor acceptor;
    unsigned short port = 0;
    std::thread thread;

    bool is_tls() const { return opts.tls.has_value(); }

    void count_close_notify() {
        std::lock_guard lk(mu);
        ++close_notify;
    }

    void stop_all() {
        stopping = true;
        error_code ec;
        acceptor.close(ec);
        for (auto& [id, sock] : live) {
            (void)id;
            sock->close(ec);
        }
        for (auto& [n, list] : barriers) {
            (void)n;
            for (auto& w : list) w->timer.cancel();
        }
        barriers.clear();  // the waiting coroutines still own their Waiter
    }

    // ---- the connection coroutines ----

    struct ConnGuard {
        ConnGuard(Impl* s, tcp::socket* sock) : s(s), sock(sock), id(s->next_id++) { s->live.emplace(id, sock); }
        ~ConnGuard() {
            s->live.erase(id);
            error_code ec;
            sock->close(ec);
            {
                std::lock_guard lk(s->mu);
                ++s->closed;
            }
            s->cv.notify_all();
        }
        ConnGuard(const ConnGuard&) = delete;
        ConnGuard& operator=(const ConnGuard&) = delete;
        Impl* s;
        tcp::socket* sock;
        std::uint64_t id;
    };

    awaitable<void> accept_loop() {
        for (;;) {
            error_code ec;
            tcp::socket sock = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
            if (stopping) co_return;
            if (ec) {
                if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
                continue;
            }
            {
                std::lock_guard lk(mu);
                ++opened;
            }
            asio::co_spawn(ioc, connection(std::move(sock)), [](std::exception_ptr) {});
        }
    }

    awaitable<void> connection(tcp::socket sock) {
        ConnGuard guard(this, &sock);
        if (stopping) co_return;
        try {
            if (opts.behaviour == Behaviour::Garbage) {
                const std::string banner = "SSH-2.0-OpenSSH_9.0\r\n";
                co_await asio::async_write(sock, asio::buffer(banner), use_awaitable);
                error_code ec;
                sock.shutdown(tcp::socket::shutdown_send, ec);
                co_await drain(sock);
                co_return;
            }
            if (opts.behaviour == Behaviour::Silent) {
                co_await drain(sock);
                co_return;
            }
            if (is_tls()) {
                ssl::stream<tcp::socket&> st(sock, *tls_ctx);
                error_code ec;
                co_await st.async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
                if (ec) {
                    if (opts.require_client_certificate) {
                        error_code ignored;
                        sock.shutdown(tcp::socket::shutdown_send, ignored);
                        co_await drain(sock);
                    }
                    co_return;
                }
                {
                    // The name the client sent in SNI, or "" when it sent none.
                    const char* name = SSL_get_servername(st.native_handle(), TLSEXT_NAMETYPE_host_name);
                    std::lock_guard lk(mu);
                    sni_names.push_back(name ? name : "");
                }
                co_await serve(st, sock);
            } else {
                co_await serve(sock, sock);
            }
        } catch (const std::exception&) {
            // write failed (client went away) or the server is stopping
        }
    }

    // Reads and discards until the peer closes or an error; counts a TLS
    // close_notify and answers it with ours.
    template <class Stream> awaitable<void> drain(Stream& st) {
        std::array<char, 4096> buf;
        error_code ec;
        for (;;) {
            co_await st.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
            if (ec) break;
        }
        co_await read_ended(st, ec);
    }

    template <class Stream> awaitable<void> read_ended(Stream& st, error_code ec) {
        if constexpr (is_ssl_stream<Stream>::value) {
            if (ec == asio::error::eof && !stopping) {
                count_close_notify();
                error_code ec2;
                co_await st.async_shutdown(asio::redirect_error(use_awaitable, ec2));
            }
        } else {
            (void)st;
            (void)ec;
        }
        co_return;
    }

    // The server ends the connection politely: TLS close_notify (waiting for
    // the client's answer or its close), or for plain TCP a FIN then waiting
    // for the client's close.
    template <class Stream> awaitable<void> close_gracefully(Stream& st, tcp::socket& sock) {
        if constexpr (is_ssl_stream<Stream>::value) {
            error_code ec;
            co_await st.async_shutdown(asio::redirect_error(use_awaitable, ec));
            if (!ec && !stopping) count_close_notify();
        } else {
            error_code ec;
            sock.shutdown(tcp::socket::shutdown_send, ec);
            co_await drain(sock);
        }
    }

    template <class Stream> awaitable<void> serve(Stream& st, tcp::socket& sock) {
        std::string buf;
        for (;;) {
            // Read up to the end of the head. Bytes that cannot start a request line (a TLS
            // ClientHello, say) get a 400 and a close, as nginx does, rather than a wait.
            std::size_t n = 0;
            for (;;) {
                if (const auto end = buf.find("\r\n\r\n"); end != std::string::npos) {
                    n = end + 4;
                    break;
                }
                if (!buf.empty() && (buf[0] < 'A' || buf[0] > 'Z')) {
                    co_await write(st, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                                       "Connection: close\r\n\r\n");
                    co_await close_gracefully(st, sock);
                    co_return;
                }
                if (buf.size() > kMaxHead)
                    co_return;
                error_code ec;
                std::array<char, 4096> tmp;
                const std::size_t got =
                    co_await st.async_read_some(asio::buffer(tmp), asio::redirect_error(use_awaitable, ec));
                if (ec) {
                    co_await read_ended(st, ec);
                    co_return;
                }
                buf.append(tmp.data(), got);
            }
            std::string head = buf.substr(0, n);
            buf.erase(0, n);
            {
                std::lock_guard lk(mu);
                heads.push_back(head);
            }
            Request req = parse_head(head);
            // discard a request body, if any
            if (req.content_length > 1024 * 1024) co_return;
            while (buf.size() < req.content_length) {
                std::array<char, 4096> tmp;
                std::size_t got = co_await st.async_read_some(asio::buffer(tmp), use_awaitable);
                buf.append(tmp.data(), got);
            }
            buf.erase(0, static_cast<std::size_t>(req.content_length));

            Next next = co_await respond(st, sock, req);
            if (next == Next::Abort) co_return;
            if (next == Next::Close) {
                co_await close_gracefully(st, sock);
                co_return;
            }
        }
    }

    template <class Stream> awaitable<void> write(Stream& st, std::string_view data) {
        co_await asio::async_write(st, asio::buffer(data.data(), data.size()), use_awaitable);
    }

    // Note: class-type arguments of these coroutines are passed by reference
    // to named objects of the caller (g++ 12 mishandles temporaries of class
    // type passed by value to a coroutine inside a co_await expression).
    template <class Stream>
    awaitable<Next> simple(Stream& st, const Request& req, const Head& head, std::string_view body) {
        Head h = head;
        h.content_length = body.size();
        h.close = h.close || !req.keep_alive;
        std::string text = render(h);
        text.append(body.data(), body.size());
        co_await write(st, text);
        co_return h.close ? Next::Close : Next::KeepAlive;
    }

    template <class Stream> awaitable<Next> respond(Stream& st, tcp::socket& sock, const Request& req) {
        const std::string& path = req.path;
        const Head ok;  // plain 200 text/html
        auto rest = [&](std::string_view prefix) -> std::optional<std::string_view> {
            if (path.size() > prefix.size() && std::string_view(path).substr(0, prefix.size()) == prefix)
                return std::string_view(path).substr(prefix.size());
            return std::nullopt;
        };

        if (auto page = opts.pages.find(path); page != opts.pages.end()) {
            if (opts.page_delay.count() == 0) co_return co_await simple(st, req, ok, page->second);
            Head h;
            h.content_length = page->second.size();
            h.close = !req.keep_alive;
            co_await write(st, render(h));
            asio::steady_timer pause(co_await asio::this_coro::executor, opts.page_delay);
            co_await pause.async_wait(use_awaitable);
            co_await write(st, page->second);
            co_return h.close ? Next::Close : Next::KeepAlive;
        }
        if (path == "/" || path == "/ok") {
            co_return co_await simple(st, req, ok, kOkBody);
        }
        if (auto r = rest("/status/")) {
            if (auto code = parse_number<int>(*r); code && *code >= 100 && *code <= 999) {
                Head h;
                h.status = *code;
                if (*code < 200 || *code == 204 || *code == 304) {
                    h.close = !req.keep_alive;
                    const std::string text = render(h);
                    co_await write(st, text);
                    co_return h.close ? Next::Close : Next::KeepAlive;
                }
                const std::string body = "<!doctype html>status " + std::to_string(*code);
                co_return co_await simple(st, req, h, body);
            }
        }
        if (auto r = rest("/redirect/")) {
            if (auto n = parse_number<unsigned>(*r)) {
                if (*n == 0) co_return co_await simple(st, req, ok, "<!doctype html>redirected");
                Head h;
                h.status = 302;
                h.extra = "Location: /redirect/" + std::to_string(*n - 1) + "\r\n";
                co_return co_await simple(st, req, h, "<!doctype html>redirect");
            }
        }
        if (auto r = rest("/redirect-code/")) {
            if (auto code = parse_number<int>(*r); code && *code >= 100 && *code <= 999) {
                Head h;
                h.status = *code;
                h.extra = "Location: /ok\r\n";
                co_return co_await simple(st, req, h, "<!doctype html>redirect");
            }
        }
        if (path == "/redirect-relative") {
            Head h;
            h.status = 301;
            h.extra = "Location: ok\r\n";
            co_return co_await simple(st, req, h, "<!doctype html>redirect");
        }
        if (path == "/redirect-to") {
            std::string location = percent_decode(query_param(req.query, "url"));
            // keep the response parseable whatever the value
            std::erase_if(location, [](char c) { return c == '\r' || c == '\n'; });
            Head h;
            h.status = 302;
            h.extra = "Location: " + location + "\r\n";
            co_return co_await simple(st, req, h, "<!doctype html>redirect");
        }
        if (path == "/auth") {
            // Basic authentication as user "user", password "secret".
            if (req.authorization == "Basic dXNlcjpzZWNyZXQ=")
                co_return co_await simple(st, req, ok, "<!doctype html>welcome");
            Head h;
            h.status = 401;
            h.extra = "WWW-Authenticate: Basic realm=\"test\"\r\n";
            co_return co_await simple(st, req, h, "<!doctype html>who are you");
        }
        if (path == "/redirect-then-hang-up") {
            // Promises to keep the connection, then closes it at once, as a server whose
            // keep-alive timeout is shorter than the client's next request does.
            Head h;
            h.status = 302;
            h.extra = "Location: /ok\r\n";
            co_await simple(st, req, h, "<!doctype html>redirect");
            co_return Next::Close;
        }
        if (path == "/loop") {
            Head h;
            h.status = 302;
            h.extra = "Location: /loop\r\n";
            co_return co_await simple(st, req, h, "<!doctype html>loop");
        }
        if (path == "/chunked") {
            Head h;
            h.chunked = true;
            h.close = !req.keep_alive;
            const std::string text = render(h);
            co_await write(st, text);
            static constexpr std::array<std::string_view, 5> pieces = {"<!doctype html>\n", "<p>", "chun", "ked</p>",
                                                                       "\n"};
            for (std::string_view p : pieces) {
                std::string chunk = chunk_size_line(p.size()) + std::string(p) + "\r\n";
                co_await write(st, chunk);
            }
            co_await write(st, "0\r\n\r\n");
            co_return h.close ? Next::Close : Next::KeepAlive;
        }
        if (path == "/gzip" || path == "/deflate" || path == "/deflate-raw") {
            std::string body = path == "/gzip" ? compress("<!doctype html>\n<p>gzip</p>\n", 15 + 16)
                               : path == "/deflate" ? compress("<!doctype html>\n<p>deflate</p>\n", 15)
                                                    : compress("<!doctype html>\n<p>deflate-raw</p>\n", -15);
            Head h;
            h.extra = path == "/gzip" ? "Content-Encoding: gzip\r\n" : "Content-Encoding: deflate\r\n";
            co_return co_await simple(st, req, h, body);
        }
        if (path == "/br") {
            Head h;
            h.extra = "Content-Encoding: br\r\n";
            const std::string body = brotli("<!doctype html>\n<p>brotli</p>\n");
            co_return co_await simple(st, req, h, body);
        }
        if (path == "/coded") {
            // ?content=LIST: Content-Encoding, applied in order (lines=2: one line a coding);
            // ?transfer=LIST: Transfer-Encoding codings applied after them, then chunked.
            const std::string content = percent_decode(query_param(req.query, "content"));
            const std::string transfer = percent_decode(query_param(req.query, "transfer"));
            const std::string body = encode(encode(std::string(kOkBody), content), transfer);
            Head h;
            h.close = !req.keep_alive;
            if (query_param(req.query, "lines") == "2") {
                std::string_view list = content;
                while (!list.empty()) {
                    const auto comma = list.find(',');
                    h.extra += "Content-Encoding: " + std::string(trim(list.substr(0, comma))) + "\r\n";
                    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
                }
            } else if (!content.empty()) {
                h.extra += "Content-Encoding: " + content + "\r\n";
            }
            if (transfer.empty()) co_return co_await simple(st, req, h, body);
            h.extra += "Transfer-Encoding: " + transfer + ", chunked\r\n";
            co_await write(st, render(h) + chunk_size_line(body.size()) + body + "\r\n0\r\n\r\n");
            co_return h.close ? Next::Close : Next::KeepAlive;
        }
        if (auto r = rest("/redirect-encoded/")) {
            // A redirect on a kept-alive connection whose body is not in the coding it names.
            Head h;
            h.status = 302;
            h.extra = "Location: /ok\r\nContent-Encoding: " + std::string(*r) + "\r\n";
            co_return co_await simple(st, req, h, "<!doctype html>not encoded at all");
        }
        if (path == "/brotli-bomb") {
            // Tells /after-bomb once the whole body is on its way.
            if (bomb.empty()) bomb = brotli_bomb();
            Head h;
            h.extra = "Content-Encoding: br\r\n";
            const Next next = co_await simple(st, req, h, bomb);
            bomb_sent = true;
            for (auto& w : barriers[kBombSent]) {
                w->released = true;
                w->timer.cancel();
            }
            barriers.erase(kBombSent);
            co_return next;
        }
        if (path == "/after-bomb") {
            // Answers only once /brotli-bomb has sent its body: this page's check runs while
            // the bomb's is decoding.
            if (!bomb_sent && !co_await wait_for(kBombSent)) co_return Next::Abort;
            co_return co_await simple(st, req, ok, kOkBody);
        }
        // A body sent as is, labelled with any coding (percent-decoded from the path).
        if (auto r = rest("/encoding/")) {
            Head h;
            h.extra = "Content-Encoding: " + percent_decode(*r) + "\r\n";
            co_return co_await simple(st, req, h, kOkBody);
        }
        if (path == "/bad-gzip" || path == "/bad-gzip-late") {
            // A body that is not gzip, sent with its head or a moment after it.
            Head h;
            h.extra = "Content-Encoding: gzip\r\n";
            h.content_length = 24;
            h.close = true;
            const std::string head = render(h);
            const std::string body = "this is not gzip at all!";
            if (path == "/bad-gzip") {
                co_await write(st, head + body);
            } else {
                co_await write(st, head);
                asio::steady_timer pause(st.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_awaitable);
                co_await write(st, body);
            }
            co_return Next::Close;
        }
        if (auto r = rest("/charset/")) {
            for (const auto& page : charset_pages) {
                if (page.path != *r) continue;
                Head h;
                std::string type = page.charset.empty() ? "text/html" : "text/html; charset=" + std::string(page.charset);
                if (page.path == "quoted-semicolon")
                    type = "text/html; title=\"a;charset=koi8-r\"; charset=" + std::string(page.charset);
                h.content_type = type;
                co_return co_await simple(st, req, h, page.body);
            }
        }
        if (auto r = rest("/big/")) {
            if (auto n = parse_number<std::uint64_t>(*r)) co_return co_await big(st, req, *n, false);
        }
        if (auto r = rest("/big-chunked/")) {
            if (auto n = parse_number<std::uint64_t>(*r)) co_return co_await big(st, req, *n, true);
        }
        if (path == "/utf8") {
            co_return co_await simple(st, req, ok,
                                      "  Gr\xC3\xBC\xC3\x9F" "e, \xE4\xB8\x96\xE7\x95\x8C! \xF0\x9F\x99\x82 "
                                      "\xE2\x80\x94 und mehr Text hier\n");
        }
        if (path == "/latin1") {
            Head h;
            h.content_type = "text/html; charset=ISO-8859-1";
            co_return co_await simple(st, req, h, "Gr\xfc\xdf" "e aus K\xf6ln und mehr\n");
        }
        if (path == "/invalid-utf8") {
            co_return co_await simple(st, req, ok, "ab\xff\xfe\xc3" "cd and then some more text\n");
        }
        if (path == "/controls") {
            co_return co_await simple(st, req, ok, "\x1b[31mred\x07\ttab\r\nline");
        }
        if (path == "/bom") {
            // UTF-8 with a byte-order mark, which decoding keeps: U+FEFF starts the text.
            co_return co_await simple(st, req, ok, "\xEF\xBB\xBF<!doctype html>\n<p>marked</p>\n");
        }
        if (path == "/empty") {
            co_return co_await simple(st, req, ok, "");
        }
        if (path == "/no-length") {
            Head h;
            h.close = true;
            const std::string text = render(h) + "<!doctype html>\n<p>no length</p>\n";
            co_await write(st, text);
            co_return Next::Close;
        }
        if (path == "/hang") {
            co_await drain(st);
            co_return Next::Abort;
        }
        if (path == "/cut-after-body" || path == "/deaf-after-body") {
            Head h;
            h.content_length = kOkBody.size();
            co_await write(st, render(h) + std::string(kOkBody));
            error_code ec;
            if (path == "/cut-after-body") {
                // The whole body, then a bare TCP close: no TLS close_notify.
                sock.shutdown(tcp::socket::shutdown_both, ec);
                sock.close(ec);
            } else {
                // The whole body, then nothing: no reading, no close_notify, no close.
                co_await sock.async_wait(tcp::socket::wait_error, asio::redirect_error(use_awaitable, ec));
            }
            co_return Next::Abort;
        }
        if (path == "/truncated" || path == "/stall-body") {
            Head h;
            h.content_length = 1000;
            std::string text = render(h) + "<!doctype html>\nxxxx";  // 20 bytes of body
            co_await write(st, text);
            if (path == "/stall-body") co_await drain(st);
            co_return Next::Abort;
        }
        if (path == "/stall-deaf") {
            // 20 bytes of a 1000-byte body, then nothing: no reading, so no close_notify is
            // ever seen or answered, and no close until the client's.
            Head h;
            h.content_length = 1000;
            co_await write(st, render(h) + "<!doctype html>\nxxxx");
            error_code ec;
            co_await sock.async_wait(tcp::socket::wait_error, asio::redirect_error(use_awaitable, ec));
            co_return Next::Abort;
        }
        if (path == "/endless") {
            Head h;
            h.chunked = true;
            std::string text = render(h) + chunk_size_line(kDoctype.size()) + std::string(kDoctype) + "\r\n";
            co_await write(st, text);
            const std::size_t len = 16 * 1024;
            const std::string size_line = chunk_size_line(len);
            while (!stopping) {
                std::array<asio::const_buffer, 3> bufs = {asio::buffer(size_line), asio::buffer(filler.data(), len),
                                                          asio::buffer("\r\n", 2)};
                co_await asio::async_write(st, bufs, use_awaitable);
            }
            co_return Next::Abort;
        }
        if (path == "/endless-chunk-extension" || path == "/endless-trailer") {
            // A chunk, then a chunk-size line that never ends, or a last chunk whose trailer
            // section never ends. What the client takes is counted: it must stop reading.
            Head h;
            h.chunked = true;
            std::string text = render(h) + chunk_size_line(kDoctype.size()) + std::string(kDoctype) + "\r\n";
            text += path == "/endless-trailer" ? "0\r\n" : "10;a=";
            co_await write(st, text);
            std::string piece;
            if (path == "/endless-trailer") {
                while (piece.size() < kPiece) piece += "X-Trailer: " + std::string(1000, 't') + "\r\n";
            } else {
                piece.assign(kPiece, 'e');
            }
            // A client without a limit would take it all: 256 MiB, then the server waits, so that
            // such a client fails its test rather than the machine.
            for (std::uint64_t sent = 0; !stopping && sent < kFloodCap; sent += piece.size()) {
                co_await write(st, piece);
                std::lock_guard lk(mu);
                flooded += piece.size();
            }
            co_await drain(st);
            co_return Next::Abort;
        }
        if (path == "/content-length-twice" || path == "/content-length-conflict") {
            // RFC 9110 section 8.6: the same length twice is one length; two lengths are an error.
            Head h;
            h.content_length = kOkBody.size();
            h.extra = "Content-Length: " +
                      std::to_string(kOkBody.size() + (path == "/content-length-conflict" ? 10 : 0)) + "\r\n";
            co_await write(st, render(h) + std::string(kOkBody));
            co_return Next::KeepAlive;
        }
        if (path == "/endless-header") {
            std::string line = "X-Filler: " + std::string(1000, 'a') + "\r\n";
            std::string batch;
            for (int i = 0; i < 16; ++i) batch += line;
            co_await write(st, "HTTP/1.1 200 OK\r\nServer: sitecheck-test\r\nContent-Type: text/html; charset=utf-8\r\n");
            while (!stopping) co_await write(st, batch);
            co_return Next::Abort;
        }
        if (path == "/reset") {
            error_code ec;
            sock.set_option(asio::socket_base::linger(true, 0), ec);
            sock.close(ec);
            co_return Next::Abort;
        }
        if (auto r = rest("/barrier/")) {
            if (auto n = parse_number<std::uint64_t>(*r)) {
                if (!co_await barrier(*n)) co_return Next::Abort;
                co_return co_await simple(st, req, ok, "<!doctype html>barrier");
            }
        }
        Head h;
        h.status = 404;
        co_return co_await simple(st, req, h, "<!doctype html>not found");
    }

    // Waits until n requests are waiting on /barrier/n; false if stopping.
    awaitable<bool> barrier(std::uint64_t n) {
        auto& list = barriers[n];
        if (list.size() + 1 >= n) {
            for (auto& w : list) {
                w->released = true;
                w->timer.cancel();
            }
            list.clear();
            co_return true;
        }
        co_return co_await wait_for(n);
    }

    // Waits in barriers[key] until released; false if stopping.
    awaitable<bool> wait_for(std::uint64_t key) {
        auto& list = barriers[key];
        auto w = std::make_shared<Waiter>(ioc.get_executor());
        w->timer.expires_at(asio::steady_timer::time_point::max());
        list.push_back(w);
        while (!w->released && !stopping) {
            error_code ec;
            co_await w->timer.async_wait(asio::redirect_error(use_awaitable, ec));
        }
        co_return w->released;
    }

    template <class Stream>
    awaitable<Next> big(Stream& st, const Request& req, std::uint64_t n, bool chunked) {
        Head h;
        h.close = !req.keep_alive;
        if (chunked)
            h.chunked = true;
        else
            h.content_length = n;
        std::string text = render(h);
        std::uint64_t remaining = n;
        const std::size_t p = static_cast<std::size_t>(std::min<std::uint64_t>(n, kDoctype.size()));
        if (p > 0) {
            if (chunked) text += chunk_size_line(p);
            text.append(kDoctype.data(), p);
            if (chunked) text += "\r\n";
        }
        remaining -= p;
        co_await write(st, text);
        std::uint64_t sent = 0;
        while (remaining > 0) {
            const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kPiece));
            const std::size_t phase = static_cast<std::size_t>(sent % 64);
            if (chunked) {
                const std::string size_line = chunk_size_line(len);
                std::array<asio::const_buffer, 3> bufs = {asio::buffer(size_line),
                                                          asio::buffer(filler.data() + phase, len),
                                                          asio::buffer("\r\n", 2)};
                co_await asio::async_write(st, bufs, use_awaitable);
            } else {
                co_await asio::async_write(st, asio::buffer(filler.data() + phase, len), use_awaitable);
            }
            sent += len;
            remaining -= len;
        }
        if (chunked) co_await write(st, "0\r\n\r\n");
        co_return h.close ? Next::Close : Next::KeepAlive;
    }
};

LoopbackServer::LoopbackServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    Impl& m = *impl_;
    if (m.opts.tls) {
        m.tls_ctx.emplace(ssl::context::tls_server);
        m.tls_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
        m.tls_ctx->use_certificate_chain(asio::buffer(m.opts.tls->cert_pem));
        m.tls_ctx->use_private_key(asio::buffer(m.opts.tls->key_pem), ssl::context::pem);
        if (m.opts.require_client_certificate)
            m.tls_ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
        if (m.opts.tls12_only)
            SSL_CTX_set_max_proto_version(m.tls_ctx->native_handle(), TLS1_2_VERSION);
    }
    const auto address = m.opts.family == Family::V4 ? asio::ip::address(asio::ip::address_v4::loopback())
                                                     : asio::ip::address(asio::ip::address_v6::loopback());
    const tcp::endpoint ep(address, m.opts.port);
    m.acceptor.open(ep.protocol());
    m.acceptor.set_option(tcp::acceptor::reuse_address(true));
    if (m.opts.family == Family::V6) m.acceptor.set_option(asio::ip::v6_only(true));
    m.acceptor.bind(ep);
    m.acceptor.listen(asio::socket_base::max_listen_connections);
    m.port = m.acceptor.local_endpoint().port();
    asio::co_spawn(m.ioc, m.accept_loop(), [](std::exception_ptr) {});
    m.thread = std::thread([&m] {
        for (;;) {
            try {
                m.ioc.run();
                break;
            } catch (...) {
            }
        }
        {
            std::lock_guard lk(m.mu);
            m.run_done = true;
        }
        m.cv.notify_all();
    });
}

LoopbackServer::~LoopbackServer() {
    Impl& m = *impl_;
    asio::post(m.ioc, [&m] { m.stop_all(); });
    {
        std::unique_lock lk(m.mu);
        if (!m.cv.wait_for(lk, std::chrono::seconds(10), [&m] { return m.run_done; })) {
            lk.unlock();
            m.ioc.stop();  // last resort: remaining frames are destroyed with the io_context
        }
    }
    m.thread.join();
    m.barriers.clear();  // timers must go before the io_context
}

unsigned short LoopbackServer::port() const { return impl_->port; }

std::string LoopbackServer::host() const { return impl_->opts.family == Family::V4 ? "127.0.0.1" : "[::1]"; }

std::string LoopbackServer::url(std::string_view path) const { return url_for_host(host(), path); }

std::string LoopbackServer::url_for_host(std::string_view host, std::string_view path) const {
    std::string u = impl_->is_tls() ? "https://" : "http://";
    u += host;
    // Two appends, not ":" + to_string(): with Boost 1.90's headers g++ 12 inlines the latter
    // into a false -Wrestrict (GCC bug 105329).
    u += ':';
    u += std::to_string(impl_->port);
    if (path.empty() || path.front() != '/') u += '/';
    u += path;
    return u;
}

std::size_t LoopbackServer::connections_opened() const {
    std::lock_guard lk(impl_->mu);
    return impl_->opened;
}

std::size_t LoopbackServer::connections_closed() const {
    std::lock_guard lk(impl_->mu);
    return impl_->closed;
}

bool LoopbackServer::wait_for_closed(std::size_t n, std::chrono::milliseconds limit) const {
    std::unique_lock lk(impl_->mu);
    return impl_->cv.wait_for(lk, limit, [&] { return impl_->closed >= n; });
}

std::vector<std::string> LoopbackServer::sni_names() const {
    std::lock_guard lk(impl_->mu);
    return impl_->sni_names;
}

std::size_t LoopbackServer::close_notify_received() const {
    std::lock_guard lk(impl_->mu);
    return impl_->close_notify;
}

std::uint64_t LoopbackServer::bytes_flooded() const {
    std::lock_guard lk(impl_->mu);
    return impl_->flooded;
}

std::vector<std::string> LoopbackServer::request_heads() const {
    std::lock_guard lk(impl_->mu);
    return impl_->heads;
}

}  // namespace testsupport

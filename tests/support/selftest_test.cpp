// Self-test of the test support: a minimal synchronous Beast client against
// LoopbackServer and TestCA.

#include "support/ca.hpp"
#include "support/server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using testsupport::Behaviour;
using testsupport::Family;
using testsupport::LoopbackServer;
using testsupport::ServerOptions;
using testsupport::TestCA;
using testsupport::Validity;
using Response = http::response<http::string_body>;

constexpr auto kWait = std::chrono::seconds(20);
const std::string kOkBody = "<!doctype html>\n<html><body>ok</body></html>\n";

tcp::endpoint endpoint_of(const LoopbackServer& s) {
    const auto addr = s.host() == "[::1]" ? asio::ip::make_address("::1") : asio::ip::make_address("127.0.0.1");
    return {addr, s.port()};
}

template <class Stream> Response get(Stream& stream, const std::string& host, const std::string& target) {
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "support-selftest");
    http::write(stream, req);
    beast::flat_buffer buf;
    Response res;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buf, parser);
    return parser.release();
}

Response plain_get(const LoopbackServer& s, const std::string& target) {
    asio::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(endpoint_of(s));
    Response r = get(sock, s.host() + ":" + std::to_string(s.port()), target);
    beast::error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    return r;
}

struct TlsClient {
    TlsClient(const LoopbackServer& s, const std::string& ca_file, const std::string& name)
        : ctx(ssl::context::tls_client), stream(ioc, ctx) {
        ctx.load_verify_file(ca_file);
        stream.set_verify_mode(ssl::verify_peer);
        stream.set_verify_callback(ssl::host_name_verification(name));
        SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
        stream.next_layer().connect(endpoint_of(s));
    }
    asio::io_context ioc;
    ssl::context ctx;
    ssl::stream<tcp::socket> stream;
};

std::string inflate_all(const std::string& in, int window_bits) {
    z_stream zs{};
    EXPECT_EQ(inflateInit2(&zs, window_bits), Z_OK);
    std::string out(4096, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&zs, Z_FINISH);
    EXPECT_EQ(rc, Z_STREAM_END);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    return out;
}

bool big_body_ok(const std::string& body) {
    const std::string prefix = "<!doctype html>\n";
    for (std::size_t i = 0; i < body.size(); ++i) {
        char want = i < prefix.size() ? prefix[i] : ((i - prefix.size()) % 64 == 63 ? '\n' : 'x');
        if (body[i] != want) return false;
    }
    return true;
}

TEST(CA, MakesPems) {
    TestCA ca;
    EXPECT_NE(ca.ca_pem().find("BEGIN CERTIFICATE"), std::string::npos);
    auto leaf = ca.issue({"localhost"}, {"127.0.0.1", "::1"});
    EXPECT_NE(leaf.cert_pem.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_NE(leaf.key_pem.find("PRIVATE KEY"), std::string::npos);
    std::string file = ca.ca_file();
    EXPECT_EQ(::access(file.c_str(), R_OK), 0);
    {
        TestCA moved(std::move(ca));
        EXPECT_EQ(moved.ca_file(), file);
    }
    EXPECT_NE(::access(file.c_str(), F_OK), 0);  // removed with the CA
}

TEST(Plain, OkAndCounters) {
    LoopbackServer s;
    Response r = plain_get(s, "/ok");
    EXPECT_EQ(r.result_int(), 200u);
    EXPECT_EQ(r.body(), kOkBody);
    EXPECT_EQ(r[http::field::server], "sitecheck-test");
    EXPECT_EQ(r[http::field::content_type], "text/html; charset=utf-8");
    ASSERT_TRUE(s.wait_for_closed(1, kWait));
    EXPECT_EQ(s.connections_opened(), 1u);
    EXPECT_EQ(s.connections_closed(), 1u);
    auto heads = s.request_heads();
    ASSERT_EQ(heads.size(), 1u);
    EXPECT_EQ(heads[0].rfind("GET /ok HTTP/1.1\r\n", 0), 0u);
    EXPECT_NE(heads[0].find("User-Agent: support-selftest\r\n"), std::string::npos);
    EXPECT_EQ(s.url("/x"), "http://127.0.0.1:" + std::to_string(s.port()) + "/x");
}

TEST(Plain, KeepAliveTwoRequestsOneConnection) {
    LoopbackServer s;
    asio::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(endpoint_of(s));
    EXPECT_EQ(get(sock, "127.0.0.1", "/ok").result_int(), 200u);
    EXPECT_EQ(get(sock, "127.0.0.1", "/status/404").result_int(), 404u);
    sock.close();
    ASSERT_TRUE(s.wait_for_closed(1, kWait));
    EXPECT_EQ(s.connections_opened(), 1u);
    EXPECT_EQ(s.request_heads().size(), 2u);
}

TEST(Plain, IPv6) {
    ServerOptions o;
    o.family = Family::V6;
    LoopbackServer s(o);
    EXPECT_EQ(s.host(), "[::1]");
    EXPECT_EQ(plain_get(s, "/").body(), kOkBody);
}

TEST(Plain, Routes) {
    LoopbackServer s;
    EXPECT_EQ(plain_get(s, "/status/500").result_int(), 500u);
    EXPECT_EQ(plain_get(s, "/status/500").body(), "<!doctype html>status 500");
    EXPECT_EQ(plain_get(s, "/nothing-here").result_int(), 404u);

    Response r = plain_get(s, "/redirect/2");
    EXPECT_EQ(r.result_int(), 302u);
    EXPECT_EQ(r[http::field::location], "/redirect/1");
    EXPECT_EQ(plain_get(s, "/redirect/0").body(), "<!doctype html>redirected");
    r = plain_get(s, "/redirect-code/307");
    EXPECT_EQ(r.result_int(), 307u);
    EXPECT_EQ(r[http::field::location], "/ok");
    r = plain_get(s, "/redirect-relative");
    EXPECT_EQ(r.result_int(), 301u);
    EXPECT_EQ(r[http::field::location], "ok");
    r = plain_get(s, "/redirect-to?url=https%3A%2F%2Flocalhost%3A1%2Fok%3Fa%3Db");
    EXPECT_EQ(r.result_int(), 302u);
    EXPECT_EQ(r[http::field::location], "https://localhost:1/ok?a=b");
    EXPECT_EQ(plain_get(s, "/loop")[http::field::location], "/loop");

    r = plain_get(s, "/chunked");
    EXPECT_TRUE(r.chunked());
    EXPECT_EQ(r.body(), "<!doctype html>\n<p>chunked</p>\n");

    r = plain_get(s, "/gzip");
    EXPECT_EQ(r[http::field::content_encoding], "gzip");
    EXPECT_EQ(inflate_all(r.body(), 15 + 16), "<!doctype html>\n<p>gzip</p>\n");
    r = plain_get(s, "/deflate");
    EXPECT_EQ(r[http::field::content_encoding], "deflate");
    EXPECT_EQ(inflate_all(r.body(), 15), "<!doctype html>\n<p>deflate</p>\n");
    r = plain_get(s, "/deflate-raw");
    EXPECT_EQ(inflate_all(r.body(), -15), "<!doctype html>\n<p>deflate-raw</p>\n");

    r = plain_get(s, "/big/1000000");
    EXPECT_EQ(r.body().size(), 1000000u);
    EXPECT_TRUE(big_body_ok(r.body()));
    r = plain_get(s, "/big-chunked/300001");
    EXPECT_TRUE(r.chunked());
    EXPECT_EQ(r.body().size(), 300001u);
    EXPECT_TRUE(big_body_ok(r.body()));
    EXPECT_EQ(plain_get(s, "/big/5").body(), "<!doc");

    r = plain_get(s, "/empty");
    EXPECT_EQ(r.result_int(), 200u);
    EXPECT_EQ(r[http::field::content_length], "0");
    EXPECT_EQ(r.body(), "");
    EXPECT_EQ(plain_get(s, "/utf8").body(), "  Gr\xC3\xBC\xC3\x9F" "e, \xE4\xB8\x96\xE7\x95\x8C! \xF0\x9F\x99\x82 "
                                            "\xE2\x80\x94 und mehr Text hier\n");
    r = plain_get(s, "/latin1");
    EXPECT_EQ(r[http::field::content_type], "text/html; charset=ISO-8859-1");
    EXPECT_EQ(r.body(), "Gr\xfc\xdf" "e aus K\xf6ln und mehr\n");
    EXPECT_EQ(plain_get(s, "/controls").body(), "\x1b[31mred\x07\ttab\r\nline");
    EXPECT_EQ(plain_get(s, "/invalid-utf8").body().substr(0, 7), "ab\xff\xfe\xc3" "cd");

    r = plain_get(s, "/no-length");
    EXPECT_EQ(r.result_int(), 200u);
    EXPECT_FALSE(r.has_content_length());
    EXPECT_EQ(r.body(), "<!doctype html>\n<p>no length</p>\n");
}

TEST(Plain, BrokenResponses) {
    LoopbackServer s;
    {
        asio::io_context ioc;
        tcp::socket sock(ioc);
        sock.connect(endpoint_of(s));
        EXPECT_THROW(get(sock, "x", "/truncated"), boost::system::system_error);
    }
    {
        asio::io_context ioc;
        tcp::socket sock(ioc);
        sock.connect(endpoint_of(s));
        EXPECT_THROW(get(sock, "x", "/reset"), boost::system::system_error);
    }
    {
        asio::io_context ioc;
        tcp::socket sock(ioc);
        sock.connect(endpoint_of(s));
        EXPECT_THROW(get(sock, "x", "/endless-header"), boost::system::system_error);  // header limit
    }
    ASSERT_TRUE(s.wait_for_closed(3, kWait));
}

TEST(Plain, Garbage) {
    ServerOptions o;
    o.behaviour = Behaviour::Garbage;
    LoopbackServer s(o);
    asio::io_context ioc;
    tcp::socket sock(ioc);
    sock.connect(endpoint_of(s));
    std::string got;
    beast::error_code ec;
    asio::read(sock, asio::dynamic_buffer(got), ec);
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_EQ(got, "SSH-2.0-OpenSSH_9.0\r\n");
    sock.close();
    EXPECT_TRUE(s.wait_for_closed(1, kWait));
}

// Stalled clients and servers must not stop the destructor from returning.
TEST(Plain, StopsWithStalledConnections) {
    asio::io_context ioc;
    std::vector<tcp::socket> socks;
    {
        LoopbackServer s;
        ServerOptions o;
        o.behaviour = Behaviour::Silent;
        LoopbackServer silent(o);
        for (const char* target : {"/hang", "/stall-body", "/endless", "/big/1073741824", "/barrier/5"}) {
            socks.emplace_back(ioc);
            socks.back().connect(endpoint_of(s));
            std::string req = std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
            asio::write(socks.back(), asio::buffer(req));
        }
        socks.emplace_back(ioc);
        socks.back().connect(endpoint_of(silent));
        asio::write(socks.back(), asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
        // make sure every request arrived before stopping
        while (s.request_heads().size() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    SUCCEED();
}

TEST(Tls, StopsWithStalledConnections) {
    TestCA ca;
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca.ca_file());
    std::vector<std::unique_ptr<ssl::stream<tcp::socket>>> streams;
    std::vector<tcp::socket> raw;
    {
        ServerOptions o;
        o.tls = ca.issue({"localhost"}, {"127.0.0.1"});
        LoopbackServer s(o);
        for (const char* target : {"/hang", "/stall-body", "/endless", "/big-chunked/1073741824", "/barrier/3"}) {
            streams.push_back(std::make_unique<ssl::stream<tcp::socket>>(ioc, ctx));
            streams.back()->next_layer().connect(endpoint_of(s));
            streams.back()->handshake(ssl::stream_base::client);
            std::string req = std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
            asio::write(*streams.back(), asio::buffer(req));
        }
        raw.emplace_back(ioc);  // connected, never starts the handshake
        raw.back().connect(endpoint_of(s));
        while (s.request_heads().size() < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    SUCCEED();
}

TEST(Plain, ClientGoingAwayIsCounted) {
    LoopbackServer s;
    asio::io_context ioc;
    for (const char* target : {"/hang", "/stall-body", "/endless", "/big/1073741824", "/endless-header"}) {
        tcp::socket sock(ioc);
        sock.connect(endpoint_of(s));
        std::string req = std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
        asio::write(sock, asio::buffer(req));
        std::array<char, 10> buf;
        if (std::string_view(target) != "/hang") asio::read(sock, asio::buffer(buf));
    }
    ASSERT_TRUE(s.wait_for_closed(5, kWait));
    EXPECT_EQ(s.connections_opened(), 5u);
}

TEST(Plain, BarrierAnswersWhenAllWait) {
    LoopbackServer s;
    for (int n : {2, 3}) {
        std::vector<std::thread> threads;
        std::vector<unsigned> status(static_cast<std::size_t>(n), 0);
        for (int i = 0; i < n; ++i) {
            threads.emplace_back([&, i] {
                status[static_cast<std::size_t>(i)] =
                    plain_get(s, "/barrier/" + std::to_string(n)).result_int();
            });
        }
        for (auto& t : threads) t.join();
        for (unsigned st : status) EXPECT_EQ(st, 200u);
    }
    EXPECT_EQ(s.request_heads().size(), 5u);
}

TEST(Tls, VerifiedGetAndCloseNotify) {
    TestCA ca;
    ServerOptions o;
    o.tls = ca.issue({"localhost"}, {"127.0.0.1", "::1"});
    LoopbackServer s(o);
    EXPECT_EQ(s.url_for_host("localhost", "/ok"), "https://localhost:" + std::to_string(s.port()) + "/ok");
    {
        TlsClient c(s, ca.ca_file(), "localhost");
        c.stream.handshake(ssl::stream_base::client);
        Response r = get(c.stream, "localhost:" + std::to_string(s.port()), "/ok");
        EXPECT_EQ(r.result_int(), 200u);
        EXPECT_EQ(r.body(), kOkBody);
        r = get(c.stream, "localhost", "/big/200000");
        EXPECT_TRUE(big_body_ok(r.body()));
        c.stream.shutdown();  // sends close_notify, waits for the server's
    }
    ASSERT_TRUE(s.wait_for_closed(1, kWait));
    EXPECT_EQ(s.close_notify_received(), 1u);
    {
        // no close_notify: just drop the TCP connection
        TlsClient c(s, ca.ca_file(), "localhost");
        c.stream.handshake(ssl::stream_base::client);
        EXPECT_EQ(get(c.stream, "localhost", "/ok").result_int(), 200u);
    }
    ASSERT_TRUE(s.wait_for_closed(2, kWait));
    EXPECT_EQ(s.close_notify_received(), 1u);
    EXPECT_EQ(s.connections_opened(), 2u);
}

TEST(Tls, NoLengthEndsWithCloseNotify) {
    TestCA ca;
    ServerOptions o;
    o.tls = ca.issue({"localhost"}, {"127.0.0.1"});
    LoopbackServer s(o);
    TlsClient c(s, ca.ca_file(), "localhost");
    c.stream.handshake(ssl::stream_base::client);
    Response r = get(c.stream, "localhost", "/no-length");
    EXPECT_EQ(r.body(), "<!doctype html>\n<p>no length</p>\n");
    beast::error_code ec;
    c.stream.shutdown(ec);
    ASSERT_TRUE(s.wait_for_closed(1, kWait));
    EXPECT_EQ(s.close_notify_received(), 1u);
}

TEST(Tls, SelfSignedFailsVerification) {
    TestCA ca;
    ServerOptions o;
    o.tls = TestCA::self_signed({"localhost"}, {"127.0.0.1"});
    LoopbackServer s(o);
    TlsClient c(s, ca.ca_file(), "localhost");
    beast::error_code ec;
    c.stream.handshake(ssl::stream_base::client, ec);
    ASSERT_TRUE(ec);
    EXPECT_NE(ec.message().find("certificate verify failed"), std::string::npos) << ec.message();
}

TEST(Tls, ExpiredAndWrongNameFail) {
    TestCA ca;
    for (int variant = 0; variant < 3; ++variant) {
        ServerOptions o;
        std::string name = "localhost";
        if (variant == 0) o.tls = ca.issue({"localhost"}, {}, Validity::Expired);
        if (variant == 1) o.tls = ca.issue({"localhost"}, {}, Validity::NotYetValid);
        if (variant == 2) {
            o.tls = ca.issue({"localhost"}, {});
            name = "other.test";
        }
        LoopbackServer s(o);
        TlsClient c(s, ca.ca_file(), name);
        beast::error_code ec;
        c.stream.handshake(ssl::stream_base::client, ec);
        ASSERT_TRUE(ec) << variant;
        EXPECT_NE(ec.message().find("certificate verify failed"), std::string::npos) << ec.message();
    }
}

TEST(Tls, IpAddressSanOverIPv6) {
    TestCA ca;
    ServerOptions o;
    o.family = Family::V6;
    o.tls = ca.issue({"localhost"}, {"127.0.0.1", "::1"});
    LoopbackServer s(o);
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file(ca.ca_file());
    ssl::stream<tcp::socket> stream(ioc, ctx);
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification("::1"));
    stream.next_layer().connect(endpoint_of(s));
    stream.handshake(ssl::stream_base::client);
    EXPECT_EQ(get(stream, "[::1]", "/ok").result_int(), 200u);
}

}  // namespace

// What a connection expects of its peer's certificate (detail::expect_peer), checked with a
// real handshake against a loopback server whose certificate the run-time CA issued.
#include "net/tls.hpp"

#include "support/run.hpp"
#include "support/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include <string>

namespace asio = boost::asio;
using testsupport::LoopbackServer;
using testsupport::TestCA;

namespace {

// Connects to `server` on 127.0.0.1 expecting the certificate of `host`; returns the
// handshake's verify result (X509_V_OK when the certificate was accepted).
long handshake(const TestCA& ca, const LoopbackServer& server, const std::string& host)
{
    long verify_result = -1;
    auto main = [&]() -> asio::awaitable<void> {
        auto context = sitecheck::make_tls_context(ca.ca_file());
        asio::ssl::stream<asio::ip::tcp::socket> stream(co_await asio::this_coro::executor, context->context);
        co_await stream.next_layer().async_connect(
            {asio::ip::make_address("127.0.0.1"), server.port()}, asio::use_awaitable);
        sitecheck::detail::expect_peer(stream.native_handle(), host, false);
        co_await stream.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
        verify_result = SSL_get_verify_result(stream.native_handle());
    };
    EXPECT_FALSE(testsupport::run(main()));
    return verify_result;
}

} // namespace

TEST(Tls, WildcardCoversOneWholeLabel)
{
    TestCA ca;
    LoopbackServer server({.tls = ca.issue({"*.sitecheck.test"}, {})});
    EXPECT_EQ(handshake(ca, server, "www.sitecheck.test"), X509_V_OK);
}

TEST(Tls, PartialWildcardIsRefused)
{
    // As Python and curl do: "w*" is not a label pattern a certificate may use.
    TestCA ca;
    LoopbackServer server({.tls = ca.issue({"w*.sitecheck.test"}, {})});
    EXPECT_EQ(handshake(ca, server, "www.sitecheck.test"), X509_V_ERR_HOSTNAME_MISMATCH);
}

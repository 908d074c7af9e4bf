// Session, one class used both ways against the loopback servers: with() from plain code and
// plain threads, async_with() from coroutines. Both close politely; both fail the same way.
#include "session.hpp"
#include "with.hpp"

#include "net/tls.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "sitecheck/errors.hpp"
#include "support/servers.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

namespace asio = boost::asio;
using asio::awaitable;
using testsupport::LoopbackServer;
using testsupport::servers;
using namespace std::chrono_literals;

namespace {

class SessionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        sitecheck::settings().tls = sitecheck::make_tls_context(servers().ca.ca_file());
        sitecheck::settings().timeout = std::chrono::seconds(10);
    }
    void TearDown() override { sitecheck::settings().timeout = std::chrono::seconds(30); }

    void expect_all_closed_politely(std::size_t connections)
    {
        ASSERT_TRUE(server.wait_for_closed(connections, 10s));
        EXPECT_EQ(server.connections_opened(), connections);
        EXPECT_EQ(server.close_notify_received(), connections);
    }

    LoopbackServer server{testsupport::ServerOptions{
        testsupport::Family::V4, servers().ca.issue({"localhost"}, {"127.0.0.1"})}};
};

std::string blocking_error(const std::string& url)
{
    try {
        with(Session(url), [](Session::BlockingResponse& response) { response.text(); });
    } catch (...) {
        return sitecheck::describe(std::current_exception());
    }
    return "no error";
}

} // namespace

TEST_F(SessionTest, BlockingUseNeedsNoCoroutineAndNoIoContext)
{
    int status = 0;
    std::string text;
    with(Session(server.url_for_host("localhost", "/latin1")), [&](Session::BlockingResponse& response) {
        status = response.status();
        text = response.text();
    });
    EXPECT_EQ(status, 200);
    EXPECT_EQ(text, "Grüße aus Köln und mehr\n");
    expect_all_closed_politely(1);
}

TEST_F(SessionTest, AsynchronousUseIsV1s)
{
    int status = 0;
    std::string text;
    asio::io_context io;
    asio::co_spawn(io, [&]() -> awaitable<void> {
        co_await async_with(Session(server.url("/gzip")), [&](sitecheck::Response& response) -> awaitable<void> {
            status = response.status();
            text = co_await response.text();
        });
    }, [](std::exception_ptr e) { EXPECT_FALSE(e); });
    io.run();
    EXPECT_EQ(status, 200);
    EXPECT_EQ(text, "<!doctype html>\n<p>gzip</p>\n");
    expect_all_closed_politely(1);
}

TEST_F(SessionTest, BlockingPathRunsOnPlainThreadsEachWithItsOwnLoop)
{
    // Both threads block inside with() at once: the barrier answers only when both requests
    // wait, so neither Session can be waiting on the other's event loop.
    int statuses[2] = {0, 0};
    std::thread threads[2];
    for (int i = 0; i < 2; ++i)
        threads[i] = std::thread([&, i] {
            with(Session(server.url("/barrier/2?" + std::to_string(i))),
                 [&](Session::BlockingResponse& response) {
                     statuses[i] = response.status();
                     response.text();
                 });
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(statuses[0], 200);
    EXPECT_EQ(statuses[1], 200);
    expect_all_closed_politely(2);
}

TEST_F(SessionTest, BlockingPathKeepsTheDeadlineRedirectsAndTls)
{
    sitecheck::settings().timeout = std::chrono::milliseconds(300);
    EXPECT_EQ(blocking_error(server.url("/hang")), "timed out after 0.3 s");
    EXPECT_EQ(blocking_error(server.url("/loop")), "too many redirects");
    EXPECT_EQ(blocking_error(servers().self_signed.url("/ok")),
              "certificate verify failed: self-signed certificate");
    EXPECT_EQ(blocking_error("http://127.0.0.1:" + std::to_string(servers().closed_port) + "/"),
              "connection refused");
    EXPECT_EQ(blocking_error(server.url("/truncated")), "response body ended early");
}

TEST_F(SessionTest, BlockingExitRunsWhenTheBodyThrows)
{
    EXPECT_THROW(with(Session(server.url("/ok")),
                      [](Session::BlockingResponse&) { throw std::runtime_error("body failed"); }),
                 std::runtime_error);
    expect_all_closed_politely(1);
}

TEST_F(SessionTest, AResponseKeptPastItsBlockCannotBeReadAnyMore)
{
    for (const char* path : {"/big/2000000", "/ok"}) {
        std::optional<Session::BlockingResponse> kept;
        with(Session(server.url(path)), [&](Session::BlockingResponse& response) { kept.emplace(std::move(response)); });
        EXPECT_THROW(
            {
                try {
                    kept->text();
                } catch (const sitecheck::CheckError& e) {
                    EXPECT_STREQ(e.what(), "the session is closed");
                    throw;
                }
            },
            sitecheck::CheckError);

        std::optional<sitecheck::Response> kept_async;
        std::string message;
        asio::io_context io;
        sitecheck::run_until_complete(io, [&]() -> awaitable<void> {
            co_await async_with(Session(server.url(path)), [&](sitecheck::Response& response) -> awaitable<void> {
                kept_async.emplace(std::move(response));
                co_return;
            });
            try {
                co_await kept_async->text();
            } catch (const sitecheck::CheckError& e) {
                message = e.what();
            }
        }());
        EXPECT_EQ(message, "the session is closed") << path;
    }
}

TEST_F(SessionTest, BlockingUseInsideARunningLoopIsRefusedBeforeAnythingIsSent)
{
    // Python: RuntimeError, "Cannot run the event loop while another loop is running".
    asio::io_context io;
    std::string message;
    sitecheck::run_until_complete(io, [&]() -> awaitable<void> {
        try {
            with(Session(server.url("/ok")), [](Session::BlockingResponse&) {});
        } catch (const std::logic_error& e) {
            message = e.what();
        }
        co_return;
    }());
    EXPECT_NE(message.find("running event loop"), std::string::npos) << message;
    EXPECT_EQ(server.connections_opened(), 0u);
}

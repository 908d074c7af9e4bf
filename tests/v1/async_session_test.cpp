// AsyncSession closes its connection on every path, and the loopback server sees it: after
// success, after the body throws, and after the body is cancelled.
#include "async_session.hpp"
#include "async_with.hpp"

#include "net/tls.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "sitecheck/errors.hpp"
#include "support/run.hpp"
#include "support/servers.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>

namespace asio = boost::asio;
using asio::awaitable;
using testsupport::LoopbackServer;
using testsupport::run;
using namespace std::chrono_literals;

namespace {

class AsyncSessionTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        sitecheck::settings().tls = sitecheck::make_tls_context(testsupport::servers().ca.ca_file());
        sitecheck::settings().timeout = std::chrono::seconds(10);
    }

    // Every connection the server saw has ended, each with the client's close_notify.
    void expect_all_closed_politely(std::size_t connections)
    {
        ASSERT_TRUE(server.wait_for_closed(connections, 10s));
        EXPECT_EQ(server.connections_opened(), connections);
        EXPECT_EQ(server.connections_closed(), connections);
        EXPECT_EQ(server.close_notify_received(), connections);
    }

    LoopbackServer server{testsupport::ServerOptions{
        testsupport::Family::V4, testsupport::servers().ca.issue({"localhost"}, {"127.0.0.1"})}};
};

} // namespace

TEST_F(AsyncSessionTest, EnterReturnsTheResponseWithItsBodyUnread)
{
    int status = 0;
    std::string text;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(AsyncSession(server.url("/utf8")), [&](sitecheck::Response& response) -> awaitable<void> {
            status = response.status();
            text = co_await response.text();
        });
    }());
    EXPECT_FALSE(error);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(text, "  Grüße, 世界! 🙂 — und mehr Text hier\n");
    expect_all_closed_politely(1);
}

TEST_F(AsyncSessionTest, ClosesAfterTheBodyThrows)
{
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(AsyncSession(server.url("/ok")), [&](sitecheck::Response&) -> awaitable<void> {
            throw std::runtime_error("the body failed");
            co_return;
        });
    }());
    ASSERT_TRUE(error);
    EXPECT_THROW(std::rethrow_exception(error), std::runtime_error);
    expect_all_closed_politely(1);
}

TEST_F(AsyncSessionTest, ClosesAfterTheBodyIsCancelled)
{
    using namespace asio::experimental::awaitable_operators;
    bool status_seen = false;
    auto error = run([&]() -> awaitable<void> {
        // The other side of the race: it ends once the body has its status, while the body
        // stalls reading a page that never ends, so it wins and cancels the body there, with
        // no clock involved.
        asio::steady_timer gate(co_await asio::this_coro::executor, std::chrono::hours(1));
        auto winner = co_await (async_with(AsyncSession(server.url("/stall-body")),
                                           [&](sitecheck::Response& response) -> awaitable<void> {
                                               status_seen = response.status() == 200;
                                               gate.cancel();
                                               co_await response.text();
                                           }) ||
                                gate.async_wait(asio::as_tuple(asio::use_awaitable)));
        EXPECT_EQ(winner.index(), 1u);
    }());
    EXPECT_FALSE(error);
    EXPECT_TRUE(status_seen);
    expect_all_closed_politely(1);
}

TEST_F(AsyncSessionTest, AResponseKeptPastItsBlockCannotBeReadAnyMore)
{
    // A page still arriving, a small page unread, a page read in full: after the block, the
    // session is closed and reading is a clear error (aiohttp: ClientConnectionError).
    for (const bool read_inside : {false, true}) {
        for (const char* path : {"/big/2000000", "/ok"}) {
            std::optional<sitecheck::Response> kept;
            std::string message;
            auto error = run([&]() -> awaitable<void> {
                co_await async_with(AsyncSession(server.url(path)),
                                    [&](sitecheck::Response& response) -> awaitable<void> {
                                        if (read_inside)
                                            co_await response.text();
                                        kept.emplace(std::move(response));
                                    });
                try {
                    co_await kept->text();
                } catch (const sitecheck::CheckError& e) {
                    message = e.what();
                }
            }());
            EXPECT_FALSE(error);
            EXPECT_EQ(message, "the session is closed") << path;
        }
    }
}

TEST_F(AsyncSessionTest, RedirectsOnOneServerShareOneConnection)
{
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(AsyncSession(server.url("/redirect/2")), [&](sitecheck::Response& response) -> awaitable<void> {
            co_await response.text();
        });
    }());
    EXPECT_FALSE(error);
    // Redirects on one server reuse the connection: one connection, one polite close.
    expect_all_closed_politely(1);
}

TEST_F(AsyncSessionTest, ExitIsNotCalledWhenEnterFailsYetNothingIsLeftOpen)
{
    bool body_ran = false;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(AsyncSession(server.url("/redirect-to?url=ftp://localhost/")),
                            [&](sitecheck::Response&) -> awaitable<void> {
                                body_ran = true;
                                co_return;
                            });
    }());
    ASSERT_TRUE(error);
    EXPECT_EQ(sitecheck::describe(error), "unsupported scheme 'ftp'");
    EXPECT_FALSE(body_ran);
    // async_enter() closed what it had opened before it failed.
    expect_all_closed_politely(1);
}

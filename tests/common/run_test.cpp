// sitecheck::run(), run_until_complete() and gather(): asyncio.run(), loop.run_until_complete()
// and asyncio.gather() for the versions. (Ctrl-C itself is tested on the programs.)
#include "sitecheck/run.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;

constexpr int n = 5; // coroutines in the gather test

TEST(Run, AnExceptionNothingCaughtPrintsOneLineAndGivesStatusOne)
{
    testing::internal::CaptureStderr();
    const int status = sitecheck::run([]() -> awaitable<void> {
        throw std::logic_error("something nobody expected");
        co_return;
    }());
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "unexpected error: something nobody expected\n");
    EXPECT_EQ(status, 1);
}

TEST(Run, TheBlockingFormDoesTheSame)
{
    testing::internal::CaptureStderr();
    const int status = sitecheck::run([] { throw std::runtime_error("no\nnewline"); });
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "unexpected error: no\\nnewline\n");
    EXPECT_EQ(status, 1);
}

TEST(Run, RunUntilCompleteReturnsTheResultAndRethrowsTheException)
{
    asio::io_context io;
    EXPECT_EQ(sitecheck::run_until_complete(io, []() -> awaitable<int> { co_return 42; }()), 42);
    EXPECT_THROW(sitecheck::run_until_complete(io, []() -> awaitable<int> {
                     throw std::range_error("failed");
                     co_return 0;
                 }()),
                 std::range_error);
    // The same loop runs again, as Session's enter, text() and exit need.
    EXPECT_EQ(sitecheck::run_until_complete(io, []() -> awaitable<int> { co_return 7; }()), 7);
}

TEST(Run, RunUntilCompleteRefusesToBlockInsideARunningLoop)
{
    asio::io_context outer, inner;
    bool refused = false;
    sitecheck::run_until_complete(outer, [&]() -> awaitable<void> {
        try {
            sitecheck::run_until_complete(inner, []() -> awaitable<void> { co_return; }());
        } catch (const std::logic_error&) {
            refused = true;
        }
        co_return;
    }());
    EXPECT_TRUE(refused);
}

TEST(Gather, StartsEveryCoroutineBeforeWaitingForAny)
{
    // Each coroutine waits at a gate that only the last one to arrive opens: one run after
    // another would leave the first waiting until its timer's far expiry.
    int arrived = 0;
    std::vector<std::string> done;
    asio::io_context io;
    sitecheck::run_until_complete(io, [&]() -> awaitable<void> {
        asio::steady_timer gate(co_await asio::this_coro::executor, 60s);
        std::vector<awaitable<void>> coroutines;
        for (int i = 0; i < n; ++i)
            coroutines.push_back([](int i, int& arrived, asio::steady_timer& gate,
                                    std::vector<std::string>& done) -> awaitable<void> {
                if (++arrived == n)
                    gate.cancel();
                else {
                    boost::system::error_code ec;
                    co_await gate.async_wait(asio::redirect_error(asio::use_awaitable, ec));
                    if (ec != asio::error::operation_aborted)
                        co_return; // the far expiry: the gate was never opened
                }
                done.push_back(std::to_string(i));
            }(i, arrived, gate, done));
        co_await sitecheck::gather(std::move(coroutines));
    }());
    EXPECT_EQ(done.size(), static_cast<std::size_t>(n));
}

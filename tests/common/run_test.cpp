// sitecheck::run(), run_until_complete() and gather(): asyncio.run(), loop.run_until_complete()
// and asyncio.gather() for the versions. (Ctrl-C itself is tested on the programs.)
#include "sitecheck/run.hpp"

#include "sitecheck/report.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
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

TEST(Gather, RethrowsTheFirstExceptionOfItsCoroutines)
{
    // asyncio.gather() raises it too; dropping it would let a failure pass unseen.
    asio::io_context io;
    bool other_finished = false;
    EXPECT_THROW(sitecheck::run_until_complete(
                     io,
                     [&]() -> awaitable<void> {
                         std::vector<awaitable<void>> coroutines;
                         coroutines.push_back([]() -> awaitable<void> {
                             throw std::range_error("failed");
                             co_return;
                         }());
                         coroutines.push_back([](bool& finished) -> awaitable<void> {
                             finished = true;
                             co_return;
                         }(other_finished));
                         co_await sitecheck::gather(std::move(coroutines));
                     }()),
                 std::range_error);
    EXPECT_TRUE(other_finished);
}

TEST(Run, ACancellationNoSignalAskedForIsAFailureWithALine)
{
    // Only Ctrl-C makes a cancellation an interruption; any other is a failure to report, never
    // a quiet exit 0.
    testing::internal::CaptureStderr();
    const int status = sitecheck::run([]() -> awaitable<void> {
        std::vector<awaitable<void>> checks;
        checks.push_back(sitecheck::reported("https://example.com/", []() -> awaitable<void> {
            throw boost::system::system_error(asio::error::operation_aborted);
            co_return;
        }()));
        co_await sitecheck::gather(std::move(checks));
    }());
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "https://example.com/: error -> cancelled\n");
    EXPECT_EQ(status, 1);
}

namespace {

// A check that prints its status, and its type when `complete`, then waits as a close waits
// for a peer that never answers.
awaitable<void> check_then_wait(std::string url, bool complete)
{
    sitecheck::print_status(url, 200);
    if (complete)
        sitecheck::print_type(url, "<!doctype html>");
    asio::steady_timer close(co_await asio::this_coro::executor, 60s);
    co_await close.async_wait(asio::use_awaitable);
}

awaitable<void> ctrl_c_while_both_wait()
{
    std::vector<awaitable<void>> checks;
    checks.push_back(
        sitecheck::reported("https://a.example/", check_then_wait("https://a.example/", true)));
    checks.push_back(
        sitecheck::reported("https://b.example/", check_then_wait("https://b.example/", false)));
    checks.push_back([]() -> awaitable<void> {
        std::raise(SIGINT);
        co_return;
    }());
    co_await sitecheck::gather(std::move(checks));
}

} // namespace

TEST(Run, ASiteWhoseReportWasCompleteIsNotAlsoInterrupted)
{
    // Ctrl-C while a site with a complete report closes (or as its last read ends, which
    // async_with() then reports as a cancellation) must not give it a second outcome. The
    // signal ends the process, so the run happens in a child of its own.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(std::exit(sitecheck::run(ctrl_c_while_both_wait())), testing::ExitedWithCode(130),
                testing::AllOf(testing::HasSubstr("https://b.example/: error -> interrupted\n"),
                               testing::Not(testing::HasSubstr("https://a.example/: error"))));
}

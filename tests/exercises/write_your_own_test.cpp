// Exercise v1-4: the rules an IgnoreCheckErrors must keep, checked through v1's async_with().
// The header comes from tests/exercises/yours/ when a learner has written one there, else from
// tests/exercises/solution/.
#include "ignore_check_errors.hpp"

#include "async_with.hpp"
#include "support/run.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;
using testing::internal::CaptureStderr;
using testing::internal::GetCapturedStderr;

static_assert(AsyncContextManager<IgnoreCheckErrors>, "async_enter() and async_exit() as in v1");

namespace {

const std::string url = "https://example.com";

// `async with IgnoreCheckErrors(url) as value: body`, run to its end: the exception it ended with.
template <class Body>
std::exception_ptr run_in_manager(Body body)
{
    return testsupport::run(async_with(IgnoreCheckErrors(url), std::move(body)));
}

TEST(IgnoreCheckErrors, TheBodyGetsTheUrlAndASuccessPrintsNothing)
{
    std::string got;
    CaptureStderr();
    auto error = run_in_manager([&](std::string& value) -> awaitable<void> {
        got = value;
        co_return;
    });
    EXPECT_EQ(GetCapturedStderr(), "");
    EXPECT_FALSE(error);
    EXPECT_EQ(got, url);
}

TEST(IgnoreCheckErrors, ACheckErrorIsReportedAndSuppressed)
{
    CaptureStderr();
    auto error = run_in_manager([&](std::string&) -> awaitable<void> {
        throw sitecheck::CheckError("connection refused");
        co_return;
    });
    EXPECT_EQ(GetCapturedStderr(), url + ": error -> connection refused\n");
    EXPECT_FALSE(error) << "the exit should have answered true: suppress";
}

TEST(IgnoreCheckErrors, AnyOtherErrorGoesOnUnchanged)
{
    CaptureStderr();
    auto error = run_in_manager([&](std::string&) -> awaitable<void> {
        throw std::logic_error("a bug");
        co_return;
    });
    EXPECT_EQ(GetCapturedStderr(), "");
    ASSERT_TRUE(error) << "only a CheckError is suppressed";
    EXPECT_THROW(std::rethrow_exception(error), std::logic_error);
}

// The trap: Asio's cancellation is a boost::system::system_error, a std::exception too.
TEST(IgnoreCheckErrors, ACancellationGoesOnUnchanged)
{
    asio::io_context io;
    asio::cancellation_signal cancel;
    std::exception_ptr error;
    bool done = false;
    CaptureStderr();
    asio::co_spawn(io,
                   async_with(IgnoreCheckErrors(url),
                              [&](std::string&) -> awaitable<void> {
                                  asio::steady_timer never(co_await asio::this_coro::executor, 1h);
                                  co_await never.async_wait(asio::use_awaitable);
                              }),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                       error = e;
                       done = true;
                   }));
    asio::steady_timer soon(io, 10ms);
    soon.async_wait([&](boost::system::error_code) {
        cancel.emit(asio::cancellation_type::terminal);
    });
    io.run_for(10s);
    EXPECT_EQ(GetCapturedStderr(), "");
    ASSERT_TRUE(done) << "the cancelled body never ended";
    ASSERT_TRUE(error) << "the cancellation was suppressed: the check would go on, uncancelled";
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::operation_aborted);
    } catch (...) {
        ADD_FAILURE() << "not the cancellation";
    }
}

} // namespace

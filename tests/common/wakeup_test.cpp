// The one wait: woken, the deadline, or a cancellation, and which of them ended it.
#include "net/wakeup.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>

namespace asio = boost::asio;
using sitecheck::detail::Wakeup;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto far_away = std::chrono::hours(1);

// What a wait ended with: its answer, or the error it threw.
struct Outcome {
    std::optional<bool> woken;
    std::exception_ptr error;
};

// A coroutine function, not a lambda: its frame must not refer to a lambda that is gone.
asio::awaitable<void> wait(Wakeup& wakeup, Clock::time_point deadline, Outcome& outcome)
{
    outcome.woken = co_await wakeup.wait(deadline);
}

void start_wait(asio::io_context& io, Wakeup& wakeup, Clock::time_point deadline, Outcome& outcome,
                asio::cancellation_signal* cancel = nullptr)
{
    auto done = [&outcome](std::exception_ptr e) { outcome.error = e; };
    if (cancel)
        asio::co_spawn(io, wait(wakeup, deadline, outcome),
                       asio::bind_cancellation_slot(cancel->slot(), done));
    else
        asio::co_spawn(io, wait(wakeup, deadline, outcome), done);
}

bool aborted(const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        return e.code() == asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

} // namespace

TEST(Wakeup, AWakeEndsTheWaitWithTrue)
{
    asio::io_context io;
    Wakeup wakeup(io.get_executor());
    Outcome outcome;
    start_wait(io, wakeup, Clock::now() + far_away, outcome);
    asio::post(io, [&] { wakeup.wake(); });
    io.run();
    EXPECT_EQ(outcome.woken, true);
    EXPECT_FALSE(outcome.error);
}

TEST(Wakeup, AWakeBeforeTheWaitIsNotLost)
{
    asio::io_context io;
    Wakeup wakeup(io.get_executor());
    wakeup.wake();
    Outcome outcome;
    start_wait(io, wakeup, Clock::now() + far_away, outcome);
    io.run();
    EXPECT_EQ(outcome.woken, true);
}

TEST(Wakeup, ThePassedDeadlineEndsTheWaitWithFalse)
{
    asio::io_context io;
    Wakeup wakeup(io.get_executor());
    Outcome outcome;
    start_wait(io, wakeup, Clock::now() - std::chrono::seconds(1), outcome);
    io.run();
    EXPECT_EQ(outcome.woken, false);
    EXPECT_FALSE(outcome.error);
}

TEST(Wakeup, ACancellationThrowsOperationAborted)
{
    asio::io_context io;
    Wakeup wakeup(io.get_executor());
    asio::cancellation_signal cancel;
    Outcome outcome;
    start_wait(io, wakeup, Clock::now() + far_away, outcome, &cancel);
    asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
    io.run();
    EXPECT_FALSE(outcome.woken);
    EXPECT_TRUE(aborted(outcome.error));
}

TEST(Wakeup, AWakeThatCameBeforeACancellationWins)
{
    asio::io_context io;
    Wakeup wakeup(io.get_executor());
    asio::cancellation_signal cancel;
    Outcome outcome;
    start_wait(io, wakeup, Clock::now() + far_away, outcome, &cancel);
    // Both in one turn of the loop, before the waiter resumes: the place it was handed (say)
    // must still be taken.
    asio::post(io, [&] {
        wakeup.wake();
        cancel.emit(asio::cancellation_type::terminal);
    });
    io.run();
    EXPECT_EQ(outcome.woken, true);
}

TEST(Wakeup, AnotherThreadCanWakeTheWaiter)
{
    asio::io_context io;
    auto wakeup = std::make_shared<Wakeup>(io.get_executor());
    Outcome outcome;
    start_wait(io, *wakeup, Clock::now() + far_away, outcome);
    std::thread other;
    asio::post(io,
               [&] { other = std::thread([wakeup] { Wakeup::wake_from_any_thread(wakeup); }); });
    io.run();
    other.join();
    EXPECT_EQ(outcome.woken, true);
}

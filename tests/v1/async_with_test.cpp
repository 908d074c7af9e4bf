// Python's `async with` rules, one test each, against a manager that records its calls and whose
// exit really suspends. Compiled for v1's async_with.hpp and again for v2's.
#include "async_with.hpp"

#include "support/run.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using namespace std::chrono_literals;

// Which types are asynchronous context managers, and which are not: the concept states in
// async_with()'s signature what Python's duck typing leaves to run time.
namespace async_with_examples {
struct Manager {
    awaitable<int> async_enter();
    awaitable<bool> async_exit(std::exception_ptr);
};
struct EnterNotAwaitable {
    int async_enter();
    awaitable<bool> async_exit(std::exception_ptr);
};
struct ExitReturnsNothing { // __aexit__ must answer "suppress?"
    awaitable<int> async_enter();
    awaitable<void> async_exit(std::exception_ptr);
};
struct OnlySynchronous {
    int enter();
    bool exit(std::exception_ptr);
};
static_assert(AsyncContextManager<Manager>);
static_assert(!AsyncContextManager<EnterNotAwaitable>);
static_assert(!AsyncContextManager<ExitReturnsNothing>);
static_assert(!AsyncContextManager<OnlySynchronous>);
} // namespace async_with_examples

namespace {

awaitable<void> sleep_for(std::chrono::milliseconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::use_awaitable);
}

struct Log {
    std::vector<std::string> events;
    std::exception_ptr exit_got;
};

struct Recorder {
    Log* log;
    bool enter_throws = false;
    bool suppress = false;
    bool exit_throws = false;

    awaitable<int> async_enter()
    {
        log->events.push_back("enter");
        co_await sleep_for(1ms);
        if (enter_throws)
            throw std::runtime_error("enter failed");
        co_return 42;
    }
    awaitable<bool> async_exit(std::exception_ptr error)
    {
        log->events.push_back("exit");
        log->exit_got = error;
        co_await sleep_for(2ms); // a real suspension, like a TLS close_notify
        log->events.push_back("exit done");
        if (exit_throws)
            throw std::logic_error("exit failed");
        co_return suppress;
    }
};
static_assert(AsyncContextManager<Recorder>);

using testsupport::run;

std::string what(std::exception_ptr e)
{
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        return ex.what();
    }
}

using Events = std::vector<std::string>;

} // namespace

TEST(AsyncWith, BodyGetsWhatEnterReturnedAndExitGetsNullOnSuccess)
{
    Log log;
    int seen = 0;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log}, [&](int& value) -> awaitable<void> {
            seen = value;
            log.events.push_back("body");
            co_return;
        });
    }());
    EXPECT_FALSE(error);
    EXPECT_EQ(seen, 42);
    EXPECT_EQ(log.events, (Events{"enter", "body", "exit", "exit done"}));
    EXPECT_FALSE(log.exit_got);
}

TEST(AsyncWith, ExitIsNotCalledWhenEnterThrows)
{
    Log log;
    bool body_ran = false;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log, true}, [&](int&) -> awaitable<void> {
            body_ran = true;
            co_return;
        });
    }());
    EXPECT_EQ(what(error), "enter failed");
    EXPECT_FALSE(body_ran);
    EXPECT_EQ(log.events, (Events{"enter"}));
}

TEST(AsyncWith, ExitGetsTheBodysExceptionWhichPropagatesUnchanged)
{
    Log log;
    std::exception_ptr thrown;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log}, [&](int&) -> awaitable<void> {
            co_await sleep_for(1ms);
            thrown = std::make_exception_ptr(std::out_of_range("body failed"));
            std::rethrow_exception(thrown);
        });
    }());
    EXPECT_EQ(log.events, (Events{"enter", "exit", "exit done"}));
    EXPECT_EQ(log.exit_got, thrown);
    EXPECT_EQ(error, thrown); // the very same exception object, not a copy
}

TEST(AsyncWith, ExitSuppressesWhenItReturnsTrue)
{
    Log log;
    bool after = false;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log, false, true}, [&](int&) -> awaitable<void> {
            throw std::runtime_error("body failed");
            co_return;
        });
        after = true;
    }());
    EXPECT_FALSE(error);
    EXPECT_TRUE(after);
    EXPECT_EQ(what(log.exit_got), "body failed");
}

TEST(AsyncWith, ExitReturningTrueOnSuccessChangesNothing)
{
    Log log;
    bool after = false;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log, false, true}, [&](int&) -> awaitable<void> { co_return; });
        after = true;
    }());
    EXPECT_FALSE(error);
    EXPECT_TRUE(after);
    EXPECT_FALSE(log.exit_got);
}

TEST(AsyncWith, ExceptionFromExitReplacesTheBodys)
{
    Log log;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log, false, false, true}, [&](int&) -> awaitable<void> {
            throw std::runtime_error("body failed");
            co_return;
        });
    }());
    EXPECT_EQ(what(error), "exit failed");
    EXPECT_EQ(what(log.exit_got), "body failed");
}

TEST(AsyncWith, ExceptionFromExitAfterSuccessPropagates)
{
    Log log;
    auto error = run([&]() -> awaitable<void> {
        co_await async_with(Recorder{&log, false, false, true}, [&](int&) -> awaitable<void> { co_return; });
    }());
    EXPECT_EQ(what(error), "exit failed");
}

TEST(AsyncWith, ExitRunsToCompletionWhenTheBodyLosesARaceWithATimer)
{
    using namespace asio::experimental::awaitable_operators;
    Log log;
    auto error = run([&]() -> awaitable<void> {
        auto winner = co_await (async_with(Recorder{&log}, [&](int&) -> awaitable<void> {
                                    log.events.push_back("body");
                                    co_await sleep_for(24h);
                                    log.events.push_back("body done");
                                }) ||
                                sleep_for(5ms));
        EXPECT_EQ(winner.index(), 1u);
    }());
    EXPECT_FALSE(error);
    EXPECT_EQ(log.events, (Events{"enter", "body", "exit", "exit done"}));
    ASSERT_TRUE(log.exit_got);
    try {
        std::rethrow_exception(log.exit_got);
    } catch (const boost::system::system_error& e) {
        EXPECT_EQ(e.code(), asio::error::operation_aborted);
    }
}

TEST(AsyncWith, ExitRunsToCompletionWhenItsParallelGroupIsCancelled)
{
    Log log;
    auto error = run([&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        std::vector<decltype(asio::co_spawn(ex, sleep_for(0ms), asio::deferred))> ops;
        ops.push_back(asio::co_spawn(ex, async_with(Recorder{&log}, [&](int&) -> awaitable<void> {
                                         co_await sleep_for(24h);
                                     }), asio::deferred));
        ops.push_back(asio::co_spawn(ex, []() -> awaitable<void> {
                                         co_await sleep_for(5ms);
                                         throw std::runtime_error("sibling failed");
                                     }(), asio::deferred));
        auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                   .async_wait(asio::experimental::wait_for_one_error(), asio::use_awaitable);
        EXPECT_EQ(order.size(), 2u);
        EXPECT_EQ(what(errors[1]), "sibling failed");
    }());
    EXPECT_FALSE(error);
    EXPECT_EQ(log.events, (Events{"enter", "exit", "exit done"}));
}

namespace {
struct Tracked {
    Log* log;
    Tracked(Log* l) : log(l) {}
    Tracked(Tracked&& other) noexcept : log(std::exchange(other.log, nullptr)) {}
    ~Tracked()
    {
        if (log)
            log->events.push_back("destroyed");
    }
    awaitable<int> async_enter() { co_return 1; }
    awaitable<bool> async_exit(std::exception_ptr)
    {
        co_await sleep_for(1ms);
        log->events.push_back("exit done");
        co_return false;
    }
};
} // namespace

TEST(AsyncWith, TemporaryManagerLivesUntilItsExitHasRun)
{
    Log log;
    run([&]() -> awaitable<void> {
        auto pending = async_with(Tracked(&log), [&](int&) -> awaitable<void> { co_return; });
        // The full expression that made the temporary has ended; the manager must live on.
        co_await std::move(pending);
    }());
    EXPECT_EQ(log.events, (Events{"exit done", "destroyed"}));
}

TEST(AsyncWith, ACancellationThatArrivesAsTheBodysLastAwaitCompletesReachesTheExitAndPropagates)
{
    // The race, built step by step on one thread: the body's last operation completes, and
    // before the body resumes the cancellation is emitted. Python would throw CancelledError
    // into the body at that await; the body here returns normally, so async_with() must notice.
    Log log;
    asio::io_context io;
    asio::cancellation_signal cancel;
    bool body_returned = false;
    std::exception_ptr error;
    asio::co_spawn(io, async_with(Recorder{&log}, [&](int&) -> awaitable<void> {
        co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
            [&](auto completion) {
                // Both are queued on the loop: first the cancellation, then the completion.
                asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
                asio::post(io, std::move(completion));
            },
            asio::use_awaitable);
        body_returned = true;
    }), asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) { error = e; }));
    io.run();
    EXPECT_TRUE(body_returned);
    EXPECT_EQ(log.events, (Events{"enter", "exit", "exit done"}));
    ASSERT_TRUE(log.exit_got);
    ASSERT_TRUE(error);
    for (const auto& e : {log.exit_got, error}) {
        try {
            std::rethrow_exception(e);
        } catch (const boost::system::system_error& ex) {
            EXPECT_EQ(ex.code(), asio::error::operation_aborted);
        }
    }
}

TEST(AsyncWith, ALateCancellationCanBeSuppressedByTheExitLikeAnyOther)
{
    Log log;
    asio::io_context io;
    asio::cancellation_signal cancel;
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, async_with(Recorder{.log = &log, .suppress = true}, [&](int&) -> awaitable<void> {
        co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
            [&](auto completion) {
                asio::post(io, [&] { cancel.emit(asio::cancellation_type::terminal); });
                asio::post(io, std::move(completion));
            },
            asio::use_awaitable);
    }), asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
        error = e;
        done = true;
    }));
    io.run();
    EXPECT_TRUE(done);
    EXPECT_TRUE(log.exit_got);
    EXPECT_FALSE(error);
}

// Python's `with` rules, one test each, against a manager that records its calls.
#include "with.hpp"

#include <boost/asio/awaitable.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

// Which types are context managers, and which are not.
namespace with_examples {
struct Manager {
    int enter();
    bool exit(std::exception_ptr);
};
struct ExitReturnsNothing { // __exit__ must answer "suppress?"
    int enter();
    void exit(std::exception_ptr);
};
struct NoEnter {
    bool exit(std::exception_ptr);
};
struct AsyncOnly {
    boost::asio::awaitable<int> async_enter();
    boost::asio::awaitable<bool> async_exit(std::exception_ptr);
};
static_assert(ContextManager<Manager>);
static_assert(!ContextManager<ExitReturnsNothing>);
static_assert(!ContextManager<NoEnter>);
static_assert(!ContextManager<AsyncOnly>);
static_assert(!AsyncContextManager<Manager>);
} // namespace with_examples

namespace {

using Events = std::vector<std::string>;

struct Recorder {
    Events* events;
    bool enter_throws = false;
    bool suppress = false;
    bool exit_throws = false;
    std::exception_ptr* exit_got = nullptr;

    int enter()
    {
        events->push_back("enter");
        if (enter_throws)
            throw std::runtime_error("enter failed");
        return 42;
    }
    bool exit(std::exception_ptr error)
    {
        events->push_back("exit");
        if (exit_got)
            *exit_got = error;
        if (exit_throws)
            throw std::logic_error("exit failed");
        return suppress;
    }
};
static_assert(ContextManager<Recorder>);

} // namespace

TEST(With, BodyGetsWhatEnterReturnedAndExitGetsNullOnSuccess)
{
    Events events;
    std::exception_ptr got = std::make_exception_ptr(1);
    int seen = 0;
    with(Recorder{&events, false, false, false, &got}, [&](int& value) {
        seen = value;
        events.push_back("body");
    });
    EXPECT_EQ(seen, 42);
    EXPECT_EQ(events, (Events{"enter", "body", "exit"}));
    EXPECT_FALSE(got);
}

TEST(With, ExitIsNotCalledWhenEnterThrows)
{
    Events events;
    EXPECT_THROW(with(Recorder{&events, true}, [&](int&) { events.push_back("body"); }), std::runtime_error);
    EXPECT_EQ(events, (Events{"enter"}));
}

TEST(With, ExitGetsTheBodysExceptionWhichPropagatesUnchanged)
{
    Events events;
    std::exception_ptr got, thrown, caught;
    try {
        with(Recorder{&events, false, false, false, &got}, [&](int&) {
            thrown = std::make_exception_ptr(std::out_of_range("body failed"));
            std::rethrow_exception(thrown);
        });
    } catch (...) {
        caught = std::current_exception();
    }
    EXPECT_EQ(events, (Events{"enter", "exit"}));
    EXPECT_EQ(got, thrown);
    EXPECT_EQ(caught, thrown);
}

TEST(With, ExitSuppressesWhenItReturnsTrue)
{
    Events events;
    bool after = false;
    with(Recorder{&events, false, true}, [&](int&) { throw std::runtime_error("body failed"); });
    after = true;
    EXPECT_TRUE(after);
    EXPECT_EQ(events, (Events{"enter", "exit"}));
}

TEST(With, ExceptionFromExitReplacesTheBodys)
{
    Events events;
    std::exception_ptr got;
    try {
        with(Recorder{&events, false, false, true, &got}, [&](int&) { throw std::runtime_error("body failed"); });
        FAIL() << "nothing propagated";
    } catch (const std::logic_error& e) {
        EXPECT_STREQ(e.what(), "exit failed");
    }
    ASSERT_TRUE(got);
    EXPECT_THROW(std::rethrow_exception(got), std::runtime_error);
}

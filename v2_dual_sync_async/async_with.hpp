// async_with(): Python's `async with` statement, for C++20 coroutines on Boost.Asio.
//
//     async with AsyncSession(url) as response:     co_await async_with(AsyncSession(url),
//         body                                          [&](Response& response) -> awaitable<void> {
//                                                           body
//                                                       });
//
// Python's rules, kept here:
//   1. async_exit() is not called when async_enter() throws;
//   2. async_exit() gets the body's exception, or a null pointer when the body succeeded;
//   3. async_exit() returning true suppresses that exception; false lets it propagate unchanged;
//   4. an exception thrown by async_exit() replaces the body's;
//   5. a cancelled body still gets its async_exit(), awaited to the end, and the cancellation
//      propagates, even one that arrived as the body's last co_await completed.
//
// A C++ destructor cannot co_await, so RAII alone cannot await an asynchronous cleanup:
// async_with() awaits it on every path instead.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <exception>

//[concept
// True for boost::asio::awaitable<T>, whatever T: what a coroutine returns.
template <class T>
constexpr bool is_awaitable = false;
template <class T>
constexpr bool is_awaitable<boost::asio::awaitable<T>> = true;

// The protocol of __aenter__ and __aexit__: async_enter() is a coroutine whose result is the
// value bound by `as`; async_exit() gets the body's exception (null on success) and answers
// true to suppress it.
template <class M>
concept AsyncContextManager = requires(M& manager, std::exception_ptr error) {
    requires is_awaitable<decltype(manager.async_enter())>;
    { manager.async_exit(error) } -> std::same_as<boost::asio::awaitable<bool>>;
};
//]

//[signature
// Both arguments are taken by value, so both live in this coroutine's frame until the end:
// the manager (a temporary such as AsyncSession(url) is moved in, as Python's `async with`
// keeps its manager until __aexit__ has run) and the body (a lambda coroutine refers to its
// lambda object, which must outlive it).
template <AsyncContextManager Manager, class Body>
boost::asio::awaitable<void> async_with(Manager manager, Body body)
//]
{
    //[async_with
    // __aenter__: if it throws, there is nothing to exit from (rule 1).
    auto value = co_await manager.async_enter();

    std::exception_ptr error;
    try {
        co_await body(value);
    } catch (...) {
        // co_await is ill-formed inside a handler: keep the exception, await the exit below.
        error = std::current_exception();
    }

    // A cancellation can arrive after the body's last co_await has completed and before the
    // body resumes; then the body returns normally. Python would have thrown CancelledError
    // into the body at that await, so the exit sees a cancellation here too (rule 5).
    // Asking for the cancellation state never throws, even in a cancelled coroutine.
    const auto state = co_await boost::asio::this_coro::cancellation_state;
    if (!error && state.cancelled() != boost::asio::cancellation_type::none)
        error = std::make_exception_ptr(
            boost::system::system_error(boost::asio::error::operation_aborted));

    // While the cancelled state is set, Asio throws at every co_await, so the exit would never
    // run. Reset it first. (The state belongs to the whole chain of coroutines that co_spawn
    // started, not to this frame alone: the reset lets the exit's own co_awaits run too.)
    co_await boost::asio::this_coro::reset_cancellation_state();

    // __aexit__ (rules 2 and 4): an exception it throws propagates instead of the body's.
    const bool suppress = co_await manager.async_exit(error);
    if (error && !suppress) // rule 3
        std::rethrow_exception(error);
    //]
}

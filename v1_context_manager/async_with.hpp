// async_with(): Python's `async with` statement, for C++20 coroutines on Boost.Asio.
//
//     async with manager as value:        co_await async_with(manager, [&](auto& value)
//         body                                -> awaitable<void> { body });
//
// A C++ destructor cannot co_await, so RAII alone cannot await an asynchronous cleanup.
// async_with() awaits it instead, on every path, with Python's rules:
//   - async_exit() is not called when async_enter() throws;
//   - async_exit() gets the body's exception, or a null pointer when the body succeeded;
//   - async_exit() returning true suppresses that exception, false lets it propagate unchanged;
//   - an exception thrown by async_exit() replaces the body's;
//   - when the body is cancelled, async_exit() still runs and is awaited to completion, and
//     the cancellation propagates, even one that arrived as the body's last await completed.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include <concepts>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace async_with_detail {

template <class T>
struct awaitable_result : std::false_type {};
template <class T, class Executor>
struct awaitable_result<boost::asio::awaitable<T, Executor>> : std::true_type {
    using type = T;
};

} // namespace async_with_detail

//[concept
// The protocol of __aenter__ and __aexit__: async_enter() yields the value bound by `as`;
// async_exit() gets the body's exception (null on success) and returns true to suppress it.
template <class M>
concept AsyncContextManager = requires(M& manager, std::exception_ptr error) {
    requires async_with_detail::awaitable_result<decltype(manager.async_enter())>::value;
    { manager.async_exit(error) } -> std::same_as<boost::asio::awaitable<bool>>;
};
//]

namespace async_with_detail {

template <AsyncContextManager M>
using enter_result_t = typename awaitable_result<decltype(std::declval<M&>().async_enter())>::type;

template <class M, class Body>
using body_result_t =
    typename awaitable_result<std::invoke_result_t<Body&, enter_result_t<M>&>>::type;

// What async_with() returns: nothing for a body that returns nothing; otherwise the body's
// value, empty when async_exit() suppressed the body's exception.
template <class R>
using with_result_t = std::conditional_t<std::is_void_v<R>, void, std::optional<R>>;

//[signature
// `Manager` is a value (a temporary moved in, which lives in this coroutine's frame, as in
// Python's `async with AsyncSession(url)`) or an lvalue reference to the caller's manager.
// The body is kept here too: a lambda coroutine refers to its lambda object, which must
// outlive the coroutine.
template <class Manager, class Body>
boost::asio::awaitable<with_result_t<body_result_t<std::remove_reference_t<Manager>, Body>>>
async_with(Manager manager, Body body)
//]
{
    using R = body_result_t<std::remove_reference_t<Manager>, Body>;
    //[async_with
    // __aenter__: if it throws, there is nothing to exit from.
    auto value = co_await manager.async_enter();

    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<R>, int, R>> result;
    try {
        if constexpr (std::is_void_v<R>)
            co_await std::invoke(body, value);
        else
            result.emplace(co_await std::invoke(body, value));
    } catch (...) {
        // co_await is ill-formed inside a handler: keep the exception, await the exit below.
        error = std::current_exception();
    }

    // A cancellation can arrive after the body's last co_await has completed and before the
    // body resumes; then the body returns normally. Python would have thrown CancelledError
    // into the body at that await, so the exit sees a cancellation here too, and it propagates.
    // (Asking for the cancellation state never throws, even in a cancelled coroutine.)
    const auto state = co_await boost::asio::this_coro::cancellation_state;
    if (!error && state.cancelled() != boost::asio::cancellation_type::none)
        error = std::make_exception_ptr(
            boost::system::system_error(boost::asio::error::operation_aborted));

    // The cancelled state is still set, and Asio would throw at the next co_await, so the
    // cleanup would never run. Reset it first: the exit must run to completion whatever ended
    // the body. (The state belongs to the whole chain that co_spawn started, not to this frame.)
    co_await boost::asio::this_coro::reset_cancellation_state();

    // __aexit__: an exception it throws propagates instead of the body's.
    const bool suppress = co_await manager.async_exit(error);
    if (error && !suppress)
        std::rethrow_exception(error);
    if constexpr (!std::is_void_v<R>)
        co_return result;
    //]
}

} // namespace async_with_detail

// Runs `body(value)` inside `manager`: `async with manager as value: body`. The manager may be
// a temporary, kept alive until its exit has run, or an lvalue that the caller keeps.
//[wrapper
template <class M, class Body>
    requires AsyncContextManager<std::remove_cvref_t<M>>
auto async_with(M&& manager, Body body)
{
    using Stored = std::conditional_t<std::is_lvalue_reference_v<M>, M, std::remove_cvref_t<M>>;
    return async_with_detail::async_with<Stored>(std::forward<M>(manager), std::move(body));
}
//]

// Which types are asynchronous context managers, and which are not.
namespace async_with_detail::examples {
struct Manager {
    boost::asio::awaitable<int> async_enter();
    boost::asio::awaitable<bool> async_exit(std::exception_ptr);
};
struct EnterNotAwaitable {
    int async_enter();
    boost::asio::awaitable<bool> async_exit(std::exception_ptr);
};
struct ExitReturnsNothing { // __aexit__ must answer "suppress?"
    boost::asio::awaitable<int> async_enter();
    boost::asio::awaitable<void> async_exit(std::exception_ptr);
};
struct OnlySynchronous {
    int enter();
    bool exit(std::exception_ptr);
};
static_assert(AsyncContextManager<Manager>);
static_assert(!AsyncContextManager<EnterNotAwaitable>);
static_assert(!AsyncContextManager<ExitReturnsNothing>);
static_assert(!AsyncContextManager<OnlySynchronous>);
} // namespace async_with_detail::examples

// with(): Python's `with` statement, for code that has no coroutine.
//
//     with manager as value:              with(manager, [&](auto& value) { body });
//         body
//
// The same rules as async_with(), which this header also brings in: exit() is not called when
// enter() throws; exit() gets the body's exception, or a null pointer on success; exit()
// returning true suppresses it; an exception thrown by exit() replaces the body's.
// (Cancellation is a coroutine's matter: a blocking body is never cancelled from outside.)
#pragma once

#include "async_with.hpp"

#include <concepts>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

// The protocol of __enter__ and __exit__: enter() returns the value bound by `as`; exit()
// gets the body's exception (null on success) and returns true to suppress it.
template <class M>
concept ContextManager = requires(M& manager, std::exception_ptr error) {
    manager.enter();
    { manager.exit(error) } -> std::same_as<bool>;
};

// Runs `body(value)` inside `manager`: `with manager as value: body`. Returns nothing for a
// body that returns nothing; otherwise the body's value, empty when exit() suppressed the
// body's exception. A temporary manager lives until the end of the call, after its exit.
template <class M, class Body>
    requires ContextManager<std::remove_cvref_t<M>>
auto with(M&& manager, Body body)
{
    //[with
    // __enter__: if it throws, there is nothing to exit from.
    auto value = manager.enter();

    using R = std::invoke_result_t<Body&, decltype(value)&>;
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<R>, int, R>> result;
    try {
        if constexpr (std::is_void_v<R>)
            std::invoke(body, value);
        else
            result.emplace(std::invoke(body, value));
    } catch (...) {
        error = std::current_exception();
    }

    // __exit__, after the handler as in async_with(): an exception it throws propagates
    // instead of the body's.
    const bool suppress = manager.exit(error);
    if (error && !suppress)
        std::rethrow_exception(error);
    if constexpr (!std::is_void_v<R>)
        return result;
    //]
}

// Which types are context managers, and which are not.
namespace with_detail::examples {
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
static_assert(ContextManager<Manager>);
static_assert(!ContextManager<ExitReturnsNothing>);
static_assert(!ContextManager<NoEnter>);
static_assert(!ContextManager<async_with_detail::examples::Manager>);
static_assert(!AsyncContextManager<Manager>);
} // namespace with_detail::examples

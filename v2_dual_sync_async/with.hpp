// with(): Python's `with` statement, for code that has no coroutine.
//
//     with manager as value:              with(manager, [&](auto& value) { body });
//         body
//
// The same rules as async_with(), which this header also brings in: exit() is not called when
// enter() throws; exit() gets the body's exception, or a null pointer on success; exit()
// returning true suppresses it; an exception thrown by exit() replaces the body's.
// (No cancellation step: a Ctrl-C during a blocking call reaches the body as an exception.)
#pragma once

#include "async_with.hpp"

#include <concepts>
#include <exception>

// The protocol of __enter__ and __exit__: enter() returns the value bound by `as`; exit()
// gets the body's exception (null on success) and returns true to suppress it.
template <class M>
concept ContextManager = requires(M& manager, std::exception_ptr error) {
    manager.enter();
    { manager.exit(error) } -> std::same_as<bool>;
};

// Runs `body(value)` inside `manager`: `with manager as value: body`. The manager is taken by
// value, as in async_with(): a temporary such as Session(url) is moved in and lives until its
// exit() has run.
template <ContextManager Manager, class Body>
void with(Manager manager, Body body)
{
    //[with
    // __enter__: if it throws, there is nothing to exit from.
    auto value = manager.enter();

    std::exception_ptr error;
    try {
        body(value);
    } catch (...) {
        error = std::current_exception();
    }

    // __exit__, after the handler as in async_with(): an exception it throws propagates
    // instead of the body's.
    const bool suppress = manager.exit(error);
    if (error && !suppress)
        std::rethrow_exception(error);
    //]
}

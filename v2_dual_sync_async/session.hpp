// Session: one class, both protocols. The tutorial ends by recommending that a context
// manager implement __enter__/__exit__ and __aenter__/__aexit__, so that it works with both
// `with` and `async with`.
//
// The asynchronous pair is v1's AsyncSession. The blocking pair runs that same coroutine code
// to completion on an io_context of its own, as mini-redis's blocking client drives its async
// client on a private runtime: deadline, redirects, TLS and errors are shared, not rewritten.
#pragma once

#include "with.hpp"

#include "sitecheck/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

class Session {
public:
    explicit Session(std::string url) : url_(std::move(url)) {}

    //[async_pair
    // __aenter__: the response comes back with its status read and its body not yet read.
    boost::asio::awaitable<sitecheck::Response> async_enter()
    {
        std::exception_ptr error;
        try {
            co_return co_await session_.get(url_);
        } catch (...) {
            error = std::current_exception();
        }
        // When __aenter__ fails, __aexit__ is never called, so the session opened here must be
        // closed here. (The tutorial's Python leaves it to the garbage collector.)
        co_await boost::asio::this_coro::reset_cancellation_state();
        co_await session_.close();
        std::rethrow_exception(error);
    }

    // __aexit__: close the session whatever happened, and let any exception propagate.
    boost::asio::awaitable<bool> async_exit(std::exception_ptr)
    {
        co_await session_.close();
        co_return false;
    }
    //]

    //[blocking_response
    // What enter() returns: the response, with a text() that blocks.
    class BlockingResponse {
    public:
        int status() const { return response_.status(); }
        std::string text() { return run(*io_, response_.text()); }

    private:
        friend class Session;
        BlockingResponse(boost::asio::io_context& io, sitecheck::Response response)
            : io_(&io), response_(std::move(response))
        {
        }
        boost::asio::io_context* io_;
        sitecheck::Response response_;
    };
    //]

    //[blocking_pair
    // __enter__: async_enter(), run to completion.
    BlockingResponse enter()
    {
        // The io_context is made here, so the asynchronous path never pays for it.
        io_ = std::make_unique<boost::asio::io_context>();
        return {*io_, run(*io_, async_enter())};
    }

    // __exit__: async_exit(), run to completion.
    bool exit(std::exception_ptr error) { return run(*io_, async_exit(error)); }
    //]

private:
    //[run
    // Runs one coroutine on the private io_context and waits until it is done.
    template <class T>
    static T run(boost::asio::io_context& io, boost::asio::awaitable<T> operation)
    {
        std::optional<T> value;
        std::exception_ptr error;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> { value.emplace(co_await std::move(operation)); },
            [&](std::exception_ptr e) { error = e; });
        io.restart();
        io.run();
        if (error)
            std::rethrow_exception(error);
        return std::move(*value);
    }
    //]

    // Declared first so that it is destroyed last: the session's sockets may belong to it.
    std::unique_ptr<boost::asio::io_context> io_;
    std::string url_;
    sitecheck::ClientSession session_;
};

static_assert(AsyncContextManager<Session>);
static_assert(ContextManager<Session>);

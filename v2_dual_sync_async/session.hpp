// Session: one class, both protocols. The tutorial ends by recommending that a context
// manager implement __enter__/__exit__ and __aenter__/__aexit__, so that it works with both
// `with` and `async with`.
//
// The asynchronous pair is v1's AsyncSession. The blocking pair runs that same coroutine code
// to completion on an io_context of its own, as Python would with loop.run_until_complete():
// deadline, redirects, TLS, errors and Ctrl-C are shared, not rewritten.
#pragma once

#include "with.hpp"

#include "sitecheck/run.hpp"
#include "sitecheck/session.hpp"

#include <boost/asio/io_context.hpp>

#include <exception>
#include <memory>
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
        std::string text() { return sitecheck::run_until_complete(*io_, response_.text()); }

    private:
        friend class Session;
        BlockingResponse(std::shared_ptr<boost::asio::io_context> io, sitecheck::Response response)
            : io_(std::move(io)), response_(std::move(response))
        {
        }
        // Shared with the Session: a response kept after its block must not outlive its loop.
        std::shared_ptr<boost::asio::io_context> io_;
        sitecheck::Response response_;
    };
    //]

    //[blocking_pair
    // __enter__: async_enter(), run to completion on the Session's own event loop.
    BlockingResponse enter()
    {
        // The io_context is made here, so the asynchronous path never pays for it.
        io_ = std::make_shared<boost::asio::io_context>();
        return {io_, sitecheck::run_until_complete(*io_, async_enter())};
    }

    // __exit__: async_exit(), run to completion on the same loop.
    bool exit(std::exception_ptr error)
    {
        return sitecheck::run_until_complete(*io_, async_exit(error));
    }
    //]

private:
    // Declared first so that it is destroyed last: the session's sockets may belong to it.
    std::shared_ptr<boost::asio::io_context> io_;
    std::string url_;
    sitecheck::ClientSession session_;
};

static_assert(AsyncContextManager<Session>);
static_assert(ContextManager<Session>);

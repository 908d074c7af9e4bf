// AsyncSession: the tutorial's asynchronous context manager around aiohttp's session.
//
//     class AsyncSession:
//         async def __aenter__(self): open the session, get the page, return the response
//         async def __aexit__(self, exc_type, exc_value, exc_tb): close the session
#pragma once

#include "async_with.hpp"

#include "sitecheck/session.hpp"

#include <exception>
#include <string>
#include <utility>

class AsyncSession {
public:
    explicit AsyncSession(std::string url) : url_(std::move(url)) {}

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

    //[members
private:
    std::string url_;                  // self._url
    sitecheck::ClientSession session_; // self.session, made with the object, opened by get()
    //]
};

static_assert(AsyncContextManager<AsyncSession>);

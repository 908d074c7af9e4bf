// Runs a coroutine to completion on an io_context of its own, for tests.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>

namespace testsupport {

// Returns the exception the coroutine ended with, or null.
inline std::exception_ptr run(boost::asio::awaitable<void> main)
{
    boost::asio::io_context io;
    std::exception_ptr result;
    boost::asio::co_spawn(io, std::move(main), [&](std::exception_ptr e) { result = e; });
    io.run();
    return result;
}

} // namespace testsupport

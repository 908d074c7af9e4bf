// site_checker v1: a custom asynchronous context manager closes the session.
//
// The tutorial's second step. The session's set-up and teardown move out of check() into a
// class, AsyncSession, with __aenter__ and __aexit__, and `async with AsyncSession(url) as
// response:` guarantees the close. C++ has no `async with` and a destructor cannot co_await,
// so async_with.hpp provides the statement: async_enter(), the body, then async_exit() awaited
// on every path. check() shrinks to the lines about the page.
#include "async_session.hpp"
#include "async_with.hpp"

#include "sitecheck/sitecheck.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;

//[check
awaitable<void> check(std::string url)
{
    co_await async_with(AsyncSession(url), [&](sitecheck::Response& response) -> awaitable<void> {
        sitecheck::print_status(url, response.status());
        std::string html = co_await response.text();
        sitecheck::print_type(url, html);
    });
}
//]

//[gather
awaitable<void> main_async(std::vector<std::string> urls)
{
    // asyncio.gather(): one coroutine per site, all running at once, awaited together.
    auto executor = co_await asio::this_coro::executor;
    std::vector<decltype(asio::co_spawn(executor, check(""), asio::deferred))> checks;
    for (const std::string& url : urls)
        checks.push_back(asio::co_spawn(executor, sitecheck::reported(url, check(url)), asio::deferred));
    co_await asio::experimental::make_parallel_group(std::move(checks))
        .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
}
//]

int main(int argc, char* argv[])
{
    auto args = sitecheck::parse_command_line(argc, argv, "site_checker_v1");
    asio::io_context io; // asyncio.run(main())
    asio::co_spawn(io, main_async(args.urls), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    io.run();
    return sitecheck::exit_status();
}

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

#include <boost/asio/awaitable.hpp>

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
    // await asyncio.gather(*(check(url) for url in urls)): all at once, awaited together.
    std::vector<awaitable<void>> checks;
    for (const std::string& url : urls)
        checks.push_back(sitecheck::reported(url, check(url)));
    co_await sitecheck::gather(std::move(checks));
}
//]

int main(int argc, char* argv[])
{
    auto args = sitecheck::parse_command_line(argc, argv);
    return sitecheck::run(main_async(args.urls)); // asyncio.run(main(urls)), Ctrl-C included
}

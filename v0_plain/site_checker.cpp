// site_checker v0: the session is opened and closed inline in check().
//
// The tutorial's starting point. Python writes it with aiohttp's own context managers,
//
//     async with aiohttp.ClientSession() as session:
//         async with session.get(url) as response: ...
//
// and `async with` closes the session on every path. C++ has no `async with`, and a
// destructor cannot co_await, so here every path to the close is written out by hand:
// the normal one, and the one where something throws. Version 1 moves that into a class.
#include "sitecheck/sitecheck.hpp"

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <string>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;

//[check
awaitable<void> check(std::string url)
{
    sitecheck::ClientSession session;
    std::exception_ptr error;
    try {
        sitecheck::Response response = co_await session.get(url);
        sitecheck::print_status(url, response.status());
        std::string html = co_await response.text();
        sitecheck::print_type(url, html);
    } catch (...) {
        // co_await is not allowed in a handler: remember the error, close, then rethrow.
        error = std::current_exception();
    }
    co_await session.close();
    if (error)
        std::rethrow_exception(error);
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

// site_checker v2: one class, both protocols, usable with and without coroutines.
//
// The tutorial's last advice: give a context manager all four methods, __enter__/__exit__ and
// __aenter__/__aexit__, so that it works with `with` and `async with` alike. Session does, and
// check() comes in two forms: check_sync() with with(), and check() with async_with().
// `--sync` checks the sites one after another through the blocking form.
#include "session.hpp"
#include "with.hpp"

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

//[check_sync
void check_sync(const std::string& url)
{
    with(Session(url), [&](Session::BlockingResponse& response) {
        sitecheck::print_status(url, response.status());
        std::string html = response.text();
        sitecheck::print_type(url, html);
    });
}
//]

//[check
awaitable<void> check(std::string url)
{
    co_await async_with(Session(url), [&](sitecheck::Response& response) -> awaitable<void> {
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
    auto args = sitecheck::parse_command_line(argc, argv, "site_checker_v2", sitecheck::SyncOption::yes);
    if (args.sync) {
        // No coroutine and no io_context here: each Session runs its own, one site at a time.
        for (const std::string& url : args.urls)
            sitecheck::reported(url, [&] { check_sync(url); });
        return sitecheck::exit_status();
    }
    asio::io_context io; // asyncio.run(main())
    asio::co_spawn(io, main_async(args.urls), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    io.run();
    return sitecheck::exit_status();
}

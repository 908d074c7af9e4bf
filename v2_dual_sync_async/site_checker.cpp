// site_checker v2: one class, both protocols, usable with and without coroutines.
//
// The tutorial's last advice: give a context manager all four methods, __enter__/__exit__ and
// __aenter__/__aexit__, so that it works with `with` and `async with` alike. Session does, and
// check() comes in two forms: check_sync() with with(), and check() with async_with().
// `--sync` checks the sites one after another through the blocking form.
#include "session.hpp"
#include "with.hpp"

#include "sitecheck/sitecheck.hpp"

#include <boost/asio/awaitable.hpp>

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
    // await asyncio.gather(*(check(url) for url in urls)): all at once, awaited together.
    std::vector<awaitable<void>> checks;
    for (const std::string& url : urls)
        checks.push_back(sitecheck::reported(url, check(url)));
    co_await sitecheck::gather(std::move(checks));
}
//]

int main(int argc, char* argv[])
{
    auto args = sitecheck::parse_command_line(
        argc, argv, {{"--sync", "check one site after another with the blocking API"}});
    if (args.has("--sync")) {
        // No coroutine and no io_context here: each Session runs its own, one site at a time.
        return sitecheck::run([&] {
            for (const std::string& url : args.urls)
                sitecheck::reported(url, [&] { check_sync(url); });
        });
    }
    return sitecheck::run(main_async(args.urls)); // asyncio.run(main(urls)), Ctrl-C included
}

// asyncio.run() and loop.run_until_complete(), with Ctrl-C turned into a cancellation as Python
// does, and a little further: SIGTERM too (asyncio.run() leaves it to its default action), and
// one `interrupted` line per unfinished site where Python prints a traceback.
//
//     asyncio.run(main(urls))              return sitecheck::run(main_async(urls));
//     await asyncio.gather(*checks)        co_await sitecheck::gather(std::move(checks));
//     loop.run_until_complete(coro)        sitecheck::run_until_complete(io, coro)
//
// The first SIGINT or SIGTERM becomes a cancellation of the coroutine that is running, as
// asyncio.run() cancels its main task on SIGINT: every check is cancelled where it waits, and the
// version's own cleanup decides what happens next. A second signal ends the program at once,
// and so does a watchdog when the loop is held (by a blocked stdout, say) past a short grace.
//
// Before the first loop starts, run() readies the process: a closed stdin, stdout or stderr is
// reopened on /dev/null, and the open-file limit is raised as far as the system allows, so
// that thousands of sites can be checked at once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace sitecheck {

// Runs `main` on an io_context of its own until it is done, and returns the exit status:
// 130 after SIGINT, 143 after SIGTERM, otherwise exit_status(). An exception that leaves `main`
// prints one line on stderr and gives 1, where Python prints a traceback and exits 1.
int run(boost::asio::awaitable<void> main);

// The same for a program without coroutines (v2 --sync), where `main` blocks.
int run(const std::function<void()>& main);

// asyncio.gather(): starts every coroutine at once on the caller's executor and waits until all
// are done, then rethrows the first exception one of them threw. Cancelling the caller
// (Ctrl-C) cancels each of them.
boost::asio::awaitable<void> gather(std::vector<boost::asio::awaitable<void>> coroutines);

// Runs one coroutine on `io` until it is done and returns its result or rethrows its exception.
// A Ctrl-C that arrives while it runs, or that arrived since the last one was delivered,
// cancels it. Throws std::logic_error when called while run() or run_until_complete() is
// already running on this thread: a blocking call inside a coroutine would stall every other
// coroutine of that loop (Python: "Cannot run the event loop while another loop is running").
void run_until_complete(boost::asio::io_context& io, boost::asio::awaitable<void> operation);

template <class T>
T run_until_complete(boost::asio::io_context& io, boost::asio::awaitable<T> operation)
{
    std::optional<T> result;
    run_until_complete(io, [](std::optional<T>& out, boost::asio::awaitable<T> op)
                               -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); }(
                               result, std::move(operation)));
    return std::move(*result);
}

} // namespace sitecheck

#include "net/connection_limit.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>

namespace sitecheck::detail {
namespace asio = boost::asio;

namespace {

// A waiter's timer runs until its deadline, or until a released place is handed to it.
struct Waiter {
    asio::steady_timer timer;
    bool granted = false;
};

// Sessions may live on several threads (v2's blocking path), hence the mutex. Descriptors
// that are not connections (stdio, the event loop's, the resolver's, the trust store's files)
// get a reserve. The limit is read on first use, after the program's start-up set it.
struct Places {
    std::mutex mutex;
    std::size_t free = [] {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
            return std::size_t{1} << 20;
        const auto total = static_cast<std::size_t>(limit.rlim_cur);
        return std::max<std::size_t>(1, total > 128 ? total - 64 : total / 2);
    }();
    std::deque<std::shared_ptr<Waiter>> waiters;
};

Places& places()
{
    static Places instance;
    return instance;
}

} // namespace

asio::awaitable<bool> ConnectionSlot::acquire(std::chrono::steady_clock::time_point deadline)
{
    auto& places = detail::places();
    auto me = std::make_shared<Waiter>(asio::steady_timer(co_await asio::this_coro::executor, deadline));
    {
        std::lock_guard lock(places.mutex);
        if (places.free > 0) {
            --places.free;
            co_return held_ = true;
        }
        places.waiters.push_back(me);
    }
    const auto [ec] = co_await me->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(places.mutex);
    if (me->granted)
        co_return held_ = true;
    std::erase(places.waiters, me);
    if (ec == asio::error::operation_aborted)
        throw boost::system::system_error(ec); // cancelled from outside while waiting
    co_return false;
}

ConnectionSlot::~ConnectionSlot()
{
    if (!held_)
        return;
    auto& places = detail::places();
    std::lock_guard lock(places.mutex);
    if (places.waiters.empty()) {
        ++places.free;
        return;
    }
    // The place passes straight to the first waiter, woken on its own executor.
    auto next = std::move(places.waiters.front());
    places.waiters.pop_front();
    next->granted = true;
    asio::post(next->timer.get_executor(), [next] { next->timer.cancel(); });
}

} // namespace sitecheck::detail

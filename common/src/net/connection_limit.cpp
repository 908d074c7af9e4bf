#include "net/connection_limit.hpp"

#include "net/wakeup.hpp"

#include <boost/asio/this_coro.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>

namespace sitecheck::detail {
namespace asio = boost::asio;

namespace {

// A waiter waits until its deadline, or until the places it wants are handed to it.
struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : wakeup(executor) {}
    Wakeup wakeup;
    std::size_t wanted = 1;
    bool granted = false;
};

// Sessions may live on several threads (v2's blocking path), hence the mutex. Descriptors
// that are not connections (stdio, the event loop's, the resolver's, the trust store's files)
// get a reserve. The limit is read on first use, after the program's start-up set it.
struct Places {
    std::mutex mutex;
    std::size_t capacity = [] {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
            return std::size_t{1} << 20;
        const auto total = static_cast<std::size_t>(limit.rlim_cur);
        return std::max<std::size_t>(1, total > 128 ? total - 64 : total / 2);
    }();
    std::size_t free = capacity;
    // First come, first served: a waiter that wants two places is not overtaken by later
    // ones that want one, so it cannot starve.
    std::deque<std::shared_ptr<Waiter>> waiters;

    // With the mutex held: hands free places to the waiters at the front, each woken on its
    // own executor.
    void grant()
    {
        while (!waiters.empty() && waiters.front()->wanted <= free) {
            auto next = std::move(waiters.front());
            waiters.pop_front();
            free -= next->wanted;
            next->granted = true;
            Wakeup::wake_from_any_thread(std::shared_ptr<Wakeup>(next, &next->wakeup));
        }
    }
};

Places& places()
{
    static Places instance;
    return instance;
}

} // namespace

asio::awaitable<bool> ConnectionSlot::acquire(std::chrono::steady_clock::time_point deadline,
                                              std::size_t n)
{
    auto& places = detail::places();
    auto me = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    {
        std::lock_guard lock(places.mutex);
        me->wanted = std::clamp<std::size_t>(n, 1, places.capacity);
        if (places.waiters.empty() && places.free >= me->wanted) {
            places.free -= me->wanted;
            held_ = me->wanted;
            co_return true;
        }
        places.waiters.push_back(me);
    }
    std::exception_ptr cancelled;
    try {
        co_await me->wakeup.wait(deadline);
    } catch (...) {
        cancelled = std::current_exception();
    }
    // Under the lock, `granted` is the truth: a place handed over just as the deadline passed
    // or the check was cancelled is still taken here (and given back by the destructor).
    std::lock_guard lock(places.mutex);
    if (me->granted) {
        held_ = me->wanted;
        co_return true;
    }
    std::erase(places.waiters, me);
    places.grant(); // those behind it may want fewer places than are free
    if (cancelled)
        std::rethrow_exception(cancelled);
    co_return false;
}

void ConnectionSlot::keep_one()
{
    if (held_ <= 1)
        return;
    auto& places = detail::places();
    std::lock_guard lock(places.mutex);
    places.free += held_ - 1;
    held_ = 1;
    places.grant();
}

ConnectionSlot::~ConnectionSlot()
{
    if (held_ == 0)
        return;
    auto& places = detail::places();
    std::lock_guard lock(places.mutex);
    places.free += held_;
    places.grant();
}

} // namespace sitecheck::detail

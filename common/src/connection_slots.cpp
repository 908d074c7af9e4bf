#include "connection_slots.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <list>
#include <memory>
#include <mutex>

namespace sitecheck::detail {
namespace asio = boost::asio;

namespace {

// Descriptors kept for what is not a connection: stdio, the event loops' epoll and eventfd
// descriptors, the resolver's sockets and files, the trust store's files.
constexpr std::size_t reserved_descriptors = 64;

struct Waiter {
    std::shared_ptr<asio::steady_timer> timer;
    bool granted = false;
};

// Sessions may run on several threads (the blocking path on plain threads), hence the mutex.
// A waiter is woken on its own executor, where its timer lives.
struct Slots {
    std::mutex mutex;
    std::size_t free = ConnectionSlot::capacity();
    std::list<std::shared_ptr<Waiter>> waiters;
};

Slots& slots()
{
    static Slots instance;
    return instance;
}

void release_one()
{
    auto& s = slots();
    std::lock_guard lock(s.mutex);
    if (s.waiters.empty()) {
        ++s.free;
        return;
    }
    auto waiter = std::move(s.waiters.front());
    s.waiters.pop_front();
    waiter->granted = true; // the slot passes straight to the waiter
    asio::post(waiter->timer->get_executor(), [waiter] { waiter->timer->cancel(); });
}

} // namespace

std::size_t ConnectionSlot::capacity()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 256;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY)
        return 1 << 20;
    const auto total = static_cast<std::size_t>(limit.rlim_cur);
    return std::max<std::size_t>(1, total > 2 * reserved_descriptors ? total - reserved_descriptors : total / 2);
}

ConnectionSlot::~ConnectionSlot()
{
    if (held_)
        release_one();
}

asio::awaitable<bool> ConnectionSlot::acquire(ConnectionSlot& slot,
                                              std::chrono::steady_clock::time_point deadline)
{
    if (slot.held_)
        co_return true;
    auto& s = slots();
    auto waiter = std::make_shared<Waiter>();
    waiter->timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, deadline);
    {
        std::lock_guard lock(s.mutex);
        if (s.free > 0) {
            --s.free;
            slot.held_ = true;
            co_return true;
        }
        s.waiters.push_back(waiter);
    }
    auto [ec] = co_await waiter->timer->async_wait(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(s.mutex);
    if (waiter->granted) {
        slot.held_ = true;
        co_return true;
    }
    s.waiters.remove(waiter);
    if (ec == asio::error::operation_aborted)
        throw boost::system::system_error(ec); // cancelled from outside while waiting
    co_return false;
}

} // namespace sitecheck::detail

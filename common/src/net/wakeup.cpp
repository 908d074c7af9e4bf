#include "net/wakeup.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <utility>

namespace sitecheck::detail {
namespace asio = boost::asio;

void Wakeup::wake()
{
    woken_ = true;
    timer_.cancel();
}

void Wakeup::wake_from_any_thread(std::shared_ptr<Wakeup> wakeup)
{
    auto executor = wakeup->timer_.get_executor();
    asio::post(executor, [wakeup = std::move(wakeup)] { wakeup->wake(); });
}

asio::awaitable<bool> Wakeup::wait(std::chrono::steady_clock::time_point deadline)
{
    for (;;) {
        if (std::exchange(woken_, false))
            co_return true;
        // The timer's wait ends early for a wake and for a cancellation alike: the state of
        // this coroutine, not the wait's error code, says which it was.
        // (Awaited on a line of its own: g++ 12 miscompiles this loop, reaching a trap, when
        // the co_await stands inside the if's condition.)
        const auto state = co_await asio::this_coro::cancellation_state;
        if (state.cancelled() != asio::cancellation_type::none)
            throw boost::system::system_error(asio::error::operation_aborted);
        if (std::chrono::steady_clock::now() >= deadline)
            co_return false;
        timer_.expires_at(deadline);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

} // namespace sitecheck::detail

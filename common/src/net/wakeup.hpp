// "Wait until woken, the deadline, or a cancellation": the one wait that the name lookups (woken
// by a lookup thread), the connection limit (woken by a released place) and Happy Eyeballs
// (woken by a finished attempt) share, so that all three tell a timeout from a cancellation the
// same way.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace sitecheck::detail {

class Wakeup {
public:
    explicit Wakeup(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    boost::asio::any_io_executor get_executor() { return timer_.get_executor(); }

    // Ends the wait in progress, or the next one at once. On the waiter's executor only.
    void wake();

    // The same from any thread: the wake is posted to the waiter's executor, and `wakeup` is
    // kept alive until it has run.
    static void wake_from_any_thread(std::shared_ptr<Wakeup> wakeup);

    // True when woken, false when the deadline passed first. A cancellation of the awaiting
    // coroutine throws operation_aborted; a wake that came first still wins, so a handed-over
    // place or a finished lookup is never lost to a cancellation that came just after it.
    boost::asio::awaitable<bool> wait(std::chrono::steady_clock::time_point deadline);

private:
    boost::asio::steady_timer timer_;
    bool woken_ = false;
};

} // namespace sitecheck::detail

#include "net/happy_eyeballs.hpp"

#include "net/wakeup.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace sitecheck::detail {
namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

std::vector<tcp::endpoint> interleave_families(const std::vector<tcp::endpoint>& endpoints)
{
    if (endpoints.empty())
        return {};
    const bool first_is_v6 = endpoints.front().address().is_v6();
    std::vector<tcp::endpoint> preferred, other, ordered;
    for (const auto& e : endpoints)
        (e.address().is_v6() == first_is_v6 ? preferred : other).push_back(e);
    for (std::size_t i = 0; i < std::max(preferred.size(), other.size()); ++i) {
        if (i < preferred.size())
            ordered.push_back(preferred[i]);
        if (i < other.size())
            ordered.push_back(other[i]);
    }
    return ordered;
}

namespace {

// The attempts in flight. Their completion handlers share it with the racing coroutine, so
// an attempt that completes after the race was decided finds its socket still there.
struct Race {
    Race(const asio::any_io_executor& executor, std::size_t n) : wakeup(executor), sockets(n) {}

    Wakeup wakeup; // the racing coroutine waits on it; each attempt that completes wakes it
    std::vector<std::optional<tcp::socket>> sockets;
    std::size_t in_flight = 0;
    std::optional<std::size_t> winner;
    error_code last_error;
    bool start_next = false; // an attempt failed: start the next one now, not at the delay
};

} // namespace

asio::awaitable<Connected> connect_happily(const std::vector<tcp::endpoint>& endpoints,
                                           std::chrono::steady_clock::time_point deadline,
                                           std::size_t max_attempts)
{
    const auto executor = co_await asio::this_coro::executor;
    const auto ordered = interleave_families(endpoints);
    auto race = std::make_shared<Race>(executor, ordered.size());
    std::size_t next = 0;
    auto next_start = std::chrono::steady_clock::now();

    const auto start = [&] {
        const std::size_t i = next++;
        auto& socket = race->sockets[i].emplace(executor);
        ++race->in_flight;
        next_start = std::chrono::steady_clock::now() + connection_attempt_delay;
        socket.async_connect(ordered[i], [race, i](const error_code& ec) {
            --race->in_flight;
            if (!ec && !race->winner) {
                race->winner = i;
            } else if (ec && ec != asio::error::operation_aborted) {
                race->last_error = ec;
                race->start_next = true;
                error_code ignored; // its descriptor goes back now, for the next attempt
                race->sockets[i]->close(ignored);
            }
            race->wakeup.wake();
        });
    };

    error_code error = asio::error::host_not_found; // no address at all
    for (;;) {
        if (race->winner)
            break;
        const bool more = next < ordered.size();
        const bool room = race->in_flight < max_attempts;
        if (more && room &&
            (race->in_flight == 0 || race->start_next ||
             std::chrono::steady_clock::now() >= next_start)) {
            race->start_next = false;
            start();
            continue;
        }
        if (!more && race->in_flight == 0) {
            error = race->last_error;
            break;
        }
        // Until an attempt completes, the next attempt's time, or the deadline.
        bool woken = false;
        try {
            woken = co_await race->wakeup.wait(more && room ? std::min(deadline, next_start)
                                                            : deadline);
        } catch (const boost::system::system_error& e) { // cancelled: the losers are closed below
            error = e.code();
            break;
        }
        if (!woken && std::chrono::steady_clock::now() >= deadline) {
            error = boost::beast::error::timeout;
            break;
        }
    }

    // The losers are closed; their handlers still run, with operation_aborted.
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        if (race->sockets[i] && i != race->winner) {
            error_code ignored;
            race->sockets[i]->close(ignored);
        }
    }
    if (!race->winner)
        co_return Connected{error, tcp::socket(executor), {}};
    co_return Connected{{}, std::move(*race->sockets[*race->winner]), ordered[*race->winner]};
}

} // namespace sitecheck::detail

// How many connections may be open at once: the open-file limit less a reserve. A check that
// finds none free waits for one, until its deadline, instead of failing with "too many open
// files" when thousands of sites are checked in one run. Every socket counts, the attempts of
// a Happy Eyeballs race included.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>

namespace sitecheck::detail {

// Holds one connection's places while it lives: one for the connection, and while it connects
// one for each attempt racing at once.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();

    // Waits for `places` places, taken together (fewer when the limit has fewer in all), so
    // that no check holds one place while it waits for another: checks that each wanted a
    // second place one at a time could wait on each other until their deadlines. Returns
    // false when the deadline passes first; a cancelled wait throws operation_aborted.
    boost::asio::awaitable<bool> acquire(std::chrono::steady_clock::time_point deadline,
                                         std::size_t places = 1);

    std::size_t held() const { return held_; }
    // Gives back every place but one: the race is over, one connection is left.
    void keep_one();

private:
    std::size_t held_ = 0;
};

} // namespace sitecheck::detail

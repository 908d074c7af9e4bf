// How many connections may be open at once: the open-file limit less a reserve. A check that
// finds none free waits for one, until its deadline, instead of failing with "too many open
// files" when thousands of sites are checked in one run.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>

namespace sitecheck::detail {

// Holds one connection's place while it lives.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot();

    // Waits for a place. Returns false when the deadline passes first; a cancelled wait
    // throws operation_aborted.
    boost::asio::awaitable<bool> acquire(std::chrono::steady_clock::time_point deadline);

private:
    bool held_ = false;
};

} // namespace sitecheck::detail

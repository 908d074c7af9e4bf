// How many connections may be open at once: as many as the open-file limit allows, less a
// reserve. A check that finds no free slot waits for one, until its deadline, instead of
// failing with "too many open files" when thousands of sites are checked in one run.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>

namespace sitecheck::detail {

// Holds one slot while it lives.
class ConnectionSlot {
public:
    ConnectionSlot() = default;
    ConnectionSlot(ConnectionSlot&& other) noexcept : held_(other.held_) { other.held_ = false; }
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ~ConnectionSlot();

    // Waits for a free slot. Returns false when the deadline passes first; a cancelled wait
    // throws operation_aborted.
    static boost::asio::awaitable<bool> acquire(ConnectionSlot& slot,
                                                std::chrono::steady_clock::time_point deadline);

    // The number of slots: RLIMIT_NOFILE's soft limit (first raised to the hard limit) less
    // the descriptors a process needs besides its connections.
    static std::size_t capacity();

private:
    bool held_ = false;
};

} // namespace sitecheck::detail

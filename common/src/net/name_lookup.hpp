// Name lookups that run at once and end at the check's deadline.
//
// Asio's resolver calls getaddrinfo on one private thread per io_context, so lookups wait for
// each other, and a lookup that never returns holds up every one behind it. Here each lookup
// runs getaddrinfo (so /etc/hosts and nsswitch still apply) on a pool of detached threads that
// grows with the work, as aiohttp's threaded resolver and curl's do. The awaiting check stops
// waiting at its deadline; a thread still stuck in getaddrinfo then finishes, or not, on its
// own: nothing waits for it, not even the program's exit.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

namespace sitecheck::detail {

// The addresses of host for port, in getaddrinfo's order. Fails with beast::error::timeout
// at the deadline, asio::error::operation_aborted when cancelled, and otherwise with the
// resolver error Asio would give (host_not_found, ...).
boost::asio::awaitable<std::tuple<boost::system::error_code, std::vector<boost::asio::ip::tcp::endpoint>>>
look_up(std::string host, std::string port, std::chrono::steady_clock::time_point deadline);

// How many lookup threads may exist at once; further lookups queue for a free one.
inline constexpr int max_lookup_threads = 64;

} // namespace sitecheck::detail

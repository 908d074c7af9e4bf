// Connecting as RFC 8305 ("Happy Eyeballs v2") describes: a host's addresses are tried in an
// order that alternates IPv6 and IPv4, a new attempt starts every 250 ms or as soon as the
// previous one fails, earlier attempts keep going, and the first connection made wins. A dead
// first address (broken IPv6 is common) then costs a quarter of a second, not the deadline.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

namespace sitecheck::detail {

struct Connected {
    boost::system::error_code error;       // the last attempt's, when none succeeded
    boost::asio::ip::tcp::socket socket;   // open and connected when error is clear
    boost::asio::ip::tcp::endpoint winner; // the address it is connected to
};

inline constexpr std::chrono::milliseconds connection_attempt_delay{250};

// Addresses in RFC 8305's order: the first address's family first, then alternating.
std::vector<boost::asio::ip::tcp::endpoint> interleave_families(
    const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);

// Races connections to the endpoints, in interleave_families() order, with at most
// `max_attempts` sockets open at once (each is a descriptor the connection limit counted): a
// further attempt waits for an earlier one to fail, and the socket of one that failed is
// closed at once. Fails with beast::error::timeout at the deadline and operation_aborted when
// cancelled; the sockets of the attempts that lost are closed.
boost::asio::awaitable<Connected> connect_happily(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  std::size_t max_attempts);

} // namespace sitecheck::detail

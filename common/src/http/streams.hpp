// The two streams a connection speaks HTTP on: plain TCP, and TLS over it. The tcp_stream under
// either carries the check's deadline.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace sitecheck::detail {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

} // namespace sitecheck::detail

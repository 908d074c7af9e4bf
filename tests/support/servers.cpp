#include "support/servers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace testsupport {
namespace {

unsigned short unused_port()
{
    // Bind to port 0 and close again: nothing listens there for the rest of the run.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

} // namespace

Servers::Servers()
    : http(ServerOptions{}),
      https(ServerOptions{Family::V4, ca.issue({"localhost"}, {"127.0.0.1", "::1"})}),
      https6(ServerOptions{Family::V6, ca.issue({"localhost"}, {"127.0.0.1", "::1"})}),
      garbage(ServerOptions{Family::V4, std::nullopt, Behaviour::Garbage}),
      silent(ServerOptions{Family::V4, std::nullopt, Behaviour::Silent}),
      self_signed(ServerOptions{Family::V4, TestCA::self_signed({"localhost"}, {"127.0.0.1"})}),
      expired(ServerOptions{Family::V4, ca.issue({"localhost"}, {"127.0.0.1"}, Validity::Expired)}),
      wrong_host(ServerOptions{Family::V4, ca.issue({"other.example"}, {})}),
      closed_port(unused_port())
{
}

Servers& servers()
{
    static Servers instance;
    return instance;
}

} // namespace testsupport

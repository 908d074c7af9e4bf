#include "support/servers.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace testsupport {
namespace {

// A port with nobody listening, kept that way for the whole run: the socket stays bound but never
// listens, so a connection to it is refused and no server started later can take the port.
unsigned short unused_port()
{
    static boost::asio::io_context io;
    static boost::asio::ip::tcp::socket holder(io);
    holder.open(boost::asio::ip::tcp::v4());
    holder.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    return holder.local_endpoint().port();
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

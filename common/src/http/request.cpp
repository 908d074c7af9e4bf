#include "http/request.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

#ifndef SITECHECK_VERSION
#define SITECHECK_VERSION "0.0.0"
#endif

namespace sitecheck::detail {
namespace http = boost::beast::http;

std::string request_bytes(const Target& target)
{
    http::request<http::empty_body> request(http::verb::get, target.path_and_query, 11);
    request.set(http::field::host, target.host_header);
    if (!target.authorization.empty())
        request.set(http::field::authorization, target.authorization);
    request.set(http::field::user_agent, "sitecheck/" SITECHECK_VERSION);
    request.set(http::field::accept, "*/*");
    request.set(http::field::accept_encoding, "gzip, deflate, br");
    // Beast's serializer, run once into a string: the same bytes http::async_write would send,
    // without compiling its write operation for each of the two streams.
    std::ostringstream bytes;
    bytes << request;
    return std::move(bytes).str();
}

} // namespace sitecheck::detail

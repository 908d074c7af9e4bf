// The request: a GET over HTTP/1.1 with the headers aiohttp sends, as the bytes that go on the
// wire. Beast builds and serializes it once; the connection writes the bytes with Asio.
#pragma once

#include "url/url.hpp"

#include <string>

namespace sitecheck::detail {

std::string request_bytes(const Target& target);

} // namespace sitecheck::detail

// URLs, parsed with Boost.URL: the part of aiohttp's yarl.URL that a check needs.
#pragma once

#include <string>
#include <string_view>

namespace sitecheck {

// Where a request goes. Throws CheckError("not a valid URL") or
// CheckError("unsupported scheme 'ftp'"). The URL is first read as a browser reads it (tabs
// and newlines dropped, '\\' as '/', a space, '|' or raw UTF-8 percent-encoded), and an
// international host name becomes its A-label (IDNA, UTS #46).
struct Target {
    bool tls = false;           // https
    std::string host;           // for resolving: a name, or an IP literal without brackets
    bool host_is_ip = false;    // IP literal: no SNI, the certificate is checked against the address
    std::string port;           // explicit, or 80 / 443
    std::string host_header;    // Host: value, with the port when it is not the default
    std::string path_and_query; // the request-target (RFC 9112 origin-form): never empty
    std::string url;            // the normalized absolute URL, without user and password
    std::string authorization;  // "Basic ..." from the URL's user:password, or empty

    bool same_origin(const Target& other) const
    {
        return tls == other.tls && host == other.host && port == other.port;
    }
};

Target parse_url(std::string_view url);

// Resolves a Location header against the URL it came from, as a browser would
// (RFC 3986 section 5). Throws CheckError("redirect to an invalid URL '...'"), quoting the
// location, or CheckError("unsupported scheme 'ftp'").
Target resolve_location(const Target& base, std::string_view location);

// The URL as given, for printing, with its password shown as "***" (`user:***@host`), whatever
// the password contains and whether or not the URL is valid.
std::string without_password(std::string_view url);

} // namespace sitecheck

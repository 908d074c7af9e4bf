// fuzz_url: URLs from the command line and Location headers from servers.
//   Input: a URL for parse_url, and a Location for resolve_location against a fixed base.
//   When the input holds a '\n', the part before it is also parsed as a base and the part
//   after it resolved against that base.
#include "fuzz_check.hpp"

#include "sitecheck/errors.hpp"
#include "url/url.hpp"

#include <boost/url/grammar/parse.hpp>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>

#include <algorithm>
#include <string>
#include <string_view>

namespace {
using sitecheck::Target;

// Bytes that can go into a request line or a header without changing its meaning.
bool wire_safe(std::string_view s)
{
    return std::ranges::none_of(s, [](unsigned char c) { return c <= 0x20 || c == 0x7F; });
}

bool valid_port(const std::string& port)
{
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        !std::ranges::all_of(port, [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    const unsigned long n = std::stoul(port);
    return n >= 1 && n <= 65535;
}

void check_target(const Target& t)
{
    FUZZ_CHECK(!t.host.empty());
    FUZZ_CHECK(wire_safe(t.host));
    FUZZ_CHECK(wire_safe(t.host_header));
    FUZZ_CHECK(wire_safe(t.path_and_query));
    FUZZ_CHECK(t.authorization.empty() ||
               (t.authorization.starts_with("Basic ") && wire_safe(t.authorization.substr(6))));
    FUZZ_CHECK(!t.path_and_query.empty() && t.path_and_query.front() == '/');
    FUZZ_CHECK(valid_port(t.port));

    const bool ipv6 = t.host_is_ip && t.host.find(':') != std::string::npos;
    if (t.host_is_ip)
        FUZZ_CHECK(ipv6 ? boost::urls::parse_ipv6_address(t.host).has_value()
                        : boost::urls::parse_ipv4_address(t.host).has_value());
    const std::string default_port = t.tls ? "443" : "80";
    const std::string host = ipv6 ? "[" + t.host + "]" : t.host;
    FUZZ_CHECK(t.host_header == (t.port == default_port ? host : host + ":" + t.port));
    FUZZ_CHECK(t.url == (t.tls ? "https://" : "http://") + t.host_header + t.path_and_query);
    FUZZ_CHECK(t.same_origin(t));

    // resolve_location parses base.url again: it must name the same place.
    Target again;
    try {
        again = sitecheck::parse_url(t.url);
    } catch (const sitecheck::CheckError&) {
        FUZZ_CHECK(!"the normalized URL parses again");
    }
    FUZZ_CHECK(again.same_origin(t));
    FUZZ_CHECK(again.host_is_ip == t.host_is_ip);
    FUZZ_CHECK(again.host_header == t.host_header);
    FUZZ_CHECK(again.path_and_query == t.path_and_query);
    FUZZ_CHECK(again.url == t.url);
}

// A Location of the form "/path": same scheme, host and port as the request. Read as a
// browser reads it: tabs and newlines dropped, '\\' as '/' ("/\\host" names a host).
bool path_absolute(std::string_view location)
{
    std::string read;
    for (char c : location)
        if (c != '\t' && c != '\r' && c != '\n')
            read += c == '\\' ? '/' : c;
    return read.size() >= 1 && read[0] == '/' && (read.size() == 1 || read[1] != '/');
}

// RFC 3986 section 5.2 removes every "." and ".." segment from a resolved path.
bool has_dot_segment(std::string_view target)
{
    std::string_view path = target.substr(0, target.find('?'));
    while (!path.empty()) {
        path.remove_prefix(1); // the '/'
        const std::string_view segment = path.substr(0, path.find('/'));
        if (segment == "." || segment == "..")
            return true;
        path.remove_prefix(segment.size());
    }
    return false;
}

void resolve(const Target& base, std::string_view location)
{
    try {
        const Target to = sitecheck::resolve_location(base, location);
        check_target(to);
        FUZZ_CHECK(!has_dot_segment(to.path_and_query));
        if (path_absolute(location))
            FUZZ_CHECK(to.same_origin(base));
    } catch (const sitecheck::CheckError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    try {
        check_target(sitecheck::parse_url(input));
    } catch (const sitecheck::CheckError&) {
    }
    // Whatever the input, masking it ends with what followed the password.
    const std::string shown = sitecheck::without_password(input);
    const auto mask = shown.find(":***@");
    FUZZ_CHECK(shown == input || (mask != std::string::npos && input.ends_with(shown.substr(mask + 4))));

    static const Target fixed_base = sitecheck::parse_url("https://example.com:8443/dir/page?q=1#top");
    resolve(fixed_base, input);

    if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
        try {
            const Target base = sitecheck::parse_url(input.substr(0, newline));
            resolve(base, input.substr(newline + 1));
        } catch (const sitecheck::CheckError&) {
        }
    }
    return 0;
}

#include "sitecheck/url.hpp"

#include "sitecheck/errors.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>

namespace sitecheck {
namespace urls = boost::urls;

namespace {

std::string lower(std::string s)
{
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// A host name that can go to the resolver and into SNI: no spaces, controls or
// characters that DNS names never have. (Non-ASCII names would need IDNA.)
bool plausible_host_name(std::string_view host)
{
    return !host.empty() && std::ranges::all_of(host, [](unsigned char c) {
        return c > 0x20 && c != 0x7f && c != '/' && c != '\\' && c != '@' && c != ':';
    });
}

Target to_target(const urls::url_view_base& u)
{
    Target t;
    const auto scheme = u.scheme_id();
    if (scheme == urls::scheme::https)
        t.tls = true;
    else if (scheme != urls::scheme::http) {
        if (u.has_scheme())
            throw CheckError("unsupported scheme '" + lower(std::string(u.scheme())) + "'");
        throw CheckError("not a valid URL");
    }

    switch (u.host_type()) {
    case urls::host_type::ipv4:
        t.host = u.host_ipv4_address().to_string();
        t.host_is_ip = true;
        break;
    case urls::host_type::ipv6:
        t.host = u.host_ipv6_address().to_string();
        t.host_is_ip = true;
        break;
    case urls::host_type::name:
        t.host = lower(u.host());
        if (!plausible_host_name(t.host))
            throw CheckError("not a valid URL");
        break;
    default: // none, or an IPvFuture literal
        throw CheckError("not a valid URL");
    }

    const std::string default_port = t.tls ? "443" : "80";
    if (u.has_port() && !u.port().empty()) {
        // The grammar allows any run of digits; a TCP port is 1 to 65535.
        const std::string digits = u.port();
        const auto first = digits.find_first_not_of('0');
        if (first == std::string::npos || digits.size() - first > 5 ||
            std::stoul(digits.substr(first)) > 65535)
            throw CheckError("not a valid URL");
        t.port = digits.substr(first);
    } else {
        t.port = default_port;
    }

    const std::string bracketed =
        u.host_type() == urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
    t.host_header = t.port == default_port ? bracketed : bracketed + ":" + t.port;

    t.target = std::string(u.encoded_target());
    if (t.target.empty() || t.target.front() != '/')
        t.target = "/" + t.target;
    t.url = (t.tls ? "https://" : "http://") + t.host_header + t.target;
    return t;
}

// Servers put spaces and raw UTF-8 in Location headers; like browsers and aiohttp, send
// them percent-encoded rather than refuse them.
std::string encode_sloppy_location(std::string_view location)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(location.size());
    for (unsigned char c : location) {
        if (c == ' ' || c >= 0x80) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

} // namespace

Target parse_url(std::string_view url)
{
    auto parsed = urls::parse_uri(url);
    if (!parsed)
        throw CheckError("not a valid URL");
    return to_target(*parsed);
}

Target resolve_location(const Target& base, std::string_view location)
{
    const std::string encoded = encode_sloppy_location(location);
    auto ref = urls::parse_uri_reference(encoded);
    if (!ref)
        throw CheckError("redirect to an invalid URL");
    urls::url resolved;
    auto base_url = urls::parse_uri(base.url);
    if (!base_url || !urls::resolve(*base_url, *ref, resolved))
        throw CheckError("redirect to an invalid URL");
    return to_target(resolved);
}

} // namespace sitecheck

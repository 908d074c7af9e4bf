#include "url/url.hpp"

#include "sitecheck/errors.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <idn2.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace sitecheck {
namespace urls = boost::urls;

namespace {

// Thrown where a URL turns out not to be one; parse_url() and resolve_location() say so each
// in their own words.
struct InvalidUrl {};

// A host name that can go to the resolver, into SNI and into the Host header: the characters
// RFC 3986 allows in a reg-name unencoded (unreserved and sub-delims), none of them a space or a
// control. The host arrives percent-decoded and through IDNA, so this also refuses what "%23"
// stood for: a '#' or '`' would make Target::url unparseable or name another host.
bool plausible_host_name(std::string_view host)
{
    constexpr std::string_view punctuation = "-._~!$&'()*+,;=";
    return !host.empty() && std::ranges::all_of(host, [&](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               punctuation.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

// A host name as the resolver, SNI and the certificate check need it: an international name
// ("bücher.example") becomes its A-label ("xn--bcher-kva.example") by IDNA's UTS #46
// processing, non-transitional as browsers and curl do; an ASCII name is left as it is. Where
// the strict conversion refuses a name that the transitional one takes (a zero-width joiner
// outside the scripts that need it), the transitional one is used, as curl does with libidn2.
std::string ascii_host_name(const std::string& host)
{
    if (std::ranges::all_of(host, [](unsigned char c) { return c < 0x80; }))
        return host;
    if (host.find('\0') != std::string::npos) // libidn2 would read only what comes before it
        throw InvalidUrl{};
    char* ascii = nullptr;
    if (idn2_to_ascii_8z(host.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK &&
        idn2_to_ascii_8z(host.c_str(), &ascii, IDN2_NFC_INPUT | IDN2_TRANSITIONAL) != IDN2_OK)
        throw InvalidUrl{};
    const std::unique_ptr<char, decltype(&idn2_free)> owned(ascii, &idn2_free);
    return ascii;
}

// "user:password" as an Authorization header value for Basic authentication (RFC 7617), in
// base64 by OpenSSL.
std::string basic_authorization(std::string_view credentials)
{
    std::string encoded(4 * ((credentials.size() + 2) / 3) + 1, '\0'); // with OpenSSL's NUL
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                  reinterpret_cast<const unsigned char*>(credentials.data()),
                                  static_cast<int>(credentials.size()));
    encoded.resize(static_cast<std::size_t>(n));
    return "Basic " + encoded;
}

Target to_target(const urls::url_view_base& u)
{
    Target t;
    const auto scheme = u.scheme_id();
    if (scheme == urls::scheme::https)
        t.tls = true;
    else if (scheme != urls::scheme::http) {
        if (u.has_scheme())
            throw CheckError("unsupported scheme '" + boost::algorithm::to_lower_copy(std::string(u.scheme())) + "'");
        throw InvalidUrl{};
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
        t.host = boost::algorithm::to_lower_copy(ascii_host_name(u.host()));
        if (!plausible_host_name(t.host))
            throw InvalidUrl{};
        break;
    default: // none, or an IPvFuture literal
        throw InvalidUrl{};
    }
    // After an authority the path is empty or starts with '/' (RFC 3986 path-abempty). Boost.URL
    // 1.81 accepts "http://h:8o80/x" as port 8 and path "o80/x". Found by fuzz_url.
    if (const auto path = u.encoded_path(); !path.empty() && path.front() != '/')
        throw InvalidUrl{};

    const std::string default_port = t.tls ? "443" : "80";
    if (u.has_port() && !u.port().empty()) {
        // The grammar allows any run of digits; a TCP port is 1 to 65535.
        const std::string digits = u.port();
        const auto first = digits.find_first_not_of('0');
        if (first == std::string::npos || digits.size() - first > 5 ||
            std::stoul(digits.substr(first)) > 65535)
            throw InvalidUrl{};
        t.port = digits.substr(first);
    } else {
        t.port = default_port;
    }

    const std::string bracketed =
        u.host_type() == urls::host_type::ipv6 ? "[" + t.host + "]" : t.host;
    t.host_header = t.port == default_port ? bracketed : bracketed + ":" + t.port;

    t.path_and_query = std::string(u.encoded_target());
    if (t.path_and_query.empty() || t.path_and_query.front() != '/')
        t.path_and_query = "/" + t.path_and_query;
    // Never in t.url, which trace lines print.
    if (!u.encoded_user().empty() || u.has_password())
        t.authorization = basic_authorization(std::string(u.user()) + ":" + std::string(u.password()));
    t.url = (t.tls ? "https://" : "http://") + t.host_header + t.path_and_query;
    return t;
}

// What a browser reads before it parses (WHATWG URL): a tab, CR or LF anywhere is dropped,
// and a '\\' before the query is a '/'. So "http:\\\\host\\a" is "http://host/a", and a
// Location "/\\other.example/" names another host, as it does in a browser.
std::string read_as_a_browser(std::string_view url)
{
    const auto query = url.find_first_of("?#");
    std::string out;
    out.reserve(url.size());
    for (std::size_t i = 0; i < url.size(); ++i) {
        const char c = url[i];
        if (c == '\t' || c == '\r' || c == '\n')
            continue;
        out += c == '\\' && i < query ? '/' : c;
    }
    return out;
}

// People type, and servers put in Location headers, URLs with spaces, raw UTF-8 and other
// characters RFC 3986 does not allow. Like a browser, aiohttp and curl, read them as a browser
// does (above), then percent-encode rather than refuse: a space, '"', '<', '>', '\\', '^', '`',
// '{', '|', '}', '[' and ']' after the host, any byte from 0x80 up (in the host too: the host is
// decoded again, then goes through IDNA), and a '%' that starts no %XX escape. Other controls
// (NUL, ESC, ...) stay, so that such a URL stays invalid.
std::string encode_leniently(std::string_view given)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    constexpr std::string_view encoded = " \"<>\\^`{|}";
    const auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    const std::string url = read_as_a_browser(given);
    // '[' and ']' bracket an IPv6 literal in the authority; in the path or query, where a
    // browser sends them as they are, RFC 3986 wants them encoded.
    std::size_t authority_end = 0;
    if (const auto slashes = url.find("//"); slashes != std::string::npos && slashes == url.find_first_of("/?#"))
        authority_end = std::min(url.find_first_of("/?#", slashes + 2), url.size());
    std::string out;
    out.reserve(url.size());
    for (std::size_t i = 0; i < url.size(); ++i) {
        const auto c = static_cast<unsigned char>(url[i]);
        const bool stray_percent =
            c == '%' && !(i + 2 < url.size() && is_hex(url[i + 1]) && is_hex(url[i + 2]));
        const bool bracket = (c == '[' || c == ']') && i >= authority_end;
        if (c >= 0x80 || stray_percent || bracket || encoded.find(static_cast<char>(c)) != std::string_view::npos) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// RFC 3986 section 5.2.4 drops ".." segments that would climb above the root: "/../x" is "/x".
std::string without_dot_dot_above_root(const urls::url_view_base& u)
{
    const std::string_view buffer = u.buffer();
    const std::string_view path = u.encoded_path();
    std::size_t cut = 0;
    while (path.substr(cut).starts_with("/..") && (path.size() == cut + 3 || path[cut + 3] == '/'))
        cut += 3;
    const std::size_t at = static_cast<std::size_t>(path.data() - buffer.data());
    std::string out(buffer.substr(0, at));
    out += cut == path.size() ? "/" : path.substr(cut);
    out += buffer.substr(at + path.size());
    return out;
}

// A Location quoted in an error: its password masked, at most 100 bytes of it (cut at a
// character boundary). The report escapes its controls like every message.
std::string quoted_location(std::string_view location)
{
    std::string shown = without_password(location);
    if (shown.size() > 100) {
        std::size_t cut = 100;
        while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80)
            --cut;
        shown = shown.substr(0, cut) + "...";
    }
    return "'" + shown + "'";
}

Target resolved(const Target& base, std::string_view location)
{
    const std::string encoded = encode_leniently(location);
    auto ref = urls::parse_uri_reference(encoded);
    if (!ref)
        throw InvalidUrl{};
    // A reference with a scheme but no authority ("http:x") names no host: RFC 3986 section
    // 5.2.2 takes it as it is. It fails here, before Boost.URL 1.81's resolve() can turn a path
    // such as ".//evil.example/" into an authority. Found by fuzz_url.
    if (ref->has_scheme() && !ref->has_authority()) {
        to_target(*ref); // throws "unsupported scheme 'ftp'", or InvalidUrl
        throw InvalidUrl{};
    }
    urls::url resolved;
    auto base_url = urls::parse_uri(base.url);
    if (!base_url || !urls::resolve(*base_url, *ref, resolved))
        throw InvalidUrl{};
    // Boost.URL 1.81's resolve() has two defects, fixed upstream since. It keeps ".." segments
    // that climb above the root ("/../x"), which would reach the server (boostorg/url#808).
    // And after removing dot segments it leaves a stale decoded size for the path (like
    // boostorg/url#674): harmless with the prebuilt release library, an assertion failure in
    // encoded_target() where Boost.URL is compiled with assertions on. Parsing its output
    // again, without those segments, gives a url whose parts are exact. Found by fuzz_url.
    const auto reparsed = urls::parse_uri(resolved.buffer());
    if (!reparsed || !reparsed->has_authority())
        throw InvalidUrl{};
    const std::string exact = without_dot_dot_above_root(*reparsed);
    const auto exact_url = urls::parse_uri(exact);
    if (!exact_url)
        throw InvalidUrl{};
    Target next = to_target(*exact_url);
    // Credentials go to the origin they were given for, never to another one a server
    // redirects to, as aiohttp and curl do.
    if (next.authorization.empty() && next.same_origin(base))
        next.authorization = base.authorization;
    return next;
}

} // namespace

Target parse_url(std::string_view url)
{
    try {
        const std::string encoded = encode_leniently(url); // the view below points into it
        auto parsed = urls::parse_uri(encoded);
        if (!parsed)
            throw InvalidUrl{};
        return to_target(*parsed);
    } catch (const InvalidUrl&) {
        throw CheckError("not a valid URL");
    }
}

Target resolve_location(const Target& base, std::string_view location)
{
    try {
        return resolved(base, location);
    } catch (const InvalidUrl&) {
        throw CheckError("redirect to an invalid URL " + quoted_location(location));
    }
}

std::string without_password(std::string_view url)
{
    // The authority starts after the scheme's ':' and the slashes (or backslashes) after it.
    const auto scheme_end = url.find(':');
    if (scheme_end == std::string_view::npos || scheme_end == 0 ||
        !std::ranges::all_of(url.substr(0, scheme_end), [](unsigned char c) {
            return std::isalnum(c) || c == '+' || c == '-' || c == '.';
        }))
        return std::string(url);
    const auto start = url.find_first_not_of("/\\\t\r\n", scheme_end + 1);
    if (start == std::string_view::npos || start == scheme_end + 1 || url[start] == '[')
        return std::string(url); // no authority, or one without userinfo
    std::size_t colon = std::string_view::npos, at = std::string_view::npos;
    const std::string encoded = encode_leniently(url);
    if (const auto parsed = urls::parse_uri(encoded); parsed && parsed->has_password()) {
        // A valid URL: its password as Boost.URL reads it, between the userinfo's first ':'
        // and the authority's last '@'.
        const auto authority_end = std::min(url.find_first_of("/\\?#", start), url.size());
        at = url.substr(0, authority_end).rfind('@');
        colon = url.substr(0, at).find(':', start);
    } else {
        // Not valid, or valid without a password: "user:pa/ss@host" reads as host "user"
        // with a port "pa" and a path. Before any query, whatever lies between a ':' before
        // the first '@' and the last '@' may be a password: shown masked rather than risked.
        const auto query = std::min(url.find_first_of("?#", start), url.size());
        const auto first_at = url.substr(0, query).find('@', start);
        if (first_at == std::string_view::npos)
            return std::string(url);
        colon = url.substr(0, first_at).find(':', start);
        at = url.substr(0, query).rfind('@');
    }
    if (colon == std::string_view::npos || at == std::string_view::npos || colon > at)
        return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

} // namespace sitecheck

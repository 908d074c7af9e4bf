#include "sitecheck/errors.hpp"
#include "url/url.hpp"

#include <gtest/gtest.h>

#include <string>

using sitecheck::CheckError;
using sitecheck::parse_url;
using sitecheck::resolve_location;
using sitecheck::without_password;

namespace {

std::string error_of(std::string_view url)
{
    try {
        parse_url(url);
    } catch (const CheckError& e) {
        return e.what();
    }
    return "no error";
}

std::string redirect_error_of(std::string_view location)
{
    try {
        resolve_location(parse_url("http://example.com/"), location);
    } catch (const CheckError& e) {
        return e.what();
    }
    return "no error";
}

} // namespace

TEST(Url, HttpsUsesPort443AndOmitsItFromHost)
{
    auto t = parse_url("https://Example.COM/a/b?x=1#frag");
    EXPECT_TRUE(t.tls);
    EXPECT_EQ(t.host, "example.com");
    EXPECT_FALSE(t.host_is_ip);
    EXPECT_EQ(t.port, "443");
    EXPECT_EQ(t.host_header, "example.com");
    EXPECT_EQ(t.path_and_query, "/a/b?x=1");
}

TEST(Url, ExplicitPortGoesIntoHostHeader)
{
    auto t = parse_url("http://localhost:8080");
    EXPECT_FALSE(t.tls);
    EXPECT_EQ(t.port, "8080");
    EXPECT_EQ(t.host_header, "localhost:8080");
    EXPECT_EQ(t.path_and_query, "/");
}

TEST(Url, DefaultPortWrittenOutIsDroppedFromHostHeader)
{
    EXPECT_EQ(parse_url("http://example.com:80/").host_header, "example.com");
}

TEST(Url, Ipv4Literal)
{
    auto t = parse_url("http://127.0.0.1:9/x");
    EXPECT_TRUE(t.host_is_ip);
    EXPECT_EQ(t.host, "127.0.0.1");
    EXPECT_EQ(t.host_header, "127.0.0.1:9");
}

TEST(Url, BracketedIpv6Literal)
{
    auto t = parse_url("https://[::1]:8443/p");
    EXPECT_TRUE(t.host_is_ip);
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.host_header, "[::1]:8443");
    EXPECT_EQ(t.url, "https://[::1]:8443/p");
}

TEST(Url, UnsupportedSchemeIsNamed)
{
    EXPECT_EQ(error_of("ftp://example.com/"), "unsupported scheme 'ftp'");
    EXPECT_EQ(error_of("FILE:///etc/passwd"), "unsupported scheme 'file'");
}

TEST(Url, InvalidUrlsAreRefusedBeforeAnythingIsSent)
{
    for (std::string bad : {"", "example.com", "http://", "http:///path", "http://exa mple.com/",
                            "http://exa|mple.com/", "http://example.com/\x1b[2J",
                            "http://example.com:99999/",
                            "http://example.com:0/", "http://[::1/", "not a url at all"})
        EXPECT_EQ(error_of(bad), "not a valid URL") << bad;
    EXPECT_EQ(error_of(std::string("http://example.com/\0x", 21)), "not a valid URL");
    EXPECT_EQ(error_of("http://exämple com/"), "not a valid URL");
}

TEST(Url, PortFollowedByOtherCharactersIsRefused)
{
    // Boost.URL 1.81 reads "h:8o80/x" as port 8 and the path "o80/x". Found by fuzz_url.
    for (std::string bad : {"http://example.com:8o80/", "http://example.com:80abc/x", "http://example.com:../x",
                            "https://[::1]:443x/"})
        EXPECT_EQ(error_of(bad), "not a valid URL") << bad;
    EXPECT_THROW(resolve_location(parse_url("http://example.com/"), "http://other:8o80/"), CheckError);
    EXPECT_EQ(parse_url("http://example.com:/x").port, "80");
}

TEST(Url, VeryLongUrlIsParsed)
{
    const std::string path(100 * 1024, 'a');
    EXPECT_EQ(parse_url("http://example.com/" + path).path_and_query.size(), path.size() + 1);
}

TEST(Url, RelativeLocationResolvesAgainstTheRequest)
{
    auto base = parse_url("http://example.com:8080/a/b/c?q=1");
    EXPECT_EQ(resolve_location(base, "d").url, "http://example.com:8080/a/b/d");
    EXPECT_EQ(resolve_location(base, "/root").url, "http://example.com:8080/root");
    EXPECT_EQ(resolve_location(base, "../up?x=2").url, "http://example.com:8080/a/up?x=2");
    EXPECT_EQ(resolve_location(base, "?only=query").url, "http://example.com:8080/a/b/c?only=query");
}

TEST(Url, AbsoluteLocationMayChangeHostAndScheme)
{
    auto base = parse_url("http://example.com/");
    auto t = resolve_location(base, "https://other.example:8443/x");
    EXPECT_TRUE(t.tls);
    EXPECT_EQ(t.host_header, "other.example:8443");
    EXPECT_FALSE(t.same_origin(base));
    EXPECT_EQ(resolve_location(base, "//cdn.example/y").url, "http://cdn.example/y");
}

TEST(Url, SloppyLocationIsPercentEncoded)
{
    auto base = parse_url("http://example.com/");
    EXPECT_EQ(resolve_location(base, "/a b/ü").path_and_query, "/a%20b/%C3%BC");
}

TEST(Url, TypedUrlIsPercentEncodedAsABrowserWould)
{
    EXPECT_EQ(parse_url("http://example.com/a b/ü?q=x|y\"z\"").path_and_query, "/a%20b/%C3%BC?q=x%7Cy%22z%22");
    EXPECT_EQ(parse_url("http://example.com/{a}^`<b>").path_and_query, "/%7Ba%7D%5E%60%3Cb%3E");
    EXPECT_EQ(parse_url("http://[::1]:8080/a[1]?to=http://[::1]/").path_and_query, "/a%5B1%5D?to=http://%5B::1%5D/");
    EXPECT_EQ(resolve_location(parse_url("http://[::1]/"), "//[::2]/[x]").url, "http://[::2]/%5Bx%5D");
    // A '%' that starts no escape stands for itself; an escape is left as it is.
    EXPECT_EQ(parse_url("http://example.com/100%?x=%41%zz").path_and_query, "/100%25?x=%41%25zz");
}

TEST(Url, InternationalNameBecomesItsALabel)
{
    // UTS #46: mapped (upper case, NFC), then Punycode; non-transitional, so "ß" stays.
    const auto t = parse_url("https://Bücher.example:8443/x");
    EXPECT_EQ(t.host, "xn--bcher-kva.example");
    EXPECT_EQ(t.host_header, "xn--bcher-kva.example:8443");
    EXPECT_EQ(t.url, "https://xn--bcher-kva.example:8443/x");
    EXPECT_EQ(parse_url("http://ex%C3%A4mple.com/").host, "xn--exmple-cua.com");
    EXPECT_EQ(parse_url("http://straße.de/").host, "xn--strae-oqa.de");
    EXPECT_EQ(parse_url("http://xn--bcher-kva.example/").host, "xn--bcher-kva.example");
    EXPECT_EQ(resolve_location(parse_url("http://example.com/"), "https://exämple.com/").host,
              "xn--exmple-cua.com");
    // A label that IDNA refuses (a lone combining mark) leaves the URL invalid.
    EXPECT_EQ(error_of("http://\u0301x.example/"), "not a valid URL");
    EXPECT_EQ(error_of("http://\u00e4%00.example/"), "not a valid URL");
}

TEST(Url, CredentialsBecomeBasicAuthorizationAndStayOutOfTheUrl)
{
    const auto t = parse_url("http://user:secret@example.com/");
    EXPECT_EQ(t.authorization, "Basic dXNlcjpzZWNyZXQ=");
    EXPECT_EQ(t.url, "http://example.com/");
    EXPECT_EQ(t.host_header, "example.com");
    // Percent-escapes in them are decoded first, as curl and aiohttp do.
    EXPECT_EQ(parse_url("http://a%40b:p%3Aw@example.com/").authorization, "Basic YUBiOnA6dw==");
    EXPECT_EQ(parse_url("http://ab@example.com/").authorization, "Basic YWI6");
    EXPECT_EQ(parse_url("http://example.com/").authorization, "");
}

TEST(Url, CredentialsFollowRedirectsOnTheirOwnOriginOnly)
{
    const auto base = parse_url("http://user:secret@example.com/a");
    EXPECT_EQ(resolve_location(base, "/b").authorization, base.authorization);
    EXPECT_EQ(resolve_location(base, "http://example.com/c").authorization, base.authorization);
    EXPECT_EQ(resolve_location(base, "https://example.com/").authorization, "");
    EXPECT_EQ(resolve_location(base, "http://example.com:8080/").authorization, "");
    EXPECT_EQ(resolve_location(base, "http://other.example/").authorization, "");
    // Back on the first origin after another one: the credentials were dropped on the way.
    const auto away = resolve_location(base, "http://other.example/");
    EXPECT_EQ(resolve_location(away, "http://example.com/").authorization, "");
    // A location may bring its own.
    EXPECT_EQ(resolve_location(away, "http://ab:cd@example.com/").authorization, "Basic YWI6Y2Q=");
}

TEST(Url, ResolvedLocationHasNoDotSegmentsLeft)
{
    // RFC 3986 section 5.4: ".." never climbs above the root. Found by fuzz_url.
    auto base = parse_url("http://a/b/c/d;p?q");
    EXPECT_EQ(resolve_location(base, "../../g?y").url, "http://a/g?y");
    EXPECT_EQ(resolve_location(base, "../../../g").path_and_query, "/g");
    EXPECT_EQ(resolve_location(base, "/../g").path_and_query, "/g");
    EXPECT_EQ(resolve_location(base, "/./../g/.").path_and_query, "/g/");
    EXPECT_EQ(resolve_location(base, "../../../..").path_and_query, "/");
    EXPECT_EQ(resolve_location(parse_url("https://[::1]:8443/"), "..").url, "https://[::1]:8443/");
}

TEST(Url, LocationWithSchemeButNoHostIsRefused)
{
    // RFC 3986 keeps "http:.//h/" without an authority; Boost.URL 1.81 made one of its path.
    // Found by fuzz_url.
    auto base = parse_url("https://example.com:8443/dir/page");
    for (std::string bad : {"http:.//evil.example/x", "http:.///evil:.///x", "http:/..//evil.example/", "https:x"}) {
        try {
            resolve_location(base, bad);
            ADD_FAILURE() << bad;
        } catch (const CheckError& e) {
            EXPECT_EQ(e.what(), "redirect to an invalid URL '" + bad + "'");
        }
    }
    EXPECT_THROW(resolve_location(base, "ftp:x"), CheckError);
}

TEST(Url, PercentEncodedHostIsStillAPlainName)
{
    // The host is percent-decoded: a '#' or '`' in it would make Target::url name another host
    // or no URL at all, and a non-ASCII name would go out raw in the Host header. Found by fuzz_url.
    for (std::string bad : {"http://a%23b.example/", "http://a%3Fb/", "http://a%25b/", "http://a%5Bb%5D/",
                            "http://a%7Fb/", "http://a%60b/", "http://a%7Bb%7D/", "http://ä%23b.example/"})
        EXPECT_EQ(error_of(bad), "not a valid URL") << bad;
    EXPECT_EQ(parse_url("http://my_host-1.example/").host, "my_host-1.example");
}

TEST(Url, BadLocationsFailWithTheirReason)
{
    auto base = parse_url("http://example.com/");
    EXPECT_THROW(resolve_location(base, "http://[garbage"), CheckError);
    EXPECT_THROW(resolve_location(base, "http://"), CheckError);
    try {
        resolve_location(base, "ftp://example.com/file");
        FAIL();
    } catch (const CheckError& e) {
        EXPECT_STREQ(e.what(), "unsupported scheme 'ftp'");
    }
}

TEST(Url, NameTheStrictIdnaRefusesIsRetriedTransitionally)
{
    // A zero-width joiner is allowed only after a virama (IDNA2008 CONTEXTJ): the strict
    // conversion refuses "a\u200Db", the transitional one drops the joiner, as curl does.
    EXPECT_EQ(parse_url("http://zw\u200Dj.example/").host, "zwj.example");
    EXPECT_EQ(resolve_location(parse_url("http://example.com/"), "http://a\u200Db.example/").host, "ab.example");
    // Where the strict conversion succeeds it is the one used: "ß" stays (straße, not strasse).
    EXPECT_EQ(parse_url("http://straße.de/").host, "xn--strae-oqa.de");
    // What both refuse stays refused.
    EXPECT_EQ(error_of("http://\u0301x.example/"), "not a valid URL");
}

TEST(Url, BackslashIsReadAsASlashAsBrowsersDo)
{
    EXPECT_EQ(parse_url("http://example.com\\a\\b").url, "http://example.com/a/b");
    EXPECT_EQ(parse_url("http:\\\\example.com\\a").url, "http://example.com/a");
    // In the query it is data, sent percent-encoded.
    EXPECT_EQ(parse_url("http://example.com/a?x=\\y").path_and_query, "/a?x=%5Cy");
    const auto base = parse_url("http://example.com/dir/page");
    EXPECT_EQ(resolve_location(base, "\\index.html").url, "http://example.com/index.html");
    EXPECT_EQ(resolve_location(base, "sub\\x").url, "http://example.com/dir/sub/x");
    // "/\\host" is "//host": a browser goes to that host, and so does the checker.
    EXPECT_EQ(resolve_location(base, "/\\index.html").url, "http://index.html/");
}

TEST(Url, TabsAndNewlinesAreDroppedAsBrowsersDo)
{
    EXPECT_EQ(parse_url("http://exam\tple.com/a\tb").url, "http://example.com/ab");
    EXPECT_EQ(parse_url("http://example.com/ok\r\nX-Injected: 1").path_and_query, "/okX-Injected:%201");
    const auto base = parse_url("http://example.com/dir/page");
    EXPECT_EQ(resolve_location(base, "/a\tb\n").url, "http://example.com/ab");
    EXPECT_EQ(resolve_location(base, "ht\ttp://other.example/x").url, "http://other.example/x");
}

TEST(Url, InvalidLocationIsNamedInTheError)
{
    EXPECT_EQ(redirect_error_of("http://[garbage"), "redirect to an invalid URL 'http://[garbage'");
    EXPECT_EQ(redirect_error_of("http://exa mple.com/"), "redirect to an invalid URL 'http://exa mple.com/'");
    // Its password is masked, and a long one is cut, at a character boundary.
    EXPECT_EQ(redirect_error_of("http://user:secret@[x/"), "redirect to an invalid URL 'http://user:***@[x/'");
    const std::string long_location = "http://[" + std::string(91, 'a') + "\u00e9\u00e9/";
    EXPECT_EQ(redirect_error_of(long_location),
              "redirect to an invalid URL 'http://[" + std::string(91, 'a') + "...'");
    // A scheme it does not support is still named as such.
    EXPECT_EQ(redirect_error_of("ftp://example.com/"), "unsupported scheme 'ftp'");
}

TEST(Url, PasswordIsMaskedWhateverItContains)
{
    EXPECT_EQ(without_password("http://user:secret@example.com/a"), "http://user:***@example.com/a");
    EXPECT_EQ(without_password("http://user:pa/ss@example.com/a"), "http://user:***@example.com/a");
    EXPECT_EQ(without_password("http://user:pa\\ss@example.com/"), "http://user:***@example.com/");
    EXPECT_EQ(without_password("http://user:p@ss@example.com/"), "http://user:***@example.com/");
    EXPECT_EQ(without_password("http://user:p%2Fss@example.com/"), "http://user:***@example.com/");
    EXPECT_EQ(without_password("http://user:123/ss@example.com/"), "http://user:***@example.com/");
    EXPECT_EQ(without_password("https:\\\\user:pw@example.com/"), "https:\\\\user:***@example.com/");
    EXPECT_EQ(without_password("http://user:\x1b[31m@example.com/"), "http://user:***@example.com/");
    // Only the password: an '@' later in the URL is not part of it.
    EXPECT_EQ(without_password("http://u:pw@example.com/a@b?c=d@e"), "http://u:***@example.com/a@b?c=d@e");
    // Nothing to mask.
    for (std::string plain : {"http://example.com/", "http://user@example.com:8080/a@b", "http://[::1]:80/a@b",
                              "http://example.com/?to=http://x:y@z", "mailto:a:b@c", "not a url"})
        EXPECT_EQ(without_password(plain), plain);
}

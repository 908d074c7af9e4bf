#include "checker.hpp"

#include "support/platform.hpp"
#include "support/program.hpp"
#include "support/servers.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <vector>

using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::Not;
using testsupport::lines_starting_with;
using testsupport::ProgramResult;
using testsupport::servers;

namespace {

// Runs the program with the test CA trusted, as a user with --cafile would.
ProgramResult check(const Program& p, std::vector<std::string> args, bool trust_test_ca = true)
{
    std::vector<std::string> all = p.extra;
    if (trust_test_ca) {
        all.push_back("--cafile");
        all.push_back(servers().ca.ca_file());
    }
    all.insert(all.end(), args.begin(), args.end());
    return testsupport::run_program(p.path, all);
}

std::string two_lines(const std::string& url, int status, const std::string& preview)
{
    return url + ": status -> " + std::to_string(status) + "\n" + url + ": type -> " + preview + "\n";
}

std::string error_line(const std::string& url, const std::string& message)
{
    return url + ": error -> " + message + "\n";
}

const std::string doctype_preview = "<!doctype html>\\n<";

} // namespace

TEST_P(Checker, PrintsStatusAndPreviewOfOneSite)
{
    const auto url = servers().http.url("/ok");
    const auto r = check(GetParam(), {url});
    EXPECT_EQ(r.out, two_lines(url, 200, doctype_preview));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, HttpsIsVerifiedAgainstTheGivenCa)
{
    const auto by_name = servers().https.url_for_host("localhost", "/ok");
    const auto by_ipv4 = servers().https.url("/ok");
    const auto by_ipv6 = servers().https6.url("/ok");
    const auto r = check(GetParam(), {by_name, by_ipv4, by_ipv6});
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const auto& url : {by_name, by_ipv4, by_ipv6}) {
        EXPECT_EQ(lines_starting_with(r.out, url + ": "),
                  (std::vector<std::string>{url + ": status -> 200", url + ": type -> " + doctype_preview}));
    }
}

TEST_P(Checker, ErrorStatusesAreAnswers)
{
    const auto not_found = servers().http.url("/status/404");
    const auto broken = servers().https.url("/status/500");
    const auto r = check(GetParam(), {not_found, broken});
    EXPECT_EQ(lines_starting_with(r.out, not_found), (std::vector<std::string>{
        not_found + ": status -> 404", not_found + ": type -> <!doctype html>st"}));
    EXPECT_EQ(lines_starting_with(r.out, broken), (std::vector<std::string>{
        broken + ": status -> 500", broken + ": type -> <!doctype html>st"}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, FollowsNineRedirects)
{
    const auto nine = servers().http.url("/redirect/9");
    const auto relative = servers().https.url("/redirect-relative");
    const auto r = check(GetParam(), {nine, relative});
    EXPECT_EQ(lines_starting_with(r.out, nine), (std::vector<std::string>{
        nine + ": status -> 200", nine + ": type -> <!doctype html>re"}));
    EXPECT_EQ(lines_starting_with(r.out, relative), (std::vector<std::string>{
        relative + ": status -> 200", relative + ": type -> " + doctype_preview}));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, EveryRedirectStatusIsFollowed)
{
    std::vector<std::string> urls;
    for (int code : {301, 302, 303, 307, 308})
        urls.push_back(servers().http.url("/redirect-code/" + std::to_string(code)));
    const auto r = check(GetParam(), urls);
    for (const auto& url : urls)
        EXPECT_EQ(lines_starting_with(r.out, url + ":").front(), url + ": status -> 200");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, RedirectsCrossSchemesAndHosts)
{
    const auto target = servers().https.url_for_host("localhost", "/ok");
    const auto url = servers().http.url("/redirect-to?url=" + target);
    const auto r = check(GetParam(), {url});
    EXPECT_EQ(r.out, two_lines(url, 200, doctype_preview));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, TheTenthRedirectResponseFailsAsInAiohttp)
{
    const auto ten = servers().http.url("/redirect/10");
    const auto loop = servers().https.url("/loop");
    const auto r = check(GetParam(), {ten, loop});
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(lines_starting_with(r.err, ten), (std::vector<std::string>{ten + ": error -> too many redirects"}));
    EXPECT_EQ(lines_starting_with(r.err, loop), (std::vector<std::string>{loop + ": error -> too many redirects"}));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, ARedirectBodyIsDiscardedUndecodedOnAKeptAliveConnection)
{
    // A server of its own, to count its connections: one a site, each reused for /ok.
    testsupport::LoopbackServer server;
    const auto unsupported = server.url("/redirect-encoded/zstd");
    const auto broken = server.url("/redirect-encoded/gzip");
    const auto r = check(GetParam(), {unsupported, broken});
    for (const auto& url : {unsupported, broken})
        EXPECT_EQ(lines_starting_with(r.out, url + ": "), (std::vector<std::string>{
            url + ": status -> 200", url + ": type -> " + doctype_preview}));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(server.connections_opened(), 2u);
}

TEST_P(Checker, BadRedirectLocationsFail)
{
    const auto ftp = servers().http.url("/redirect-to?url=ftp://localhost/file");
    const auto garbage = servers().http.url("/redirect-to?url=http://%5Bnot-a-host");
    const auto r = check(GetParam(), {ftp, garbage});
    EXPECT_EQ(lines_starting_with(r.err, ftp), (std::vector<std::string>{ftp + ": error -> unsupported scheme 'ftp'"}));
    // The error quotes the Location the server sent.
    EXPECT_EQ(lines_starting_with(r.err, garbage),
              (std::vector<std::string>{garbage + ": error -> redirect to an invalid URL 'http://[not-a-host'"}));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, DecodesChunkedGzipDeflateAndBrotliBodies)
{
    std::vector<std::string> urls;
    for (auto path : {"/chunked", "/gzip", "/deflate", "/deflate-raw", "/br", "/encoding/identity", "/no-length",
                      "/big-chunked/100000"})
        urls.push_back(servers().https.url(path));
    const auto r = check(GetParam(), urls);
    for (const auto& url : urls) {
        const auto lines = lines_starting_with(r.out, url + ": ");
        ASSERT_EQ(lines.size(), 2u) << url;
        EXPECT_EQ(lines[0], url + ": status -> 200");
        EXPECT_TRUE(lines[1].starts_with(url + ": type -> <!doctype html>\\n")) << lines[1];
    }
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, AnyOtherContentEncodingFailsAfterTheStatus)
{
    const auto zstd = servers().http.url("/encoding/zstd");
    const auto r = check(GetParam(), {zstd});
    EXPECT_EQ(lines_starting_with(r.out, zstd), (std::vector<std::string>{zstd + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.err, zstd), (std::vector<std::string>{
        zstd + ": error -> unsupported content encoding 'zstd'"}));
    EXPECT_EQ(r.exit_code, 1);
}

TEST_P(Checker, CodingListsAreUndoneInReverseOrder)
{
    std::vector<std::string> urls;
    for (auto query : {"content=gzip,br", "content=gzip,br&lines=2", "content=identity,deflate,identity",
                       "transfer=gzip", "content=br&transfer=gzip"})
        urls.push_back(servers().http.url(std::string("/coded?") + query));
    const auto r = check(GetParam(), urls);
    for (const auto& url : urls)
        EXPECT_EQ(lines_starting_with(r.out, url + ": "), (std::vector<std::string>{
            url + ": status -> 200", url + ": type -> " + doctype_preview}));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, AnUnsupportedCodingInAListOrATransferCodingFailsAfterTheStatus)
{
    const auto content = servers().http.url("/coded?content=gzip,zstd");
    const auto transfer = servers().https.url("/coded?transfer=zstd");
    const auto r = check(GetParam(), {content, transfer});
    EXPECT_EQ(lines_starting_with(r.out, content), (std::vector<std::string>{content + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.err, content), (std::vector<std::string>{
        content + ": error -> unsupported content encoding 'zstd'"}));
    EXPECT_EQ(lines_starting_with(r.out, transfer), (std::vector<std::string>{transfer + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.err, transfer), (std::vector<std::string>{
        transfer + ": error -> unsupported transfer encoding 'zstd'"}));
    EXPECT_EQ(r.exit_code, 1);
}

TEST_P(Checker, ABombThatOutlastsTheDeadlineTimesOutAndHoldsUpNoOtherCheck)
{
    // A server of its own: /after-bomb answers only once this test's bomb is sent, so its
    // check runs while the bomb's decodes (16 GiB, far longer than the deadline).
    testsupport::LoopbackServer server;
    const auto bomb = server.url("/brotli-bomb");
    const auto after = server.url("/after-bomb");
    const auto r = check(GetParam(), {"--timeout", "2", bomb, after});
    EXPECT_EQ(lines_starting_with(r.out, bomb), (std::vector<std::string>{bomb + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.err, bomb), (std::vector<std::string>{bomb + ": error -> timed out after 2 s"}));
    EXPECT_EQ(lines_starting_with(r.out, after), (std::vector<std::string>{
        after + ": status -> 200", after + ": type -> " + doctype_preview}));
    EXPECT_EQ(lines_starting_with(r.err, after), std::vector<std::string>{});
    if (!testsupport::address_sanitizer) {
        EXPECT_LT(r.peak_rss_kib, 48 * 1024);
    }
}

TEST_P(Checker, StatusPrintsWhenTheBodyFailsToDecode)
{
    // The body's first bytes in the head's segment, then in a later one: the same two lines.
    for (auto path : {"/bad-gzip", "/bad-gzip-late"}) {
        for (const auto* server : {&servers().http, &servers().https}) {
            const auto url = server->url(path);
            const auto r = check(GetParam(), {url});
            EXPECT_EQ(lines_starting_with(r.out, url), (std::vector<std::string>{url + ": status -> 200"}));
            EXPECT_EQ(lines_starting_with(r.err, url), (std::vector<std::string>{
                url + ": error -> body is not valid gzip data"}));
        }
    }
}

TEST_P(Checker, TextIsDecodedWithAnyCharsetIconvKnows)
{
    // The previews are Python's html[:17].strip() of aiohttp's text().
    const std::vector<std::pair<std::string, std::string>> pages = {
        {"windows-1251", "Привет, мир! Это"},
        {"koi8-r", "Здравствуй, мир!"},
        {"shift_jis", "こんにちは、世界。日本語のページで"},
        {"iso-8859-2", "Zażółć gęślą jaźń"},
        {"utf-16", "Hello from a UTF-"},
        {"none-utf8", "Grüße ohne Zeiche"},   // no charset: UTF-8 ...
        {"none-cp1252", "Café “quoted” – n"}, // ... or windows-1252 when mostly not UTF-8
        {"none-utf8-stray", "Grüße \uFFFD ohne Zeic"},
        {"quoted-semicolon", "Привет, мир! Это"},
    };
    std::vector<std::string> urls;
    for (const auto& [name, text] : pages)
        urls.push_back(servers().http.url("/charset/" + name));
    const auto r = check(GetParam(), urls);
    for (std::size_t i = 0; i < pages.size(); ++i)
        EXPECT_EQ(lines_starting_with(r.out, urls[i] + ": type"),
                  (std::vector<std::string>{urls[i] + ": type -> " + pages[i].second}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, PreviewIsSeventeenCodePointsDecodedStrippedAndEscaped)
{
    const auto utf8 = servers().http.url("/utf8");
    const auto latin1 = servers().http.url("/latin1");
    const auto invalid = servers().http.url("/invalid-utf8");
    const auto controls = servers().http.url("/controls");
    const auto empty = servers().http.url("/empty");
    const auto r = check(GetParam(), {utf8, latin1, invalid, controls, empty});
    EXPECT_EQ(lines_starting_with(r.out, utf8 + ": type").front(), utf8 + ": type -> Grüße, 世界! 🙂 —");
    EXPECT_EQ(lines_starting_with(r.out, latin1 + ": type").front(), latin1 + ": type -> Grüße aus Köln un");
    EXPECT_EQ(lines_starting_with(r.out, invalid + ": type").front(), invalid + ": type -> ab\uFFFD\uFFFD\uFFFDcd and then");
    EXPECT_EQ(lines_starting_with(r.out, controls + ": type").front(),
              controls + ": type -> \\x1b[31mred\\x07\\ttab\\r\\nli");
    EXPECT_EQ(lines_starting_with(r.out, empty + ": type").front(), empty + ": type -> ");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, SendsTheRequestAiohttpWould)
{
    const auto url = servers().http.url("/ok?from=request-test");
    check(GetParam(), {url});
    const auto heads = servers().http.request_heads();
    const auto head = std::find_if(heads.begin(), heads.end(), [](const std::string& h) {
        return h.starts_with("GET /ok?from=request-test HTTP/1.1\r\n");
    });
    ASSERT_NE(head, heads.end());
    EXPECT_NE(head->find("\r\nHost: 127.0.0.1:" + std::to_string(servers().http.port()) + "\r\n"), std::string::npos) << *head;
    EXPECT_NE(head->find("\r\nUser-Agent: sitecheck/"), std::string::npos) << *head;
    EXPECT_NE(head->find("\r\nAccept-Encoding: gzip, deflate, br\r\n"), std::string::npos) << *head;
}

TEST_P(Checker, CertificateProblemsAreNamed)
{
    const auto self_signed = servers().self_signed.url_for_host("localhost", "/ok");
    const auto expired = servers().expired.url_for_host("localhost", "/ok");
    const auto wrong_host = servers().wrong_host.url_for_host("localhost", "/ok");
    const auto ok = servers().https.url("/ok");
    const auto r = check(GetParam(), {self_signed, expired, wrong_host, ok});
    EXPECT_EQ(lines_starting_with(r.err, self_signed), (std::vector<std::string>{
        self_signed + ": error -> certificate verify failed: self-signed certificate"}));
    EXPECT_EQ(lines_starting_with(r.err, expired), (std::vector<std::string>{
        expired + ": error -> certificate verify failed: certificate has expired"}));
    EXPECT_EQ(lines_starting_with(r.err, wrong_host), (std::vector<std::string>{
        wrong_host + ": error -> certificate verify failed: hostname mismatch"}));
    EXPECT_EQ(r.out, two_lines(ok, 200, doctype_preview));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, WithoutTheTestCaNothingIsTrusted)
{
    const auto url = servers().https.url_for_host("localhost", "/ok");
    const auto r = check(GetParam(), {url}, false);
    EXPECT_EQ(r.err, error_line(url, "certificate verify failed: unable to get local issuer certificate"));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, EachFailingSiteGetsOneErrorLineAndTheOthersStillPass)
{
    const auto ok = servers().http.url("/ok");
    const auto refused = "http://127.0.0.1:" + std::to_string(servers().closed_port) + "/";
    const auto unknown = std::string("http://no-such-host.invalid/");
    const auto ftp = std::string("ftp://localhost/");
    const auto invalid = std::string("http://exa mple.com/");
    const auto garbage = servers().garbage.url("/");
    const auto truncated = servers().http.url("/truncated");
    const auto tls_to_plain = "https://127.0.0.1:" + std::to_string(servers().http.port()) + "/ok";
    const auto plain_to_tls = "http://127.0.0.1:" + std::to_string(servers().https.port()) + "/ok";
    const auto ok2 = servers().https.url("/ok");
    const auto r = check(GetParam(), {ok, refused, unknown, ftp, invalid, garbage, truncated,
                                      tls_to_plain, plain_to_tls, ok2});
    EXPECT_EQ(lines_starting_with(r.out, ok + ":").size(), 2u);
    EXPECT_EQ(lines_starting_with(r.out, ok2 + ":").size(), 2u);
    const auto error_for = [&](const std::string& url) {
        const auto lines = lines_starting_with(r.err, url + ": error -> ");
        return lines.size() == 1 ? lines[0].substr(url.size() + 11) : std::to_string(lines.size()) + " error lines";
    };
    EXPECT_EQ(error_for(refused), "connection refused");
    EXPECT_EQ(error_for(unknown), "could not resolve host no-such-host.invalid");
    EXPECT_EQ(error_for(ftp), "unsupported scheme 'ftp'");
    EXPECT_EQ(error_for(invalid), "not a valid URL");
    EXPECT_EQ(error_for(garbage), "not an HTTP response");
    EXPECT_EQ(error_for(truncated), "response body ended early");
    EXPECT_EQ(error_for(tls_to_plain).substr(0, 22), "TLS handshake failed: ");
    // An OpenSSL server hangs up on bytes that are not TLS (nginx would answer 400 instead).
    EXPECT_EQ(error_for(plain_to_tls), "server closed the connection without a response");
    // The status line of the truncated page came before its error.
    EXPECT_EQ(lines_starting_with(r.out, truncated + ":"), (std::vector<std::string>{truncated + ": status -> 200"}));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, TimeoutCoversEveryStep)
{
    const auto hang = servers().http.url("/hang");
    const auto stall = servers().https.url("/stall-body");
    const auto silent = "https://127.0.0.1:" + std::to_string(servers().silent.port()) + "/";
    const auto ok = servers().http.url("/ok");
    const auto r = check(GetParam(), {"--timeout", "1.5", hang, stall, silent, ok});
    EXPECT_EQ(lines_starting_with(r.err, hang), (std::vector<std::string>{hang + ": error -> timed out after 1.5 s"}));
    EXPECT_EQ(lines_starting_with(r.err, stall), (std::vector<std::string>{stall + ": error -> timed out after 1.5 s"}));
    EXPECT_EQ(lines_starting_with(r.err, silent), (std::vector<std::string>{silent + ": error -> timed out after 1.5 s"}));
    EXPECT_EQ(lines_starting_with(r.out, stall), (std::vector<std::string>{stall + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.out, ok + ":").size(), 2u);
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, ControlCharactersInTheUrlAreEscapedAndNeverSent)
{
    // CR and LF are dropped, as a browser drops them (WHATWG URL): what follows them stays in
    // the request line, percent-encoded. An escape sequence makes the URL invalid.
    testsupport::LoopbackServer server;
    const auto base = server.url("/ok");
    const auto r = check(GetParam(), {base + "\r\nX-Injected: 1", base + "\x1b[2J"});
    EXPECT_EQ(lines_starting_with(r.out, base), (std::vector<std::string>{
        base + "\\r\\nX-Injected: 1: status -> 404", base + "\\r\\nX-Injected: 1: type -> <!doctype html>no"}));
    EXPECT_EQ(lines_starting_with(r.err, base), (std::vector<std::string>{
        base + "\\x1b[2J: error -> not a valid URL"}));
    ASSERT_EQ(server.request_heads().size(), 1u);
    EXPECT_EQ(server.request_heads()[0].rfind("GET /okX-Injected:%201 HTTP/1.1\r\n", 0), 0u) << server.request_heads()[0];
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, EveryConnectionIsClosedAndTlsOnesPolitely)
{
    // A server of its own, so that other tests' connections do not count.
    testsupport::LoopbackServer server(testsupport::ServerOptions{
        testsupport::Family::V4, servers().ca.issue({"localhost"}, {"127.0.0.1"})});
    std::vector<std::string> urls;
    for (auto path : {"/ok", "/status/404", "/redirect/2", "/gzip", "/truncated", "/hang"})
        urls.push_back(server.url(path));
    const auto r = check(GetParam(), [&] {
        std::vector<std::string> args{"--timeout", "2"};
        args.insert(args.end(), urls.begin(), urls.end());
        return args;
    }());
    ASSERT_TRUE(server.wait_for_closed(server.connections_opened(), std::chrono::seconds(10)));
    EXPECT_EQ(server.connections_closed(), server.connections_opened());
    // Every connection but the truncated and the hung one ended with the client's close_notify.
    EXPECT_EQ(server.close_notify_received(), server.connections_opened() - 2);
}

TEST_P(Checker, HugeBodyIsReadWithBoundedMemory)
{
    const auto url = servers().http.url("/big/1073741824");
    const auto r = check(GetParam(), {url});
    EXPECT_EQ(r.out, two_lines(url, 200, "<!doctype html>\\nx"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // The whole gibibyte went through; the program kept a few kilobytes of it. (Sanitizers'
    // shadow memory would swamp the figure.)
    if (!testsupport::address_sanitizer) {
        EXPECT_LT(r.peak_rss_kib, 32 * 1024);
    }
}

TEST_P(Checker, EndlessChunkHeaderOrTrailerFailsInBoundedMemory)
{
    // A server of its own, so that what it counts is this test's alone.
    testsupport::LoopbackServer server;
    const auto extension = server.url("/endless-chunk-extension");
    const auto trailer = server.url("/endless-trailer");
    // The deadline is far off: the buffer's limit, not the clock, ends these checks.
    const auto r = check(GetParam(), {"--timeout", "5", extension, trailer});
    EXPECT_EQ(lines_starting_with(r.err, extension), (std::vector<std::string>{
        extension + ": error -> chunk header too large"}));
    EXPECT_EQ(lines_starting_with(r.err, trailer), (std::vector<std::string>{
        trailer + ": error -> trailer section too large"}));
    EXPECT_EQ(lines_starting_with(r.out, extension), (std::vector<std::string>{extension + ": status -> 200"}));
    EXPECT_EQ(lines_starting_with(r.out, trailer), (std::vector<std::string>{trailer + ": status -> 200"}));
    // The client stopped reading at its buffer's limit (128 KiB); the server got rid of that
    // and what the sockets' buffers took on loopback (a few MiB), not the 256 MiB it offers.
    EXPECT_LT(server.bytes_flooded(), 32u * 1024 * 1024);
    if (!testsupport::address_sanitizer) {
        EXPECT_LT(r.peak_rss_kib, 32 * 1024);
    }
}

TEST_P(Checker, ConflictingContentLengthsAreNamedAndRepeatedOnesAccepted)
{
    const auto repeated = servers().http.url("/content-length-twice");
    const auto conflicting = servers().https.url("/content-length-conflict");
    const auto r = check(GetParam(), {repeated, conflicting});
    EXPECT_EQ(lines_starting_with(r.out, repeated), (std::vector<std::string>{
        repeated + ": status -> 200", repeated + ": type -> " + doctype_preview}));
    EXPECT_EQ(lines_starting_with(r.err, conflicting), (std::vector<std::string>{
        conflicting + ": error -> conflicting Content-Length"}));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, TraceShowsTheLifeOfACheck)
{
    const auto url = servers().https.url("/redirect/1");
    const auto r = check(GetParam(), {"--trace", url});
    std::vector<std::string> events;
    for (const auto& line : lines_starting_with(r.err, "+")) {
        const auto at = line.find(" " + url + ": trace -> ");
        ASSERT_NE(at, std::string::npos) << line;
        events.push_back(line.substr(at + url.size() + 12));
    }
    ASSERT_GE(events.size(), 6u);
    EXPECT_EQ(events.front(), "open");
    EXPECT_TRUE(events[1].starts_with("connected")) << events[1];
    EXPECT_EQ(events[2], "tls");
    EXPECT_NE(std::find(events.begin(), events.end(), "status 200"), events.end());
    EXPECT_EQ(events.back(), "closed");
    EXPECT_EQ(r.out, two_lines(url, 200, "<!doctype html>re"));
}

TEST_P(Checker, UsageErrorsExitWithTwo)
{
    const auto& p = GetParam();
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"--bogus"}, {"--timeout", "abc"}, {"--timeout", "0"}, {"--timeout", "-1"},
             {"--timeout"}, {"--cafile", "/no/such/file.pem"}, {"--trace=yes"}}) {
        const auto r = testsupport::run_program(p.path, args);
        EXPECT_EQ(r.exit_code, 2) << args[0];
        EXPECT_EQ(r.out, "");
        EXPECT_NE(r.err.find("--help"), std::string::npos) << r.err;
    }
    const auto unknown = testsupport::run_program(p.path, {"--bogus"});
    EXPECT_TRUE(unknown.err.find("unknown option '--bogus'") != std::string::npos) << unknown.err;
}

TEST_P(Checker, HelpAndVersionExitWithZero)
{
    const auto& p = GetParam();
    const auto help = testsupport::run_program(p.path, {"--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_TRUE(help.out.starts_with("usage: site_checker_v")) << help.out;
    EXPECT_NE(help.out.find("--timeout SECONDS"), std::string::npos);
    const auto version = testsupport::run_program(p.path, {"--version"});
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_TRUE(version.out.starts_with("site_checker_v")) << version.out;
}

TEST_P(Checker, DoubleDashEndsOptions)
{
    const auto r = check(GetParam(), {"--", "-not-an-option"});
    EXPECT_EQ(r.err, error_line("-not-an-option", "not a valid URL"));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(ConcurrentChecker, AllSitesAreCheckedAtOnce)
{
    // The barrier answers only once all three requests are waiting: checked one at a time,
    // the first would wait forever and time out.
    std::vector<std::string> urls;
    for (auto query : {"?a", "?b", "?c"})
        urls.push_back(servers().https.url(std::string("/barrier/3") + query));
    const auto r = check(GetParam(), {"--timeout", "20", urls[0], urls[1], urls[2]});
    EXPECT_EQ(r.err, "");
    for (const auto& url : urls)
        EXPECT_EQ(lines_starting_with(r.out, url + ":").size(), 2u);
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, SniNamesTheHostButNeverAnAddress)
{
    testsupport::LoopbackServer server(testsupport::ServerOptions{
        testsupport::Family::V4, servers().ca.issue({"localhost"}, {"127.0.0.1"})});
    const auto r = check(GetParam(), {server.url_for_host("localhost", "/ok"), server.url("/ok")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto names = server.sni_names();
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"", "localhost"}));
}

TEST_P(Checker, SystemTrustStoreHonoursSslCertFile)
{
    const auto url = servers().https.url_for_host("localhost", "/ok");
    std::vector<std::string> args = GetParam().extra;
    args.push_back(url);
    testsupport::ProgramOptions options;
    options.environment = {"SSL_CERT_FILE=" + servers().ca.ca_file()};
    const auto r = testsupport::run_program(GetParam().path, args, options);
    EXPECT_EQ(r.out, two_lines(url, 200, doctype_preview));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, PeerCuttingTlsAfterACompleteBodyIsNoError)
{
    const auto url = servers().https.url("/cut-after-body");
    const auto r = check(GetParam(), {url});
    EXPECT_EQ(r.out, two_lines(url, 200, doctype_preview));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, CloseToADeafPeerWaitsAShortGraceNeverTheDeadline)
{
    // The server never answers close_notify nor closes. Waiting for it until a 60 s deadline
    // would outlast the safety net (two sites one after the other under --sync); the close
    // gives up after its grace, and each check, which got its page, succeeds.
    const auto first = servers().https.url("/deaf-after-body");
    const auto second = servers().https.url("/deaf-after-body?2");
    std::vector<std::string> args = GetParam().extra;
    args.insert(args.end(),
                {"--cafile", servers().ca.ca_file(), "--trace", "--timeout", "60", first, second});
    const auto r = testsupport::run_program(GetParam().path, args, {.kill_after_seconds = 20});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const auto& url : {first, second}) {
        EXPECT_EQ(lines_starting_with(r.out, url + ": "),
                  (std::vector<std::string>{url + ": status -> 200",
                                            url + ": type -> " + doctype_preview}));
        EXPECT_THAT(lines_starting_with(r.err, "+"),
                    Contains(EndsWith(url + ": trace -> closed, no reply to close_notify")));
    }
}

TEST_P(Checker, TraceSaysWhichCloseHappened)
{
    // Answered, cut by the peer, or cut by us: a timeout has closed the socket, so no
    // close_notify can go out, and the trace must not claim one did.
    testsupport::LoopbackServer server(
        testsupport::ServerOptions{.tls = servers().ca.issue({"localhost"}, {"127.0.0.1"})});
    const auto answered = server.url("/ok");
    const auto cut_by_peer = server.url("/cut-after-body");
    const auto timed_out = server.url("/hang");
    const auto r =
        check(GetParam(), {"--trace", "--timeout", "1", answered, cut_by_peer, timed_out});
    const auto trace = lines_starting_with(r.err, "+");
    EXPECT_THAT(trace, Contains(EndsWith(answered + ": trace -> closed"))) << r.err;
    EXPECT_THAT(trace, Contains(EndsWith(cut_by_peer + ": trace -> closed, cut by the peer")))
        << r.err;
    EXPECT_THAT(trace, Contains(EndsWith(timed_out + ": trace -> connection cut"))) << r.err;
    EXPECT_THAT(trace, Not(Contains(EndsWith(timed_out + ": trace -> closed")))) << r.err;
    // The server's side agrees: one close_notify, from the first.
    server.wait_for_closed(server.connections_opened(), std::chrono::seconds(10));
    EXPECT_EQ(server.close_notify_received(), 1u);
}

TEST_P(Checker, ClosedStandardDescriptorsAreReopenedOnDevNull)
{
    // Started with `>&- 2>&-` (or as a daemon's child, with stdin closed too): were the Ctrl-C
    // pipe to take fds 1 and 2, the first trace line would read as a Ctrl-C and cancel the check.
    for (const bool stdin_closed : {false, true}) {
        testsupport::LoopbackServer server(
            testsupport::ServerOptions{.tls = servers().ca.issue({"localhost"}, {"127.0.0.1"})});
        std::vector<std::string> args = GetParam().extra;
        args.insert(args.end(), {"--cafile", servers().ca.ca_file(), "--trace", server.url("/ok")});
        const auto r = testsupport::run_program(GetParam().path, args,
                                                {.stdout_is = testsupport::Stdout::closed,
                                                 .stdin_closed = stdin_closed,
                                                 .stderr_closed = true});
        EXPECT_EQ(r.exit_code, 0) << "stdin closed: " << stdin_closed;
        EXPECT_EQ(server.request_heads().size(), 1u) << "stdin closed: " << stdin_closed;
        server.wait_for_closed(server.connections_opened(), std::chrono::seconds(10));
        EXPECT_EQ(server.close_notify_received(), 1u) << "stdin closed: " << stdin_closed;
    }
}

TEST_P(Checker, AFailedWriteToStdoutIsAnErrorAsInGnuTools)
{
    if (!testsupport::full_device())
        GTEST_SKIP() << "no device here on which writes fail (tests/support/platform.hpp)";
    std::vector<std::string> args = GetParam().extra;
    args.push_back(servers().http.url("/ok"));
    const auto r = testsupport::run_program(GetParam().path, args,
                                            {.stdout_is = testsupport::Stdout::full_device});
    EXPECT_EQ(r.err, "write error: No space left on device\n");
    EXPECT_EQ(r.exit_code, 1);
}

TEST_P(Checker, AClosedPipeEndsTheProgramQuietly)
{
    // `| head -1`: more output than the pipe holds, so writes go on after the reader left.
    // Whether SIGPIPE ends the program or, ignored, leaves it an EPIPE, it ends without a word.
    std::vector<std::string> args = GetParam().extra;
    const std::string long_query(2000, 'q');
    for (int i = 0; i < 60; ++i)
        args.push_back(servers().http.url("/ok?" + std::to_string(i) + long_query));
    for (const bool ignored : {false, true}) {
        const auto r = testsupport::run_program(
            GetParam().path, args,
            {.stdout_is = testsupport::Stdout::first_line_only, .sigpipe_ignored = ignored});
        EXPECT_EQ(r.err, "");
        EXPECT_EQ(r.exit_code, 128 + SIGPIPE) << "SIGPIPE ignored: " << ignored;
        EXPECT_EQ(lines_starting_with(r.out, "http").size(), 1u);
    }
}

TEST_P(Checker, NothingAPageOrAUrlHoldsReachesTheTerminalRaw)
{
    // A right-to-left override (U+202E) in a page, in a header that an error echoes, in a URL:
    // printed raw, it would show the rest of its line backwards.
    const std::string rlo = "\u202E";
    testsupport::LoopbackServer server(
        testsupport::ServerOptions{.pages = {{"/rlo", "<p>" + rlo + "gnp.exe</p>"}}});
    const auto page = server.url("/rlo");
    const auto header = server.url("/encoding/x%E2%80%AEy");
    const auto url = server.url("/ok?" + rlo + "q");
    const auto r = check(GetParam(), {page, header, url});
    EXPECT_EQ(r.out.find(rlo), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(rlo), std::string::npos) << r.err;
    EXPECT_EQ(lines_starting_with(r.out, page + ": type"),
              std::vector<std::string>{page + ": type -> <p>\\u202egnp.exe</p>"});
    const auto header_error = lines_starting_with(r.err, header + ": error -> ");
    ASSERT_EQ(header_error.size(), 1u) << r.err;
    EXPECT_NE(header_error[0].find("x\\u202ey"), std::string::npos) << header_error[0];
    const auto shown_url = server.url("/ok?\\u202eq");
    EXPECT_EQ(lines_starting_with(r.out, shown_url + ": "),
              (std::vector<std::string>{shown_url + ": status -> 200",
                                        shown_url + ": type -> <!doctype html>\\n<"}))
        << r.out;
}

TEST_P(Checker, UsageErrorsEscapeWhatTheyEchoFromTheCommandLine)
{
    // `--timeout $'\e[31m5'` would turn the terminal red if echoed as typed.
    const std::string red = "\x1b[31m";
    for (std::vector<std::string> args :
         std::vector<std::vector<std::string>>{{"--bogus" + red},
                                               {"--timeout", red + "5"},
                                               {"--timeout=\u202E5"},
                                               {"--cafile", "/no/such/" + red + ".pem"}}) {
        std::vector<std::string> all = GetParam().extra;
        all.insert(all.end(), args.begin(), args.end());
        const auto r = testsupport::run_program(GetParam().path, all);
        EXPECT_EQ(r.exit_code, 2) << args[0];
        EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("\u202E"), std::string::npos) << r.err;
        EXPECT_TRUE(r.err.find("\\x1b[31m") != std::string::npos ||
                    r.err.find("\\u202e5") != std::string::npos)
            << r.err;
    }
}

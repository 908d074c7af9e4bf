// What real networks do that loopback never shows: slow and hanging name lookups, a host whose
// first address is dead, international names, credentials in the URL, and a server that
// closes a kept-alive connection. Names under ".test" are answered by the lookup shim
// (tests/support/lookup_shim.c), preloaded into the program; no test needs DNS.
#include "checker.hpp"

#include "support/platform.hpp"
#include "support/program.hpp"
#include "support/servers.hpp"

#include <gmock/gmock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using testsupport::lines_starting_with;
using testsupport::LoopbackServer;
using testsupport::ProgramResult;
using testsupport::servers;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// For a test that looks up names under ".test": only the shim answers them.
#define SKIP_UNLESS_THE_SHIM_LOADS()                                                               \
    if (!testsupport::preload_variable())                                                          \
    GTEST_SKIP() << "the lookup shim cannot be preloaded here (tests/support/platform.hpp)"

namespace {

struct ShimRun {
    std::string lookup_log{}; // where the shim writes the names it was asked for, or empty
    int kill_after_seconds = 60;
    std::vector<testsupport::SignalStep> signals{};
    std::optional<unsigned long> open_files_limit{};
};

// Runs the program with the lookup shim preloaded and the test CA trusted.
ProgramResult check(const Program& p, std::vector<std::string> args, const ShimRun& run = {})
{
    std::vector<std::string> all = p.extra;
    all.push_back("--cafile");
    all.push_back(servers().ca.ca_file());
    all.insert(all.end(), args.begin(), args.end());
    testsupport::ProgramOptions options;
    // AddressSanitizer wants its runtime first among the libraries; the shim comes first here.
    const char* asan = std::getenv("ASAN_OPTIONS");
    options.environment = {"ASAN_OPTIONS=" + std::string(asan ? asan : "") +
                           ":verify_asan_link_order=0"};
    if (const char* preload = testsupport::preload_variable())
        options.environment.push_back(std::string(preload) + "=" + LOOKUP_SHIM);
    if (!run.lookup_log.empty())
        options.environment.push_back("SITECHECK_LOOKUP_LOG=" + run.lookup_log);
    options.kill_after_seconds = run.kill_after_seconds;
    options.signals = run.signals;
    options.open_files_limit = run.open_files_limit;
    return testsupport::run_program(p.path, all, options);
}

std::vector<std::string> two_lines(const std::string& url, int status, const std::string& preview)
{
    return {url + ": status -> " + std::to_string(status), url + ": type -> " + preview};
}

// The events of one URL's --trace lines, without their times.
std::vector<std::string> trace_events(const std::string& err, const std::string& url)
{
    std::vector<std::string> events;
    const std::string marker = " " + url + ": trace -> ";
    for (const auto& line : lines_starting_with(err, "+"))
        if (const auto at = line.find(marker); at != std::string::npos)
            events.push_back(line.substr(at + marker.size()));
    return events;
}

// A listener on [::1]:port whose accept queue is full: the kernel drops further SYNs, so a
// connection attempt to it hangs, as one to an address that drops packets does.
class DeadListener {
public:
    explicit DeadListener(unsigned short port)
    {
        sockaddr_in6 address{};
        address.sin6_family = AF_INET6;
        address.sin6_addr = in6addr_loopback;
        address.sin6_port = htons(port);
        const int one = 1;
        // The program under test inherits both (macOS cannot mark a socket close-on-exec as
        // it is made), harmlessly: it has ended before the destructor closes them.
        listener_ = ::socket(AF_INET6, SOCK_STREAM, 0);
        filler_ = ::socket(AF_INET6, SOCK_STREAM, 0);
        if (listener_ < 0 || filler_ < 0 ||
            ::setsockopt(listener_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0 ||
            ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 0) != 0 ||
            ::connect(filler_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot make a dead listener on [::1]:" + std::to_string(port));
    }
    ~DeadListener()
    {
        ::close(filler_);
        ::close(listener_);
    }
    DeadListener(const DeadListener&) = delete;
    DeadListener& operator=(const DeadListener&) = delete;

private:
    int listener_ = -1;
    int filler_ = -1;
};

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string port_of(const LoopbackServer& server)
{
    return std::to_string(server.port());
}

} // namespace

TEST_P(ConcurrentChecker, NameLookupsRunAtOnce)
{
    SKIP_UNLESS_THE_SHIM_LOADS();
    // Each lookup of a "barrier20" name returns only once twenty are in flight together:
    // lookups made one at a time never get there, and the shim fails them after 20 s.
    std::vector<std::string> urls;
    for (int i = 0; i < 20; ++i)
        urls.push_back("http://site" + std::to_string(i) + ".barrier20.test:" + port_of(servers().http) + "/ok");
    std::vector<std::string> args{"--timeout", "60"};
    args.insert(args.end(), urls.begin(), urls.end());
    const auto r = check(GetParam(), args);
    for (const auto& url : urls)
        EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, LookupThatNeverReturnsFailsOnlyItsOwnSiteAtTheDeadline)
{
    SKIP_UNLESS_THE_SHIM_LOADS();
    // Without a lookup of its own, the second site would wait behind the first forever; and a
    // program that joined the stuck thread at exit would never end (the runner kills it).
    const auto hung = "http://hang.test:" + port_of(servers().http) + "/ok";
    const auto fine = "http://fine.test:" + port_of(servers().http) + "/ok";
    const auto r = check(GetParam(), {"--timeout", "1", hung, fine}, {.kill_after_seconds = 20});
    EXPECT_THAT(lines_starting_with(r.err, hung), ElementsAre(hung + ": error -> timed out after 1 s"));
    EXPECT_EQ(lines_starting_with(r.out, fine + ":"), two_lines(fine, 200, "<!doctype html>\\n<"));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_P(Checker, CtrlCDuringALookupThatNeverReturnsInterruptsAndExits)
{
    SKIP_UNLESS_THE_SHIM_LOADS();
    const auto hung = "http://hang.test:" + port_of(servers().http) + "/ok";
    const auto lookup_started = [&](const std::string&, const std::string& err) {
        return err.find(hung + ": trace -> open") != std::string::npos;
    };
    const auto r = check(GetParam(), {"--trace", "--timeout", "60", hung},
                         {.kill_after_seconds = 20, .signals = {{lookup_started, SIGINT}}});
    EXPECT_THAT(lines_starting_with(r.err, hung + ": error"), ElementsAre(hung + ": error -> interrupted"));
    EXPECT_EQ(r.exit_code, 130) << r.err;
}

TEST_P(Checker, DeadFirstAddressFallsBackToTheNext)
{
    SKIP_UNLESS_THE_SHIM_LOADS();
    // "v6first" names resolve to ::1, then 127.0.0.1. On ::1 nobody accepts; on 127.0.0.1,
    // same port, the server answers. Without Happy Eyeballs the check waits on ::1 until its
    // deadline and fails.
    LoopbackServer server;
    const DeadListener dead(server.port());
    const auto url = "http://v6first.test:" + port_of(server) + "/ok";
    const auto r = check(GetParam(), {"--trace", "--timeout", "10", url});
    EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    EXPECT_THAT(trace_events(r.err, url), Contains("connected 127.0.0.1:" + port_of(server)));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(ConcurrentChecker, HappyEyeballsStaysWithinTheOpenFileLimit)
{
    // 300 names whose first address (::1) drops connection attempts, under 64 open files:
    // each check races a second attempt, and that socket needs a place under the limit like
    // any other. Checks that opened it beyond the limit got "too many open files" on the good
    // address and then waited for the dead one until their deadline.
    LoopbackServer server;
    const DeadListener dead(server.port());
    std::vector<std::string> urls;
    for (int i = 0; i < 300; ++i)
        urls.push_back("http://site" + std::to_string(i) + ".v6first.test:" + port_of(server) + "/ok");
    std::vector<std::string> args{"--timeout", "20"};
    args.insert(args.end(), urls.begin(), urls.end());
    const auto r = check(GetParam(), args, {.open_files_limit = 64});
    for (const auto& url : urls)
        EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(server.connections_opened(), 300u);
}

TEST_P(Checker, InternationalNameIsLookedUpAsItsALabelAndReportedAsGiven)
{
    SKIP_UNLESS_THE_SHIM_LOADS();
    const std::string a_label = "xn--bcher-kva.test";
    LoopbackServer server(testsupport::ServerOptions{.tls = servers().ca.issue({a_label}, {})});
    const auto url = "https://bücher.test:" + port_of(server) + "/ok";
    const auto log = (std::filesystem::temp_directory_path() /
                      ("sitecheck-lookups-" + GetParam().name + "-" + std::to_string(::getpid())))
                         .string();
    std::filesystem::remove(log);
    const auto r = check(GetParam(), {url}, {.lookup_log = log});
    EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(log), a_label + "\n");
    std::filesystem::remove(log);
    EXPECT_THAT(server.sni_names(), ElementsAre(a_label));
    ASSERT_EQ(server.request_heads().size(), 1u);
    EXPECT_THAT(server.request_heads()[0], HasSubstr("\r\nHost: " + a_label + ":" + port_of(server) + "\r\n"));
}

TEST_P(Checker, TypedUrlsArePercentEncodedAsABrowserWould)
{
    LoopbackServer server;
    const auto url = server.url("/ok?q=a b|c") + "&name=Grüße";
    const auto r = check(GetParam(), {url});
    EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    ASSERT_EQ(server.request_heads().size(), 1u);
    EXPECT_THAT(server.request_heads()[0], ::testing::StartsWith("GET /ok?q=a%20b%7Cc&name=Gr%C3%BC%C3%9Fe HTTP/1.1\r\n"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, CredentialsGoToTheirOwnOriginOnlyAndAreNeverPrinted)
{
    LoopbackServer origin;
    LoopbackServer other(testsupport::ServerOptions{.family = testsupport::Family::V6});
    const auto with_credentials = [&](const std::string& path) {
        return "http://user:secret@127.0.0.1:" + port_of(origin) + path;
    };
    const auto direct = with_credentials("/auth");
    const auto same_origin = with_credentials("/redirect-to?url=/auth");
    const auto elsewhere = with_credentials("/redirect-to?url=" + other.url("/auth"));
    const auto r = check(GetParam(), {"--trace", direct, same_origin, elsewhere});
    // The report shows each URL as given, but for its password.
    const auto shown = [](std::string url) { return url.replace(url.find(":secret@"), 8, ":***@"); };
    EXPECT_EQ(lines_starting_with(r.out, shown(direct) + ":"), two_lines(shown(direct), 200, "<!doctype html>we"));
    EXPECT_EQ(lines_starting_with(r.out, shown(same_origin) + ":"),
              two_lines(shown(same_origin), 200, "<!doctype html>we"));
    // The other host never sees them, and says so.
    EXPECT_EQ(lines_starting_with(r.out, shown(elsewhere) + ":"),
              two_lines(shown(elsewhere), 401, "<!doctype html>wh"));
    for (const auto& head : other.request_heads())
        EXPECT_THAT(head, Not(HasSubstr("Authorization")));
    EXPECT_FALSE(trace_events(r.err, shown(direct)).empty());
    for (const auto& printed : {r.out, r.err})
        EXPECT_THAT(printed, AllOf(Not(HasSubstr("secret")), Not(HasSubstr("c2VjcmV0"))));
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, ReusedConnectionThatTheServerClosedIsRetriedOnce)
{
    // The redirect says keep-alive, then the server closes: the request for /ok on the reused
    // connection gets no answer, and goes again on a new one.
    LoopbackServer plain;
    LoopbackServer tls(testsupport::ServerOptions{.tls = servers().ca.issue({"localhost"}, {"127.0.0.1"})});
    const auto plain_url = plain.url("/redirect-then-hang-up");
    const auto tls_url = tls.url("/redirect-then-hang-up");
    const auto r = check(GetParam(), {"--trace", plain_url, tls_url});
    for (const auto* server : {&plain, &tls})
        EXPECT_EQ(server->connections_opened(), 2u);
    for (const auto& url : {plain_url, tls_url}) {
        EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
        EXPECT_THAT(trace_events(r.err, url), Contains("retry on a new connection"));
    }
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, BackslashesAndTabsInUrlsAndLocationsAreReadAsBrowsersRead)
{
    // WHATWG URL: a '\' before the query is a '/', a tab or newline anywhere is dropped, as
    // browsers do. Before, the checker refused them; curl refuses the typed ones too.
    LoopbackServer server;
    const auto base = "http://127.0.0.1:" + port_of(server);
    const auto typed_backslash = base + "\\ok";
    const auto typed_tab = base + "/o\tk";
    const auto location_backslash = server.url("/redirect-to?url=%5Cok");
    const auto location_tab = server.url("/redirect-to?url=/o%09k");
    const auto r = check(GetParam(), {typed_backslash, typed_tab, location_backslash, location_tab});
    for (const auto& url : {typed_backslash, location_backslash, location_tab})
        EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    const auto shown_tab = base + "/o\\tk"; // as printed: the tab escaped
    EXPECT_EQ(lines_starting_with(r.out, shown_tab + ":"), two_lines(shown_tab, 200, "<!doctype html>\\n<"));
    std::size_t ok_requests = 0;
    for (const auto& head : server.request_heads())
        ok_requests += head.starts_with("GET /ok HTTP/1.1\r\n");
    EXPECT_EQ(ok_requests, 4u);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Checker, NameTheStrictIdnaRefusesIsLookedUpTransitionally)
{
    // A zero-width joiner outside the scripts that need it: UTS #46 non-transitional refuses
    // the name, transitional drops the joiner, as curl with libidn2 does.
    const auto url = "http://zw\u200Dj.test:" + port_of(servers().http) + "/ok";
    const auto log = (std::filesystem::temp_directory_path() /
                      ("sitecheck-zwj-lookups-" + GetParam().name + "-" + std::to_string(::getpid())))
                         .string();
    std::filesystem::remove(log);
    const auto r = check(GetParam(), {url}, {.lookup_log = log});
    EXPECT_EQ(lines_starting_with(r.out, url + ":"), two_lines(url, 200, "<!doctype html>\\n<"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(log), "zwj.test\n");
    std::filesystem::remove(log);
}

TEST_P(Checker, PasswordsAreMaskedWhateverTheyContain)
{
    // A '/' or '\' ends the authority as browsers and curl read a URL, so such a URL names the
    // host "user" with the port "pa": not a valid URL. Its password is still never printed.
    const auto at = "@127.0.0.1:" + port_of(servers().http) + "/auth";
    const auto slash = "http://user:pa/ss" + at;
    const auto backslash = "http://user:pa\\ss" + at;
    const auto encoded = "http://user:se%2Fcret" + at; // valid: the password is "se/cret"
    const auto r = check(GetParam(), {"--trace", slash, backslash, encoded});
    const auto masked = "http://user:***" + at;
    EXPECT_THAT(lines_starting_with(r.err, masked + ": error -> "),
                ElementsAre(masked + ": error -> not a valid URL", masked + ": error -> not a valid URL"));
    EXPECT_EQ(lines_starting_with(r.out, masked + ":"), two_lines(masked, 401, "<!doctype html>wh"));
    for (const auto& printed : {r.out, r.err})
        EXPECT_THAT(printed, AllOf(Not(HasSubstr("pa/ss")), Not(HasSubstr("pa\\ss")), Not(HasSubstr("se%2Fcret"))));
    EXPECT_EQ(r.exit_code, 1) << r.err;
}

// v2's program, both ways, against the loopback servers: it behaves exactly as v1, and with
// --sync checks one site after another.
#include "checker.hpp"

#include "support/program.hpp"
#include "support/servers.hpp"

#include <algorithm>

const Program concurrent{"v2", program_under_test(SITE_CHECKER), {}};
const Program blocking{"v2_sync", program_under_test(SITE_CHECKER), {"--sync"}};
INSTANTIATE_TEST_SUITE_P(, Checker, ::testing::Values(concurrent, blocking), program_name);
INSTANTIATE_TEST_SUITE_P(, ConcurrentChecker, ::testing::Values(concurrent), program_name);
INSTANTIATE_TEST_SUITE_P(, FaultMatrix, ::testing::Values(concurrent, blocking), program_name);

using testsupport::servers;

namespace {

testsupport::ProgramResult run(const Program& p, std::vector<std::string> urls)
{
    std::vector<std::string> args = p.extra;
    args.insert(args.end(), {"--timeout", "3", "--cafile", servers().ca.ca_file()});
    args.insert(args.end(), urls.begin(), urls.end());
    return testsupport::run_program(p.path, args);
}

std::vector<std::string> sorted_lines(const std::string& text)
{
    auto lines = testsupport::lines_starting_with(text, "");
    std::sort(lines.begin(), lines.end());
    return lines;
}

} // namespace

TEST(SyncChecker, ChecksSiteBySiteInArgumentOrder)
{
    const auto a = servers().http.url("/redirect/3");
    const auto b = servers().https.url("/ok");
    const auto c = servers().http.url("/status/404");
    const auto r = run(blocking, {a, b, c});
    EXPECT_EQ(r.out, a + ": status -> 200\n" + a + ": type -> <!doctype html>re\n" +
                     b + ": status -> 200\n" + b + ": type -> <!doctype html>\\n<\n" +
                     c + ": status -> 404\n" + c + ": type -> <!doctype html>st\n");
    EXPECT_EQ(r.exit_code, 0);
}

TEST(SyncChecker, PrintsWhatTheAsynchronousPathPrintsForEveryCase)
{
    std::vector<std::string> urls;
    for (auto path : {"/ok", "/status/404", "/status/500", "/redirect/3", "/redirect/11", "/loop",
                      "/redirect-relative", "/chunked", "/gzip", "/deflate", "/deflate-raw",
                      "/utf8", "/latin1", "/invalid-utf8", "/controls", "/empty", "/no-length",
                      "/hang", "/truncated", "/stall-body", "/reset", "/endless-header"}) {
        urls.push_back(servers().http.url(path));
        urls.push_back(servers().https.url(path));
    }
    urls.push_back(servers().http.url("/redirect-to?url=" + servers().https.url("/ok")));
    urls.push_back(servers().self_signed.url("/ok"));
    urls.push_back(servers().wrong_host.url_for_host("localhost", "/ok"));
    urls.push_back(servers().garbage.url("/"));
    urls.push_back("http://127.0.0.1:" + std::to_string(servers().closed_port) + "/");
    urls.push_back("ftp://localhost/");
    urls.push_back("http://bad url/");
    const auto sync_result = run(blocking, urls);
    const auto asynchronous = run(concurrent, urls);
    EXPECT_EQ(sorted_lines(sync_result.out), sorted_lines(asynchronous.out));
    EXPECT_EQ(sorted_lines(sync_result.err), sorted_lines(asynchronous.err));
    EXPECT_EQ(sync_result.exit_code, asynchronous.exit_code);
    EXPECT_EQ(sync_result.exit_code, 1);
}

// After Ctrl-C both paths still run the Session's exit.
#include "interrupt.hpp"

#include <gmock/gmock.h>

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::EndsWith;

TEST(Interrupt, CtrlCClosesEveryInterruptedSessionPolitely)
{
    InterruptedRun run(concurrent, {"/stall-body", "/stall-body?2", "/ok"});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    EXPECT_EQ(run.closed_politely(), 3u);
    for (const auto& url : {run.urls[0], run.urls[1]})
        EXPECT_THAT(testsupport::lines_starting_with(run.result.err, "+"),
                    Contains(EndsWith(url + ": trace -> closed")));
}

TEST(Interrupt, CtrlCUnderSyncClosesTheSessionInHandAndChecksNothingAfterIt)
{
    InterruptedRun run(blocking, {"/stall-body", "/ok", "/ok?2"}, {.wait_for = {"/stall-body: status -> "}});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    EXPECT_EQ(run.result.out, run.urls[0] + ": status -> 200\n");
    EXPECT_THAT(testsupport::lines_starting_with(run.result.err, run.urls[0] + ": error"),
                ElementsAre(run.urls[0] + ": error -> interrupted"));
    EXPECT_EQ(run.server->connections_opened(), 1u);
    EXPECT_EQ(run.closed_politely(), 1u);
    EXPECT_THAT(testsupport::lines_starting_with(run.result.err, "+"),
                Contains(EndsWith(run.urls[0] + ": trace -> closed")));
}

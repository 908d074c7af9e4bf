// Ctrl-C, as asyncio.run() handles it: what every program does when interrupted. What each
// version's cleanup does then (v1 and v2 close politely, v0 does not) is in tests/vN/.
#include "interrupt.hpp"

#include <gmock/gmock.h>

#include <csignal>

using testsupport::count;
using testsupport::lines_starting_with;
using testsupport::servers;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_P(ConcurrentChecker, CtrlCInterruptsEveryCheckInFlightAndExits130)
{
    InterruptedRun run(GetParam(), {"/stall-body", "/stall-body?2", "/ok"});
    const auto& r = run.result;
    EXPECT_EQ(r.exit_code, 130) << r.err;
    for (const auto& url : {run.urls[0], run.urls[1]})
        EXPECT_THAT(lines_starting_with(r.err, url + ": error"), ElementsAre(url + ": error -> interrupted"));
    // A check that had finished keeps its lines and gets no error line.
    EXPECT_THAT(lines_starting_with(r.out, run.urls[2]),
                ElementsAre(run.urls[2] + ": status -> 200", run.urls[2] + ": type -> <!doctype html>\\n<"));
    EXPECT_THAT(r.err, Not(HasSubstr(run.urls[2] + ": error")));
}

TEST_P(ConcurrentChecker, SigtermInterruptsLikeCtrlCAndExits143)
{
    InterruptedRun run(GetParam(), {"/stall-body"}, {.signal = SIGTERM});
    EXPECT_EQ(run.result.exit_code, 143) << run.result.err;
    EXPECT_THAT(lines_starting_with(run.result.err, run.urls[0] + ": error"),
                ElementsAre(run.urls[0] + ": error -> interrupted"));
}

TEST_P(Checker, ASecondCtrlCEndsTheProgramAtOnce)
{
    // The server never answers (nor reads) the close_notify, so a polite close would wait out
    // its grace period; the second Ctrl-C, sent as soon as the check is cancelled, cuts it short.
    InterruptedRun run(GetParam(), {"/stall-deaf"}, {.second_signal = true});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    if (GetParam().name != "v0") { // v0 skips its close, so it may finish first
        EXPECT_EQ(count(run.result.err, ": error -> interrupted"), 0u) << run.result.err;
    }
}

TEST_P(Checker, ACloseAfterCtrlCIsBoundedEvenWhenThePeerNeverAnswers)
{
    // With a 60 s deadline, only the grace period can end this close before the safety net.
    InterruptedRun run(GetParam(), {"/stall-deaf"}, {.kill_after_seconds = 20});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    EXPECT_THAT(lines_starting_with(run.result.err, run.urls[0] + ": error"),
                ElementsAre(run.urls[0] + ": error -> interrupted"));
}

TEST_P(Checker, TheFirstCtrlCEndsTheProgramEvenWhenStdoutBlocks)
{
    // stdout is a pipe that nobody reads any more (a pager that stopped reading): the status
    // line cannot get out, and the loop, held in that write, cannot take the Ctrl-C. Only the
    // safety net would end the program if nothing else did.
    const auto url = servers().https.url("/ok");
    std::vector<std::string> args = GetParam().extra;
    args.insert(args.end(), {"--trace", "--cafile", servers().ca.ca_file(), url});
    testsupport::ProgramOptions options{.stdout_is = testsupport::Stdout::blocked,
                                        .kill_after_seconds = 20};
    options.signals.push_back({[url](const std::string&, const std::string& err) {
                                   return err.find(url + ": trace -> status 200") !=
                                          std::string::npos;
                               },
                               SIGINT});
    const auto r = testsupport::run_program(GetParam().path, args, options);
    EXPECT_EQ(r.exit_code, 130) << r.err;
}

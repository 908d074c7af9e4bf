// v1's program against the loopback servers: it behaves exactly as v0.
#include "checker.hpp"

const Program program{"v1", program_under_test(SITE_CHECKER), {}};
INSTANTIATE_TEST_SUITE_P(, Checker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, ConcurrentChecker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, FaultMatrix, ::testing::Values(program), program_name);

// What v1 is for: after Ctrl-C, async_with() still awaits every session's async_exit().
#include "interrupt.hpp"

#include <gmock/gmock.h>

using testsupport::lines_starting_with;
using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::Not;

TEST(Interrupt, CtrlCClosesEveryInterruptedSessionPolitely)
{
    InterruptedRun run(program, {"/stall-body", "/stall-body?2", "/ok"});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    EXPECT_EQ(run.closed_politely(), 3u);
    for (const auto& url : {run.urls[0], run.urls[1]}) {
        const auto trace = lines_starting_with(run.result.err, "+");
        EXPECT_THAT(trace, Contains(EndsWith(url + ": trace -> closed")));
        EXPECT_THAT(trace, Not(Contains(EndsWith(url + ": trace -> connection cut, never closed"))));
    }
}

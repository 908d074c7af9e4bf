// v0's program against the loopback servers: every case of the spec.
#include "checker.hpp"

const Program program{"v0", program_under_test(SITE_CHECKER), {}};
INSTANTIATE_TEST_SUITE_P(, Checker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, ConcurrentChecker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, FaultMatrix, ::testing::Values(program), program_name);

// v0's weak spot, which v1 answers: after Ctrl-C the cancelled state is still set, so the
// `co_await session.close()` after its catch block throws at once and the close is skipped.
#include "interrupt.hpp"

#include <gmock/gmock.h>

using testsupport::lines_starting_with;
using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::Not;

TEST(Interrupt, CtrlCSkipsTheHandWrittenCloseSoTheConnectionsAreCut)
{
    InterruptedRun run(program, {"/stall-body", "/stall-body?2", "/ok"});
    EXPECT_EQ(run.result.exit_code, 130) << run.result.err;
    EXPECT_EQ(run.closed_politely(), 1u); // the site that finished before the interrupt
    for (const auto& url : {run.urls[0], run.urls[1]}) {
        const auto trace = lines_starting_with(run.result.err, "+");
        EXPECT_THAT(trace, Contains(EndsWith(url + ": trace -> connection cut, never closed")));
        EXPECT_THAT(trace, Not(Contains(EndsWith(url + ": trace -> closed"))));
    }
}

// v0's program against the loopback servers: every case of the spec.
#include "checker.hpp"

const Program program{"v0", SITE_CHECKER, {}};
INSTANTIATE_TEST_SUITE_P(, Checker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, ConcurrentChecker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, FaultMatrix, ::testing::Values(program), program_name);

// v1's program against the loopback servers: it behaves exactly as v0.
#include "checker.hpp"

const Program program{"v1", SITE_CHECKER, {}};
INSTANTIATE_TEST_SUITE_P(, Checker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, ConcurrentChecker, ::testing::Values(program), program_name);
INSTANTIATE_TEST_SUITE_P(, FaultMatrix, ::testing::Values(program), program_name);

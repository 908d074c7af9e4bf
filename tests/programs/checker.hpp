// The behaviour every site_checker program shares, as the spec states it. Each version's test
// executable instantiates these tests for its program(s): v0, v1, v2 and v2 --sync.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

struct Program {
    std::string name;               // for test names: v0, v2_sync, ...
    std::string path;               // the executable
    std::vector<std::string> extra; // options it always gets, e.g. --sync
};

// The program these tests run: the one built beside them, unless SITE_CHECKER_UNDER_TEST names
// another. The exercise checks (tests/exercises) set it to a copy built with an exercise's change,
// so that the same tests say what that change breaks.
inline std::string program_under_test(const char* built)
{
    const char* other = std::getenv("SITE_CHECKER_UNDER_TEST");
    return other != nullptr && *other != '\0' ? other : built;
}

// Gtest prints a parameter in failure messages and ctest's listing: the name says it all.
inline void PrintTo(const Program& program, std::ostream* out)
{
    *out << program.name;
}

class Checker : public ::testing::TestWithParam<Program> {};
// For programs that check all sites at once: everything but v2 --sync.
class ConcurrentChecker : public Checker {};
// Hostile servers and bad input (fault_matrix_test.cpp).
class FaultMatrix : public Checker {};

inline std::string program_name(const ::testing::TestParamInfo<Program>& info)
{
    return info.param.name;
}

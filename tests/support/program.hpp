// Runs a program the way a user would, and captures what it printed and how it exited.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

struct ProgramResult {
    int exit_code = -1;      // the exit status, or 128 + signal when a signal ended it
    std::string out;         // everything on stdout
    std::string err;         // everything on stderr
    long peak_rss_kib = 0;   // the child's peak resident set size
};

// A signal sent to the program once what it has printed so far satisfies `when`.
struct SignalStep {
    std::function<bool(const std::string& out, const std::string& err)> when;
    int number; // SIGINT, SIGTERM, ...
};

// Where the program's standard output goes.
enum class Stdout {
    captured,        // a pipe read to its end into ProgramResult::out
    closed,          // no descriptor 1 at all, as after `>&-`
    blocked,         // a pipe already full that nobody reads: a pager that stopped reading
    full_device,     // where every write fails, a full disk (platform.hpp: full_device())
    first_line_only, // a pipe closed once its first line is read, as `| head -1` does
};

struct ProgramOptions {
    Stdout stdout_is = Stdout::captured;
    bool stdin_closed = false;    // no descriptor 0 (otherwise /dev/null)
    bool stderr_closed = false;   // no descriptor 2 (ProgramResult::err stays empty)
    bool sigpipe_ignored = false; // SIGPIPE ignored from the start, as some parents leave it
    std::optional<unsigned long> open_files_limit = {}; // RLIMIT_NOFILE for the child
    std::vector<std::string> environment = {}; // NAME=VALUE added to the child's environment
    // Sent in order, each once its condition holds. The child starts with SIGINT and SIGTERM
    // at their default action (a shell's background job would have SIGINT ignored).
    std::vector<SignalStep> signals = {};
    // A safety net so that a broken build cannot hang the suite; never an assertion.
    int kill_after_seconds = 120;
};

ProgramResult run_program(const std::string& path, const std::vector<std::string>& args,
                          const ProgramOptions& options = {});

// How many times `needle` occurs in `text`.
std::size_t count(const std::string& text, const std::string& needle);

// The lines of `text` that start with `prefix`, in order.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix);

} // namespace testsupport

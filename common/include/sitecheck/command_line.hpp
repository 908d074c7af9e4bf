// The command line every version shares: options, --help, --version and usage errors.
#pragma once

#include <string>
#include <vector>

namespace sitecheck {

struct Arguments {
    std::vector<std::string> urls; // the tutorial's two sites when none is given
    bool sync = false;             // --sync (v2 only): the blocking path, one site at a time
};

enum class SyncOption { no, yes };

// First calls reopen_closed_standard_descriptors(); then parses the command line and applies
// --timeout, --cafile and --trace to settings(), then calls raise_open_file_limit(). --help
// and --version print and exit 0; a usage error prints a message and exits 2.
Arguments parse_command_line(int argc, char* argv[], const char* program,
                             SyncOption sync_option = SyncOption::no);

// Opens /dev/null on whichever of descriptors 0, 1 and 2 is closed (a daemon's child, or
// `>&- 2>&-`), so that no pipe or socket of the program becomes its stdin, stdout or stderr:
// the Ctrl-C pipe as stderr would turn the first error line into a Ctrl-C.
void reopen_closed_standard_descriptors();

// Raises the process's soft limit of open files to its hard limit: the number of connections
// open at once is that limit less a reserve; checks beyond it wait for a connection to close.
void raise_open_file_limit();

} // namespace sitecheck

// The command line every version shares: --cafile, --timeout, --trace, --help, --version and
// the URLs, plus any flag a version adds of its own (v2's --sync), as argparse's
// `add_argument("--sync", action="store_true", help=...)` does in the Python twins.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sitecheck {

// A flag of the version's own: its name ("--sync") and its line in --help.
struct Flag {
    std::string_view name;
    std::string_view help;
};

struct Arguments {
    std::vector<std::string> urls;       // the tutorial's two sites when none is given
    std::vector<std::string_view> flags; // the version's flags that were given

    bool has(std::string_view flag) const;
};

// Parses the command line, naming the program after argv[0], and applies --timeout, --cafile
// and --trace to the settings every ClientSession uses. --help and --version print and exit 0;
// a usage error prints a message and exits 2.
Arguments parse_command_line(int argc, char* argv[], std::initializer_list<Flag> flags = {});

} // namespace sitecheck

// Every line the program prints goes out here: whole, one at a time, so that the lines of
// concurrent checks interleave but never mix; with the URL's password masked and anything that
// came from a peer or the command line escaped; and with stdout's failures noticed, as GNU
// tools notice them.
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

namespace sitecheck {

// `URL: WHAT -> REST` and a newline.
std::string report_line(std::string_view url, std::string_view what, std::string_view rest);

// Writes a whole line and flushes it. A reader of stdout that went away (`| head -1`) ends the
// program quietly, with SIGPIPE's status; any other failed write to stdout (a full disk) is
// remembered for exit_status().
void write_line(std::FILE* stream, const std::string& line);

// `+0.004s URL: trace -> EVENT` on stderr, when --trace is on.
void trace(std::string_view url, std::string_view event);

// The words for the exception a check ended with: a CheckError's text, a system error's
// message, "cancelled", or "unknown error".
std::string describe(std::exception_ptr error);

// The exit status so far: 1 when a check failed or stdout lost a line (then `write error: ...`
// on stderr), else 0.
int exit_status();

} // namespace sitecheck

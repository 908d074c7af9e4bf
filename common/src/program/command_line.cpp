#include "sitecheck/command_line.hpp"

#include "net/tls.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "text/text.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#ifndef SITECHECK_VERSION
#define SITECHECK_VERSION "0.0.0"
#endif

namespace sitecheck {
namespace {

void print_usage(std::FILE* out, const char* program, SyncOption sync_option)
{
    const bool sync = sync_option == SyncOption::yes;
    std::fprintf(out,
                 "usage: %s%s [--cafile FILE] [--timeout SECONDS] [--trace] [--help] [--version]\n"
                 "       %*s [--] [URL ...]\n"
                 "\n"
                 "Checks every URL at once and prints its HTTP status and the start of its page.\n"
                 "With no URL it checks https://realpython.com and https://pycoders.com.\n"
                 "\n"
                 "options:\n"
                 "  --cafile FILE      also trust the certificates in FILE (PEM)\n"
                 "  --timeout SECONDS  give up on a site after SECONDS (default 30)\n"
                 "  --trace            print each check's events on stderr as they happen\n"
                 "%s"
                 "  --help             show this help and exit\n"
                 "  --version          show the version and exit\n"
                 "\n"
                 "Exit status: 0 when every site answered, 1 when a check failed, 2 for a usage error.\n",
                 program, sync ? " [--sync]" : "", static_cast<int>(std::strlen(program)), "",
                 sync ? "  --sync             check one site after another with the blocking API\n"
                      : "");
}

// The message echoes what was typed (an option, a file name, a value), and what was typed can
// hold escape sequences: it is escaped like anything a site sends.
[[noreturn]] void usage_error(const char* program, const std::string& message)
{
    std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", program,
                 escape_controls(message).c_str(), program);
    std::exit(2);
}

std::optional<double> parse_seconds(const std::string& text)
{
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
        return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    // A year at most: beyond that the deadline would overflow the clock.
    if (errno != 0 || *end != '\0' || !std::isfinite(value) || value <= 0 || value > 31'536'000)
        return std::nullopt;
    return value;
}

} // namespace

Arguments parse_command_line(int argc, char* argv[], const char* program, SyncOption sync_option)
{
    reopen_closed_standard_descriptors();
    Arguments args;
    std::optional<std::string> cafile;
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (options_done || arg.size() < 2 || arg.front() != '-') {
            args.urls.emplace_back(arg);
            continue;
        }
        // --name VALUE or --name=VALUE
        const std::size_t eq = arg.find('=');
        const std::string_view name = arg.substr(0, eq);
        auto value = [&]() -> std::string {
            if (eq != std::string_view::npos)
                return std::string(arg.substr(eq + 1));
            if (i + 1 >= argc)
                usage_error(program, "option '" + std::string(name) + "' needs a value");
            return argv[++i];
        };
        auto no_value = [&] {
            if (eq != std::string_view::npos)
                usage_error(program, "option '" + std::string(name) + "' takes no value");
        };
        if (arg == "--") {
            options_done = true;
        } else if (name == "--help") {
            no_value();
            print_usage(stdout, program, sync_option);
            std::exit(exit_status()); // 0, unless the usage could not be written
        } else if (name == "--version") {
            no_value();
            std::printf("%s %s\n", program, SITECHECK_VERSION);
            std::exit(exit_status());
        } else if (name == "--trace") {
            no_value();
            settings().trace = true;
        } else if (name == "--sync" && sync_option == SyncOption::yes) {
            no_value();
            args.sync = true;
        } else if (name == "--timeout") {
            const std::string text = value();
            const auto seconds = parse_seconds(text);
            if (!seconds)
                usage_error(program, "invalid --timeout '" + text +
                                         "': expected a positive number of seconds");
            settings().timeout = std::chrono::duration<double>(*seconds);
        } else if (name == "--cafile") {
            cafile = value();
            if (!std::ifstream(*cafile))
                usage_error(program, "cannot read CA file '" + *cafile + "': " + std::strerror(errno));
        } else {
            usage_error(program, "unknown option '" + std::string(name) + "'");
        }
    }
    if (args.urls.empty())
        args.urls = {"https://realpython.com", "https://pycoders.com"};
    try {
        settings().tls = make_tls_context(cafile);
    } catch (const std::exception& e) {
        usage_error(program, e.what());
    }
    raise_open_file_limit();
    return args;
}

void reopen_closed_standard_descriptors()
{
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        // open() takes the lowest free descriptor: this one, as those below it are open.
        if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            _exit(1); // nothing to say it on
    }
}

void raise_open_file_limit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace sitecheck

#include "sitecheck/command_line.hpp"

#include "net/tls.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "text/text.hpp"

#include <algorithm>
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

// The options every version has, as --help lists them.
constexpr Flag common_options[] = {
    {"--cafile FILE", "also trust the certificates in FILE (PEM)"},
    {"--timeout SECONDS", "give up on a site after SECONDS (default 30)"},
    {"--trace", "print each check's events on stderr as they happen"},
};

void print_usage(std::FILE* out, const std::string& program, std::initializer_list<Flag> flags)
{
    std::string names;
    for (const Flag& flag : flags)
        names += " [" + std::string(flag.name) + "]";
    std::fprintf(out, "usage: %s%s [--cafile FILE] [--timeout SECONDS] [--trace] [--help] [--version]\n"
                      "       %*s [--] [URL ...]\n"
                      "\n"
                      "Checks every URL at once and prints its HTTP status and the start of its page.\n"
                      "With no URL it checks https://realpython.com and https://pycoders.com.\n"
                      "\n"
                      "options:\n",
                 program.c_str(), names.c_str(), static_cast<int>(program.size()), "");
    auto option = [&](const Flag& flag) {
        std::fprintf(out, "  %-17.*s  %.*s\n", static_cast<int>(flag.name.size()), flag.name.data(),
                     static_cast<int>(flag.help.size()), flag.help.data());
    };
    for (const Flag& flag : common_options)
        option(flag);
    for (const Flag& flag : flags)
        option(flag);
    option({"--help", "show this help and exit"});
    option({"--version", "show the version and exit"});
    std::fprintf(out, "\nExit status: 0 when every site answered, 1 when a check failed, 2 for a usage error.\n");
}

// The message echoes what was typed (an option, a file name, a value), and what was typed can
// hold escape sequences: it is escaped like anything a site sends.
[[noreturn]] void usage_error(const std::string& program, const std::string& message)
{
    const std::string name = escape_controls(program);
    std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", name.c_str(),
                 escape_controls(message).c_str(), name.c_str());
    std::exit(2);
}

// The name the program was started by, without its directory, as Python's argparse shows it.
std::string program_name(int argc, char* argv[])
{
    if (argc < 1 || argv[0] == nullptr || *argv[0] == '\0')
        return "site_checker";
    const std::string_view path = argv[0];
    return std::string(path.substr(path.find_last_of('/') + 1));
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

bool Arguments::has(std::string_view flag) const
{
    return std::ranges::find(flags, flag) != flags.end();
}

Arguments parse_command_line(int argc, char* argv[], std::initializer_list<Flag> flags)
{
    const std::string program = program_name(argc, argv);
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
            print_usage(stdout, program, flags);
            std::exit(exit_status()); // 0, unless the usage could not be written
        } else if (name == "--version") {
            no_value();
            std::printf("%s %s\n", escape_controls(program).c_str(), SITECHECK_VERSION);
            std::exit(exit_status());
        } else if (name == "--trace") {
            no_value();
            settings().trace = true;
        } else if (const auto flag = std::ranges::find(flags, name, &Flag::name); flag != flags.end()) {
            no_value();
            args.flags.push_back(flag->name);
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
    return args;
}

} // namespace sitecheck

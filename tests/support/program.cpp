#include "support/program.hpp"
#include "support/platform.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace testsupport {

namespace {

// A pipe whose ends a later exec does not inherit, made the POSIX way: Linux can set the flag
// in the same call, macOS cannot. Setting it after pipe() leaves a moment in which a fork from
// another thread would inherit the ends, but the tests start their programs from one thread.
void make_pipe(int ends[2])
{
    if (pipe(ends) != 0 || fcntl(ends[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(ends[1], F_SETFD, FD_CLOEXEC) != 0)
        throw std::runtime_error("pipe failed");
}

} // namespace

ProgramResult run_program(const std::string& path, const std::vector<std::string>& args,
                          const ProgramOptions& options)
{
    int out_pipe[2], err_pipe[2];
    make_pipe(out_pipe);
    make_pipe(err_pipe);
    if (options.stdout_is == Stdout::blocked) {
        // Filled before the program starts, so its first write to stdout blocks.
        fcntl(out_pipe[1], F_SETFL, O_NONBLOCK);
        const std::string filler(4096, '.');
        while (write(out_pipe[1], filler.data(), filler.size()) > 0) {
        }
        fcntl(out_pipe[1], F_SETFL, 0);
    }
    const char* full_path = options.stdout_is == Stdout::full_device ? full_device() : nullptr;
    const int full_fd = full_path ? open(full_path, O_WRONLY | O_CLOEXEC) : -1;
    if (options.stdout_is == Stdout::full_device && full_fd < 0)
        throw std::runtime_error("no full device here (platform.hpp: full_device())");

    std::vector<std::string> argv_storage{path};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    // The environment is built before fork: the child only calls async-signal-safe functions.
    // A variable given in options replaces the inherited one of the same name.
    std::vector<std::string> env_storage = options.environment;
    for (char** e = environ; *e; ++e) {
        const std::string_view inherited(*e);
        const auto name = inherited.substr(0, inherited.find('=') + 1);
        if (std::none_of(options.environment.begin(), options.environment.end(),
                         [&](const std::string& given) { return given.starts_with(name); }))
            env_storage.emplace_back(inherited);
    }
    std::vector<char*> envp;
    for (auto& e : env_storage)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(full_fd >= 0 ? full_fd : out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        const int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        if (devnull > 2)
            close(devnull);
        if (options.stdin_closed)
            close(0);
        if (options.stdout_is == Stdout::closed)
            close(1);
        if (options.stderr_closed)
            close(2);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, options.sigpipe_ignored ? SIG_IGN : SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (options.open_files_limit) {
            rlimit limit{*options.open_files_limit, *options.open_files_limit};
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (full_fd >= 0)
        close(full_fd);

    ProgramResult result;
    // stdout is read unless it is not a pipe or is left full on purpose; that pipe's reading
    // end stays open until the program has ended.
    const bool read_stdout =
        options.stdout_is == Stdout::captured || options.stdout_is == Stdout::first_line_only;
    pollfd fds[2] = {{read_stdout ? out_pipe[0] : -1, POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(options.kill_after_seconds);
    int open_count = read_stdout ? 2 : 1;
    char buffer[65536];
    std::size_t signals_sent = 0;
    int status = 0;
    rusage usage{};
    bool reaped = false;
    for (;;) {
        // With every pipe at its end, what is left is to see the program end.
        if (open_count == 0 && wait4(pid, &status, WNOHANG, &usage) == pid) {
            reaped = true;
            break;
        }
        if (std::chrono::steady_clock::now() > give_up) {
            kill(pid, SIGKILL);
            break;
        }
        while (signals_sent < options.signals.size() &&
               options.signals[signals_sent].when(result.out, result.err))
            kill(pid, options.signals[signals_sent++].number);
        if (poll(fds, 2, open_count > 0 ? 1000 : 10) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0)
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            const auto first_line_end = result.out.find('\n');
            const bool head_done = i == 0 && options.stdout_is == Stdout::first_line_only &&
                                   first_line_end != std::string::npos;
            if (head_done)
                result.out.resize(first_line_end + 1);
            if (n <= 0 || head_done) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_count;
            }
        }
    }
    for (auto& fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);

    if (!reaped)
        wait4(pid, &status, 0, &usage);
    if (!read_stdout)
        close(out_pipe[0]);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.peak_rss_kib = peak_rss_kib(usage);
    return result;
}

std::size_t count(const std::string& text, const std::string& needle)
{
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size()))
        ++n;
    return n;
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.compare(0, prefix.size(), prefix) == 0)
            lines.push_back(line);
    return lines;
}

} // namespace testsupport

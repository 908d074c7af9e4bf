// asyncio.run() for the versions: an io_context, and Ctrl-C turned into a cancellation.
//
// The signal handler does only what a handler may: it records the first signal and its time,
// and writes a byte to a pipe. The loop waits on that pipe like on any socket, and when the byte
// arrives it emits a cancellation, so everything else happens in ordinary code on the loop's
// thread. A second signal ends the process at once, as a second Ctrl-C does in Python.
//
// The loop can only take the cancellation when it gets to run. A write to a stdout that blocks
// (a pager that stopped reading) holds it, and Python's asyncio then ignores Ctrl-C just the
// same. Rather than make every line of output asynchronous, a watchdog thread, woken by the
// same handler, ends the process with the signal's status when the loop has not taken the
// cancellation within the close grace, or has taken it but not ended within three: a promise
// that holds whatever blocks, output or anything else.
//
// Not asio::signal_set: it reports a signal only through a running loop, and here a signal
// must also count between loops (v2 --sync runs one per site) and reach a watchdog whose loop
// is stuck.
#include "sitecheck/run.hpp"

#include "process/output.hpp"
#include "process/state.hpp"
#include "text/text.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/system/system_error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace sitecheck {
namespace asio = boost::asio;

namespace {

std::atomic<bool> cancellation_taken{false};  // the loop has emitted it
int wake[2] = {-1, -1};                       // the handler writes, the loop reads
int watchdog_wake[2] = {-1, -1};              // the handler writes, the watchdog reads
thread_local bool loop_running = false;

extern "C" void on_signal(int number)
{
    const int saved_errno = errno;
    int expected = 0;
    if (!first_signal.compare_exchange_strong(expected, number))
        _exit(128 + number); // the second Ctrl-C: no more cleanup
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    first_signal_ns = std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
    [[maybe_unused]] const ssize_t written = write(wake[1], "!", 1);
    [[maybe_unused]] const ssize_t woken = write(watchdog_wake[1], "!", 1);
    errno = saved_errno;
}

// pipe2() would do it in one call, but macOS has none. Nothing else runs yet that could fork
// between the two calls.
void open_pipe(int ends[2])
{
    if (pipe(ends) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe");
    for (int i = 0; i < 2; ++i) {
        fcntl(ends[i], F_SETFD, fcntl(ends[i], F_GETFD) | FD_CLOEXEC);
        fcntl(ends[i], F_SETFL, fcntl(ends[i], F_GETFL) | O_NONBLOCK);
    }
}

// Sleeps until the first signal, then gives the loop the grace period to take the
// cancellation, and the program three to end (the closes it awaits end within one).
void watch_over_the_end()
{
    pollfd woken{watchdog_wake[0], POLLIN, 0};
    while (poll(&woken, 1, -1) != 1) {
    }
    const auto signalled = interrupted_at().value_or(std::chrono::steady_clock::now());
    std::this_thread::sleep_until(signalled + close_grace);
    if (!cancellation_taken)
        _exit(128 + first_signal);
    std::this_thread::sleep_until(signalled + 3 * close_grace);
    _exit(128 + first_signal);
}

// Opens /dev/null on whichever of descriptors 0, 1 and 2 is closed (a daemon's child, or
// `>&- 2>&-`), so that no pipe or socket of the program becomes its stdin, stdout or stderr:
// the Ctrl-C pipe as stderr would turn the first error line into a Ctrl-C.
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

// Raises the soft limit of open files to the hard limit: as many connections may be open at
// once as that limit allows, less a reserve (net/connection_limit.cpp).
void raise_open_file_limit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

// What the process needs before its first loop, once: descriptors 0 to 2 in place, the
// open-file limit raised, the Ctrl-C pipes, the watchdog and the handlers. A signal that was
// ignored when the program started stays ignored, as the shell asks of a background job.
void start_up()
{
    static std::once_flag once;
    std::call_once(once, [] {
        reopen_closed_standard_descriptors();
        raise_open_file_limit();
        open_pipe(wake);
        open_pipe(watchdog_wake);
        std::thread(watch_over_the_end).detach();
        for (const int number : {SIGINT, SIGTERM}) {
            struct sigaction old{};
            sigaction(number, nullptr, &old);
            if (old.sa_handler == SIG_IGN)
                continue;
            struct sigaction action{};
            action.sa_handler = on_signal;
            sigemptyset(&action.sa_mask);
            action.sa_flags = SA_RESTART;
            sigaction(number, &action, nullptr);
        }
    });
}

void drain_wake_pipe()
{
    char bytes[16];
    while (read(wake[0], bytes, sizeof bytes) > 0) {
    }
}

bool is_interruption(const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        return first_signal != 0 && e.code() == asio::error::operation_aborted;
    } catch (...) {
        return false;
    }
}

int exit_status_after(const std::exception_ptr& error)
{
    if (error && !is_interruption(error)) {
        // Python prints a traceback and exits 1; one line says the same here.
        const std::string line = "unexpected error: " + escape_controls(describe(error)) + "\n";
        std::fwrite(line.data(), 1, line.size(), stderr);
        return 1;
    }
    if (const int number = first_signal)
        return 128 + number; // 130 after SIGINT, 143 after SIGTERM, as a shell reports them
    return exit_status();
}

} // namespace

asio::awaitable<void> gather(std::vector<asio::awaitable<void>> coroutines)
{
    if (coroutines.empty())
        co_return;
    const auto executor = co_await asio::this_coro::executor;
    using Started = decltype(asio::co_spawn(executor, std::move(coroutines.front()), asio::deferred));
    std::vector<Started> started;
    started.reserve(coroutines.size());
    for (auto& coroutine : coroutines)
        started.push_back(asio::co_spawn(executor, std::move(coroutine), asio::deferred));
    // A parallel group passes a cancellation of this coroutine on to every member.
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(started))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    // The first to fail fails the whole, as in asyncio.gather(), which raises it at once where
    // this waits for the others to end first; the group only hands the exceptions back, and
    // dropping them would let a failure pass unseen.
    for (const std::size_t i : order)
        if (errors[i])
            std::rethrow_exception(errors[i]);
}

void run_until_complete(asio::io_context& io, asio::awaitable<void> operation)
{
    if (loop_running)
        throw std::logic_error("cannot block inside a running event loop: "
                               "use the asynchronous form (async_with) in a coroutine");
    start_up();
    loop_running = true;
    struct Reset {
        ~Reset() { loop_running = false; }
    } reset;

    asio::cancellation_signal cancel;
    asio::posix::stream_descriptor wake_reader(io, ::dup(wake[0]));
    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(io, std::move(operation),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                       error = e;
                       done = true;
                       wake_reader.cancel(); // nothing left to interrupt
                   }));
    wake_reader.async_wait(asio::posix::stream_descriptor::wait_read,
                           [&](boost::system::error_code ec) {
                               if (ec || done)
                                   return;
                               drain_wake_pipe(); // delivered: the next loop is not cancelled
                               cancellation_taken = true;
                               cancel.emit(asio::cancellation_type::terminal);
                           });
    io.restart();
    io.run();
    if (error)
        std::rethrow_exception(error);
}

int run(asio::awaitable<void> main)
{
    std::exception_ptr error;
    try {
        asio::io_context io;
        run_until_complete(io, std::move(main));
    } catch (...) {
        error = std::current_exception();
    }
    return exit_status_after(error);
}

int run(const std::function<void()>& main)
{
    std::exception_ptr error;
    try {
        start_up();
        main();
    } catch (...) {
        error = std::current_exception();
    }
    return exit_status_after(error);
}

} // namespace sitecheck

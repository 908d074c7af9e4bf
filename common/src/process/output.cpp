#include "process/output.hpp"

#include "url/url.hpp"
#include "process/state.hpp"
#include "sitecheck/errors.hpp"
#include "text/text.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace sitecheck {
namespace {

std::mutex output_mutex;
std::atomic<int> stdout_error{0}; // errno of the first failed write to stdout
const auto start = std::chrono::steady_clock::now();

// A reader that went away (`| head -1`) wants nothing more: the program ends without a word, as
// SIGPIPE ends other tools, even when SIGPIPE was ignored and the write failed with EPIPE.
// Any other failure (a full disk) is remembered for exit_status() to report.
void check_stdout(bool written)
{
    if (written)
        return;
    const int error = errno;
    if (error == EPIPE) {
        std::signal(SIGPIPE, SIG_DFL);
        std::raise(SIGPIPE);
        std::_Exit(128 + SIGPIPE);
    }
    int none = 0;
    stdout_error.compare_exchange_strong(none, error != 0 ? error : EIO);
}

} // namespace

std::string report_line(std::string_view url, std::string_view what, std::string_view rest)
{
    std::string s = escape_controls(without_password(url));
    s += ": ";
    s += what;
    s += " -> ";
    s += rest;
    s += '\n';
    return s;
}

void write_line(std::FILE* stream, const std::string& line)
{
    std::lock_guard lock(output_mutex);
    if (stream == stdout && stdout_error != 0)
        return; // the report is lost already; exit_status() says so
    const bool written = std::fwrite(line.data(), 1, line.size(), stream) == line.size();
    const bool flushed = std::fflush(stream) == 0;
    if (stream == stdout)
        check_stdout(written && flushed);
}

void trace(std::string_view url, std::string_view event)
{
    if (!settings().trace)
        return;
    const std::chrono::duration<double> since = std::chrono::steady_clock::now() - start;
    char time[32];
    std::snprintf(time, sizeof time, "+%.3fs ", since.count());
    write_line(stderr, time + report_line(url, "trace", escape_controls(event)));
}

std::string describe(std::exception_ptr error)
{
    try {
        std::rethrow_exception(error);
    } catch (const CheckError& e) {
        return e.what();
    } catch (const boost::system::system_error& e) {
        if (e.code() == boost::asio::error::operation_aborted)
            return "cancelled";
        return e.code().message();
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

int exit_status()
{
    std::lock_guard lock(output_mutex);
    check_stdout(std::fflush(stdout) == 0);
    if (const int error = stdout_error) {
        // As GNU tools report it: the reports were lost, so the run failed.
        const std::string message = std::string("write error: ") + std::strerror(error) + "\n";
        std::fwrite(message.data(), 1, message.size(), stderr);
        return 1;
    }
    return failed_checks > 0 ? 1 : 0;
}

} // namespace sitecheck

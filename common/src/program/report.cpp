#include "sitecheck/report.hpp"

#include "sitecheck/errors.hpp"
#include "sitecheck/run.hpp"
#include "sitecheck/session.hpp"
#include "text/text.hpp"
#include "http/url.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace sitecheck {
namespace {

std::mutex output_mutex;
std::atomic<int> failures{0};
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

std::string line(std::string_view url, std::string_view what, std::string_view rest)
{
    std::string s = escape_controls(without_password(url));
    s += ": ";
    s += what;
    s += " -> ";
    s += rest;
    s += '\n';
    return s;
}

} // namespace

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

void print_status(std::string_view url, int status)
{
    write_line(stdout, line(url, "status", std::to_string(status)));
}

namespace {

// Sites whose report is complete (status and type printed) and whose check has not ended yet,
// counted by URL. The count stands in for the check itself, which print_type() cannot name:
// two checks of one URL print the same lines, so only their number matters.
std::map<std::string, int, std::less<>> complete_reports;

bool take_complete_report(std::string_view url)
{
    std::lock_guard lock(output_mutex);
    const auto found = complete_reports.find(url);
    if (found == complete_reports.end())
        return false;
    if (--found->second == 0)
        complete_reports.erase(found);
    return true;
}

} // namespace

void print_type(std::string_view url, std::string_view html)
{
    write_line(stdout, line(url, "type", preview(html)));
    std::lock_guard lock(output_mutex);
    ++complete_reports[std::string(url)];
}

void print_error(std::string_view url, std::exception_ptr error)
{
    ++failures;
    write_line(stderr, line(url, "error", escape_controls(describe(error))));
}

void trace(std::string_view url, std::string_view event)
{
    if (!settings().trace)
        return;
    const std::chrono::duration<double> since = std::chrono::steady_clock::now() - start;
    char time[32];
    std::snprintf(time, sizeof time, "+%.3fs ", since.count());
    write_line(stderr, time + line(url, "trace", escape_controls(event)));
}

namespace {

// A cancellation that Ctrl-C asked for is not this site's failure. It is still worth a line
// when the check did not finish its report; then it is passed on. A report that was complete
// keeps its one outcome, though the signal came during the close or as the last read ended.
// A cancellation that no signal asked for is a failure like any other, never a quiet end.
bool passed_on(std::string_view url, const std::exception_ptr& error, bool report_complete)
{
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        if (e.code() != boost::asio::error::operation_aborted || !interrupted_at())
            return false;
        if (!report_complete) {
            trace(url, "error interrupted");
            write_line(stderr, line(url, "error", "interrupted"));
        }
        return true;
    } catch (...) {
        return false;
    }
}

} // namespace

boost::asio::awaitable<void> reported(std::string url, boost::asio::awaitable<void> check)
{
    std::exception_ptr error;
    try {
        co_await std::move(check);
    } catch (...) {
        error = std::current_exception();
    }
    const bool report_complete = take_complete_report(url);
    if (!error)
        co_return;
    if (passed_on(url, error, report_complete))
        std::rethrow_exception(error);
    trace(url, "error " + describe(error));
    print_error(url, error);
}

void reported(std::string_view url, const std::function<void()>& check)
{
    // After Ctrl-C, the sites not started yet are not checked.
    if (interrupted_at())
        throw boost::system::system_error(boost::asio::error::operation_aborted);
    std::exception_ptr error;
    try {
        check();
    } catch (...) {
        error = std::current_exception();
    }
    const bool report_complete = take_complete_report(url);
    if (!error)
        return;
    if (passed_on(url, error, report_complete))
        std::rethrow_exception(error);
    trace(url, "error " + describe(error));
    print_error(url, error);
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
    return failures > 0 ? 1 : 0;
}

} // namespace sitecheck

#include "sitecheck/report.hpp"

#include "sitecheck/errors.hpp"
#include "sitecheck/run.hpp"
#include "sitecheck/session.hpp"
#include "text/text.hpp"
#include "http/url.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace sitecheck {
namespace {

std::mutex output_mutex;
std::atomic<int> failures{0};
const auto start = std::chrono::steady_clock::now();

void write_line(std::FILE* stream, const std::string& line)
{
    std::lock_guard lock(output_mutex);
    std::fwrite(line.data(), 1, line.size(), stream);
    std::fflush(stream);
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

void print_type(std::string_view url, std::string_view html)
{
    write_line(stdout, line(url, "type", preview(html)));
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

// A cancellation from outside is not this site's failure. After Ctrl-C it is still worth a
// line, since the check did not finish; then it is passed on.
bool passed_on(std::string_view url, const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& e) {
        if (e.code() != boost::asio::error::operation_aborted)
            return false;
        if (interrupted_at()) {
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
    if (!error)
        co_return;
    if (passed_on(url, error))
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
    if (!error)
        return;
    if (passed_on(url, error))
        std::rethrow_exception(error);
    trace(url, "error " + describe(error));
    print_error(url, error);
}

int exit_status()
{
    return failures > 0 ? 1 : 0;
}

} // namespace sitecheck

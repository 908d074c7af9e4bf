#include "sitecheck/report.hpp"

#include "sitecheck/errors.hpp"
#include "sitecheck/session.hpp"
#include "sitecheck/text.hpp"

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
    std::string s = escape_controls(url);
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

boost::asio::awaitable<void> reported(std::string url, boost::asio::awaitable<void> check)
{
    std::exception_ptr error;
    try {
        co_await std::move(check);
    } catch (const boost::system::system_error& e) {
        if (e.code() == boost::asio::error::operation_aborted)
            throw; // cancelled from outside: not this site's failure
        error = std::current_exception();
    } catch (...) {
        error = std::current_exception();
    }
    if (error) {
        trace(url, "error " + describe(error));
        print_error(url, error);
    }
}

void reported(std::string_view url, const std::function<void()>& check)
{
    try {
        check();
    } catch (...) {
        trace(url, "error " + describe(std::current_exception()));
        print_error(url, std::current_exception());
    }
}

int exit_status()
{
    return failures > 0 ? 1 : 0;
}

} // namespace sitecheck

#include "sitecheck/report.hpp"

#include "process/output.hpp"
#include "process/state.hpp"
#include "text/text.hpp"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <map>
#include <mutex>
#include <string>

namespace sitecheck {

void print_status(std::string_view url, int status)
{
    write_line(stdout, report_line(url, "status", std::to_string(status)));
}

namespace {

// Sites whose report is complete (status and type printed) and whose check has not ended yet,
// counted by URL. The count stands in for the check itself, which print_type() cannot name:
// two checks of one URL print the same lines, so only their number matters.
std::mutex complete_reports_mutex;
std::map<std::string, int, std::less<>> complete_reports;

bool take_complete_report(std::string_view url)
{
    std::lock_guard lock(complete_reports_mutex);
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
    write_line(stdout, report_line(url, "type", preview(html)));
    std::lock_guard lock(complete_reports_mutex);
    ++complete_reports[std::string(url)];
}

void print_error(std::string_view url, std::exception_ptr error)
{
    ++failed_checks;
    write_line(stderr, report_line(url, "error", escape_controls(describe(error))));
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
            write_line(stderr, report_line(url, "error", "interrupted"));
        }
        return true;
    } catch (...) {
        return false;
    }
}

// What both forms of reported() do when the check has ended: nothing more after a success; the
// error line after a failure; after Ctrl-C, `interrupted` unless the report was complete, and
// the cancellation passed on.
void check_ended(std::string_view url, const std::exception_ptr& error)
{
    const bool report_complete = take_complete_report(url);
    if (!error)
        return;
    if (passed_on(url, error, report_complete))
        std::rethrow_exception(error);
    trace(url, "error " + describe(error));
    print_error(url, error);
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
    check_ended(url, error);
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
    check_ended(url, error);
}

} // namespace sitecheck

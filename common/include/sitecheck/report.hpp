// What a check prints: the tutorial's two lines on stdout, and one error line on stderr when it
// fails. Each line is written whole, so lines of concurrent checks interleave but never mix.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace sitecheck {

// `URL: status -> CODE`
void print_status(std::string_view url, int status);
// `URL: type -> PREVIEW`, where PREVIEW is html[:17].strip() with controls escaped.
void print_type(std::string_view url, std::string_view html);
// `URL: error -> MESSAGE` on stderr; counts the check as failed.
void print_error(std::string_view url, std::exception_ptr error);

// Runs one check and prints its error line if it throws. A cancellation after Ctrl-C prints
// `URL: error -> interrupted` and is passed on, not counted as the site's failure; one that no
// signal asked for is a failure (`cancelled`).
boost::asio::awaitable<void> reported(std::string url, boost::asio::awaitable<void> check);
// The same for a blocking check. After Ctrl-C it starts no new check: it throws
// operation_aborted, which ends the caller's loop.
void reported(std::string_view url, const std::function<void()>& check);

} // namespace sitecheck

// Exercise v1-4 (docs/v1_context_manager.md), one answer: an asynchronous context manager whose
// exit reports a failed check and suppresses it, and lets every other exception through. In
// Python:
//
//     class IgnoreCheckErrors:
//         def __init__(self, url): self.url = url
//         async def __aenter__(self): return self.url
//         async def __aexit__(self, exc_type, exc_value, exc_tb):
//             if isinstance(exc_value, CheckError):
//                 print(f"{self.url}: error -> {exc_value}", file=sys.stderr)
//                 return True
//             return False
//
// Your own goes in tests/exercises/yours/ignore_check_errors.hpp; the test builds that one
// when it is there.
#pragma once

#include "sitecheck/errors.hpp"
#include "sitecheck/report.hpp"

#include <boost/asio/awaitable.hpp>

#include <exception>
#include <string>
#include <utility>

class IgnoreCheckErrors {
public:
    explicit IgnoreCheckErrors(std::string url) : url_(std::move(url)) {}

    boost::asio::awaitable<std::string> async_enter() { co_return url_; }

    boost::asio::awaitable<bool> async_exit(std::exception_ptr error)
    {
        if (!error)
            co_return false;
        // isinstance() for an exception_ptr: throw it again and see which handler takes it.
        // Catch the one type meant: `catch (const std::exception&)` would take a cancellation
        // too (Asio's operation_aborted is a std::exception), and swallow it.
        try {
            std::rethrow_exception(error);
        } catch (const sitecheck::CheckError&) {
            sitecheck::print_error(url_, error);
            co_return true;
        } catch (...) {
        }
        co_return false;
    }

private:
    std::string url_;
};

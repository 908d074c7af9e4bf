// The process-wide state, in one place: what the command line set, when the first signal came,
// and how many checks failed. Everything else in common/ belongs to one check.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace sitecheck {

class TlsContext; // net/tls.hpp

struct Settings {
    std::chrono::duration<double> timeout{30.0}; // one deadline per check, from get() to close()
    std::shared_ptr<TlsContext> tls;             // null: the system's roots, loaded on first use
    bool trace = false;                          // print each event of a check on stderr
};

// The settings every ClientSession uses; the command line sets them.
Settings& settings();

// The first SIGINT or SIGTERM, written by run.cpp's signal handler: plain atomics, which a
// handler may touch. The time is CLOCK_MONOTONIC's, which steady_clock reads.
inline std::atomic<int> first_signal{0};
inline std::atomic<std::int64_t> first_signal_ns{0};

// When the first SIGINT or SIGTERM arrived; empty while the program has not been interrupted.
std::optional<std::chrono::steady_clock::time_point> interrupted_at();

// How long a close waits for the peer's goodbye: the grace after Ctrl-C, and after a finished
// check alike.
inline constexpr std::chrono::seconds close_grace{1};

// The end of a close's grace, never past the check's deadline: from the interrupt if there was
// one, so that a close that began before it ends no later.
std::chrono::steady_clock::time_point
close_deadline(std::chrono::steady_clock::time_point deadline);

// Checks that failed so far (print_error() counts them).
inline std::atomic<int> failed_checks{0};

} // namespace sitecheck

#include "process/state.hpp"

#include <algorithm>

namespace sitecheck {

Settings& settings()
{
    static Settings instance;
    return instance;
}

std::optional<std::chrono::steady_clock::time_point> interrupted_at()
{
    const std::int64_t ns = first_signal_ns; // stored by the handler just after the signal
    if (first_signal == 0 || ns == 0)
        return std::nullopt;
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

std::chrono::steady_clock::time_point close_deadline(std::chrono::steady_clock::time_point deadline)
{
    const auto from = interrupted_at().value_or(std::chrono::steady_clock::now());
    return std::min(deadline, from + close_grace);
}

} // namespace sitecheck

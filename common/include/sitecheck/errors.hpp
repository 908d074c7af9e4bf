// What a failed check says. Every failure that the user should read as a sentence is a
// CheckError; its what() is the MESSAGE of the spec's `URL: error -> MESSAGE` line.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace sitecheck {

class CheckError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace sitecheck

// What the fuzz targets share: an invariant check that stops the fuzzer with a readable
// message, a UTF-8 validator, and the piece sizes a streaming target is fed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// An exception other than CheckError needs no check of its own: it escapes
// LLVMFuzzerTestOneInput, std::terminate aborts, and libFuzzer reports the input as a crash.
#define FUZZ_CHECK(condition) \
    ((condition) ? void() : ::fuzz::fail(#condition, __FILE__, __LINE__))

namespace fuzz {

[[noreturn]] inline void fail(const char* condition, const char* file, int line)
{
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, condition);
    std::abort();
}

// RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF.
inline bool valid_utf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t length = 1;
        unsigned char low = 0x80, high = 0xBF;
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF)
            length = 2;
        else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0) low = 0xA0;
            if (b0 == 0xED) high = 0x9F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0) low = 0x90;
            if (b0 == 0xF4) high = 0x8F;
        } else
            return false;
        if (s.size() - i < length)
            return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < low || b > high)
                return false;
            low = 0x80, high = 0xBF;
        }
        i += length;
    }
    return true;
}

// Code points in valid UTF-8: the bytes that are not continuation bytes.
inline std::size_t code_points(std::string_view utf8)
{
    std::size_t n = 0;
    for (unsigned char c : utf8)
        n += (c & 0xC0) != 0x80;
    return n;
}

// Cuts `data` into the pieces a socket might deliver. Seed 0 delivers everything at once;
// any other seed gives pieces of 1 to `seed` bytes, their sizes drawn from the seed, so one
// input byte picks how the stream is cut and the rest of the input stays the stream itself.
class Pieces {
public:
    Pieces(std::string_view data, unsigned char seed) : data_(data), seed_(seed), state_(seed) {}

    bool done() const { return data_.empty(); }

    std::string_view next(std::size_t at_most = SIZE_MAX)
    {
        std::size_t size = data_.size();
        if (seed_ != 0) {
            state_ = state_ * 1103515245u + 12345u;
            size = 1 + (state_ >> 16) % seed_;
        }
        if (size > at_most)
            size = at_most;
        const std::string_view piece = data_.substr(0, size);
        data_.remove_prefix(piece.size());
        return piece;
    }

private:
    std::string_view data_;
    unsigned seed_;
    std::uint32_t state_;
};

} // namespace fuzz

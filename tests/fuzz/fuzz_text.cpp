// fuzz_text: a body's bytes on their way to the preview, and Content-Type values.
//   Input: the body, decoded as UTF-8, with no charset, and with single- and multi-byte
//   charsets through iconv; the input is also read as a Content-Type value, and the preview is
//   taken of the raw bytes.
#include "fuzz_check.hpp"

#include "text/text.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t preview_code_points = 17;

// The preview goes to a terminal: no C0 control, no DEL, no C1 control (U+0080-U+009F is
// encoded as C2 80 to C2 9F), no bidi control (U+061C is D8 9C; U+200E, U+200F, U+202A-U+202E
// and U+2066-U+2069 are E2 80 8E/8F/AA-AE and E2 81 A6-A9).
bool terminal_safe(std::string_view s)
{
    const auto at = [&](std::size_t i) {
        return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = at(i);
        if (c < 0x20 || c == 0x7F)
            return false;
        if (c == 0xC2 && at(i + 1) <= 0x9F)
            return false;
        if (c == 0xD8 && at(i + 1) == 0x9C)
            return false;
        if (c == 0xE2 && at(i + 1) == 0x80 &&
            (at(i + 2) == 0x8E || at(i + 2) == 0x8F || (at(i + 2) >= 0xAA && at(i + 2) <= 0xAE)))
            return false;
        if (c == 0xE2 && at(i + 1) == 0x81 && at(i + 2) >= 0xA6 && at(i + 2) <= 0xA9)
            return false;
    }
    return true;
}

bool inside(std::string_view part, std::string_view whole)
{
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// The steps of preview() one by one, on text that may or may not be valid UTF-8.
void check_preview(std::string_view text)
{
    const std::string_view first = sitecheck::first_code_points(text, preview_code_points);
    FUZZ_CHECK(text.substr(0, first.size()) == first);
    if (fuzz::valid_utf8(text))
        FUZZ_CHECK(fuzz::code_points(first) == std::min(preview_code_points, fuzz::code_points(text)));

    const std::string_view stripped = sitecheck::strip(first);
    FUZZ_CHECK(inside(stripped, first));
    FUZZ_CHECK(sitecheck::strip(stripped) == stripped);

    const std::string escaped = sitecheck::escape_controls(stripped);
    FUZZ_CHECK(fuzz::valid_utf8(escaped));
    FUZZ_CHECK(terminal_safe(escaped));

    const std::string shown = sitecheck::preview(text);
    FUZZ_CHECK(shown == escaped);
    // At most 17 code points, each at worst escaped as \uNNNN.
    FUZZ_CHECK(fuzz::code_points(shown) <= 6 * preview_code_points);

    const std::string all_escaped = sitecheck::escape_controls(text);
    FUZZ_CHECK(fuzz::valid_utf8(all_escaped));
    FUZZ_CHECK(terminal_safe(all_escaped));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    for (std::string_view charset : {"utf-8", "", "latin1", "us-ascii", "windows-1252", "koi8-r"}) {
        const std::string text = sitecheck::decode_text(input, charset);
        FUZZ_CHECK(fuzz::valid_utf8(text));
        // UTF-8 gives at most one code point per byte, and valid UTF-8 back as it was; with no
        // charset, the same, or windows-1252's one code point per byte. The single-byte
        // charsets (through iconv) give one code point per byte.
        if (charset == "utf-8" || charset.empty()) {
            FUZZ_CHECK(fuzz::code_points(text) <= input.size());
            if (fuzz::valid_utf8(input))
                FUZZ_CHECK(text == input);
        } else {
            FUZZ_CHECK(fuzz::code_points(text) == input.size());
        }
        if (std::ranges::all_of(input, [](unsigned char c) { return c < 0x80; }))
            FUZZ_CHECK(text == input);
        check_preview(text);
    }
    // Multi-byte charsets through iconv: valid UTF-8, never more code points than bytes.
    for (std::string_view charset : {"shift_jis", "utf-16", "gb18030"}) {
        const std::string text = sitecheck::decode_text(input, charset);
        FUZZ_CHECK(fuzz::valid_utf8(text));
        FUZZ_CHECK(fuzz::code_points(text) <= input.size());
        check_preview(text);
    }
    check_preview(input); // the steps must not trust their input to be valid UTF-8

    const std::string charset = sitecheck::charset_of(input);
    FUZZ_CHECK(charset.size() <= input.size());
    FUZZ_CHECK(std::ranges::none_of(charset, [](char c) { return c >= 'A' && c <= 'Z'; }));
    FUZZ_CHECK(fuzz::valid_utf8(sitecheck::decode_text(input, charset)));
    return 0;
}

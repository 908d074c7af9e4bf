#include "text/text.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace sitecheck {
namespace {

constexpr char32_t replacement = 0xFFFD;

void append_utf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes one code point at `pos` and advances past it. An invalid sequence yields U+FFFD and
// advances past its maximal subpart only (Unicode's recommended practice, which Python follows).
char32_t next_code_point(std::string_view s, std::size_t& pos)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b0 = byte(pos++);
    if (b0 < 0x80)
        return b0;

    int length = 0;
    unsigned char low = 0x80, high = 0xBF; // allowed range of the second byte
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2, cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3, cp = b0 & 0x0F;
        if (b0 == 0xE0) low = 0xA0;
        if (b0 == 0xED) high = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4, cp = b0 & 0x07;
        if (b0 == 0xF0) low = 0x90;
        if (b0 == 0xF4) high = 0x8F;
    } else {
        return replacement;
    }
    for (int i = 1; i < length; ++i) {
        if (pos >= s.size())
            return replacement;
        const unsigned char b = byte(pos);
        if (b < low || b > high)
            return replacement;
        low = 0x80, high = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
        ++pos;
    }
    return cp;
}

std::string decode_utf8(std::string_view body)
{
    std::string out;
    out.reserve(body.size());
    for (std::size_t pos = 0; pos < body.size();)
        append_utf8(out, next_code_point(body, pos));
    return out;
}

// Whether a body with no charset reads as UTF-8: when its invalid sequences do not outnumber
// its valid multi-byte ones. A stray byte in a UTF-8 page is one U+FFFD, not a page of
// mojibake; text in a legacy charset has almost no valid multi-byte sequence. A sequence cut
// short at the very end (the kept prefix may cut one) does not count.
bool reads_as_utf8(std::string_view body)
{
    std::size_t valid = 0, invalid = 0;
    for (std::size_t pos = 0; pos < body.size();) {
        const std::size_t start = pos;
        const char32_t cp = next_code_point(body, pos);
        if (cp == replacement && body.substr(start, 3) != "\xEF\xBF\xBD") {
            if (pos < body.size())
                ++invalid;
        } else if (cp >= 0x80) {
            ++valid;
        }
    }
    return invalid <= valid;
}

// Opens a converter from `charset` to UTF-8, trying the name as given, then without its
// dashes and underscores ("latin-1" is glibc's "LATIN1").
iconv_t open_converter(std::string_view charset)
{
    std::string name(charset);
    iconv_t converter = iconv_open("UTF-8", name.c_str());
    if (converter == reinterpret_cast<iconv_t>(-1)) {
        std::erase_if(name, [](char c) { return c == '-' || c == '_'; });
        converter = iconv_open("UTF-8", name.c_str());
    }
    return converter;
}

// iconv(3) into UTF-8. A byte that is not valid becomes U+FFFD; a sequence cut short at the
// end is dropped.
std::string decode_with(iconv_t converter, std::string_view body)
{
    std::string out;
    char* in = const_cast<char*>(body.data());
    std::size_t in_left = body.size();
    std::array<char, 4096> buffer;
    for (;;) {
        char* next = buffer.data();
        std::size_t room = buffer.size();
        const std::size_t result = iconv(converter, in_left ? &in : nullptr, &in_left, &next, &room);
        out.append(buffer.data(), next);
        if (result != static_cast<std::size_t>(-1) && in_left == 0)
            break;
        if (result != static_cast<std::size_t>(-1) || errno == E2BIG)
            continue;
        if (errno != EILSEQ)
            break; // EINVAL: cut short at the end
        out += "\xEF\xBF\xBD";
        ++in;
        --in_left;
    }
    return out;
}

bool is_space(char32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

// Unicode's Bidi_Control characters. They print nothing themselves but reorder the text
// around them: a U+202E in a page or a URL would show the rest of the report line backwards.
bool is_bidi_control(char32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

} // namespace

std::string charset_of(std::string_view content_type)
{
    // media-type *( OWS ";" OWS parameter ), a value a token or a quoted-string, which may hold
    // a ";" of its own: Beast's parameter parser knows the rules (RFC 9110 section 5.6.6).
    const auto parameters = content_type.find(';');
    if (parameters == std::string_view::npos)
        return {};
    for (const auto& [name, value] : boost::beast::http::param_list(content_type.substr(parameters))) {
        if (!boost::beast::iequals(name, "charset"))
            continue;
        return boost::algorithm::to_lower_copy(std::string(value));
    }
    return {};
}

std::string decode_text(std::string_view body, std::string_view charset)
{
    // No charset: UTF-8, or what a browser assumes when the bytes are mostly not UTF-8,
    // windows-1252.
    if (charset.empty())
        charset = reads_as_utf8(body) ? "utf-8" : "windows-1252";
    // Python's decoder replaces invalid UTF-8 with one U+FFFD per maximal subpart; glibc's
    // would differ, so UTF-8 keeps its own decoder. So does a charset iconv does not know.
    if (boost::beast::iequals(charset, "utf-8") || boost::beast::iequals(charset, "utf8"))
        return decode_utf8(body);
    const iconv_t converter = open_converter(charset);
    if (converter == reinterpret_cast<iconv_t>(-1))
        return decode_utf8(body);
    std::string out = decode_with(converter, body);
    iconv_close(converter);
    return out;
}

std::string_view first_code_points(std::string_view utf8, std::size_t count)
{
    std::size_t pos = 0;
    for (std::size_t n = 0; n < count && pos < utf8.size(); ++n)
        next_code_point(utf8, pos);
    return utf8.substr(0, pos);
}

std::string_view strip(std::string_view utf8)
{
    std::size_t begin = 0;
    while (begin < utf8.size()) {
        std::size_t next = begin;
        if (!is_space(next_code_point(utf8, next)))
            break;
        begin = next;
    }
    // From the back: find the end of the last non-space code point, walking forward once.
    std::size_t end = begin;
    for (std::size_t pos = begin; pos < utf8.size();) {
        if (!is_space(next_code_point(utf8, pos)))
            end = pos;
    }
    return utf8.substr(begin, end - begin);
}

std::string escape_controls(std::string_view text)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const char32_t cp = next_code_point(text, pos);
        if (cp == '\n')
            out += "\\n";
        else if (cp == '\r')
            out += "\\r";
        else if (cp == '\t')
            out += "\\t";
        else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            out += "\\x";
            out += hex[cp >> 4];
            out += hex[cp & 0xF];
        } else if (is_bidi_control(cp)) {
            out += "\\u";
            for (const int shift : {12, 8, 4, 0})
                out += hex[(cp >> shift) & 0xF];
        } else {
            append_utf8(out, cp);
        }
    }
    return out;
}

std::string preview(std::string_view html)
{
    return escape_controls(strip(first_code_points(html, 17)));
}

} // namespace sitecheck

// Bytes to text, and text to the preview the tutorial prints: `html[:17].strip()`.
#pragma once

#include <string>
#include <string_view>

namespace sitecheck {

// The charset parameter of a Content-Type value, lower-cased; empty when there is none.
std::string charset_of(std::string_view content_type);

// Decodes a body in the named charset to UTF-8: any charset iconv(3) knows; UTF-8 (and a
// charset iconv does not know) with Python's errors="replace", one U+FFFD per maximal invalid
// subpart. With no charset: UTF-8, or windows-1252 when the body is not valid UTF-8. Bytes
// not valid in the charset become U+FFFD.
std::string decode_text(std::string_view body, std::string_view charset);

// Python's `text[:count]`: the first `count` code points of UTF-8 text.
std::string_view first_code_points(std::string_view utf8, std::size_t count);

// Python's str.strip(): removes Unicode white space from both ends of UTF-8 text.
std::string_view strip(std::string_view utf8);

// Writes control characters (U+0000-U+001F, U+007F-U+009F) as \n, \r, \t or \xNN, and the
// invisible characters that reorder text (Unicode's Bidi_Control: U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069) as \uNNNN, so a line stays one line, reads in the order it was
// written, and no escape sequence reaches the terminal. Invalid UTF-8 becomes U+FFFD.
std::string escape_controls(std::string_view text);

// What the tutorial prints after "type ->": `html[:17].strip()`, with controls escaped.
std::string preview(std::string_view html);

} // namespace sitecheck

#include "text/text.hpp"

#include <gtest/gtest.h>

using namespace sitecheck;

// Expected values come from CPython 3.11: bytes.decode(charset, "replace") and text[:17].strip().

TEST(Charset, FoundInContentTypeWhateverItsCaseOrQuotes)
{
    EXPECT_EQ(charset_of("text/html; charset=UTF-8"), "utf-8");
    EXPECT_EQ(charset_of("text/html;Charset=\"ISO-8859-1\";x=y"), "iso-8859-1");
    EXPECT_EQ(charset_of("text/html; q=1; charset=latin1 "), "latin1");
    EXPECT_EQ(charset_of("text/html"), "");
    EXPECT_EQ(charset_of(""), "");
    EXPECT_EQ(charset_of("text/html; charset"), "");
}

TEST(Charset, QuotedParameterValuesMayHoldSemicolons)
{
    EXPECT_EQ(charset_of("text/html; charset=\"utf-8;x\""), "utf-8;x");
    EXPECT_EQ(charset_of("text/html; title=\"a;charset=koi8-r\"; charset=windows-1251"), "windows-1251");
    EXPECT_EQ(charset_of("text/html; title=\"a\\\"b\" ; CHARSET=\"koi8-r\""), "koi8-r");
}

TEST(Decode, Utf8IsTheDefault)
{
    EXPECT_EQ(decode_text("Gr\xC3\xBC\xC3\x9F" "e", ""), "Grüße");
    EXPECT_EQ(decode_text("Gr\xC3\xBC\xC3\x9F" "e", "no-such-charset"), "Grüße");
}

TEST(Decode, InvalidUtf8BecomesOneReplacementPerMaximalSubpart)
{
    EXPECT_EQ(decode_text("ab\xFF\xFE\xC3" "cd", "utf-8"), "ab\uFFFD\uFFFD\uFFFDcd");
    EXPECT_EQ(decode_text("\xE2\x82", "utf-8"), "\uFFFD");
    EXPECT_EQ(decode_text("\xE2\x82" "A", "utf-8"), "\uFFFDA");
    EXPECT_EQ(decode_text("\xED\xA0\x80", "utf-8"), "\uFFFD\uFFFD\uFFFD"); // a surrogate
    EXPECT_EQ(decode_text("\xF4\x90\x80\x80", "utf-8"), "\uFFFD\uFFFD\uFFFD\uFFFD");
    EXPECT_EQ(decode_text("\xC0\xAF", "utf-8"), "\uFFFD\uFFFD"); // overlong
    EXPECT_EQ(decode_text("\xF0\x9F\x99\x82x", "utf-8"), "\U0001F642x");
}

TEST(Decode, Latin1MapsEveryByte)
{
    EXPECT_EQ(decode_text("Gr\xFC\xDF" "e", "ISO-8859-1"), "Grüße");
    EXPECT_EQ(decode_text("\x80\xFF", "latin-1"), "\u0080\u00FF");
}

TEST(Decode, AsciiReplacesHighBytes)
{
    EXPECT_EQ(decode_text("a\xE9z", "us-ascii"), "a\uFFFDz");
}

TEST(Decode, Windows1252HasItsOwnHighHalf)
{
    EXPECT_EQ(decode_text("\x80\x93x\x94\x81", "windows-1252"), "€“x”\uFFFD");
}

TEST(Decode, AnyCharsetIconvKnows)
{
    EXPECT_EQ(decode_text("\xcf\xf0\xe8\xe2\xe5\xf2", "windows-1251"), "Привет");
    EXPECT_EQ(decode_text("\xcd\xc9\xd2", "KOI8-R"), "мир");
    EXPECT_EQ(decode_text("\x93\xfa\x96{", "shift_jis"), "日本");
    EXPECT_EQ(decode_text("Za\xbf\xf3\xb3\xe6", "iso-8859-2"), "Zażółć");
    EXPECT_EQ(decode_text(std::string("\xff\xfeH\x00i\x00", 6), "utf-16"), "Hi");
}

TEST(Decode, MultiByteCharsetKeepsGoingPastAnInvalidByteAndDropsACutEnd)
{
    // The kept prefix of a body may end inside a character.
    EXPECT_EQ(decode_text("\x93\xfa\xff\x96{\x93", "shift_jis"), "日\uFFFD本");
}

TEST(Decode, WithoutCharsetBytesThatAreNotUtf8AreWindows1252)
{
    EXPECT_EQ(decode_text("Caf\xe9 \x93q\x94", ""), "Café “q”");
    // A UTF-8 sequence cut at the end of the kept prefix is still UTF-8.
    EXPECT_EQ(decode_text("Gr\xC3\xBC\xC3", ""), "Grü\uFFFD");
}

TEST(Decode, WithoutCharsetAStrayByteInUtf8StaysUtf8)
{
    // Windows-1252 only when invalid sequences outnumber valid multi-byte ones.
    EXPECT_EQ(decode_text("Gr\xC3\xBC\xC3\x9F" "e \xFF ok", ""), "Grüße \uFFFD ok");
    EXPECT_EQ(decode_text("\xC3\xA9t\xE9", ""), "ét\uFFFD");
    EXPECT_EQ(decode_text("\xC3\xA9t\xE9\xE8!", ""), "Ã©téè!");
    EXPECT_EQ(decode_text("Caf\xe9!", ""), "Café!");
}

TEST(Preview, IsTheFirst17CodePointsStripped)
{
    EXPECT_EQ(preview("<!doctype html>\n<html lang=en>"), "<!doctype html>\\n<");
    EXPECT_EQ(preview("  Grüße, 世界! 🙂 — und mehr Text hier\n"), "Grüße, 世界! 🙂 —");
    EXPECT_EQ(preview(""), "");
    EXPECT_EQ(preview("   \n\t  "), "");
    EXPECT_EQ(preview("short"), "short");
}

TEST(Preview, StripsUnicodeWhiteSpaceLikePython)
{
    EXPECT_EQ(preview("\u3000\u00A0 hi \u0085"), "hi");
    EXPECT_EQ(preview("\x1C\x1Dhi\x1E\x1F"), "hi");
    EXPECT_EQ(preview("\uFEFFhi"), "\uFEFFhi"); // a BOM is not white space
}

TEST(Preview, EscapesControlCharactersLeftInside)
{
    EXPECT_EQ(preview("\x1B[31mred\x07\ttab\r\nline"), "\\x1b[31mred\\x07\\ttab\\r\\nli");
    EXPECT_EQ(preview(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(preview("a\u0085\u009Bb"), "a\\x85\\x9bb");
    EXPECT_EQ(preview("a\x7F" "b"), "a\\x7fb");
}

TEST(EscapeControls, WritesBidiControlsAsUnicodeEscapes)
{
    // A right-to-left override would show the rest of the line backwards.
    EXPECT_EQ(escape_controls("a\u202Eb"), "a\\u202eb");
    EXPECT_EQ(escape_controls("\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069"),
              "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069");
    // Their neighbours are printable: a zero-width joiner, an Arabic letter, a bullet.
    EXPECT_EQ(escape_controls("\u200D\u061B\u2022"), "\u200D\u061B\u2022");
    EXPECT_EQ(preview("\u202Egnp.exe"), "\\u202egnp.exe");
}

TEST(EscapeControls, LeavesPrintableTextAlone)
{
    EXPECT_EQ(escape_controls("https://example.com/ü?q=\\"), "https://example.com/ü?q=\\");
    EXPECT_EQ(escape_controls("a\xFF" "b"), "a\uFFFDb");
}

TEST(FirstCodePoints, CountsCodePointsNotBytes)
{
    EXPECT_EQ(first_code_points("äöü", 2), "äö");
    EXPECT_EQ(first_code_points("ab", 5), "ab");
}

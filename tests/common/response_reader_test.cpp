#include "response_reader.hpp"

#include <boost/beast/http/error.hpp>
#include <gtest/gtest.h>

#include <string>

using sitecheck::detail::ResponseReader;
namespace http = boost::beast::http;

namespace {

// Feeds `wire` in pieces of `piece` bytes, keeping unparsed bytes as the session does.
// Returns the first error other than need_more.
boost::system::error_code feed_all(ResponseReader& reader, const std::string& wire,
                                   std::size_t piece, bool eof)
{
    std::string pending;
    boost::system::error_code ec;
    for (std::size_t i = 0; i < wire.size() && !reader.done(); i += piece) {
        pending += wire.substr(i, piece);
        ec = {};
        const std::size_t used = reader.feed(pending, ec);
        pending.erase(0, used);
        if (ec && ec != http::error::need_more)
            return ec;
    }
    ec = {};
    if (eof && !reader.done())
        reader.feed_eof(ec);
    return ec;
}

} // namespace

TEST(ResponseReader, ContentLengthBodyByteByByte)
{
    ResponseReader reader;
    const auto ec = feed_all(reader,
                             "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=latin1\r\n"
                             "Content-Length: 5\r\n\r\nhello",
                             1, false);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.status(), 200);
    EXPECT_EQ(reader.content_type(), "text/html; charset=latin1");
    EXPECT_EQ(reader.prefix(), "hello");
    EXPECT_EQ(reader.body_bytes(), 5u);
    EXPECT_TRUE(reader.keep_alive());
}

TEST(ResponseReader, ChunkedBody)
{
    ResponseReader reader;
    const auto ec = feed_all(reader,
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n",
                             3, false);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.prefix(), "abcdefg");
}

TEST(ResponseReader, BodyDelimitedByCloseEndsAtEof)
{
    ResponseReader reader;
    const auto ec = feed_all(reader, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", 4, true);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.prefix(), "until the end");
    EXPECT_FALSE(reader.keep_alive());
}

TEST(ResponseReader, ShortBodyIsPartialMessage)
{
    ResponseReader reader;
    const auto ec = feed_all(reader, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", 64, true);
    EXPECT_EQ(ec, http::error::partial_message);
}

TEST(ResponseReader, RedirectKeepsItsLocation)
{
    ResponseReader reader;
    feed_all(reader, "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n", 100, false);
    EXPECT_EQ(reader.status(), 302);
    EXPECT_EQ(reader.location(), "/next");
}

TEST(ResponseReader, InformationalResponseIsFlagged)
{
    ResponseReader reader;
    feed_all(reader, "HTTP/1.1 100 Continue\r\n\r\n", 100, false);
    EXPECT_TRUE(reader.header_done());
    EXPECT_TRUE(reader.informational());
}

TEST(ResponseReader, HugeHeaderHitsTheLimit)
{
    ResponseReader reader;
    std::string wire = "HTTP/1.1 200 OK\r\n";
    while (wire.size() < 2 * ResponseReader::header_limit_bytes)
        wire += "X-Filler: " + std::string(100, 'a') + "\r\n";
    EXPECT_EQ(feed_all(reader, wire, 1024, false), http::error::header_limit);
}

TEST(ResponseReader, EmptyChunkedBodyArrivingByteByByte)
{
    // "0\r\n" then "\r": Beast 1.81 asserted on it in debug builds. Found by fuzz_response.
    for (std::string trailer : {"", "X-Trailer: 1\r\n"}) {
        ResponseReader reader;
        const auto ec = feed_all(reader, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + trailer + "\r\n",
                                 1, false);
        EXPECT_FALSE(ec) << ec.message();
        EXPECT_TRUE(reader.done());
        EXPECT_EQ(reader.body_bytes(), 0u);
    }
}

TEST(ResponseReader, StatusBelow100IsNotHttp)
{
    // Beast accepts any three digits; "050" has no status class. Found by fuzz_response.
    ResponseReader reader;
    const auto ec = feed_all(reader, "HTTP/1.1 050 Continue\r\nContent-Length: 0\r\n\r\n", 64, false);
    EXPECT_EQ(ec, http::error::bad_status);
    EXPECT_FALSE(reader.header_done());
    EXPECT_EQ(reader.status(), 0);
}

TEST(ResponseReader, GarbageIsAnError)
{
    ResponseReader reader;
    const auto ec = feed_all(reader, "HTTP/1.1 abc\r\n\r\n", 100, false);
    EXPECT_TRUE(ec);
}

TEST(ResponseReader, GzipBodyIsDecodedAndCountedOnTheWire)
{
    // "hi\n" gzip-compressed by Python's gzip.compress(b"hi\n", mtime=0).
    const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\xcb\xc8\xe4\x02\x00\x7a\x7a\x6f\xed\x03\x00\x00\x00", 23);
    ResponseReader reader;
    const auto ec = feed_all(reader,
                             "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 23\r\n\r\n" + gz,
                             5, false);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(reader.prefix(), "hi\n");
    EXPECT_EQ(reader.body_bytes(), 23u);
}

TEST(ResponseReader, EofBeforeAnyByteMeansNoResponse)
{
    ResponseReader reader;
    boost::system::error_code ec;
    reader.feed_eof(ec);
    EXPECT_EQ(ec, http::error::end_of_stream);
}

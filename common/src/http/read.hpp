// Reading a response with Beast's algorithms, on any stream: the session's TLS and plain
// streams, and the fuzzer's beast::test::stream. Each returns the error that stopped it
// (the session turns it into the spec's message); a body that cannot be decoded throws its
// CheckError.
#pragma once

#include "http/response_reader.hpp"
#include "http/streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace sitecheck::detail {

// Every byte of a response waits in the read buffer until the parser takes it, and Beast 1.81
// takes an unfinished chunk-size line (with its extensions) or trailer section only once it is
// whole, with no limit of its own. The buffer's maximum bounds them: a head at its limit and
// one read after it.
constexpr std::size_t read_buffer_limit = ResponseReader::header_limit_bytes + 64 * 1024;

// What a chunked body's read left in the buffer: Beast keeps the end of the last chunk's data
// ("\r\n", dropped here), then the chunk-size line, or the last chunk's line and its trailers.
inline std::string_view unparsed_chunk_part(const boost::beast::flat_buffer& buffer)
{
    std::string_view rest(static_cast<const char*>(buffer.data().data()), buffer.size());
    if (rest.starts_with("\r\n"))
        rest.remove_prefix(2);
    return rest;
}

// What a body's read holds unfinished when the buffer overflows.
inline std::string_view unfinished_part(const boost::beast::flat_buffer& buffer)
{
    const std::string_view rest = unparsed_chunk_part(buffer);
    const auto digits = rest.find_first_not_of("0123456789abcdefABCDEF");
    const bool last_chunk = digits != 0 && digits != std::string_view::npos &&
                            rest.find_first_not_of('0') == digits &&
                            rest.find("\r\n") != std::string_view::npos;
    return last_chunk ? "trailer section" : "chunk header";
}

// Which part of a chunked body grew too large, when a body's read stopped with `ec`; empty when
// `ec` says something else. Beast 1.81 lets an unfinished chunk-size line or trailer section
// grow to the buffer's limit (buffer_overflow). Newer Beasts (361, in Boost 1.92) stop them
// sooner, by limits of their own: a chunk-size line still without its end at 8 KiB
// (bad_chunk_extension, which otherwise means a malformed extension) and the trailers at the
// header limit (header_limit). The same check fails with the same words on either.
inline std::string_view too_large_part(const boost::beast::error_code& ec,
                                       const boost::beast::flat_buffer& buffer)
{
    namespace http = boost::beast::http;
    if (ec == http::error::buffer_overflow)
        return unfinished_part(buffer);
    if (ec == http::error::header_limit)
        return "trailer section";
    if (ec == http::error::bad_chunk_extension &&
        unparsed_chunk_part(buffer).find("\r\n") == std::string_view::npos)
        return "chunk header";
    return {};
}

// Reads the head of the response to the request just sent, past any 1xx response, into a
// new `reader`. Bytes after the head stay in `buffer`, which is bounded from here on.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> read_response_head(Stream& stream, boost::beast::flat_buffer& buffer,
                                                           std::optional<ResponseReader>& reader)
{
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
    buffer.max_size(read_buffer_limit);
    for (;;) {
        reader.emplace();
        // Beast parses a status line only once the whole head has come; a peer that speaks no
        // HTTP is told apart by its first five bytes, without waiting for a head that never comes.
        for (;;) {
            const std::string_view got(static_cast<const char*>(buffer.data().data()), buffer.size());
            if (!std::string_view("HTTP/").starts_with(got.substr(0, 5)))
                co_return http::error::bad_version;
            if (got.size() >= 5)
                break;
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(512), use_tuple);
            buffer.commit(n);
            if (ec == asio::error::eof && got.empty())
                co_return http::error::end_of_stream;
            if (ec)
                co_return ec;
        }
        auto [ec, n] = co_await http::async_read_header(stream, buffer, *reader, use_tuple);
        if (ec || !reader->informational())
            co_return ec;
        // 100 Continue and the like: the real response follows.
    }
}

// Reads the body to its end. Boost 1.81's tcp_stream timer never fires while every read
// completes at once (a peer that sends faster than the check reads), nor while the loop is
// busy decoding, so the deadline is also checked before each read and each slice. Between
// slices the loop runs the other checks: a brotli bomb holds up nobody but its own check.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> read_response_body(Stream& stream, boost::beast::flat_buffer& buffer,
                                                           ResponseReader& reader,
                                                           std::chrono::steady_clock::time_point deadline)
{
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    reader.eager(true);
    for (;;) {
        while (reader.decode_some()) {
            if (std::chrono::steady_clock::now() >= deadline)
                co_return boost::beast::error::timeout;
            co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        }
        if (reader.is_done())
            co_return boost::beast::error_code{};
        if (std::chrono::steady_clock::now() >= deadline)
            co_return boost::beast::error::timeout;
        auto [ec, n] = co_await http::async_read_some(stream, buffer, reader, asio::as_tuple(asio::use_awaitable));
        reader.rethrow_decode_error();
        // A TLS stream cut without close_notify ends a body delimited by the close, as a
        // plain close does; any other body is then cut short (partial_message).
        if (ec == asio::ssl::error::stream_truncated)
            reader.put_eof(ec);
        if (ec)
            co_return ec;
    }
}

// The reads on a connection's two streams, most of the Beast code a check runs, are compiled in
// read.cpp rather than in connection.cpp, so that the two files build side by side.
extern template boost::asio::awaitable<boost::beast::error_code>
read_response_head(PlainStream&, boost::beast::flat_buffer&, std::optional<ResponseReader>&);
extern template boost::asio::awaitable<boost::beast::error_code>
read_response_head(TlsStream&, boost::beast::flat_buffer&, std::optional<ResponseReader>&);
extern template boost::asio::awaitable<boost::beast::error_code>
read_response_body(PlainStream&, boost::beast::flat_buffer&, ResponseReader&,
                   std::chrono::steady_clock::time_point);
extern template boost::asio::awaitable<boost::beast::error_code>
read_response_body(TlsStream&, boost::beast::flat_buffer&, ResponseReader&,
                   std::chrono::steady_clock::time_point);

} // namespace sitecheck::detail

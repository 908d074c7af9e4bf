// Reading a response with Beast's algorithms, on any stream: the session's TLS and plain
// streams, and the fuzzer's beast::test::stream. Each returns the error that stopped it
// (the session turns it into the spec's message); a body that cannot be decoded throws its
// CheckError.
#pragma once

#include "http/response_reader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
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

// Reads the head of the response to the request just sent, past any 1xx response, into a
// new `reader`. Bytes after the head stay in `buffer`.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> read_response_head(Stream& stream, boost::beast::flat_buffer& buffer,
                                                           std::optional<ResponseReader>& reader)
{
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
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
// completes at once (a peer that sends faster than the check reads), so the deadline is also
// checked before each read.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> read_response_body(Stream& stream, boost::beast::flat_buffer& buffer,
                                                           ResponseReader& reader,
                                                           std::chrono::steady_clock::time_point deadline)
{
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    reader.eager(true);
    while (!reader.is_done()) {
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
    co_return boost::beast::error_code{};
}

// The session's two streams. Their reads, most of the Beast code the session runs, are compiled
// in read.cpp rather than in session.cpp, so that the two files build side by side.
using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::asio::ssl::stream<boost::beast::tcp_stream>;
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

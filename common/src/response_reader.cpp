#include "response_reader.hpp"

#include <boost/asio/buffer.hpp>

#include <utility>

namespace sitecheck::detail {
namespace http = boost::beast::http;

ResponseReader::ResponseReader()
{
    eager(true);
    header_limit(header_limit_bytes);
    body_limit(boost::none); // any size: only the prefix is kept
}

std::size_t ResponseReader::feed(std::string_view data, error_code& ec)
{
    // Beast 1.81 asserts that a last chunk it waits on ("0\r\n", trailers to follow) comes back
    // with at least 5 bytes, though 3 or 4 are valid and handled (boostorg/beast#2861, fixed
    // in 1.86): with assertions on, as in the debug and asan builds, "0\r\n" then "\r" would
    // abort. A chunked body cannot end in fewer than the 5 bytes of "0\r\n\r\n", so wait for 5.
    // Found by fuzz_response.
    if (is_header_done() && chunked() && !is_done() && data.size() < 5) {
        ec = http::error::need_more;
        return 0;
    }
    const std::size_t used = put(boost::asio::const_buffer(data.data(), data.size()), ec);
    if (decode_error_)
        std::rethrow_exception(std::exchange(decode_error_, nullptr));
    return used;
}

void ResponseReader::feed_eof(error_code& ec)
{
    // Beast requires some input before the end of it; with none, there was no response.
    if (!got_some()) {
        ec = http::error::end_of_stream;
        return;
    }
    put_eof(ec);
}

void ResponseReader::on_response_impl(int code, boost::beast::string_view, int, error_code& ec)
{
    // Beast takes any three digits; a status below 100 ("050") has no class and is not HTTP.
    if (code < 100) {
        ec = http::error::bad_status;
        return;
    }
    status_ = code;
}

void ResponseReader::on_field_impl(http::field name, boost::beast::string_view, boost::beast::string_view value,
                                   error_code&)
{
    // Header values are bounded by header_limit, so keeping these three costs little.
    switch (name) {
    case http::field::location: location_ = value; break;
    case http::field::content_type: content_type_ = value; break;
    case http::field::content_encoding: content_encoding_ = value; break;
    default: break;
    }
}

void ResponseReader::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&)
{
    decoder_.emplace(ContentDecoder::coding_of(content_encoding_), kept_bytes);
}

std::size_t ResponseReader::on_body_impl(boost::beast::string_view body, error_code& ec)
{
    wire_bytes_ += body.size();
    try {
        decoder_->feed(body);
    } catch (...) {
        // Not thrown through Beast's parser: stop it with an error, rethrow from feed().
        decode_error_ = std::current_exception();
        ec = http::error::bad_transfer_encoding;
    }
    return body.size();
}

std::size_t ResponseReader::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                               error_code& ec)
{
    return on_body_impl(body, ec);
}

} // namespace sitecheck::detail

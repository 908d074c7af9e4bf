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

void ResponseReader::on_response_impl(int code, boost::beast::string_view, int, error_code&)
{
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

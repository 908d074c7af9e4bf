#include "http/response_reader.hpp"

#include <boost/beast/http/error.hpp>

#include <utility>

namespace sitecheck::detail {
namespace http = boost::beast::http;

ResponseReader::ResponseReader()
{
    eager(false);
    header_limit(header_limit_bytes);
    body_limit(boost::none); // any size: only the prefix is kept
}

void ResponseReader::rethrow_decode_error()
{
    if (decode_error_)
        std::rethrow_exception(std::exchange(decode_error_, nullptr));
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

namespace {
// RFC 9110 section 5.3: a list field sent on several lines is one list, in order.
void append_to_list(std::string& list, boost::beast::string_view value)
{
    if (!list.empty())
        list += ", ";
    list.append(value.data(), value.size());
}
} // namespace

void ResponseReader::on_field_impl(http::field name, boost::beast::string_view, boost::beast::string_view value,
                                   error_code&)
{
    // Up to Beast 358 (Boost 1.89) the trailer's fields come here too, after the body: the
    // head's Content-Type has decoded the body by then and its Location is the redirect, so a
    // trailer must not replace them.
    if (head_done_)
        return;
    // Header values are bounded by header_limit, so keeping these costs little.
    switch (name) {
    case http::field::location: location_ = value; break;
    case http::field::content_type: content_type_ = value; break;
    case http::field::content_encoding: append_to_list(content_encoding_, value); break;
    case http::field::transfer_encoding: append_to_list(transfer_encoding_, value); break;
    default: break;
    }
}

// A CheckError is not thrown through Beast's parser: it stops the parser with an error and
// waits in decode_error_ for rethrow_decode_error().
void ResponseReader::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec)
{
    if (discard_)
        return;
    try {
        // The server applied the content codings, then the transfer codings.
        auto codings = ContentDecoder::codings_of(content_encoding_, "content");
        const auto transfer = ContentDecoder::codings_of(transfer_encoding_, "transfer");
        codings.insert(codings.end(), transfer.begin(), transfer.end());
        decoder_.emplace(codings, kept_bytes);
    } catch (...) {
        decode_error_ = std::current_exception();
        ec = http::error::bad_transfer_encoding;
    }
}

std::size_t ResponseReader::on_body_impl(boost::beast::string_view body, error_code&)
{
    wire_bytes_ += body.size();
    if (decoder_)
        decoder_->feed(body);
    return body.size();
}

std::size_t ResponseReader::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code& ec)
{
    return on_body_impl(body, ec);
}

} // namespace sitecheck::detail

// The response as a Beast custom parser: http::async_read_header and http::async_read_some
// drive it; it keeps the status, the headers a check needs and the start of the decoded body.
// The body goes through piece by piece (a ContentDecoder), so nothing but the kept prefix is
// ever stored, whatever the size of the page.
#pragma once

#include "http/content_decoder.hpp"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/version.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

namespace sitecheck::detail {

class ResponseReader : public boost::beast::http::basic_parser<false> {
public:
    using error_code = boost::beast::error_code;

    // How many decoded bytes of the body to keep. 17 code points need at most 68 bytes.
    static constexpr std::size_t kept_bytes = 1024;
    static constexpr std::uint32_t header_limit_bytes = 64 * 1024;

    // Not eager: a put() stops at the end of the head, so a body that fails to decode can
    // only fail once the body is read, after the status has been reported. read_response_body()
    // makes it eager.
    ResponseReader();

    bool informational() const { return status_ >= 100 && status_ < 200 && status_ != 101; }
    int status() const { return status_; }
    const std::string& location() const { return location_; }
    const std::string& content_type() const { return content_type_; }

    // Body bytes as they came off the wire, and the decoded start of the body.
    std::uint64_t body_bytes() const { return wire_bytes_; }
    const std::string& prefix() const { return decoder_ ? decoder_->prefix() : empty_; }

    // A body whose codings cannot be decoded stops the parser with an error; this throws the
    // CheckError that names why.
    void rethrow_decode_error();

    // The body the parser has taken is decoded here, a slice at a time (ContentDecoder);
    // true while some is left.
    bool decode_some() { return decoder_ && decoder_->decode_some(); }

    // The body is read to its end but not decoded, as a redirect's: its coding does not matter.
    void discard_body() { discard_ = true; }

private:
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view, boost::beast::string_view, int,
                         error_code&) override
    {
    }
    void on_response_impl(int code, boost::beast::string_view, int, error_code&) override;
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view, boost::beast::string_view value,
                       error_code&) override;
    void on_header_impl(error_code&) override { head_done_ = true; }
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override;
    std::size_t on_body_impl(boost::beast::string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}
#if BOOST_BEAST_VERSION >= 359
    // Beast 359 (Boost 1.90) gives trailer fields a callback of their own, pure virtual; before,
    // they went to on_field_impl, which ignores them. A check takes nothing from trailers. The
    // #if, because `override` is an error where there is nothing to override, and its absence a
    // warning in clang where there is.
    void on_trailer_field_impl(boost::beast::http::field, boost::beast::string_view,
                               boost::beast::string_view, error_code&) override
    {
    }
#endif

    int status_ = 0;
    bool head_done_ = false; // fields after the head are the trailer's
    std::string location_;
    std::string content_type_;
    std::string content_encoding_;  // every Content-Encoding line, joined as one list
    std::string transfer_encoding_; // the same for Transfer-Encoding
    bool discard_ = false;
    std::uint64_t wire_bytes_ = 0;
    std::optional<ContentDecoder> decoder_;
    std::exception_ptr decode_error_;
    static inline const std::string empty_;
};

} // namespace sitecheck::detail

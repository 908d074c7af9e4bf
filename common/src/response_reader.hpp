// The response, parsed without I/O: bytes go in, the status, the headers a check needs and the
// start of the decoded body come out. The session feeds it from the socket; the fuzzer feeds
// it arbitrary bytes. Built on Beast's basic_parser, which hands the body over piece by piece,
// so nothing but the kept prefix is ever stored.
#pragma once

#include "content_decoder.hpp"

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace sitecheck::detail {

class ResponseReader : private boost::beast::http::basic_parser<false> {
public:
    using error_code = boost::beast::error_code;

    // How many decoded bytes of the body to keep. 17 code points need at most 68 bytes.
    static constexpr std::size_t kept_bytes = 1024;
    static constexpr std::uint32_t header_limit_bytes = 64 * 1024;

    ResponseReader();

    // Parses what it can of `data` and returns how many bytes it used; the caller keeps the
    // rest and offers it again with more. A body that cannot be decoded throws CheckError.
    std::size_t feed(std::string_view data, error_code& ec);
    // The connection ended: completes a body delimited by the close, or reports what is missing.
    void feed_eof(error_code& ec);

    bool started() const { return got_some(); }
    bool header_done() const { return is_header_done(); }
    bool done() const { return is_done(); }
    bool informational() const { return status_ >= 100 && status_ < 200 && status_ != 101; }

    int status() const { return status_; }
    bool keep_alive() const { return basic_parser::keep_alive(); }
    const std::string& location() const { return location_; }
    const std::string& content_type() const { return content_type_; }

    // Body bytes as they came off the wire, and the decoded start of the body.
    std::uint64_t body_bytes() const { return wire_bytes_; }
    const std::string& prefix() const { return decoder_ ? decoder_->prefix() : empty_; }

private:
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view, boost::beast::string_view, int,
                         error_code&) override
    {
    }
    void on_response_impl(int code, boost::beast::string_view, int, error_code&) override;
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view, boost::beast::string_view value,
                       error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override;
    std::size_t on_body_impl(boost::beast::string_view body, error_code&) override;
    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) override;
    void on_finish_impl(error_code&) override {}

    int status_ = 0;
    std::string location_;
    std::string content_type_;
    std::string content_encoding_;
    std::uint64_t wire_bytes_ = 0;
    std::optional<ContentDecoder> decoder_;
    std::exception_ptr decode_error_;
    static inline const std::string empty_;
};

} // namespace sitecheck::detail

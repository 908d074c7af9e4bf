// Content-Encoding: gzip and deflate, decoded as the body streams in. Only the first bytes of
// the decoded body are kept (what the preview needs); the rest is decoded, counted and dropped,
// so memory stays the same whatever the size of the page.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sitecheck::detail {

class ContentDecoder {
public:
    enum class Coding { identity, gzip, deflate };

    // "gzip" and "x-gzip" are gzip, "deflate" is deflate; anything else passes through as is,
    // like aiohttp does with codings it does not know.
    static Coding coding_of(std::string_view content_encoding);

    ContentDecoder(Coding coding, std::size_t keep);
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder&) = delete;
    ContentDecoder& operator=(const ContentDecoder&) = delete;

    // Decodes the next piece of the body. Throws CheckError when the data is not valid for
    // the coding.
    void feed(std::string_view in);

    const std::string& prefix() const { return prefix_; }
    std::uint64_t decoded_size() const { return decoded_; }

private:
    void keep(std::string_view out);

    struct Zlib;
    Coding coding_;
    std::size_t keep_;
    std::string prefix_;
    std::uint64_t decoded_ = 0;
    std::unique_ptr<Zlib> zlib_;
};

} // namespace sitecheck::detail

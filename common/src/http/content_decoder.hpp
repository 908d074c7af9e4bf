// Content-Encoding gzip, deflate and br, decoded as the body streams in. Only the first bytes
// of the decoded body are kept (what the preview needs); the rest is decoded, counted and
// dropped, so memory stays bounded whatever the size of the page: zlib's 32 KiB window, or
// brotli's, which the stream names (16 MiB at most).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sitecheck::detail {

class ContentDecoder {
public:
    enum class Coding { identity, gzip, deflate, br };

    // "gzip" or "x-gzip", "deflate", "br"; "identity" or nothing. Anything else throws
    // CheckError ("unsupported content encoding 'zstd'"): printing it as text would be garbage.
    static Coding coding_of(std::string_view content_encoding);

    ContentDecoder(Coding coding, std::size_t keep);
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder&) = delete;
    ContentDecoder& operator=(const ContentDecoder&) = delete;

    // Decodes the next piece of the body. Throws CheckError when the data is not valid for
    // the coding. Bytes after the end of a compressed stream are ignored.
    void feed(std::string_view in);

    const std::string& prefix() const { return prefix_; }
    std::uint64_t decoded_size() const { return decoded_; }

private:
    void keep(std::string_view out);
    void inflate(std::string_view in);
    void unbrotli(std::string_view in);

    struct Zlib;
    struct Brotli;
    Coding coding_;
    std::size_t keep_;
    std::string prefix_;
    std::uint64_t decoded_ = 0;
    bool ended_ = false; // the compressed stream is complete
    std::unique_ptr<Zlib> zlib_;
    std::unique_ptr<Brotli> brotli_;
};

} // namespace sitecheck::detail

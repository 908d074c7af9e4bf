// Content-Encoding (and Transfer-Encoding) gzip, deflate and br, decoded as the body streams
// in. Only the first bytes of the decoded body are kept (what the preview needs); the rest is
// decoded, counted and dropped, so memory stays bounded whatever the size of the page: zlib's
// 32 KiB window, or brotli's, which the stream names (16 MiB at most).
//
// A few kilobytes of brotli can decode to gigabytes. So feed() only takes the bytes, and
// decode_some() decodes a slice of bounded output at a time: between slices the caller checks
// its deadline and lets the event loop run other checks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sitecheck::detail {

class ContentDecoder {
public:
    enum class Coding { identity, gzip, deflate, br };

    // A slice: about this many bytes come out of the decoders per decode_some().
    static constexpr std::size_t slice_bytes = 1024 * 1024;

    // The codings a Content-Encoding value lists ("gzip, br"; repeated lines joined with ","),
    // in the order they were applied: "gzip" or "x-gzip", "deflate", "br", "identity".
    // Anything else throws CheckError ("unsupported content encoding 'zstd'"): printing it as
    // text would be garbage. `header` names the field in that message: "content" or "transfer";
    // for "transfer" a final "chunked" is skipped, since the parser has undone it.
    static std::vector<Coding> codings_of(std::string_view list,
                                          std::string_view header = "content");

    // `applied`: the codings in the order they were applied; they are undone in reverse.
    ContentDecoder(const std::vector<Coding>& applied, std::size_t keep);
    ~ContentDecoder();
    ContentDecoder(const ContentDecoder&) = delete;
    ContentDecoder& operator=(const ContentDecoder&) = delete;

    // Takes the next piece of the body as it came off the wire. Without a coding it is kept at
    // once; otherwise it waits for decode_some(), so the caller feeds at most one read between
    // two decode_some() loops.
    void feed(std::string_view in);

    // Decodes until about `budget` bytes have come out of the decoders or all that was fed is
    // decoded; returns true while some is left. Throws CheckError when the data is not valid
    // for its coding. Bytes after the end of a compressed stream are ignored.
    bool decode_some(std::size_t budget = slice_bytes);

    const std::string& prefix() const { return prefix_; }
    std::uint64_t decoded_size() const { return decoded_; }

private:
    class Stage;
    class Zlib;
    class Brotli;

    bool step(std::uint64_t& produced);
    void pass(std::size_t stage, std::string_view out);
    void keep(std::string_view out);

    std::vector<std::unique_ptr<Stage>> stages_; // in the order they decode
    std::size_t keep_;
    std::string prefix_;
    std::uint64_t decoded_ = 0;
};

} // namespace sitecheck::detail

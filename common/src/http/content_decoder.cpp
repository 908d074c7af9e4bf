#include "http/content_decoder.hpp"

#include "sitecheck/errors.hpp"

#include <brotli/decode.h>
#include <zlib.h>

#include <array>
#include <cctype>

namespace sitecheck::detail {
namespace {
// Each decoder writes into this much at a time, then keeps what it needs of it.
constexpr std::size_t out_bytes = 16 * 1024;
}

struct ContentDecoder::Zlib {
    z_stream stream{};
    bool started = false; // inflateInit2 done (deferred until the first byte for deflate)
    ~Zlib()
    {
        if (started)
            inflateEnd(&stream);
    }
};

struct ContentDecoder::Brotli {
    std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> state{
        BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance};
};

ContentDecoder::Coding ContentDecoder::coding_of(std::string_view content_encoding)
{
    std::string c;
    for (char ch : content_encoding)
        if (ch != ' ' && ch != '\t')
            c += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (c.empty() || c == "identity")
        return Coding::identity;
    if (c == "gzip" || c == "x-gzip")
        return Coding::gzip;
    if (c == "deflate")
        return Coding::deflate;
    if (c == "br")
        return Coding::br;
    throw CheckError("unsupported content encoding '" + std::string(content_encoding) + "'");
}

ContentDecoder::ContentDecoder(Coding coding, std::size_t keep) : coding_(coding), keep_(keep)
{
    if (coding_ == Coding::gzip || coding_ == Coding::deflate)
        zlib_ = std::make_unique<Zlib>();
    if (coding_ == Coding::br) {
        brotli_ = std::make_unique<Brotli>();
        if (!brotli_->state)
            throw std::bad_alloc();
    }
}

ContentDecoder::~ContentDecoder() = default;

void ContentDecoder::keep(std::string_view out)
{
    decoded_ += out.size();
    if (prefix_.size() < keep_)
        prefix_.append(out.substr(0, keep_ - prefix_.size()));
}

void ContentDecoder::feed(std::string_view in)
{
    if (in.empty() || ended_)
        return;
    switch (coding_) {
    case Coding::identity: keep(in); break;
    case Coding::gzip:
    case Coding::deflate: inflate(in); break;
    case Coding::br: unbrotli(in); break;
    }
}

void ContentDecoder::inflate(std::string_view in)
{
    z_stream& z = zlib_->stream;
    if (!zlib_->started) {
        // "deflate" should mean the zlib format, but some servers send raw deflate data.
        // A zlib stream starts with a CMF byte naming method 8 and a window of at most 32K.
        int window_bits = 16 + MAX_WBITS; // gzip
        if (coding_ == Coding::deflate) {
            const auto cmf = static_cast<unsigned char>(in.front());
            window_bits = (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 ? MAX_WBITS : -MAX_WBITS;
        }
        if (inflateInit2(&z, window_bits) != Z_OK)
            throw std::bad_alloc();
        zlib_->started = true;
    }
    std::array<unsigned char, out_bytes> out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    do {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        const int rc = ::inflate(&z, Z_NO_FLUSH);
        keep({reinterpret_cast<const char*>(out.data()), out.size() - z.avail_out});
        if (rc == Z_STREAM_END) {
            ended_ = true;
            return;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw CheckError(coding_ == Coding::gzip ? "body is not valid gzip data"
                                                     : "body is not valid deflate data");
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            return;
    } while (z.avail_in > 0 || z.avail_out == 0);
}

void ContentDecoder::unbrotli(std::string_view in)
{
    auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    std::array<std::uint8_t, out_bytes> out;
    for (;;) {
        std::uint8_t* next_out = out.data();
        std::size_t avail_out = out.size();
        const auto rc = BrotliDecoderDecompressStream(brotli_->state.get(), &avail_in, &next_in,
                                                      &avail_out, &next_out, nullptr);
        keep({reinterpret_cast<const char*>(out.data()), out.size() - avail_out});
        if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
            ended_ = true;
            return;
        }
        if (rc == BROTLI_DECODER_RESULT_ERROR)
            throw CheckError("body is not valid brotli data");
        // All of `in` is taken; but with the output full the decoder may still hold decoded
        // bytes, which it would give only on the next call (found by fuzz_decoder).
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT &&
            !BrotliDecoderHasMoreOutput(brotli_->state.get()))
            return;
    }
}

} // namespace sitecheck::detail

#include "content_decoder.hpp"

#include "sitecheck/errors.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace sitecheck::detail {

struct ContentDecoder::Zlib {
    z_stream stream{};
    bool started = false; // inflateInit2 done (deferred until the first byte for deflate)
    bool ended = false;   // the compressed stream is complete; anything after it is ignored
    ~Zlib()
    {
        if (started)
            inflateEnd(&stream);
    }
};

ContentDecoder::Coding ContentDecoder::coding_of(std::string_view content_encoding)
{
    std::string c;
    for (char ch : content_encoding)
        if (ch != ' ' && ch != '\t')
            c += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (c == "gzip" || c == "x-gzip")
        return Coding::gzip;
    if (c == "deflate")
        return Coding::deflate;
    return Coding::identity;
}

ContentDecoder::ContentDecoder(Coding coding, std::size_t keep) : coding_(coding), keep_(keep)
{
    if (coding_ != Coding::identity)
        zlib_ = std::make_unique<Zlib>();
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
    if (!zlib_) {
        keep(in);
        return;
    }
    if (in.empty() || zlib_->ended)
        return;
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
    std::array<unsigned char, 16 * 1024> out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    do {
        z.next_out = out.data();
        z.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&z, Z_NO_FLUSH);
        keep({reinterpret_cast<const char*>(out.data()), out.size() - z.avail_out});
        if (rc == Z_STREAM_END) {
            zlib_->ended = true;
            return;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw CheckError(coding_ == Coding::gzip ? "body is not valid gzip data"
                                                     : "body is not valid deflate data");
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            return;
    } while (z.avail_in > 0 || z.avail_out == 0);
}

} // namespace sitecheck::detail

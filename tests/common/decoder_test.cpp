#include "http/content_decoder.hpp"
#include "sitecheck/errors.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

using sitecheck::CheckError;
using sitecheck::detail::ContentDecoder;

namespace {

// window_bits: 15 + 16 for gzip, 15 for zlib, -15 for raw deflate.
std::string compress(const std::string& data, int window_bits)
{
    z_stream z{};
    deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, data.size()) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string brotli(const std::string& data)
{
    std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
    std::size_t size = out.size();
    BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                          reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                          reinterpret_cast<std::uint8_t*>(out.data()));
    out.resize(size);
    return out;
}

std::string decode(ContentDecoder::Coding coding, const std::string& body, std::size_t piece = 7)
{
    ContentDecoder decoder(coding, 1024);
    for (std::size_t i = 0; i < body.size(); i += piece)
        decoder.feed(std::string_view(body).substr(i, piece));
    return decoder.prefix();
}

const std::string page = "<!doctype html>\n<p>hello, compressed world</p>\n";

} // namespace

TEST(ContentDecoder, KnowsItsCodings)
{
    EXPECT_EQ(ContentDecoder::coding_of("gzip"), ContentDecoder::Coding::gzip);
    EXPECT_EQ(ContentDecoder::coding_of("X-GZIP"), ContentDecoder::Coding::gzip);
    EXPECT_EQ(ContentDecoder::coding_of(" Deflate"), ContentDecoder::Coding::deflate);
    EXPECT_EQ(ContentDecoder::coding_of("br"), ContentDecoder::Coding::br);
    EXPECT_EQ(ContentDecoder::coding_of(""), ContentDecoder::Coding::identity);
    EXPECT_EQ(ContentDecoder::coding_of("identity"), ContentDecoder::Coding::identity);
}

TEST(ContentDecoder, AnyOtherCodingIsUnsupported)
{
    for (const char* coding : {"zstd", "compress", "gzip, br", "x-unknown"}) {
        try {
            ContentDecoder::coding_of(coding);
            ADD_FAILURE() << coding;
        } catch (const CheckError& e) {
            EXPECT_EQ(std::string(e.what()), "unsupported content encoding '" + std::string(coding) + "'");
        }
    }
}

TEST(ContentDecoder, BrotliInSmallPieces)
{
    EXPECT_EQ(decode(ContentDecoder::Coding::br, brotli(page), 1), page);
}

TEST(ContentDecoder, BrotliKeepsOnlyThePrefixButCountsEverything)
{
    const std::string big(5'000'000, 'y');
    ContentDecoder decoder(ContentDecoder::Coding::br, 100);
    decoder.feed(brotli(big));
    EXPECT_EQ(decoder.prefix(), std::string(100, 'y'));
    EXPECT_EQ(decoder.decoded_size(), big.size());
}

TEST(ContentDecoder, BrotliGivesWhatItHoldsWhenTheInputEndsWithTheOutputFull)
{
    // Found by fuzz_decoder: a brotli stream (cut short) whose last input byte decodes to more
    // than one output buffer. The decoder reports "needs more input" with decoded bytes still
    // held; they must come out now, not only with the next piece, which may never come.
    const std::string body(
        "\x00\x8b\x08\x01\x04\x5c\x08\x08\xb3\x02\x51\x42\x02\xa9\x2c\x78\x01\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x04\xe8\xc9"
        "\xcd\xb1\xb3\x81\xa9\x76\x1e\xa9\xa9\x39\x39\xe5\xf9\x45\x34\x29\x36\xfa\x23\x10\x30\x1b\x7d\x88"
        "\x8a\xa4\xfc\x94\x3f\xf2",
        174);
    ContentDecoder whole(ContentDecoder::Coding::br, 0);
    whole.feed(body);
    ContentDecoder bytewise(ContentDecoder::Coding::br, 0);
    for (char c : body)
        bytewise.feed(std::string_view(&c, 1));
    EXPECT_GT(whole.decoded_size(), 16u * 1024);
    EXPECT_EQ(whole.decoded_size(), bytewise.decoded_size());
}

TEST(ContentDecoder, CorruptBrotliFailsTheCheck)
{
    EXPECT_THROW(decode(ContentDecoder::Coding::br, "this is not brotli at all"), CheckError);
}

TEST(ContentDecoder, GzipInSmallPieces)
{
    EXPECT_EQ(decode(ContentDecoder::Coding::gzip, compress(page, 31), 1), page);
}

TEST(ContentDecoder, DeflateWithZlibHeader)
{
    EXPECT_EQ(decode(ContentDecoder::Coding::deflate, compress(page, 15)), page);
}

TEST(ContentDecoder, RawDeflateAsSomeServersSendIt)
{
    EXPECT_EQ(decode(ContentDecoder::Coding::deflate, compress(page, -15)), page);
}

TEST(ContentDecoder, KeepsOnlyThePrefixButCountsEverything)
{
    const std::string big(5'000'000, 'x');
    ContentDecoder decoder(ContentDecoder::Coding::gzip, 100);
    decoder.feed(compress(big, 31));
    EXPECT_EQ(decoder.prefix(), std::string(100, 'x'));
    EXPECT_EQ(decoder.decoded_size(), big.size());
}

TEST(ContentDecoder, CorruptDataFailsTheCheck)
{
    std::string gz = compress(page, 31);
    gz[12] = static_cast<char>(gz[12] ^ 0xFF);
    gz[13] = static_cast<char>(gz[13] ^ 0xFF);
    EXPECT_THROW(decode(ContentDecoder::Coding::gzip, gz), CheckError);
    EXPECT_THROW(decode(ContentDecoder::Coding::gzip, "this is not gzip"), CheckError);
}

TEST(ContentDecoder, IdentityPassesThrough)
{
    EXPECT_EQ(decode(ContentDecoder::Coding::identity, page), page);
}

#include "http/content_decoder.hpp"
#include "sitecheck/errors.hpp"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

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

using Codings = std::vector<ContentDecoder::Coding>;
using C = ContentDecoder::Coding;

// Feeds and decodes everything, as read_response_body does between its reads.
void feed_all(ContentDecoder& decoder, std::string_view body)
{
    decoder.feed(body);
    while (decoder.decode_some()) {
    }
}

std::string decode(const Codings& codings, const std::string& body, std::size_t piece = 7)
{
    ContentDecoder decoder(codings, 1024);
    for (std::size_t i = 0; i < body.size(); i += piece)
        feed_all(decoder, std::string_view(body).substr(i, piece));
    return decoder.prefix();
}

const std::string page = "<!doctype html>\n<p>hello, compressed world</p>\n";

} // namespace

TEST(ContentDecoder, KnowsItsCodings)
{
    EXPECT_EQ(ContentDecoder::codings_of("gzip"), Codings{C::gzip});
    EXPECT_EQ(ContentDecoder::codings_of("X-GZIP"), Codings{C::gzip});
    EXPECT_EQ(ContentDecoder::codings_of(" Deflate"), Codings{C::deflate});
    EXPECT_EQ(ContentDecoder::codings_of("br"), Codings{C::br});
    EXPECT_EQ(ContentDecoder::codings_of(""), Codings{});
    EXPECT_EQ(ContentDecoder::codings_of("identity"), Codings{});
}

TEST(ContentDecoder, ReadsAListInTheOrderOfApplicationSkippingIdentity)
{
    EXPECT_EQ(ContentDecoder::codings_of("gzip, br"), (Codings{C::gzip, C::br}));
    EXPECT_EQ(ContentDecoder::codings_of("identity,deflate, ,gzip"), (Codings{C::deflate, C::gzip}));
    // A transfer coding list ends in the chunked framing the parser has undone already.
    EXPECT_EQ(ContentDecoder::codings_of("gzip, chunked", "transfer"), Codings{C::gzip});
    EXPECT_EQ(ContentDecoder::codings_of("chunked", "transfer"), Codings{});
}

TEST(ContentDecoder, AnyOtherCodingIsUnsupported)
{
    for (const char* coding : {"zstd", "compress", "x-unknown"}) {
        try {
            ContentDecoder::codings_of(std::string("gzip, ") + coding);
            ADD_FAILURE() << coding;
        } catch (const CheckError& e) {
            EXPECT_EQ(std::string(e.what()), "unsupported content encoding '" + std::string(coding) + "'");
        }
    }
    try {
        ContentDecoder::codings_of("zstd, chunked", "transfer");
        ADD_FAILURE();
    } catch (const CheckError& e) {
        EXPECT_EQ(std::string(e.what()), "unsupported transfer encoding 'zstd'");
    }
}

TEST(ContentDecoder, ListIsUndoneInReverseOrder)
{
    EXPECT_EQ(decode({C::gzip, C::br}, brotli(compress(page, 31))), page);
    EXPECT_EQ(decode({C::br, C::identity, C::deflate}, compress(brotli(page), 15), 1), page);
}

TEST(ContentDecoder, ABombIsDecodedASliceAtATime)
{
    // 64 MiB from some 64 KB of gzip, inside brotli: each slice gives about slice_bytes,
    // whichever stage is busy, and the caller gets the loop back between them.
    const std::string big(64 * 1024 * 1024, 'x');
    ContentDecoder decoder({C::gzip, C::br}, 100);
    decoder.feed(brotli(compress(big, 31)));
    int slices = 1;
    std::uint64_t before = 0;
    while (decoder.decode_some()) {
        EXPECT_LE(decoder.decoded_size() - before, ContentDecoder::slice_bytes + 16 * 1024);
        before = decoder.decoded_size();
        ++slices;
    }
    EXPECT_GE(slices, 64);
    EXPECT_EQ(decoder.prefix(), std::string(100, 'x'));
    EXPECT_EQ(decoder.decoded_size(), big.size());
}

TEST(ContentDecoder, BrotliInSmallPieces)
{
    EXPECT_EQ(decode({C::br}, brotli(page), 1), page);
}

TEST(ContentDecoder, BrotliKeepsOnlyThePrefixButCountsEverything)
{
    const std::string big(5'000'000, 'y');
    ContentDecoder decoder({C::br}, 100);
    feed_all(decoder, brotli(big));
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
    ContentDecoder whole({C::br}, 0);
    feed_all(whole, body);
    ContentDecoder bytewise({C::br}, 0);
    for (char c : body)
        feed_all(bytewise, std::string_view(&c, 1));
    EXPECT_GT(whole.decoded_size(), 16u * 1024);
    EXPECT_EQ(whole.decoded_size(), bytewise.decoded_size());
}

TEST(ContentDecoder, CorruptBrotliFailsTheCheck)
{
    EXPECT_THROW(decode({C::br}, "this is not brotli at all"), CheckError);
}

TEST(ContentDecoder, GzipInSmallPieces)
{
    EXPECT_EQ(decode({C::gzip}, compress(page, 31), 1), page);
}

TEST(ContentDecoder, DeflateWithZlibHeader)
{
    EXPECT_EQ(decode({C::deflate}, compress(page, 15)), page);
}

TEST(ContentDecoder, RawDeflateAsSomeServersSendIt)
{
    EXPECT_EQ(decode({C::deflate}, compress(page, -15)), page);
}

TEST(ContentDecoder, KeepsOnlyThePrefixButCountsEverything)
{
    const std::string big(5'000'000, 'x');
    ContentDecoder decoder({C::gzip}, 100);
    feed_all(decoder, compress(big, 31));
    EXPECT_EQ(decoder.prefix(), std::string(100, 'x'));
    EXPECT_EQ(decoder.decoded_size(), big.size());
}

TEST(ContentDecoder, CorruptDataFailsTheCheck)
{
    std::string gz = compress(page, 31);
    gz[12] = static_cast<char>(gz[12] ^ 0xFF);
    gz[13] = static_cast<char>(gz[13] ^ 0xFF);
    EXPECT_THROW(decode({C::gzip}, gz), CheckError);
    EXPECT_THROW(decode({C::gzip}, "this is not gzip"), CheckError);
}

TEST(ContentDecoder, IdentityPassesThrough)
{
    EXPECT_EQ(decode({C::identity}, page), page);
}

// fuzz_decoder: Content-Encoding gzip, deflate and br bodies, decoded as they stream in.
//   Input byte 0: the coding (value % 4: identity, gzip, deflate, br) and how much to keep
//   (value / 4 * 4: 0 to 252 bytes). Byte 1: how the body is cut into pieces (see Pieces) and
//   into slices (decode_some's budget). The rest: the body as it came off the wire.
// The same body is also decoded in one piece: how the network cuts a stream, or the decoder
// its work, must not change what it decodes to, nor whether it is valid.
#include "fuzz_check.hpp"

#include "http/content_decoder.hpp"
#include "sitecheck/errors.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace {
using sitecheck::detail::ContentDecoder;

struct Outcome {
    bool failed = false;
    std::string prefix;
    std::uint64_t decoded = 0;
};

Outcome decode(ContentDecoder::Coding coding, std::size_t keep, std::string_view body, unsigned char seed)
{
    Outcome outcome;
    ContentDecoder decoder({coding}, keep);
    fuzz::Pieces pieces(body, seed);
    const std::size_t budget = seed == 0 ? ContentDecoder::slice_bytes : std::size_t{1} << (seed % 20);
    try {
        while (!pieces.done()) {
            decoder.feed(pieces.next());
            while (decoder.decode_some(budget))
                FUZZ_CHECK(decoder.prefix().size() <= keep);
            FUZZ_CHECK(decoder.prefix().size() <= keep);
        }
    } catch (const sitecheck::CheckError&) {
        outcome.failed = true;
    }
    // Whatever happened, the prefix is the start of what was decoded, and no more than asked.
    FUZZ_CHECK(decoder.prefix().size() == std::min<std::uint64_t>(keep, decoder.decoded_size()));
    outcome.prefix = decoder.prefix();
    outcome.decoded = decoder.decoded_size();
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
    const auto coding = static_cast<ContentDecoder::Coding>(data[0] % 4);
    const std::size_t keep = data[0] / 4 * 4;

    const Outcome streamed = decode(coding, keep, body, data[1]);
    const Outcome whole = decode(coding, keep, body, 0);
    FUZZ_CHECK(streamed.failed == whole.failed);
    if (!whole.failed) {
        FUZZ_CHECK(streamed.prefix == whole.prefix);
        FUZZ_CHECK(streamed.decoded == whole.decoded);
    }
    if (coding == ContentDecoder::Coding::identity) {
        FUZZ_CHECK(!whole.failed);
        FUZZ_CHECK(whole.prefix == body.substr(0, keep));
        FUZZ_CHECK(whole.decoded == body.size());
    }
    return 0;
}

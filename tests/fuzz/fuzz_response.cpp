// fuzz_response: whatever a server sends, parsed as the session parses it.
//   Input byte 0: how the bytes are cut into reads (see Pieces). The rest: the bytes on the
//   wire. Like the session, the harness keeps the bytes the reader did not use and offers them
//   again with the next read, starts a new reader after a 1xx response, stops at the first
//   error other than need_more, and reports the end of the stream when the bytes run out.
#include "fuzz_check.hpp"

#include "response_reader.hpp"
#include "sitecheck/errors.hpp"

#include <boost/beast/http/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace {
using sitecheck::detail::ResponseReader;
namespace http = boost::beast::http;

// The session reads at most this much at a time.
constexpr std::size_t read_bytes = 16 * 1024;

void check_reader(const ResponseReader& reader, std::uint64_t wire_bytes)
{
    // Memory stays bounded whatever the body: the kept prefix and the headers it keeps.
    FUZZ_CHECK(reader.prefix().size() <= ResponseReader::kept_bytes);
    FUZZ_CHECK(reader.location().size() <= ResponseReader::header_limit_bytes);
    FUZZ_CHECK(reader.content_type().size() <= ResponseReader::header_limit_bytes);
    FUZZ_CHECK(reader.body_bytes() <= wire_bytes);
    if (reader.header_done())
        FUZZ_CHECK(reader.status() >= 100 && reader.status() <= 999);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
    fuzz::Pieces reads(wire, data[0]);

    std::optional<ResponseReader> reader(std::in_place);
    std::string pending;
    try {
        for (;;) {
            boost::beast::error_code ec;
            const std::size_t used = reader->feed(pending, ec);
            FUZZ_CHECK(used <= pending.size());
            pending.erase(0, used);
            check_reader(*reader, wire.size());
            if (ec && ec != http::error::need_more)
                break; // the check fails with this error
            if (reader->header_done() && reader->informational()) {
                reader.emplace(); // 100 Continue and the like: the real response follows
                continue;
            }
            if (reader->done())
                break;
            // The session keeps the unused bytes in a buffer that may grow only to about the
            // header limit: a reader that wants more while holding more would need it unbounded.
            FUZZ_CHECK(pending.size() <= ResponseReader::header_limit_bytes);
            if (reads.done()) {
                ec = {};
                reader->feed_eof(ec);
                check_reader(*reader, wire.size());
                break;
            }
            pending += reads.next(read_bytes);
        }
    } catch (const sitecheck::CheckError&) {
    }
    return 0;
}

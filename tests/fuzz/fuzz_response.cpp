// fuzz_response: whatever a server sends, read by the session's own read path
// (read_response_head, then read_response_body) over a beast::test::stream.
//   Input byte 0: how many bytes a read hands out (0: everything at once). The rest: the
//   bytes on the wire, after which the peer closes.
#include "fuzz_check.hpp"

#include "http/read.hpp"
#include "sitecheck/errors.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string_view>

namespace {
namespace asio = boost::asio;
using sitecheck::detail::ResponseReader;

void check_reader(const ResponseReader& reader, std::uint64_t wire_bytes)
{
    // Memory stays bounded whatever the body: the kept prefix and the headers it keeps.
    FUZZ_CHECK(reader.prefix().size() <= ResponseReader::kept_bytes);
    FUZZ_CHECK(reader.location().size() <= ResponseReader::header_limit_bytes);
    FUZZ_CHECK(reader.content_type().size() <= ResponseReader::header_limit_bytes);
    FUZZ_CHECK(reader.body_bytes() <= wire_bytes);
    if (reader.is_header_done())
        FUZZ_CHECK(reader.status() >= 100 && reader.status() <= 999);
}

asio::awaitable<void> read_response(boost::beast::test::stream& stream, std::uint64_t wire_bytes)
{
    boost::beast::flat_buffer buffer;
    std::optional<ResponseReader> reader;
    if (co_await sitecheck::detail::read_response_head(stream, buffer, reader))
        co_return; // the check fails with this error
    check_reader(*reader, wire_bytes);
    FUZZ_CHECK(!reader->informational());
    try {
        co_await sitecheck::detail::read_response_body(stream, buffer, *reader,
                                                       std::chrono::steady_clock::time_point::max());
    } catch (const sitecheck::CheckError&) {
    }
    check_reader(*reader, wire_bytes);
    // A body streams through the buffer: what stays unparsed is at most a head and a read.
    FUZZ_CHECK(buffer.size() <= sitecheck::detail::read_buffer_limit);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
    asio::io_context io;
    boost::beast::test::stream stream(io, wire);
    if (data[0] != 0)
        stream.read_size(data[0]);
    stream.close_remote();
    // Anything but a CheckError escapes io.run() and is reported as a crash.
    asio::co_spawn(io, read_response(stream, wire.size()), [](std::exception_ptr e) {
        if (e)
            std::rethrow_exception(e);
    });
    io.run();
    return 0;
}

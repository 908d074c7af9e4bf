// The reads of read.hpp for the session's two streams, compiled here once (see read.hpp).
#include "http/read.hpp"

namespace sitecheck::detail {

template boost::asio::awaitable<boost::beast::error_code>
read_response_head(PlainStream&, boost::beast::flat_buffer&, std::optional<ResponseReader>&);
template boost::asio::awaitable<boost::beast::error_code>
read_response_head(TlsStream&, boost::beast::flat_buffer&, std::optional<ResponseReader>&);
template boost::asio::awaitable<boost::beast::error_code>
read_response_body(PlainStream&, boost::beast::flat_buffer&, ResponseReader&,
                   std::chrono::steady_clock::time_point);
template boost::asio::awaitable<boost::beast::error_code>
read_response_body(TlsStream&, boost::beast::flat_buffer&, ResponseReader&,
                   std::chrono::steady_clock::time_point);

} // namespace sitecheck::detail

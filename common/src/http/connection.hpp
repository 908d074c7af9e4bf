// One check's connection: what ClientSession::get() and Response::text() run on. It opens
// (resolve, connect, TLS), sends a GET and reads the response, goes on to the next URL of a
// redirect on the same connection when it can, and closes, all against the check's one
// deadline. Every failure leaves as a CheckError whose text is the spec's plain-words MESSAGE;
// a cancellation leaves as Asio's operation_aborted, as it came.
#pragma once

#include "http/response_reader.hpp"
#include "http/streams.hpp"
#include "net/connection_limit.hpp"
#include "process/state.hpp"
#include "url/url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sitecheck::detail {

using boost::asio::awaitable;

class Connection {
public:
    // `url` is the URL as given, for the trace lines. The check's deadline starts now.
    Connection(Settings settings, std::string url);

    // Sends a GET for `to` and reads the head of its response. The request goes on the open
    // connection when it is to the same server and the server keeps the connection alive (the
    // last response's body is read past first, undecoded: a redirect's coding does not
    // matter); otherwise the open connection is closed and a new one opened.
    awaitable<void> request(const Target& to);

    // The response request() read: its status and headers, and once read_body() is done, the
    // decoded start of its body.
    const ResponseReader& response() const { return *reader_; }

    // Reads the body to its end, decoding it; once: a second call does nothing.
    awaitable<void> read_body();

    // Ends the connection politely (see ClientSession::close()) and says how in the trace.
    // After this, the session is closed: a Response on this connection reads no more.
    awaitable<void> close();

    // Ends the connection at once, without a goodbye: what a destructor can do.
    void cut();

    bool closed() const { return closed_; }

private:
    enum class Phase { resolve, connect, handshake, head, body };

    bool is_open() const { return plain_ || tls_; }
    PlainStream& tcp() { return tls_ ? tls_->next_layer() : *plain_; }

    // The steps, in the order a request takes them.
    awaitable<void> open();
    awaitable<std::vector<boost::asio::ip::tcp::endpoint>> resolve();
    awaitable<PlainStream> connect(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints);
    awaitable<void> start_tls(PlainStream stream);
    awaitable<bool> send_request_and_read_head(bool reused);
    awaitable<void> send_request();
    awaitable<void> read_head();
    awaitable<std::string_view> disconnect();

    // Runs one HTTP step on the open stream, TLS or plain: the steps are the same on both.
    // `step` is taken by value: a lambda coroutine's captures live in its closure, which must
    // outlive the awaited step.
    template <class Step>
    awaitable<boost::beast::error_code> on_stream(Step step);

    // Throws the CheckError that says what `ec` means in `phase`; a cancellation is passed on
    // as it is.
    [[noreturn]] void fail(const boost::beast::error_code& ec, Phase phase);

    Settings settings_;
    std::string url_;
    std::chrono::steady_clock::time_point deadline_;

    Target target_;                      // where the open connection goes: set by request() only
    std::optional<ConnectionSlot> slot_; // held while a socket is open
    // One of the two is open. The tcp_stream under either carries the check's deadline.
    std::optional<PlainStream> plain_;
    std::optional<TlsStream> tls_;
    boost::beast::flat_buffer buffer_; // received bytes not parsed yet
    std::optional<ResponseReader> reader_;
    bool body_read_ = false;
    bool closed_ = false; // by the session: a Response can outlive it
};

} // namespace sitecheck::detail

// The client session: the part aiohttp.ClientSession plays in the tutorial.
//
//     ClientSession session;                            // aiohttp.ClientSession()
//     Response response = co_await session.get(url);    // await session.get(url)
//     response.status();                                // response.status
//     std::string html = co_await response.text();      // await response.text()
//     co_await session.close();                         // await session.close()
//
// Beast and OpenSSL stay behind the pointer, so a version file compiles fast.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

namespace sitecheck {

using boost::asio::awaitable;

namespace detail {
class Connection;
}

class Response {
public:
    // The final status, after redirects.
    int status() const;
    // Reads the body to its end and returns the start of its text, decoded with the charset of
    // Content-Type. Only the first kilobyte or so of the text is kept: enough for any preview,
    // whatever the size of the page.
    awaitable<std::string> text();

private:
    friend class ClientSession;
    explicit Response(std::shared_ptr<detail::Connection> connection);
    std::shared_ptr<detail::Connection> connection_;
};

class ClientSession {
public:
    // Uses the settings the command line set: the deadline, the trusted roots, --trace.
    ClientSession();
    ClientSession(ClientSession&&) noexcept;
    ClientSession& operator=(ClientSession&&) noexcept;
    // A session that was not closed is cut off here, without the polite goodbye: a destructor
    // cannot co_await. Closing is close()'s job.
    ~ClientSession();

    // GET `url`, following redirects, and return once the final response's head has arrived.
    // Throws CheckError with the reason when the check fails.
    awaitable<Response> get(std::string url);

    // Ends the connection politely: a TLS close_notify, then a wait for the peer's of a second
    // at most (never beyond the deadline), which a Ctrl-C does not cut short. Reports no error
    // of its own (a failed goodbye is ignored; --trace says which close happened), though like
    // any co_await it throws operation_aborted in a coroutine already marked cancelled.
    // Closing twice, or a session never used, does nothing.
    awaitable<void> close();

private:
    std::shared_ptr<detail::Connection> connection_;
};

} // namespace sitecheck

// ClientSession and Response, the face of http/connection.cpp: a get() follows redirects, a
// close() ends the connection politely, and a Response reads on the connection it came from.
#include "sitecheck/session.hpp"

#include "http/connection.hpp"
#include "process/output.hpp"
#include "process/state.hpp"
#include "sitecheck/errors.hpp"
#include "text/text.hpp"
#include "url/url.hpp"

namespace sitecheck {

namespace {

// aiohttp's max_redirects=10 counts redirect responses: the tenth fails.
constexpr int max_redirects = 10;

bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

} // namespace

// Response

Response::Response(std::shared_ptr<detail::Connection> connection)
    : connection_(std::move(connection))
{
}

int Response::status() const
{
    return connection_->response().status();
}

awaitable<std::string> Response::text()
{
    // aiohttp raises ClientConnectionError for a response read after its session closed.
    if (connection_->closed())
        throw CheckError("the session is closed");
    co_await connection_->read_body();
    const auto& response = connection_->response();
    co_return decode_text(response.prefix(), charset_of(response.content_type()));
}

// ClientSession

ClientSession::ClientSession() = default;
ClientSession::ClientSession(ClientSession&&) noexcept = default;

// A session moved over this one replaces it: the connection it had is cut, as in the destructor.
ClientSession& ClientSession::operator=(ClientSession&& other) noexcept
{
    if (this != &other) {
        if (connection_)
            connection_->cut();
        connection_ = std::move(other.connection_);
    }
    return *this;
}

ClientSession::~ClientSession()
{
    if (connection_)
        connection_->cut();
}

awaitable<Response> ClientSession::get(std::string url)
{
    if (connection_)
        co_await close();
    connection_ = std::make_shared<detail::Connection>(settings(), url);
    trace(url, "open");
    Target target = parse_url(url);
    for (int redirects = 1;; ++redirects) {
        co_await connection_->request(target);
        const auto& response = connection_->response();
        const int status = response.status();
        if (!is_redirect(status) || response.location().empty()) {
            trace(url, "status " + std::to_string(status));
            co_return Response(connection_);
        }
        if (redirects == max_redirects)
            throw CheckError("too many redirects");
        target = resolve_location(target, response.location());
        trace(url, "redirect " + std::to_string(status) + " " + target.url);
    }
}

awaitable<void> ClientSession::close()
{
    if (connection_)
        co_await connection_->close();
}

} // namespace sitecheck

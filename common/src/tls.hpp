#pragma once

#include "sitecheck/session.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

#include <memory>

namespace sitecheck {

class TlsContext {
public:
    explicit TlsContext(const std::optional<std::string>& cafile);
    boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
};

namespace detail {

// A BIO on a connected socket's descriptor, for TlsSocket. The descriptor stays Asio's to close.
BIO* socket_bio(int descriptor);

// TLS straight on the socket: OpenSSL reads and writes the descriptor itself and the coroutine
// waits for readiness when OpenSSL asks. asio::ssl::stream would add four 17 KiB buffers per
// connection (its BIO pair and its staging vectors) and copy every byte through them: with
// 300 checks at once, 13 MiB of the peak RSS (bench/README.md).
struct TlsSocket {
    TlsSocket(boost::beast::tcp_stream s, SSL_CTX* context) : stream(std::move(s)), ssl(SSL_new(context), SSL_free)
    {
        if (!ssl)
            throw std::bad_alloc();
        BIO* bio = socket_bio(stream.socket().native_handle());
        SSL_set_bio(ssl.get(), bio, bio);
        stream.socket().non_blocking(true);
    }
    boost::beast::tcp_stream stream;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl;

    boost::beast::tcp_stream& next_layer() { return stream; }
    SSL* native_handle() const { return ssl.get(); }
};

} // namespace detail
} // namespace sitecheck

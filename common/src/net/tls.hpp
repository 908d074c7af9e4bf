// TLS for the session: the context with the trusted roots, and what one connection expects
// of its peer.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>

namespace sitecheck {

class TlsContext {
public:
    explicit TlsContext(const std::optional<std::string>& cafile);
    boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
};

// Trusts the system's roots (OpenSSL's default verify paths, which honour SSL_CERT_FILE and
// SSL_CERT_DIR) and, when given, the PEM bundle `cafile`. Throws std::runtime_error naming the
// file when it cannot be read.
std::shared_ptr<TlsContext> make_tls_context(const std::optional<std::string>& cafile);

namespace detail {

// Before the handshake: SNI names the host (never an IP literal), and the peer's certificate
// must match the host name, without partial wildcards ("w*.example.com"), or the address.
// OpenSSL checks it while verifying the chain and reports a mismatch as the verify result.
void expect_peer(SSL* ssl, const std::string& host, bool host_is_ip);

// Whether the server asked for a client certificate during the handshake (the client sends
// none). TLS 1.2 has no alert that says a certificate was required; a handshake_failure after
// the server asked for one is how a server refuses a client without one.
bool server_asked_for_certificate(const SSL* ssl);

// What OpenSSL calls the error behind `ec` ("certificate verify failed", "no certificate or
// crl found"), or the error's own message where OpenSSL has no name for it.
std::string tls_error_text(const boost::system::error_code& ec);

} // namespace detail
} // namespace sitecheck

#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace sitecheck {
namespace ssl = boost::asio::ssl;

namespace {

// Where a connection notes that its server asked for a client certificate.
int certificate_request_index()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL asks this when a server requests a client certificate; the checker has none to give.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**)
{
    SSL_set_ex_data(ssl, certificate_request_index(), ssl);
    return 0;
}

} // namespace

TlsContext::TlsContext(const std::optional<std::string>& cafile)
{
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
    context.set_verify_mode(ssl::verify_peer);
    // The system's roots; OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR here.
    context.set_default_verify_paths();
    if (cafile) {
        boost::system::error_code ec;
        context.load_verify_file(*cafile, ec);
        if (ec) {
            throw std::runtime_error("cannot read CA file '" + *cafile + "': " +
                                     detail::tls_error_text(ec));
        }
    }
    // Each check has its own session, as in the tutorial: nothing to resume across checks.
    SSL_CTX_set_session_cache_mode(context.native_handle(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_client_cert_cb(context.native_handle(), note_certificate_request);
}

std::shared_ptr<TlsContext> make_tls_context(const std::optional<std::string>& cafile)
{
    return std::make_shared<TlsContext>(cafile);
}

void detail::expect_peer(SSL* ssl, const std::string& host, bool host_is_ip)
{
    if (host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
        return;
    }
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, host.c_str());
}

bool detail::server_asked_for_certificate(const SSL* ssl)
{
    return SSL_get_ex_data(ssl, certificate_request_index()) != nullptr;
}

std::string detail::tls_error_text(const boost::system::error_code& ec)
{
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    return reason ? reason : ec.message();
}

} // namespace sitecheck

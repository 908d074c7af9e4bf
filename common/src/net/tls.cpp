#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace sitecheck {
namespace ssl = boost::asio::ssl;

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
            const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
            throw std::runtime_error("cannot read CA file '" + *cafile +
                                     "': " + (reason ? reason : ec.message()));
        }
    }
    // Each check has its own session, as in the tutorial: nothing to resume across checks.
    SSL_CTX_set_session_cache_mode(context.native_handle(), SSL_SESS_CACHE_OFF);
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

} // namespace sitecheck

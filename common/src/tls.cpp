#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace sitecheck {
namespace ssl = boost::asio::ssl;

TlsContext::TlsContext(const std::optional<std::string>& cafile)
{
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
    context.set_verify_mode(ssl::verify_peer);
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
    // Resuming TLS sessions would save handshakes on redirects to the same host; each check
    // has its own session, as in the tutorial, so there is nothing to resume across checks.
    SSL_CTX_set_session_cache_mode(context.native_handle(), SSL_SESS_CACHE_OFF);
}

std::shared_ptr<TlsContext> make_tls_context(const std::optional<std::string>& cafile)
{
    return std::make_shared<TlsContext>(cafile);
}

} // namespace sitecheck

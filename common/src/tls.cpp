#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace sitecheck {
namespace ssl = boost::asio::ssl;

namespace {

// The system's roots file, read when a chain first needs a certificate that is not in the
// store yet, instead of at start-up. Parsing its ~140 certificates costs OpenSSL 3.0 about
// 20 ms, which a run whose sites all chain to --cafile never needs (bench/README.md).
// The file and the result are OpenSSL's default file lookup's: $SSL_CERT_FILE, else
// the built-in default, PEM, errors ignored; the whole file then sits in the store, so
// every later lookup finds its certificates there as it would have.
int load_roots_then_find(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                         X509_OBJECT* found)
{
    X509_STORE* store = X509_LOOKUP_get_store(lookup);
    std::call_once(*static_cast<std::once_flag*>(X509_LOOKUP_get_method_data(lookup)), [&] {
        const char* file = secure_getenv(X509_get_default_cert_file_env());
        ERR_set_mark();
        X509_load_cert_crl_file(lookup, file ? file : X509_get_default_cert_file(), X509_FILETYPE_PEM);
        ERR_pop_to_mark();
    });
    int ok = 0;
    X509_STORE_lock(store);
    if (X509_OBJECT* object = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name)) {
        // The caller takes its own reference, as with OpenSSL's lookups: set1's is given back.
        if (type == X509_LU_X509 && X509_OBJECT_set1_X509(found, X509_OBJECT_get0_X509(object))) {
            X509_free(X509_OBJECT_get0_X509(found));
            ok = 1;
        } else if (type == X509_LU_CRL && X509_OBJECT_set1_X509_CRL(found, X509_OBJECT_get0_X509_CRL(object))) {
            X509_CRL_free(X509_OBJECT_get0_X509_CRL(found));
            ok = 1;
        }
    }
    X509_STORE_unlock(store);
    return ok;
}

X509_LOOKUP_METHOD* lazy_roots_file()
{
    static X509_LOOKUP_METHOD* const method = [] {
        X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("sitecheck lazy roots file");
        X509_LOOKUP_meth_set_get_by_subject(m, load_roots_then_find);
        X509_LOOKUP_meth_set_free(m, [](X509_LOOKUP* lookup) {
            delete static_cast<std::once_flag*>(X509_LOOKUP_get_method_data(lookup));
        });
        return m;
    }();
    return method;
}

// SSL_CTX_set_default_verify_paths() with its file lookup made lazy; the directory
// ($SSL_CERT_DIR) and store lookups are OpenSSL's own, which read on demand already.
void set_default_verify_paths(SSL_CTX* context)
{
    X509_STORE* store = SSL_CTX_get_cert_store(context);
    X509_LOOKUP* file = X509_STORE_add_lookup(store, lazy_roots_file());
    if (!file)
        throw std::bad_alloc();
    X509_LOOKUP_set_method_data(file, new std::once_flag);
    if (X509_LOOKUP* dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()))
        X509_LOOKUP_add_dir(dir, nullptr, X509_FILETYPE_DEFAULT);
    if (X509_LOOKUP* uri = X509_STORE_add_lookup(store, X509_LOOKUP_store()))
        X509_LOOKUP_add_store(uri, nullptr);
    ERR_clear_error();
}

} // namespace

TlsContext::TlsContext(const std::optional<std::string>& cafile)
{
    context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                        ssl::context::no_tlsv1_1);
    context.set_verify_mode(ssl::verify_peer);
    set_default_verify_paths(context.native_handle());
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
    // A connection that waits for its peer holds no empty 17 KiB read and write buffers:
    // OpenSSL frees them when idle and allocates them again when a record comes or goes.
    SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
}

std::shared_ptr<TlsContext> make_tls_context(const std::optional<std::string>& cafile)
{
    return std::make_shared<TlsContext>(cafile);
}

namespace detail {

namespace {

// OpenSSL's own socket BIO writes with write(), which raises SIGPIPE when the peer has gone;
// this one sends with MSG_NOSIGNAL, as Asio does.

int descriptor_of(BIO* bio)
{
    return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

int bio_write(BIO* bio, const char* data, int size)
{
    BIO_clear_retry_flags(bio);
    const auto n = ::send(descriptor_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(bio);
    return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size)
{
    BIO_clear_retry_flags(bio);
    const auto n = ::recv(descriptor_of(bio), data, static_cast<std::size_t>(size), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(bio);
    return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*)
{
    return command == BIO_CTRL_FLUSH ? 1 : 0; // send() leaves nothing to flush
}

} // namespace

BIO* socket_bio(int descriptor)
{
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sitecheck socket");
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, [](BIO* bio) {
            BIO_set_init(bio, 1);
            return 1;
        });
        return m;
    }();
    BIO* bio = BIO_new(method);
    if (!bio)
        throw std::bad_alloc();
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(descriptor)));
    return bio;
}

} // namespace detail
} // namespace sitecheck

#include "support/ca.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <utility>

#include <unistd.h>

namespace testsupport {
namespace {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct BioFree { void operator()(BIO* p) const { BIO_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
struct ExtFree { void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); } };

using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtFree>;

[[noreturn]] void fail(const std::string& what) {
    std::string msg = "TestCA: " + what;
    unsigned long e = ERR_get_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        msg += ": ";
        msg += buf;
    }
    ERR_clear_error();
    throw std::runtime_error(msg);
}

void check(int ok, const char* what) {
    if (ok != 1) fail(what);
}

PkeyPtr make_key() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) fail("EC P-256 key generation failed");
    return key;
}

void set_random_serial(X509* x) {
    unsigned char bytes[16];
    check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
    bytes[0] &= 0x7f;  // positive
    bytes[0] |= 0x01;  // never zero, never a short encoding
    BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
    if (!bn) fail("BN_bin2bn");
    if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr) fail("BN_to_ASN1_INTEGER");
}


void set_validity(X509* x, Validity v) {
    switch (v) {
    case Validity::Valid:
        if (X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, nullptr) == nullptr) fail("notBefore");
        check(ASN1_TIME_set_string_X509(X509_getm_notAfter(x), "21000101000000Z"), "notAfter");
        break;
    case Validity::Expired:
        if (X509_time_adj_ex(X509_getm_notBefore(x), -10, 0, nullptr) == nullptr) fail("notBefore");
        if (X509_time_adj_ex(X509_getm_notAfter(x), -1, 0, nullptr) == nullptr) fail("notAfter");
        break;
    case Validity::NotYetValid:
        if (X509_time_adj_ex(X509_getm_notBefore(x), 1, 0, nullptr) == nullptr) fail("notBefore");
        if (X509_time_adj_ex(X509_getm_notAfter(x), 10, 0, nullptr) == nullptr) fail("notAfter");
        break;
    }
}

void set_cn(X509_NAME* name, const std::string& cn) {
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("sitecheck tests"), -1, -1, 0),
          "X509_NAME O");
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
          "X509_NAME CN");
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
    if (!ext) fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
    check(X509_add_ext(cert, ext.get(), -1), "X509_add_ext");
}

std::string cert_to_pem(X509* x) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_X509(bio.get(), x), "PEM_write_bio_X509");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string key_to_pem(EVP_PKEY* k) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio) fail("BIO_new");
    check(PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

std::string san_value(const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
    std::string v;
    for (const auto& d : dns) {
        if (!v.empty()) v += ',';
        v += "DNS:" + d;
    }
    for (const auto& ip : ips) {
        if (!v.empty()) v += ',';
        v += "IP:" + ip;
    }
    return v;
}

// Builds a leaf; when issuer/issuer_key are null the leaf signs itself.
TestCA::Leaf make_leaf(X509* issuer, EVP_PKEY* issuer_key, const std::vector<std::string>& dns,
                       const std::vector<std::string>& ips, Validity v) {
    PkeyPtr key = make_key();
    X509Ptr x(X509_new());
    if (!x) fail("X509_new");
    check(X509_set_version(x.get(), 2), "X509_set_version");
    set_random_serial(x.get());
    set_validity(x.get(), v);
    check(X509_set_pubkey(x.get(), key.get()), "X509_set_pubkey");
    std::string cn = !dns.empty() ? dns.front() : (!ips.empty() ? ips.front() : "sitecheck test leaf");
    set_cn(X509_get_subject_name(x.get()), cn);
    const bool self = issuer == nullptr;
    check(X509_set_issuer_name(x.get(), self ? X509_get_subject_name(x.get()) : X509_get_subject_name(issuer)),
          "X509_set_issuer_name");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, self ? x.get() : issuer, x.get(), nullptr, nullptr, 0);
    add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x.get(), &ctx, NID_key_usage, "critical,digitalSignature");
    add_ext(x.get(), &ctx, NID_ext_key_usage, "serverAuth");
    add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash");
    if (!self) add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    const std::string san = san_value(dns, ips);
    if (!san.empty()) add_ext(x.get(), &ctx, NID_subject_alt_name, san);

    if (X509_sign(x.get(), self ? key.get() : issuer_key, EVP_sha256()) <= 0) fail("X509_sign (leaf)");
    return TestCA::Leaf{cert_to_pem(x.get()), key_to_pem(key.get())};
}

}  // namespace

struct TestCA::Impl {
    PkeyPtr key;
    X509Ptr cert;
    std::string pem;
    std::string dir;
    std::string file;

    ~Impl() {
        if (!file.empty()) ::unlink(file.c_str());
        if (!dir.empty()) ::rmdir(dir.c_str());
    }
};

TestCA::TestCA() : impl_(std::make_unique<Impl>()) {
    auto& m = *impl_;
    m.key = make_key();
    m.cert.reset(X509_new());
    if (!m.cert) fail("X509_new");
    X509* x = m.cert.get();
    check(X509_set_version(x, 2), "X509_set_version");
    set_random_serial(x);
    set_validity(x, Validity::Valid);
    check(X509_set_pubkey(x, m.key.get()), "X509_set_pubkey");
    set_cn(X509_get_subject_name(x), "sitecheck test CA");
    check(X509_set_issuer_name(x, X509_get_subject_name(x)), "X509_set_issuer_name");
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (X509_sign(x, m.key.get(), EVP_sha256()) <= 0) fail("X509_sign (CA)");
    m.pem = cert_to_pem(x);

    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sitecheck-ca-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("TestCA: mkdtemp failed for " + templ);
    m.dir = buf.data();
    m.file = m.dir + "/ca.pem";
    std::ofstream out(m.file, std::ios::binary | std::ios::trunc);
    out << m.pem;
    out.close();
    if (!out) throw std::runtime_error("TestCA: cannot write " + m.file);
}

TestCA::~TestCA() = default;
TestCA::TestCA(TestCA&&) noexcept = default;
TestCA& TestCA::operator=(TestCA&&) noexcept = default;

std::string TestCA::ca_pem() const { return impl_->pem; }

const std::string& TestCA::ca_file() const { return impl_->file; }

TestCA::Leaf TestCA::issue(std::vector<std::string> dns_names, std::vector<std::string> ips, Validity v) const {
    return make_leaf(impl_->cert.get(), impl_->key.get(), dns_names, ips, v);
}

TestCA::Leaf TestCA::self_signed(std::vector<std::string> dns_names, std::vector<std::string> ips) {
    return make_leaf(nullptr, nullptr, dns_names, ips, Validity::Valid);
}

}  // namespace testsupport

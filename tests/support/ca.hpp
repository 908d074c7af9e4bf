// A certificate authority made at run time, in memory, with OpenSSL's C API.
// Used by the tests (and the demo server) so that no test needs a certificate
// shipped in the repository or any network beyond loopback.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace testsupport {

enum class Validity {
    Valid,        // notBefore now-1day, notAfter 2100-01-01
    Expired,      // notBefore now-10days, notAfter now-1day
    NotYetValid,  // notBefore now+1day, notAfter now+10days
};

class TestCA {
public:
    struct Leaf {
        std::string cert_pem;  // the leaf certificate only (PEM)
        std::string key_pem;   // its private key (PKCS#8 PEM, EC P-256)
    };

    // Creates the CA key (EC P-256) and self-signed CA certificate
    // (CA:TRUE, valid from now-1day to 2100-01-01), and writes the CA PEM to
    // a file in a fresh mkdtemp directory. Throws std::runtime_error on failure.
    TestCA();
    ~TestCA();  // removes the temp file and its directory
    TestCA(const TestCA&) = delete;
    TestCA& operator=(const TestCA&) = delete;
    TestCA(TestCA&&) noexcept;
    TestCA& operator=(TestCA&&) noexcept;

    std::string ca_pem() const;
    const std::string& ca_file() const;

    // A leaf signed by this CA with subjectAltName DNS:<dns_names>, IP:<ips>
    // ("127.0.0.1", "::1", ...), extendedKeyUsage serverAuth.
    Leaf issue(std::vector<std::string> dns_names, std::vector<std::string> ips,
               Validity v = Validity::Valid) const;

    // A leaf that is its own issuer (not signed by any CA), same extensions.
    static Leaf self_signed(std::vector<std::string> dns_names, std::vector<std::string> ips);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace testsupport

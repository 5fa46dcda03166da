#ifndef BEDROCK_TESTING_CERTIFICATE_HPP
#define BEDROCK_TESTING_CERTIFICATE_HPP

#include <bedrock/detail/config.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace bedrock::testing {

/// A certificate and its private key, both PEM.
struct certificate {
    std::string certificate_pem;
    std::string private_key_pem;
};

/// A throwaway certificate authority generated at run time (EC P-256, SHA-256 signatures), for test
/// servers on loopback. Clients trust it through `certificate_pem()` (http::tls_options::ca_pem).
/// Generation throws std::runtime_error if OpenSSL fails: this is test tooling.
class certificate_authority {
public:
    BEDROCK_DECL explicit certificate_authority(const std::string& common_name = "bedrock-asio test CA");

    /// The CA certificate: what a client must trust.
    const std::string& certificate_pem() const noexcept { return ca_.certificate_pem; }

    /// A server certificate signed by this CA, naming each of `names` in its subjectAltName: IP
    /// literals as IP entries, anything else as DNS entries. Valid from an hour ago for `valid_for`.
    BEDROCK_DECL certificate issue(const std::vector<std::string>& names,
                                   std::chrono::hours valid_for = std::chrono::hours(24)) const;

private:
    certificate ca_;
};

/// Names a loopback test server answers to: localhost, 127.0.0.1 and ::1.
BEDROCK_DECL std::vector<std::string> loopback_names();

} // namespace bedrock::testing

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/certificate.ipp>
#endif

#endif

#ifndef BEDROCK_TESTING_IMPL_CERTIFICATE_IPP
#define BEDROCK_TESTING_IMPL_CERTIFICATE_IPP

#include <bedrock/testing/certificate.hpp>

#include <boost/asio/ip/address.hpp>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace bedrock::testing {
namespace detail {

struct openssl_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
    void operator()(X509* p) const noexcept { X509_free(p); }
    void operator()(BIO* p) const noexcept { BIO_free(p); }
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
    void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_free>;
using x509_ptr = std::unique_ptr<X509, openssl_free>;
using bio_ptr = std::unique_ptr<BIO, openssl_free>;

[[noreturn]] inline void generation_failed(const char* what)
{
    throw std::runtime_error(std::string("bedrock::testing certificate generation failed: ") + what);
}

inline std::string bio_string(BIO* bio)
{
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline std::string to_pem(X509* cert)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
        generation_failed("PEM_write_bio_X509");
    return bio_string(bio.get());
}

inline std::string to_pem(EVP_PKEY* key)
{
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        generation_failed("PEM_write_bio_PrivateKey");
    return bio_string(bio.get());
}

inline x509_ptr cert_from_pem(const std::string& pem)
{
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509_ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert)
        generation_failed("PEM_read_bio_X509");
    return cert;
}

inline pkey_ptr key_from_pem(const std::string& pem)
{
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    pkey_ptr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!key)
        generation_failed("PEM_read_bio_PrivateKey");
    return key;
}

inline void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value)
{
    std::unique_ptr<X509_EXTENSION, openssl_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
        generation_failed("X509_add_ext");
}

// issuer/issuer_key null: self-signed.
inline x509_ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                                 EVP_PKEY* issuer_key, bool is_ca, const std::vector<std::string>& names,
                                 std::chrono::hours valid_for)
{
    x509_ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1)
        generation_failed("X509_new");
    std::unique_ptr<BIGNUM, openssl_free> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
        generation_failed("serial number");
    if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                         static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(valid_for).count())))
        generation_failed("validity");
    if (X509_set_pubkey(cert.get(), key) != 1)
        generation_failed("X509_set_pubkey");
    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) != 1)
        generation_failed("subject name");
    if (X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1)
        generation_failed("issuer name");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), ctx, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_extension(cert.get(), ctx, NID_key_usage,
                  is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), ctx, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), ctx, NID_authority_key_identifier, "keyid:always");
    if (!is_ca) {
        add_extension(cert.get(), ctx, NID_ext_key_usage, "serverAuth");
        std::string san;
        for (const auto& name : names) {
            boost::system::error_code ec;
            boost::asio::ip::make_address(name, ec);
            san.append(san.empty() ? "" : ",").append(ec ? "DNS:" : "IP:").append(name);
        }
        if (!san.empty())
            add_extension(cert.get(), ctx, NID_subject_alt_name, san);
    }
    if (X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
        generation_failed("X509_sign");
    return cert;
}

inline pkey_ptr make_key()
{
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key)
        generation_failed("EVP_EC_gen(P-256)");
    return key;
}

} // namespace detail

BEDROCK_DECL certificate_authority::certificate_authority(const std::string& common_name)
{
    auto key = detail::make_key();
    auto cert = detail::make_certificate(key.get(), common_name, nullptr, nullptr, true, {},
                                         std::chrono::hours(24 * 30));
    ca_.certificate_pem = detail::to_pem(cert.get());
    ca_.private_key_pem = detail::to_pem(key.get());
}

BEDROCK_DECL certificate certificate_authority::issue(const std::vector<std::string>& names,
                                                      std::chrono::hours valid_for) const
{
    auto ca_cert = detail::cert_from_pem(ca_.certificate_pem);
    auto ca_key = detail::key_from_pem(ca_.private_key_pem);
    auto key = detail::make_key();
    auto cert = detail::make_certificate(key.get(), names.empty() ? std::string("test server") : names.front(),
                                         ca_cert.get(), ca_key.get(), false, names, valid_for);
    return {detail::to_pem(cert.get()), detail::to_pem(key.get())};
}

BEDROCK_DECL std::vector<std::string> loopback_names() { return {"localhost", "127.0.0.1", "::1"}; }

} // namespace bedrock::testing

#endif

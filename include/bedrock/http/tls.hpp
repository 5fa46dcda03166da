#ifndef BEDROCK_HTTP_TLS_HPP
#define BEDROCK_HTTP_TLS_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/http/error.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace bedrock::http {

/// How the client trusts servers. The default verifies the peer against the system's CA paths.
struct tls_options {
    /// Refuse servers whose certificate chain does not verify or does not name the host. Leave on.
    bool verify_peer = true;
    /// A PEM bundle file to trust instead of the system's CAs (the `AWS_CA_BUNDLE` case).
    std::string ca_file;
    /// PEM certificates to trust instead of the system's CAs (e.g. a test server's throwaway CA).
    /// With both `ca_file` and `ca_pem` set, both are trusted.
    std::string ca_pem;
};

/// Reads `AWS_CA_BUNDLE` into `ca_file`.
BEDROCK_DECL tls_options tls_options_from_environment();

/// A client context: TLS 1.2 or later, peer verification as configured. Each connection sets SNI
/// (host names only, never IP literals) and checks the certificate names the host (DNS or IP SAN),
/// through OpenSSL's own verification so a refusal reports why (see `tls_verify_category()`).
/// error::bad_tls_options when the CA file or PEM cannot be loaded.
BEDROCK_DECL boost::system::result<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const tls_options& options = {});

} // namespace bedrock::http

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/tls.ipp>
#endif

#endif

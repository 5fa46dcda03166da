#ifndef BEDROCK_HTTP_IMPL_TLS_IPP
#define BEDROCK_HTTP_IMPL_TLS_IPP

#include <bedrock/http/tls.hpp>

#include <boost/asio/buffer.hpp>

#include <openssl/ssl.h>

#include <cstdlib>

namespace bedrock::http {

BEDROCK_DECL tls_options tls_options_from_environment()
{
    tls_options options;
    if (const char* bundle = std::getenv("AWS_CA_BUNDLE"); bundle && *bundle)
        options.ca_file = bundle;
    return options;
}

BEDROCK_DECL boost::system::result<std::shared_ptr<boost::asio::ssl::context>>
make_tls_context(const tls_options& options)
{
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = ctx->native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
        return boost::system::error_code(error::bad_tls_options);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);

    boost::system::error_code ec;
    if (options.ca_file.empty() && options.ca_pem.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec)
            return boost::system::error_code(error::bad_tls_options);
    }
    if (!options.ca_file.empty()) {
        ctx->load_verify_file(options.ca_file, ec);
        if (ec)
            return boost::system::error_code(error::bad_tls_options);
    }
    if (!options.ca_pem.empty()) {
        ctx->add_certificate_authority(boost::asio::buffer(options.ca_pem), ec);
        if (ec)
            return boost::system::error_code(error::bad_tls_options);
    }
    ctx->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
    return ctx;
}

} // namespace bedrock::http

#endif

#ifndef BEDROCK_HTTP_IMPL_ERROR_IPP
#define BEDROCK_HTTP_IMPL_ERROR_IPP

#include <bedrock/http/error.hpp>

#include <openssl/x509.h>

#include <string>

namespace bedrock::http {
namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.http"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<error>(ev)) {
        case error::bad_endpoint: return "endpoint URL is not http[s]://host[:port][/path]";
        case error::bad_proxy: return "proxy URL is not [http://][user[:password]@]host[:port]";
        case error::bad_tls_options: return "TLS options: CA bundle or PEM could not be loaded";
        case error::connect_timeout: return "connect timeout (name resolution and TCP connect)";
        case error::tls_handshake_timeout: return "TLS handshake timeout";
        case error::first_byte_timeout: return "timeout waiting for the first byte of the response";
        case error::idle_timeout: return "idle timeout: no data received from the server in time";
        case error::total_timeout: return "total timeout of the exchange expired";
        case error::pool_closed: return "connection pool closed";
        case error::body_too_large: return "response body larger than the configured limit";
        case error::header_too_large: return "response head larger than the configured limit";
        case error::proxy_connect_failed: return "proxy refused or failed the CONNECT tunnel";
        case error::end_of_stream: return "end of the response body";
        case error::stream_closed: return "response stream closed";
        case error::read_in_progress: return "a read is already pending on this response stream";
        case error::first_event_timeout: return "timeout waiting for the first event of the stream";
        case error::stream_reset: return "the server reset the HTTP/2 stream";
        case error::stream_refused: return "the server refused the HTTP/2 stream before processing it";
        case error::protocol_error: return "HTTP/2 protocol error";
        case error::write_in_progress: return "a write is already pending on this request body";
        }
        return "unknown bedrock.http error";
    }
};

class tls_verify_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.tls.verify"; }

    std::string message(int ev) const override
    {
        return std::string("certificate verify failed: ") + X509_verify_cert_error_string(ev);
    }
};

} // namespace detail

BEDROCK_DECL const boost::system::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

BEDROCK_DECL const boost::system::error_category& tls_verify_category() noexcept
{
    static const detail::tls_verify_category_impl instance;
    return instance;
}

BEDROCK_DECL bool is_timeout(const boost::system::error_code& ec) noexcept
{
    return ec == error::connect_timeout || ec == error::tls_handshake_timeout ||
           ec == error::first_byte_timeout || ec == error::idle_timeout ||
           ec == error::total_timeout || ec == error::first_event_timeout;
}

BEDROCK_DECL bool is_certificate_error(const boost::system::error_code& ec) noexcept
{
    return ec && ec.category() == tls_verify_category();
}

} // namespace bedrock::http

#endif

#ifndef BEDROCK_HTTP_ERROR_HPP
#define BEDROCK_HTTP_ERROR_HPP

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace bedrock::http {

/// Why the transport failed. Each timeout has its own code, so a log line says which limit was hit.
/// Errors from the layers below (Asio socket errors, OpenSSL, Beast's HTTP parser) are passed through
/// unchanged, except certificate verification failures (see `tls_verify_category()`).
enum class error {
    bad_endpoint = 1,      ///< the URL is not `http[s]://host[:port][/base]`
    bad_proxy,             ///< the proxy URL is not `[http://][user[:password]@]host[:port]`
    bad_tls_options,       ///< a CA bundle file or PEM could not be loaded
    connect_timeout,       ///< name resolution plus TCP connect (plus proxy tunnel) took too long
    tls_handshake_timeout, ///< the TLS handshake took too long
    first_byte_timeout,    ///< no response byte arrived in time after the request was sent
    idle_timeout,          ///< no progress (body bytes, or the rest of the head) in time
    total_timeout,         ///< the whole exchange, or the whole response stream, took too long
    pool_closed,           ///< the connection pool was closed
    body_too_large,        ///< the response body exceeds the configured limit
    header_too_large,      ///< the response head exceeds the configured limit
    proxy_connect_failed,  ///< the proxy refused or failed the CONNECT tunnel
    end_of_stream,         ///< response_stream: the body has been read to its end
    stream_closed,         ///< response_stream: read after close(), after an error, or on an empty stream
    read_in_progress,      ///< response_stream: a second read while one is still pending
    first_event_timeout,   ///< an event stream's first event did not arrive in time
    stream_reset,          ///< HTTP/2: the server reset the stream (RST_STREAM)
    /// HTTP/2: the server refused the stream before processing it (REFUSED_STREAM, or a GOAWAY
    /// below its id): safe to send again
    stream_refused,
    protocol_error,        ///< HTTP/2: the server broke the protocol (the connection is closed)
    write_in_progress,     ///< a duplex body: a second write while one is still pending
};

/// The category of http::error ("bedrock.http").
BEDROCK_DECL const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// Certificate verification failures: the value is OpenSSL's X509_V_ERR_* code (e.g.
/// X509_V_ERR_HOSTNAME_MISMATCH) and the message OpenSSL's text for it ("hostname mismatch",
/// "unable to get local issuer certificate", ...), so a refused certificate says why.
BEDROCK_DECL const boost::system::error_category& tls_verify_category() noexcept;

/// True for any of the five named timeouts.
BEDROCK_DECL bool is_timeout(const boost::system::error_code& ec) noexcept;

/// True when the peer's certificate was refused (an error of `tls_verify_category()`).
BEDROCK_DECL bool is_certificate_error(const boost::system::error_code& ec) noexcept;

} // namespace bedrock::http

template <>
struct boost::system::is_error_code_enum<bedrock::http::error> : std::true_type {};

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/error.ipp>
#endif

#endif

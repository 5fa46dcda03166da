#ifndef BEDROCK_ERROR_HPP
#define BEDROCK_ERROR_HPP

// Error codes of the client. Two families:
//  - client_errc: what went wrong on our side of the wire (configuration, credentials, a response
//    we cannot understand, misuse of a stream);
//  - service_errc: what the service said (its modeled exceptions and the well-known unmodeled ones),
//    mapped from `x-amzn-errortype`, the body's `__type`/`code`, or a stream's `:exception-type`.
// What the service said in words travels in bedrock::diagnostics, never inside the error_code.

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <string_view>
#include <type_traits>

namespace bedrock {

enum class client_errc {
    missing_region = 1,       ///< no region in code, environment or profile
    invalid_endpoint,         ///< the endpoint URL (configured or resolved) cannot be used
    invalid_configuration,    ///< a configuration value is malformed or contradicts another
    no_credentials,           ///< no provider in the chain had credentials
    credentials_expired,      ///< the credentials' expiration has passed and none fresher exist
    credentials_provider_failed, ///< a provider answered with something unusable
    profile_not_found,        ///< AWS_PROFILE (or the chosen profile) is in neither file
    invalid_response,         ///< a response that breaks the protocol (bad JSON, wrong type...)
    invalid_request,          ///< a request that cannot be sent (missing required member...)
    stream_busy,              ///< next()/send() called while the previous one is still pending
    stream_closed,            ///< the stream was closed by the user
    invalid_credentials_endpoint, ///< a credentials endpoint URL (container, instance metadata) is refused
    invalid_credentials_response, ///< a credentials endpoint answered something that is not credentials
    /// A ConverseStream answer ended (its body, or its connection) before `messageStop`: what was
    /// delivered is not the whole answer.
    incomplete_stream,
    unsupported_content_encoding, ///< a response with a Content-Encoding (gzip...) the client never offered
    http2_required,           ///< the operation needs HTTP/2 and the transport speaks HTTP/1.1
    stream_finished,          ///< send() or finish() after finish(): the request body has ended
};

enum class service_errc {
    // The modeled exceptions of Bedrock Runtime.
    access_denied = 1,
    conflict,
    internal_server,
    model_error,
    model_not_ready,
    model_stream_error,
    model_timeout,
    resource_not_found,
    service_quota_exceeded,
    service_unavailable,
    throttling,
    validation,
    // Unmodeled, but sent by the AWS front end and worth a name.
    expired_token,        ///< ExpiredTokenException, RequestExpired
    invalid_signature,    ///< InvalidSignatureException, SignatureDoesNotMatch, IncompleteSignature
    unrecognized_client,  ///< UnrecognizedClientException, InvalidClientTokenId
    transient_http_error, ///< 502/504 and other unnamed transient answers
    unknown,              ///< a non-2xx answer with a type we do not know (see diagnostics)
};

BEDROCK_DECL const boost::system::error_category& client_category() noexcept;
BEDROCK_DECL const boost::system::error_category& service_category() noexcept;

inline boost::system::error_code make_error_code(client_errc e) noexcept
{
    return {static_cast<int>(e), client_category()};
}
inline boost::system::error_code make_error_code(service_errc e) noexcept
{
    return {static_cast<int>(e), service_category()};
}

/// The service's error type name (e.g. "ThrottlingException") for a service_errc, as modeled.
BEDROCK_DECL std::string_view service_error_name(service_errc e) noexcept;

/// Maps an error type name as the service sends it, already trimmed ("ThrottlingException"), to
/// its code. Names of no known error give service_errc::unknown.
BEDROCK_DECL service_errc service_error_from_name(std::string_view name) noexcept;

/// Whether an error is worth another attempt under the standard retry mode: throttling, transient
/// service errors (500, 502, 503, 504, model not ready) and transient network failures
/// (connection refused/reset/aborted, end of stream before a response, the connect, TLS handshake and
/// first-byte timeouts of bedrock::http::error).
BEDROCK_DECL bool is_retryable(const boost::system::error_code& ec) noexcept;

/// Whether the error is a throttling error (a retry of it costs the retry bucket less).
BEDROCK_DECL bool is_throttling(const boost::system::error_code& ec) noexcept;

} // namespace bedrock

template <>
struct boost::system::is_error_code_enum<bedrock::client_errc> : std::true_type {};
template <>
struct boost::system::is_error_code_enum<bedrock::service_errc> : std::true_type {};

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/error.ipp>
#endif

#endif

#ifndef BEDROCK_IMPL_ERROR_IPP
#define BEDROCK_IMPL_ERROR_IPP

#include <bedrock/error.hpp>
#include <bedrock/http/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <array>
#include <string>
#include <utility>

namespace bedrock {
namespace detail {

class client_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.client"; }
    std::string message(int ev) const override { return message(ev, nullptr, 0); }
    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<client_errc>(ev)) {
        case client_errc::missing_region:
            return "no AWS region configured (set it in code, AWS_REGION, or the profile's region)";
        case client_errc::invalid_endpoint: return "the endpoint URL cannot be used";
        case client_errc::invalid_configuration: return "invalid configuration value";
        case client_errc::no_credentials: return "no AWS credentials found by any provider";
        case client_errc::credentials_expired: return "the AWS credentials have expired";
        case client_errc::credentials_provider_failed: return "a credentials provider failed";
        case client_errc::profile_not_found: return "the AWS profile was not found";
        case client_errc::invalid_response: return "the service's response could not be understood";
        case client_errc::invalid_request: return "the request cannot be sent as it is";
        case client_errc::stream_busy: return "an operation of this kind is already pending on the stream";
        case client_errc::stream_closed: return "the stream is closed";
        case client_errc::incomplete_stream: return "the event stream ended before its last event: the answer is incomplete";
        case client_errc::invalid_credentials_endpoint:
            return "the credentials endpoint URL is not allowed (plain http only to loopback or the "
                   "ECS/EKS link-local addresses) or cannot be parsed";
        case client_errc::invalid_credentials_response:
            return "the credentials endpoint's answer is not valid credentials";
        case client_errc::unsupported_content_encoding:
            return "the response is content-encoded (Content-Encoding), which the client did not ask for "
                   "and does not decode";
        case client_errc::http2_required:
            return "the operation needs HTTP/2 (a request body written while the answer is read), and the "
                   "transport speaks HTTP/1.1";
        case client_errc::stream_finished:
            return "the stream's input has been finished: nothing more can be sent on it";
        }
        return "unknown bedrock.client error";
    }
};

// Modeled names first (in enum order), then the extra names that map onto the same codes.
inline constexpr std::array<std::pair<std::string_view, service_errc>, 30> service_error_names{{
    {"AccessDeniedException", service_errc::access_denied},
    {"ConflictException", service_errc::conflict},
    {"InternalServerException", service_errc::internal_server},
    {"ModelErrorException", service_errc::model_error},
    {"ModelNotReadyException", service_errc::model_not_ready},
    {"ModelStreamErrorException", service_errc::model_stream_error},
    {"ModelTimeoutException", service_errc::model_timeout},
    {"ResourceNotFoundException", service_errc::resource_not_found},
    {"ServiceQuotaExceededException", service_errc::service_quota_exceeded},
    {"ServiceUnavailableException", service_errc::service_unavailable},
    {"ThrottlingException", service_errc::throttling},
    {"ValidationException", service_errc::validation},
    {"ExpiredTokenException", service_errc::expired_token},
    {"InvalidSignatureException", service_errc::invalid_signature},
    {"UnrecognizedClientException", service_errc::unrecognized_client},
    {"TransientHttpError", service_errc::transient_http_error},
    {"UnknownError", service_errc::unknown},
    // Other spellings the AWS front ends use.
    {"AccessDenied", service_errc::access_denied},
    {"ExpiredToken", service_errc::expired_token},
    {"RequestExpired", service_errc::expired_token},
    {"SignatureDoesNotMatch", service_errc::invalid_signature},
    {"IncompleteSignature", service_errc::invalid_signature},
    {"IncompleteSignatureException", service_errc::invalid_signature},
    {"InvalidClientTokenId", service_errc::unrecognized_client},
    {"Throttling", service_errc::throttling},
    {"TooManyRequestsException", service_errc::throttling},
    {"ThrottledException", service_errc::throttling},
    {"RequestLimitExceeded", service_errc::throttling},
    {"RequestThrottled", service_errc::throttling},
    {"SlowDown", service_errc::throttling},
}};

class service_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.service"; }
    std::string message(int ev) const override { return message(ev, nullptr, 0); }
    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<service_errc>(ev)) {
        case service_errc::access_denied: return "access denied";
        case service_errc::conflict: return "conflict with a previous request";
        case service_errc::internal_server: return "internal server error";
        case service_errc::model_error: return "the model returned an error";
        case service_errc::model_not_ready: return "the model is not ready to serve requests";
        case service_errc::model_stream_error: return "the model's stream failed";
        case service_errc::model_timeout: return "the model took too long";
        case service_errc::resource_not_found: return "resource not found";
        case service_errc::service_quota_exceeded: return "service quota exceeded";
        case service_errc::service_unavailable: return "service unavailable";
        case service_errc::throttling: return "request throttled";
        case service_errc::validation: return "request failed validation";
        case service_errc::expired_token: return "the security token has expired";
        case service_errc::invalid_signature: return "the request signature was rejected";
        case service_errc::unrecognized_client: return "the access key or token is not recognized";
        case service_errc::transient_http_error: return "transient HTTP error from the service";
        case service_errc::unknown: return "the service returned an error of an unknown type";
        }
        return "unknown bedrock.service error";
    }
};

} // namespace detail

BEDROCK_DECL const boost::system::error_category& client_category() noexcept
{
    static const detail::client_category_impl instance;
    return instance;
}

BEDROCK_DECL const boost::system::error_category& service_category() noexcept
{
    static const detail::service_category_impl instance;
    return instance;
}

BEDROCK_DECL std::string_view service_error_name(service_errc e) noexcept
{
    for (const auto& [name, code] : detail::service_error_names)
        if (code == e)
            return name;
    return "UnknownError";
}

BEDROCK_DECL service_errc service_error_from_name(std::string_view name) noexcept
{
    for (const auto& [known, code] : detail::service_error_names)
        if (known == name)
            return code;
    return service_errc::unknown;
}

BEDROCK_DECL bool is_throttling(const boost::system::error_code& ec) noexcept
{
    return ec.category() == service_category() &&
           static_cast<service_errc>(ec.value()) == service_errc::throttling;
}

BEDROCK_DECL bool is_retryable(const boost::system::error_code& ec) noexcept
{
    if (ec.category() == service_category()) {
        switch (static_cast<service_errc>(ec.value())) {
        case service_errc::throttling:
        case service_errc::internal_server:
        case service_errc::service_unavailable:
        case service_errc::model_not_ready:
        case service_errc::transient_http_error: return true;
        default: return false;
        }
    }
    namespace aerr = boost::asio::error;
    if (ec == aerr::connection_reset || ec == aerr::connection_refused || ec == aerr::connection_aborted ||
        ec == aerr::broken_pipe || ec == aerr::eof || ec == aerr::timed_out ||
        ec == aerr::network_reset || ec == aerr::network_unreachable || ec == aerr::host_unreachable ||
        ec == aerr::host_not_found_try_again || ec == boost::asio::ssl::error::stream_truncated ||
        ec == boost::beast::http::error::end_of_stream || ec == boost::beast::http::error::partial_message)
        return true;
    // The transport's named timeouts before any answer: connecting, the TLS handshake, the first
    // byte. (Idle, total and first-event timeouts bound what the caller waits for: not retried.)
    if (ec == http::error::connect_timeout || ec == http::error::tls_handshake_timeout ||
        ec == http::error::first_byte_timeout)
        return true;
    // HTTP/2: a stream the server says it never processed (REFUSED_STREAM, GOAWAY), and a stream
    // reset, which is HTTP/2's connection reset for one request.
    if (ec == http::error::stream_refused || ec == http::error::stream_reset)
        return true;
    return false;
}

} // namespace bedrock

#endif

#ifndef BEDROCK_PROTOCOL_ERRORS_HPP
#define BEDROCK_PROTOCOL_ERRORS_HPP

// How a failure reported by the service becomes an error_code and diagnostics: the rest-json rules
// for non-2xx answers, and the event-stream rules for exceptions inside a stream.

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/eventstream/message.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace bedrock::protocol {

/// A non-2xx HTTP answer. The type comes from `x-amzn-errortype`, else the body's `__type`, else its
/// `code`, reduced to its name by json::sanitize_error_type; the message from the body's `message` (or `Message`); the other body members that are not
/// type markers go to diag.extra. An answer with no type is named from its status (429 throttling,
/// 500 internal, 503 unavailable, 502/504 transient). Never fails: a body that is not JSON only
/// loses the message.
BEDROCK_DECL boost::system::error_code error_from_response(unsigned status, std::string_view error_type_header,
                                                           std::string_view request_id, std::string_view body,
                                                           diagnostics& diag);

/// A stream frame whose `:message-type` is `exception` (a modeled error, named by `:exception-type`,
/// payload = its JSON members) or `error` (`:error-code`, `:error-message`). Returns an empty code
/// for any other frame.
BEDROCK_DECL boost::system::error_code error_from_stream_message(const eventstream::message_view& m,
                                                                 diagnostics& diag);

/// An HTTP date, RFC 9110's IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), as the service's `Date`
/// header carries it; nothing if malformed.
BEDROCK_DECL std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) noexcept;

/// How far the local clock is behind the service's (negative: ahead), when a failed answer shows
/// that the request's signature was refused for its time: a 4xx whose error type is
/// RequestTimeTooSkewed, RequestExpired or RequestInTheFuture, or an InvalidSignatureException whose
/// message says the signature expired or is not yet current; or any 4xx whose `Date` is more than
/// 4 minutes from `local_now` (the AWS SDKs' rule). Measured from `date_header`; nothing without one.
/// `diag` holds the answer's error type and message (error_from_response has filled it).
BEDROCK_DECL std::optional<std::chrono::milliseconds> clock_skew(unsigned status, std::string_view date_header,
                                                                 const diagnostics& diag,
                                                                 std::chrono::system_clock::time_point local_now);

} // namespace bedrock::protocol

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/protocol/impl/errors.ipp>
#endif

#endif

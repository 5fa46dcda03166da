#ifndef BEDROCK_PROTOCOL_ERRORS_HPP
#define BEDROCK_PROTOCOL_ERRORS_HPP

// How a failure reported by the service becomes an error_code and diagnostics: the rest-json rules
// for non-2xx answers, and the event-stream rules for exceptions inside a stream.

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/eventstream/message.hpp>

#include <boost/system/error_code.hpp>

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

} // namespace bedrock::protocol

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/protocol/impl/errors.ipp>
#endif

#endif

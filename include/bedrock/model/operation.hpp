#ifndef BEDROCK_MODEL_OPERATION_HPP
#define BEDROCK_MODEL_OPERATION_HPP

// The vocabulary of the generated operation descriptors (bedrock::operations::converse, ...): how an
// operation maps onto HTTP. Each descriptor is a struct of types and constants:
//
//   input_type, output_type          the request and response shapes
//   input_event_type                 the event union the client sends (bidirectional stream only)
//   output_event_type                the event union the response body carries (streams only)
//   error_types                      std::tuple of the modeled errors the operation may return
//   name, method, uri                "Converse", "POST", "/model/{modelId}/converse"
//   success_status                   200
//   input_body, output_body          body_kind: what the HTTP body is
//   input_payload, output_payload    for body_kind::blob: the member that is the body, as is
//   input_bindings, output_bindings  std::tuple of http_binding: members that travel in the URI,
//                                    the query string or headers (and so not in the JSON body)
//   idempotency_token                a member the client fills with a UUID when absent (if any)
//   input_token, output_token, limit_key, result_key   pagination (ListAsyncInvokes)

#include <cstdint>
#include <string_view>

namespace bedrock {

enum class http_location : std::uint8_t {
    uri,    ///< a {label} of the URI template, percent-encoded
    query,  ///< a query-string parameter
    header, ///< an HTTP header
};

enum class body_kind : std::uint8_t {
    empty,        ///< no body (all members, if any, are bound to the URI, query or headers)
    json,         ///< the JSON of the shape's unbound members (bedrock::json::serialize / parse)
    blob,         ///< one member's bytes, as is (InvokeModel's body)
    event_stream, ///< application/vnd.amazon.eventstream frames
};

/// A member of `Shape` (of type `Member`) bound to the URI, the query string or a header.
template <class Shape, class Member>
struct http_binding {
    http_location location;
    std::string_view name; ///< the URI label, query parameter or header name
    Member Shape::*member;
};

} // namespace bedrock

#endif

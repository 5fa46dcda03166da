#ifndef BEDROCK_PROTOCOL_BINDINGS_HPP
#define BEDROCK_PROTOCOL_BINDINGS_HPP

// The rest-json binding of an operation, sans-I/O: an input shape becomes an HTTP request (URI
// labels, query string, headers, body) and an HTTP answer becomes the output shape, both driven by
// the generated operation descriptors (bedrock/model/operation.hpp).

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/operation.hpp>
#include <bedrock/transport/request.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace bedrock::protocol {

using http_request = transport::request;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

/// Fills `out` with the method, path (`base_path` + the expanded URI template, encoded), the query
/// parameters (decoded), the bound headers, Content-Type, the body of `Operation` for `in`, and
/// Content-Length unless it is a GET without a body or the body is an event stream (its length is
/// not known: the transport frames it). Host, authentication and the user agent are the signer's
/// and the transport's. Errors: client_errc::invalid_request when a URI label is empty
/// or a member the model requires is unset (json::validate_required; `diag->client_message` then
/// names the member's path): a request the service would refuse is not sent.
template <class Operation>
boost::system::error_code build_request(const typename Operation::input_type& in, std::string_view base_path,
                                        http_request& out, diagnostics* diag = nullptr);

/// Checks a 2xx answer's head for what the body's parser cannot see: a Content-Encoding other than
/// identity (the client offers none and decodes none: client_errc::unsupported_content_encoding), and
/// for an event-stream output a Content-Type other than application/vnd.amazon.eventstream
/// (client_errc::invalid_response), so that no byte of, say, a web page is taken for a frame. A
/// missing Content-Type passes. `diag.client_message` says what came.
template <class Operation, class Fields>
boost::system::error_code check_answer_head(const Fields& in, diagnostics& diag);

/// Fills `out` from a 2xx answer: the JSON (or raw) body and the members bound to headers, once
/// check_answer_head has passed. Errors: those of check_answer_head; client_errc::invalid_response
/// with the JSON member path in `diag.client_message` (and the Content-Type, when it is not JSON).
template <class Operation>
boost::system::error_code parse_response(http_response& in, simdjson::ondemand::parser& parser,
                                         typename Operation::output_type& out, diagnostics& diag);

/// Fills the members of `out` bound to response headers (a stream's output: its body is the
/// event stream). `Fields` is a Beast header container. Errors: client_errc::invalid_response.
template <class Operation, class Fields>
boost::system::error_code parse_response_headers(const Fields& in, typename Operation::output_type& out,
                                                 diagnostics& diag);

/// A timestamp as the query string and headers carry it here: ISO 8601, UTC, with the fraction of a
/// second when there is one, in milliseconds as the JS SDK writes it (or micro- or nanoseconds when
/// it takes them): "2025-01-15T12:30:45Z", "2025-01-15T12:30:45.500Z", "2025-01-15T12:30:45.000001Z".
BEDROCK_DECL std::string format_date_time(timestamp t);

} // namespace bedrock::protocol

#include <bedrock/protocol/impl/bindings.hpp>

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/protocol/impl/bindings.ipp>
#endif

#endif

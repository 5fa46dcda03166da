#ifndef BEDROCK_HTTP_MESSAGE_FWD_HPP
#define BEDROCK_HTTP_MESSAGE_FWD_HPP

// The HTTP/1.1 transport's message types, declared without Beast's headers. The public headers
// (the client, the transport interface, interceptors) only pass these by reference; declaring them
// here keeps Beast out of a user's translation unit in the separately compiled mode. That matters
// twice: Beast's HTTP headers are a large part of a TU's compile time, and Beast 1.81's headers
// cannot be compiled without exceptions (core/impl/buffers_cat.hpp throws unconditionally), so a
// program built with -fno-exceptions could not include <bedrock/client.hpp> at all. Where the types
// must be complete, include <bedrock/http/message.hpp>; its static_asserts check these declarations
// against Beast's own.

#include <memory>
#include <string>
#include <string_view>

namespace boost::beast::http {
template <class Allocator>
class basic_fields;
template <bool isRequest, class Fields>
class header;
template <bool isRequest, class Body, class Fields>
class message;
template <class CharT, class Traits, class Allocator>
struct basic_string_body;
} // namespace boost::beast::http

namespace bedrock::http {

namespace beast_fwd {
using fields = boost::beast::http::basic_fields<std::allocator<char>>;
using string_body = boost::beast::http::basic_string_body<char, std::char_traits<char>, std::allocator<char>>;
} // namespace beast_fwd

/// What the HTTP/1.1 transport sends and receives for unary calls (Beast's
/// `http::request<http::string_body>` and `http::response<http::string_body>`).
using request = boost::beast::http::message<true, beast_fwd::string_body, beast_fwd::fields>;
using response = boost::beast::http::message<false, beast_fwd::string_body, beast_fwd::fields>;
/// Status line and headers of a response (Beast's `http::response_header<>`).
using response_head = boost::beast::http::header<false, beast_fwd::fields>;

/// A request its caller writes out as HTTP/1.1 itself, for the exchanges whose caller holds the
/// request in a form of its own (the transport's neutral request): building a Beast message from
/// it would cost a heap allocation per header field, only for the connection to write the fields
/// out again. The head is written straight into the connection's send buffer, when the exchange
/// has a connection (again on the fresh connection of a retry), so it is never held anywhere else.
struct serialized_request {
    /// Appends the request line and every header line (Host and Content-Length included), each
    /// ending in CRLF, without the empty line that ends the head, to `out`; given `source` and
    /// `context`, which must outlive the exchange.
    void (*write_head)(const void* source, const void* context, std::string& out) = nullptr;
    const void* source = nullptr;
    const void* context = nullptr;
    /// Sent after the head. The caller's: it must outlive the exchange.
    std::string_view body;
    /// A HEAD request, whose answer has no body whatever its head announces.
    bool head_method = false;
};

} // namespace bedrock::http

#endif

#ifndef BEDROCK_HTTP_MESSAGE_HPP
#define BEDROCK_HTTP_MESSAGE_HPP

// The HTTP/1.1 transport's messages, complete: Beast's types, declared in message_fwd.hpp for the
// headers that only pass them by reference.

#include <bedrock/http/message_fwd.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <type_traits>

namespace bedrock::http {

static_assert(std::is_same_v<request, boost::beast::http::request<boost::beast::http::string_body>>);
static_assert(std::is_same_v<response, boost::beast::http::response<boost::beast::http::string_body>>);
static_assert(std::is_same_v<response_head, boost::beast::http::response_header<>>);

} // namespace bedrock::http

#endif

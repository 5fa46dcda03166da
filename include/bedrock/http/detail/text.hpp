#ifndef BEDROCK_HTTP_DETAIL_TEXT_HPP
#define BEDROCK_HTTP_DETAIL_TEXT_HPP

// The URL, proxy and header code's ASCII helpers, by the names it uses (http::detail::...). Their one
// home is bedrock/detail/text.hpp.

#include <bedrock/detail/text.hpp>

namespace bedrock::http::detail {

using bedrock::detail::ascii_lower;
using bedrock::detail::iequals;
using bedrock::detail::iequals_prefix;
using bedrock::detail::percent_decode;
using bedrock::detail::trim;

} // namespace bedrock::http::detail

#endif

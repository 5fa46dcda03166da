#ifndef BEDROCK_DETAIL_JSON_PARSER_HPP
#define BEDROCK_DETAIL_JSON_PARSER_HPP

#include <simdjson.h>

namespace bedrock::detail {

// One simdjson parser per thread: it keeps its buffers, so a warm parse allocates nothing.
inline simdjson::ondemand::parser& thread_json_parser()
{
    thread_local simdjson::ondemand::parser parser;
    return parser;
}

} // namespace bedrock::detail

#endif

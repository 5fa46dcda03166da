#ifndef BEDROCK_PROTOCOL_IMPL_BINDINGS_IPP
#define BEDROCK_PROTOCOL_IMPL_BINDINGS_IPP

#include <bedrock/protocol/bindings.hpp>

#include <cstdio>
#include <ctime>

namespace bedrock::protocol {

BEDROCK_DECL std::string format_date_time(timestamp t)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::seconds>(t));
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

} // namespace bedrock::protocol

#endif

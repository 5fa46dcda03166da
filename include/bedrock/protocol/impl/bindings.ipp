#ifndef BEDROCK_PROTOCOL_IMPL_BINDINGS_IPP
#define BEDROCK_PROTOCOL_IMPL_BINDINGS_IPP

#include <bedrock/protocol/bindings.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace bedrock::protocol {

BEDROCK_DECL std::string format_date_time(timestamp t)
{
    using namespace std::chrono;
    const auto ns = time_point_cast<nanoseconds>(t);
    const auto whole = floor<seconds>(ns);
    const auto fraction = static_cast<long>((ns - whole).count()); // [0, 1e9)
    const std::time_t seconds = system_clock::to_time_t(time_point_cast<system_clock::duration>(whole));
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    // The fraction as the official SDKs write it: none when zero, else milliseconds (the JS SDK's
    // three digits), or as many groups of three digits as it takes to keep it exact.
    if (n > 0 && fraction != 0) {
        if (fraction % 1000000 == 0)
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03ld", fraction / 1000000);
        else if (fraction % 1000 == 0)
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%06ld", fraction / 1000);
        else
            n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%09ld", fraction);
    }
    if (n > 0)
        buf[n++] = 'Z';
    return std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0));
}

} // namespace bedrock::protocol

#endif

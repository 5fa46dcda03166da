#ifndef BEDROCK_TESTS_UNIT_AUTH_TEST_SUPPORT_HPP
#define BEDROCK_TESTS_UNIT_AUTH_TEST_SUPPORT_HPP

// Helpers for the signing tests: reading the raw HTTP requests of the SigV4 suites, ISO 8601 times
// and hex strings.

#include <bedrock/auth/sigv4.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::test {

/// "2015-08-30T12:36:00Z" or "2025-01-15T12:30:47.250Z" (UTC only, as in the vectors).
inline std::chrono::system_clock::time_point parse_time(std::string_view s)
{
    const auto num = [&](std::size_t pos, std::size_t n) {
        int v = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (i >= s.size() || s[i] < '0' || s[i] > '9')
                throw std::runtime_error("bad time: " + std::string(s));
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    using namespace std::chrono;
    const year_month_day ymd{year{num(0, 4)}, month{static_cast<unsigned>(num(5, 2))},
                             day{static_cast<unsigned>(num(8, 2))}};
    auto t = sys_days{ymd} + hours{num(11, 2)} + minutes{num(14, 2)} + seconds{num(17, 2)};
    milliseconds ms{0};
    if (s.size() > 19 && s[19] == '.')
        ms = milliseconds{num(20, 3)};
    return time_point_cast<system_clock::duration>(t + ms);
}

/// "20250115T123045Z" (x-amz-date form).
inline std::chrono::system_clock::time_point parse_amz_date(std::string_view s)
{
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z')
        throw std::runtime_error("bad x-amz-date: " + std::string(s));
    std::string iso;
    iso.append(s.substr(0, 4)).append("-").append(s.substr(4, 2)).append("-").append(s.substr(6, 2));
    iso.append("T").append(s.substr(9, 2)).append(":").append(s.substr(11, 2)).append(":");
    iso.append(s.substr(13, 2)).append("Z");
    return parse_time(iso);
}

inline std::vector<std::uint8_t> from_hex(std::string_view hex)
{
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        throw std::runtime_error("bad hex digit");
    };
    if (hex.size() % 2)
        throw std::runtime_error("odd hex length");
    std::vector<std::uint8_t> out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return out;
}

inline std::string to_hex(std::span<const std::uint8_t> bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0f]);
    }
    return out;
}

inline std::span<const std::uint8_t> as_bytes(std::string_view s)
{
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// %XX decoding of a query component as found on the wire.
inline std::string percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const auto v = from_hex(s.substr(i + 1, 2));
            out.push_back(static_cast<char>(v[0]));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

/// A request as written in the test suites' request.txt / .req files.
struct raw_request {
    std::string method;
    std::string path; // the target up to '?', as written
    std::vector<std::pair<std::string, std::string>> query; // decoded
    std::vector<std::pair<std::string, std::string>> headers; // raw values (folded lines kept)
    std::string body;

    std::vector<auth::http_header> header_views() const
    {
        std::vector<auth::http_header> v;
        for (const auto& [n, val] : headers)
            v.push_back({n, val});
        return v;
    }
    std::vector<auth::query_parameter> query_views() const
    {
        std::vector<auth::query_parameter> v;
        for (const auto& [n, val] : query)
            v.push_back({n, val});
        return v;
    }
};

/// Parses "METHOD target HTTP/1.1\nName:value\n[ continuation\n]...\n\nbody". The target may hold a
/// space (the suites' get-space case), so the version is found from the end of the line.
inline raw_request parse_raw_request(std::string_view text)
{
    raw_request r;
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    bool body_follows = false;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        std::string_view line = text.substr(pos, end == std::string_view::npos ? end : end - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        if (line.empty() && !lines.empty()) {
            body_follows = true;
            break;
        }
        lines.push_back(line);
    }
    if (body_follows)
        r.body = std::string(text.substr(pos));
    if (lines.empty())
        throw std::runtime_error("empty request");

    const std::string_view request_line = lines[0];
    const auto sp1 = request_line.find(' ');
    const auto sp2 = request_line.rfind(" HTTP/");
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp2 <= sp1)
        throw std::runtime_error("bad request line: " + std::string(request_line));
    r.method = std::string(request_line.substr(0, sp1));
    const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const std::string_view param = query.substr(0, amp);
            const auto eq = param.find('=');
            r.query.emplace_back(percent_decode(param.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string()
                                                              : percent_decode(param.substr(eq + 1)));
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        }
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        if (line.front() == ' ' || line.front() == '\t') {
            if (r.headers.empty())
                throw std::runtime_error("continuation before any header");
            r.headers.back().second.append("\n").append(line);
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            throw std::runtime_error("bad header line: " + std::string(line));
        r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
    return r;
}

} // namespace bedrock::test

#endif

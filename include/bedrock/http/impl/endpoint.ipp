#ifndef BEDROCK_HTTP_IMPL_ENDPOINT_IPP
#define BEDROCK_HTTP_IMPL_ENDPOINT_IPP

#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/detail/text.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace bedrock::http {
namespace detail {

inline bool is_reg_name_char(char c) noexcept
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Path characters RFC 3986 allows (pchar and '/'), percent-escapes included; no query or fragment.
inline bool is_path_char(char c) noexcept
{
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~!$&'()*+,;=:@/%").find(c) !=
                                                              std::string_view::npos;
}

inline bool parse_port(std::string_view s, std::uint16_t& out) noexcept
{
    if (s.empty() || s.size() > 5)
        return false;
    unsigned value = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    out = static_cast<std::uint16_t>(value);
    return true;
}

} // namespace detail

BEDROCK_DECL bool is_ip_literal(std::string_view host) noexcept
{
    if (host.find('\0') != std::string_view::npos)
        return false; // make_address would read only up to the NUL
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec);
    return !ec;
}

BEDROCK_DECL boost::system::result<endpoint> parse_endpoint(std::string_view url)
{
    const boost::system::error_code bad = error::bad_endpoint;
    endpoint ep;
    if (detail::iequals_prefix(url, "https://")) {
        ep.scheme = scheme::https;
        url.remove_prefix(8);
    } else if (detail::iequals_prefix(url, "http://")) {
        ep.scheme = scheme::http;
        url.remove_prefix(7);
    } else {
        return bad;
    }
    ep.port = ep.is_tls() ? 443 : 80;

    const auto authority_end = url.find('/');
    std::string_view authority = url.substr(0, authority_end);
    std::string_view path = authority_end == std::string_view::npos ? std::string_view{}
                                                                     : url.substr(authority_end);
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            return bad;
        std::string_view literal = authority.substr(1, close - 1);
        // make_address_v6 reads a C string: it stops at a NUL, so "[::1\0 junk]" parsed as ::1 and
        // the junk became part of the host (and of the Host header). Only address characters pass;
        // this also refuses zone ids ('%').
        if (literal.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
            return bad;
        boost::system::error_code ec;
        boost::asio::ip::make_address_v6(std::string(literal), ec);
        if (ec)
            return bad;
        ep.host.assign(literal);
        std::string_view rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return bad;
            port = rest.substr(1);
            if (port.empty())
                return bad;
        }
    } else {
        const auto colon = authority.find(':');
        std::string_view host = authority.substr(0, colon);
        if (host.empty() || !std::all_of(host.begin(), host.end(), detail::is_reg_name_char))
            return bad;
        ep.host.assign(host);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty())
                return bad;
        }
    }
    if (!port.empty() && !detail::parse_port(port, ep.port))
        return bad;

    if (!std::all_of(path.begin(), path.end(), detail::is_path_char))
        return bad;
    while (!path.empty() && path.back() == '/')
        path.remove_suffix(1);
    ep.base_path.assign(path);
    return ep;
}

BEDROCK_DECL std::string host_header(const endpoint& ep)
{
    std::string out;
    const bool v6 = ep.host.find(':') != std::string::npos;
    if (v6)
        out.append("[").append(ep.host).append("]");
    else
        out.append(ep.host);
    if (!ep.is_default_port())
        out.append(":").append(std::to_string(ep.port));
    return out;
}

BEDROCK_DECL std::string to_string(const endpoint& ep)
{
    std::string out = ep.is_tls() ? "https://" : "http://";
    if (ep.host.find(':') != std::string::npos)
        out.append("[").append(ep.host).append("]");
    else
        out.append(ep.host);
    out.append(":").append(std::to_string(ep.port)).append(ep.base_path);
    return out;
}

} // namespace bedrock::http

#endif

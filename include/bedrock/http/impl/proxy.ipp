#ifndef BEDROCK_HTTP_IMPL_PROXY_IPP
#define BEDROCK_HTTP_IMPL_PROXY_IPP

#include <bedrock/http/proxy.hpp>
#include <bedrock/http/detail/text.hpp>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace bedrock::http {
namespace detail {

inline std::string getenv_first(const char* a, const char* b)
{
    if (const char* v = std::getenv(a); v && *v)
        return v;
    if (const char* v = std::getenv(b); v && *v)
        return v;
    return {};
}

// `prefix` leading bits of a and b are equal (both addresses of the same family).
inline bool prefix_equal(const unsigned char* a, const unsigned char* b, unsigned prefix) noexcept
{
    for (unsigned i = 0; prefix > 0; ++i) {
        const unsigned bits = prefix >= 8 ? 8 : prefix;
        const unsigned mask = (0xFFu << (8 - bits)) & 0xFFu;
        if ((a[i] & mask) != (b[i] & mask))
            return false;
        prefix -= bits;
    }
    return true;
}

inline bool cidr_matches(std::string_view entry, std::string_view host) noexcept
{
    const auto slash = entry.find('/');
    boost::system::error_code ec;
    const auto net = boost::asio::ip::make_address(std::string(entry.substr(0, slash)), ec);
    if (ec)
        return false;
    const auto addr = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || net.is_v4() != addr.is_v4())
        return false;
    unsigned prefix = 0;
    const auto digits = entry.substr(slash + 1);
    if (digits.empty() || digits.size() > 3)
        return false;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return false;
        prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (net.is_v4()) {
        if (prefix > 32)
            return false;
        const auto a = net.to_v4().to_bytes();
        const auto b = addr.to_v4().to_bytes();
        return prefix_equal(a.data(), b.data(), prefix);
    }
    if (prefix > 128)
        return false;
    const auto a = net.to_v6().to_bytes();
    const auto b = addr.to_v6().to_bytes();
    return prefix_equal(a.data(), b.data(), prefix);
}

inline std::string base64(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < in.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

} // namespace detail

BEDROCK_DECL proxy_settings proxy_settings_from_environment()
{
    proxy_settings s;
    s.https_proxy = detail::getenv_first("https_proxy", "HTTPS_PROXY");
    s.no_proxy = detail::getenv_first("no_proxy", "NO_PROXY");
    return s;
}

BEDROCK_DECL bool no_proxy_matches(std::string_view no_proxy, std::string_view host) noexcept
{
    while (!host.empty() && host.back() == '.')
        host.remove_suffix(1);
    while (!no_proxy.empty()) {
        const auto comma = no_proxy.find(',');
        std::string_view entry = detail::trim(no_proxy.substr(0, comma));
        no_proxy = comma == std::string_view::npos ? std::string_view{} : no_proxy.substr(comma + 1);
        if (entry.empty())
            continue;
        if (entry == "*")
            return true;
        if (entry.find('/') != std::string_view::npos) {
            if (detail::cidr_matches(entry, host))
                return true;
            continue;
        }
        if (entry.front() == '[') { // bracketed IPv6, maybe with a port
            const auto close = entry.find(']');
            if (close == std::string_view::npos)
                continue;
            entry = entry.substr(1, close - 1);
        } else if (std::count(entry.begin(), entry.end(), ':') == 1) { // host:port
            entry = entry.substr(0, entry.find(':'));
        }
        while (!entry.empty() && entry.front() == '.')
            entry.remove_prefix(1);
        while (!entry.empty() && entry.back() == '.')
            entry.remove_suffix(1);
        if (entry.empty())
            continue;
        if (detail::iequals(entry, host))
            return true;
        // Domain suffix: "example.com" and ".example.com" both match "a.example.com".
        if (host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
            detail::iequals(host.substr(host.size() - entry.size()), entry))
            return true;
    }
    return false;
}

BEDROCK_DECL boost::system::result<std::optional<proxy_endpoint>>
select_proxy(const proxy_settings& settings, const endpoint& target)
{
    std::string_view url = detail::trim(settings.https_proxy);
    if (url.empty() || !target.is_tls() || no_proxy_matches(settings.no_proxy, target.host))
        return std::optional<proxy_endpoint>{};

    const boost::system::error_code bad = error::bad_proxy;
    if (detail::iequals_prefix(url, "http://"))
        url.remove_prefix(7);
    else if (url.find("://") != std::string_view::npos)
        return bad; // https:// proxies (TLS to the proxy) and socks are not supported
    while (!url.empty() && url.back() == '/')
        url.remove_suffix(1);

    proxy_endpoint proxy;
    if (const auto at = url.rfind('@'); at != std::string_view::npos) {
        std::string userinfo;
        if (!detail::percent_decode(url.substr(0, at), userinfo))
            return bad;
        proxy.authorization = "Basic " + detail::base64(userinfo);
        url.remove_prefix(at + 1);
    }
    // Parse the rest as an http:// endpoint: same host and port rules.
    auto ep = parse_endpoint(std::string("http://").append(url));
    if (!ep || !ep->base_path.empty())
        return bad;
    proxy.host = std::move(ep->host);
    proxy.port = ep->port;
    return std::optional<proxy_endpoint>(std::move(proxy));
}

} // namespace bedrock::http

#endif

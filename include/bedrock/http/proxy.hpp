#ifndef BEDROCK_HTTP_PROXY_HPP
#define BEDROCK_HTTP_PROXY_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/http/endpoint.hpp>

#include <boost/system/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock::http {

/// Proxy settings, taken as options (never read behind the caller's back); see
/// `proxy_settings_from_environment()` for the usual variables. Only https endpoints go through
/// the proxy, with an HTTP CONNECT tunnel; plain http endpoints (credential endpoints, local mocks)
/// are always reached directly.
struct proxy_settings {
    /// `[http://][user[:password]@]host[:port]` (port 80 if omitted); empty: no proxy.
    std::string https_proxy;
    /// Comma-separated hosts that bypass the proxy: `*` (all), `host`, `.domain` or `domain`
    /// (the domain and its subdomains), IP literals (`::1` or `[::1]`), CIDR blocks (`10.0.0.0/8`).
    /// A `:port` after an entry is ignored.
    std::string no_proxy;
};

/// Reads `https_proxy`/`HTTPS_PROXY` and `no_proxy`/`NO_PROXY` (lower case first, as curl does).
BEDROCK_DECL proxy_settings proxy_settings_from_environment();

/// True when `host` (no brackets) is matched by the NO_PROXY list `no_proxy`. Case-insensitive.
BEDROCK_DECL bool no_proxy_matches(std::string_view no_proxy, std::string_view host) noexcept;

/// A parsed proxy: where to connect, and the Proxy-Authorization value ("Basic ...") if the URL
/// carried credentials.
struct proxy_endpoint {
    std::string host;
    std::uint16_t port = 80;
    std::string authorization;
};

/// The proxy to use for `target`, or none (no proxy configured, a plain http target, or NO_PROXY
/// matches). error::bad_proxy when the proxy URL is malformed.
BEDROCK_DECL boost::system::result<std::optional<proxy_endpoint>>
select_proxy(const proxy_settings& settings, const endpoint& target);

} // namespace bedrock::http

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/proxy.ipp>
#endif

#endif

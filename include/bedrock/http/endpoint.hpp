#ifndef BEDROCK_HTTP_ENDPOINT_HPP
#define BEDROCK_HTTP_ENDPOINT_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/http/error.hpp>

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace bedrock::http {

enum class scheme { http, https };

/// Where requests go: `https://host[:port][/base]` or `http://...`. Plain HTTP exists for the AWS
/// container and instance credential endpoints and for users' local mocks.
struct endpoint {
    http::scheme scheme = scheme::https;
    std::string host;        ///< host name or IP literal; an IPv6 literal without its brackets
    std::uint16_t port = 443;
    /// "" or "/base" without a trailing slash. Informational: the caller builds (and signs) each
    /// request target, base included; the transport writes targets as given.
    std::string base_path;

    bool is_tls() const noexcept { return scheme == scheme::https; }
    bool is_default_port() const noexcept { return port == (is_tls() ? 443 : 80); }
};

/// Parses `http[s]://host[:port][/path]`. The scheme is case-insensitive; IPv6 literals are written
/// in brackets (`https://[::1]:8443`); user info, query and fragment are refused, as is anything that
/// is not a plain host name, IP literal or port (error::bad_endpoint).
BEDROCK_DECL boost::system::result<endpoint> parse_endpoint(std::string_view url);

/// The `Host` header value for requests to `ep`: the host (bracketed if IPv6) and the port unless it
/// is the scheme's default. The transport never adds Host itself: the caller signs it.
BEDROCK_DECL std::string host_header(const endpoint& ep);

/// `scheme://host[:port]base` (the port always written).
BEDROCK_DECL std::string to_string(const endpoint& ep);

/// True when `host` is an IPv4 or IPv6 literal (no brackets): such hosts get no SNI and are verified
/// against the certificate's IP address entries.
BEDROCK_DECL bool is_ip_literal(std::string_view host) noexcept;

} // namespace bedrock::http

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/endpoint.ipp>
#endif

#endif

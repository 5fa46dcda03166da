// libFuzzer: endpoint URL parsing (http::parse_endpoint), as AWS_ENDPOINT_URL and the credential
// endpoints reach it. Any input is refused with http::error::bad_endpoint, or gives an endpoint with
// a non-empty host (a bracket-free IP literal when it has a ':'), a port in 1..65535, a base path
// that is empty or "/..." without a trailing '/', from a URL with no user info, query or fragment.
// Accepted endpoints are stable: to_string() and the Host header (with the scheme and base path) parse
// back to the same endpoint, and parsing is deterministic.

#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool same(const bedrock::http::endpoint& a, const bedrock::http::endpoint& b)
{
    return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.base_path == b.base_path;
}

void must_parse_to(const std::string& url, const bedrock::http::endpoint& ep)
{
    auto again = bedrock::http::parse_endpoint(url);
    if (!again || !same(*again, ep))
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view url(reinterpret_cast<const char*>(data), size);
    auto parsed = bedrock::http::parse_endpoint(url);
    auto twice = bedrock::http::parse_endpoint(url);
    if (parsed.has_value() != twice.has_value() || (parsed && !same(*parsed, *twice)))
        __builtin_trap();
    if (!parsed) {
        if (parsed.error() != bedrock::http::error::bad_endpoint)
            __builtin_trap();
        return 0;
    }
    const bedrock::http::endpoint& ep = *parsed;

    if (ep.host.empty() || ep.port == 0)
        __builtin_trap();
    if (ep.host.find_first_of("[]/@?#% \t\r\n") != std::string::npos)
        __builtin_trap();
    if (ep.host.find(':') != std::string::npos && !bedrock::http::is_ip_literal(ep.host))
        __builtin_trap();
    if (!ep.base_path.empty() && (ep.base_path.front() != '/' || ep.base_path.back() == '/'))
        __builtin_trap();
    if (url.find_first_of("?#") != std::string_view::npos)
        __builtin_trap();
    const auto after_scheme = url.find("://") + 3;
    const auto authority = url.substr(after_scheme, url.find('/', after_scheme) - after_scheme);
    if (authority.find('@') != std::string_view::npos)
        __builtin_trap();

    // Stable: what we print (and what we would send as Host) reads back as the same endpoint.
    must_parse_to(bedrock::http::to_string(ep), ep);
    const std::string scheme = ep.is_tls() ? "https://" : "http://";
    must_parse_to(scheme + bedrock::http::host_header(ep) + ep.base_path, ep);
    if (ep.is_default_port() != (ep.port == (ep.is_tls() ? 443 : 80)))
        __builtin_trap();
    return 0;
}

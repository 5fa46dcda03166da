#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/error.hpp>

#include <catch2/catch.hpp>

namespace endpoint_test {

namespace bh = bedrock::http;

TEST_CASE("http endpoint: https with defaults", "[http][endpoint]")
{
    auto ep = bh::parse_endpoint("https://bedrock-runtime.us-east-1.amazonaws.com");
    REQUIRE(ep.has_value());
    CHECK(ep->scheme == bh::scheme::https);
    CHECK(ep->host == "bedrock-runtime.us-east-1.amazonaws.com");
    CHECK(ep->port == 443);
    CHECK(ep->base_path.empty());
    CHECK(ep->is_default_port());
    CHECK(bh::host_header(*ep) == "bedrock-runtime.us-east-1.amazonaws.com");
}

TEST_CASE("http endpoint: ports, paths, schemes", "[http][endpoint]")
{
    auto ep = bh::parse_endpoint("HTTP://localhost:8080/base/path/");
    REQUIRE(ep.has_value());
    CHECK(ep->scheme == bh::scheme::http);
    CHECK(ep->host == "localhost");
    CHECK(ep->port == 8080);
    CHECK(ep->base_path == "/base/path");
    CHECK(bh::host_header(*ep) == "localhost:8080");
    CHECK(bh::to_string(*ep) == "http://localhost:8080/base/path");

    ep = bh::parse_endpoint("http://169.254.170.2/v2/credentials");
    REQUIRE(ep.has_value());
    CHECK(ep->port == 80);
    CHECK(bh::host_header(*ep) == "169.254.170.2");
    CHECK(ep->base_path == "/v2/credentials");

    ep = bh::parse_endpoint("https://example.com:443/");
    REQUIRE(ep.has_value());
    CHECK(ep->base_path.empty());
    CHECK(bh::host_header(*ep) == "example.com");

    ep = bh::parse_endpoint("http://example.com:443");
    REQUIRE(ep.has_value());
    CHECK(bh::host_header(*ep) == "example.com:443");
}

TEST_CASE("http endpoint: IPv6 literals", "[http][endpoint]")
{
    auto ep = bh::parse_endpoint("https://[::1]:8443/x");
    REQUIRE(ep.has_value());
    CHECK(ep->host == "::1");
    CHECK(ep->port == 8443);
    CHECK(bh::host_header(*ep) == "[::1]:8443");
    CHECK(bh::is_ip_literal(ep->host));

    ep = bh::parse_endpoint("http://[fd00:ec2::254]");
    REQUIRE(ep.has_value());
    CHECK(ep->host == "fd00:ec2::254");
    CHECK(ep->port == 80);
    CHECK(bh::host_header(*ep) == "[fd00:ec2::254]");
}

TEST_CASE("http endpoint: junk is refused", "[http][endpoint]")
{
    const char* bad[] = {
        "",
        "bedrock.amazonaws.com",
        "ftp://example.com",
        "https://",
        "https:///path",
        "https://:443",
        "https://example.com:",
        "https://example.com:0",
        "https://example.com:65536",
        "https://example.com:12a",
        "https://user@example.com",
        "https://exa mple.com",
        "https://example.com/path?query=1",
        "https://example.com/#fragment",
        "https://[::1",
        "https://[not-v6]:80",
        "https://[::1]x",
        "https://[::1]:",
        "https://[fe80::1%25eth0]",
        "https://example.com/pa th",
    };
    for (const char* url : bad) {
        INFO(url);
        auto ep = bh::parse_endpoint(url);
        REQUIRE_FALSE(ep.has_value());
        CHECK(ep.error() == bh::error::bad_endpoint);
    }
    // A NUL inside the brackets ended the address for the C parser: the rest became part of the host
    // (found by fuzz_endpoint_url).
    using namespace std::string_view_literals;
    for (std::string_view url : {"http://[::1\0 junk]/"sv, "https://[c2::\0\r\nX-Injected: 1]"sv}) {
        auto ep = bh::parse_endpoint(url);
        REQUIRE_FALSE(ep.has_value());
        CHECK(ep.error() == bh::error::bad_endpoint);
    }
    CHECK_FALSE(bh::is_ip_literal("::1\0junk"sv));
}

TEST_CASE("http errors have clear messages", "[http][error]")
{
    CHECK(boost::system::error_code(bh::error::first_byte_timeout).message() ==
          "timeout waiting for the first byte of the response");
    CHECK(std::string(bh::error_category().name()) == "bedrock.http");
    CHECK(bh::is_timeout(bh::error::idle_timeout));
    CHECK(bh::is_timeout(bh::error::total_timeout));
    CHECK_FALSE(bh::is_timeout(bh::error::pool_closed));
    const boost::system::error_code verify(62 /* X509_V_ERR_HOSTNAME_MISMATCH */, bh::tls_verify_category());
    CHECK(verify.message() == "certificate verify failed: hostname mismatch");
    CHECK(bh::is_certificate_error(verify));
}

} // namespace endpoint_test

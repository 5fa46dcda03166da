#include <bedrock/http/proxy.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

namespace proxy_test {

namespace bh = bedrock::http;

TEST_CASE("NO_PROXY matching", "[http][proxy]")
{
    CHECK(bh::no_proxy_matches("*", "anything.example"));
    CHECK(bh::no_proxy_matches("localhost,127.0.0.1", "127.0.0.1"));
    CHECK(bh::no_proxy_matches("localhost, 127.0.0.1", "LOCALHOST"));
    CHECK(bh::no_proxy_matches("amazonaws.com", "bedrock-runtime.us-east-1.amazonaws.com"));
    CHECK(bh::no_proxy_matches(".amazonaws.com", "bedrock-runtime.us-east-1.amazonaws.com"));
    CHECK(bh::no_proxy_matches(".amazonaws.com", "amazonaws.com"));
    CHECK_FALSE(bh::no_proxy_matches("amazonaws.com", "notamazonaws.com"));
    CHECK_FALSE(bh::no_proxy_matches("", "example.com"));
    CHECK_FALSE(bh::no_proxy_matches(",,", "example.com"));
    CHECK(bh::no_proxy_matches("example.com:443", "example.com"));
    CHECK(bh::no_proxy_matches("[::1]", "::1"));
    CHECK(bh::no_proxy_matches("::1", "::1"));
    CHECK(bh::no_proxy_matches("[::1]:8443", "::1"));
    CHECK(bh::no_proxy_matches("10.0.0.0/8", "10.1.2.3"));
    CHECK_FALSE(bh::no_proxy_matches("10.0.0.0/8", "11.1.2.3"));
    CHECK(bh::no_proxy_matches("169.254.169.254/32", "169.254.169.254"));
    CHECK(bh::no_proxy_matches("fd00::/8", "fd00:ec2::254"));
    CHECK_FALSE(bh::no_proxy_matches("fd00::/8", "::1"));
    CHECK_FALSE(bh::no_proxy_matches("10.0.0.0/8", "example.com"));
    CHECK_FALSE(bh::no_proxy_matches("10.0.0.0/33", "10.0.0.1"));
    CHECK(bh::no_proxy_matches("example.com.", "example.com"));
    CHECK(bh::no_proxy_matches("example.com", "example.com."));
}

TEST_CASE("proxy selection", "[http][proxy]")
{
    auto target = *bh::parse_endpoint("https://bedrock-runtime.us-west-2.amazonaws.com");
    bh::proxy_settings settings;

    auto none = bh::select_proxy(settings, target);
    REQUIRE(none.has_value());
    CHECK_FALSE(none->has_value());

    settings.https_proxy = "http://proxy.corp:3128";
    auto p = bh::select_proxy(settings, target);
    REQUIRE(p.has_value());
    REQUIRE(p->has_value());
    CHECK((*p)->host == "proxy.corp");
    CHECK((*p)->port == 3128);
    CHECK((*p)->authorization.empty());

    settings.https_proxy = "proxy.corp"; // no scheme, no port: as curl reads it
    p = bh::select_proxy(settings, target);
    REQUIRE(p.has_value());
    REQUIRE(p->has_value());
    CHECK((*p)->port == 80);

    settings.https_proxy = "http://Aladdin:open%20sesame@[::1]:8080/";
    p = bh::select_proxy(settings, target);
    REQUIRE(p.has_value());
    REQUIRE(p->has_value());
    CHECK((*p)->host == "::1");
    CHECK((*p)->port == 8080);
    CHECK((*p)->authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

    settings.no_proxy = "localhost,.amazonaws.com";
    p = bh::select_proxy(settings, target);
    REQUIRE(p.has_value());
    CHECK_FALSE(p->has_value());

    settings.no_proxy.clear();
    auto plain = *bh::parse_endpoint("http://169.254.169.254");
    p = bh::select_proxy(settings, plain);
    REQUIRE(p.has_value());
    CHECK_FALSE(p->has_value()); // plain http endpoints are reached directly

    for (const char* bad : {"https://proxy:443", "socks5://proxy:1080", "http://proxy:99999", "http://pro xy",
                            "http://proxy/path", "http://%zz@proxy"}) {
        INFO(bad);
        settings.https_proxy = bad;
        p = bh::select_proxy(settings, target);
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error() == bh::error::bad_proxy);
    }
}

TEST_CASE("proxy settings from the environment", "[http][proxy]")
{
    ::setenv("https_proxy", "http://lower:1", 1);
    ::setenv("HTTPS_PROXY", "http://upper:2", 1);
    ::setenv("NO_PROXY", "example.com", 1);
    ::unsetenv("no_proxy");
    auto s = bh::proxy_settings_from_environment();
    CHECK(s.https_proxy == "http://lower:1");
    CHECK(s.no_proxy == "example.com");
    ::unsetenv("https_proxy");
    s = bh::proxy_settings_from_environment();
    CHECK(s.https_proxy == "http://upper:2");
    ::unsetenv("HTTPS_PROXY");
    ::unsetenv("NO_PROXY");
    s = bh::proxy_settings_from_environment();
    CHECK(s.https_proxy.empty());
    CHECK(s.no_proxy.empty());
}

} // namespace proxy_test

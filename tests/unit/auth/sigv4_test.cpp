// The signer's building blocks and behaviour outside the suites: URI encoding of model ids, header
// value canonicalisation, path normalisation, the signing-key cache, errors.

#include "auth_test_support.hpp"

#include <bedrock/auth.hpp>

#include <catch2/catch.hpp>

namespace sigv4_test {

using namespace bedrock;
using namespace std::chrono_literals;

namespace {

const auth::credentials example_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};

std::string canonical_value(std::string_view v)
{
    std::string out;
    auth::append_canonical_header_value(v, out);
    return out;
}

std::string normalized(std::string_view p)
{
    std::string out;
    auth::normalize_path(p, out);
    return out;
}

std::string amz_date(std::chrono::system_clock::time_point t)
{
    char buf[16];
    auth::format_amz_date(t, buf);
    return {buf, 16};
}

} // namespace

TEST_CASE("uri_encode: Bedrock model ids and ARNs", "[auth][uri]")
{
    CHECK(auth::uri_encode("anthropic.claude-3-5-sonnet-20240620-v1:0", true) ==
          "anthropic.claude-3-5-sonnet-20240620-v1%3A0");
    CHECK(auth::uri_encode("arn:aws:bedrock:us-east-1:123456789012:inference-profile/x", true) ==
          "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fx");
    CHECK(auth::uri_encode("us.anthropic.claude-3-7-sonnet-20250219-v1:0", true) ==
          "us.anthropic.claude-3-7-sonnet-20250219-v1%3A0");
    // Without encode_slash a path keeps its structure.
    CHECK(auth::uri_encode("/model/a b/converse", false) == "/model/a%20b/converse");
    CHECK(auth::uri_encode("/model/a b/converse", true) == "%2Fmodel%2Fa%20b%2Fconverse");
}

TEST_CASE("uri_encode: unreserved, reserved, percent, unicode", "[auth][uri]")
{
    const std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    CHECK(auth::uri_encode(unreserved, true) == unreserved);
    CHECK(auth::uri_encode("!*'();:@&=+$,/?#[] %", true) ==
          "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%20%25");
    CHECK(auth::uri_encode("%3A", true) == "%253A"); // already encoded input is encoded again
    CHECK(auth::uri_encode("\xe1\x88\xb4", true) == "%E1%88%B4");     // U+1234
    CHECK(auth::uri_encode("caf\xc3\xa9", true) == "caf%C3%A9");      // é
    CHECK(auth::uri_encode("\xf0\x9f\x98\x80", true) == "%F0%9F%98%80"); // emoji
    CHECK(auth::uri_encode(std::string_view("a\0b", 3), true) == "a%00b");
    CHECK(auth::uri_encode("", true).empty());

    // Every byte: kept when unreserved, otherwise %XX with uppercase hex.
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        const std::string enc = auth::uri_encode(std::string_view(&c, 1), true);
        const bool unres = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
                           b == '-' || b == '_' || b == '.' || b == '~';
        INFO("byte " << b);
        if (unres) {
            CHECK(enc == std::string(1, c));
        } else {
            static constexpr char hex[] = "0123456789ABCDEF";
            CHECK(enc == std::string{'%', hex[b >> 4], hex[b & 15]});
        }
    }

    // The appending form appends.
    std::string out = "/model/";
    auth::uri_encode("a:b", true, out);
    CHECK(out == "/model/a%3Ab");
}

TEST_CASE("sigv4: a model id path is signed double-encoded", "[auth][sigv4]")
{
    const std::string path = "/model/" +
                             auth::uri_encode("arn:aws:bedrock:us-east-1:123456789012:inference-profile/x", true) +
                             "/converse";
    CHECK(path == "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fx/converse");
    const auth::http_header headers[] = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"}};
    auth::request req;
    req.path = path;
    req.headers = headers;
    req.body = "{}";
    auth::signer s({.region = "us-east-1"});
    auth::signing_result r;
    REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), r));
    CHECK(r.canonical_request.starts_with(
        "POST\n/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Ainference-profile%252Fx/"
        "converse\n\n"));

    // S3-style (no double encoding): the wire path is the canonical URI.
    auth::signer s3({.region = "us-east-1", .service = "s3", .double_encode_path = false, .normalize_path = false});
    REQUIRE_FALSE(s3.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), r));
    CHECK(r.canonical_request.starts_with("POST\n" + path + "\n\n"));
}

TEST_CASE("sigv4: header values are trimmed and whitespace runs collapsed", "[auth][sigv4]")
{
    CHECK(canonical_value("value1") == "value1");
    CHECK(canonical_value("  value1  ") == "value1");
    CHECK(canonical_value("\"a   b   c\"") == "\"a b c\"");
    CHECK(canonical_value("value1\n  value2\n     value3") == "value1 value2 value3");
    CHECK(canonical_value("\t a \t\r\n b \t") == "a b");
    CHECK(canonical_value("attempt=1; max=1") == "attempt=1; max=1");
    CHECK(canonical_value("   ").empty());
    CHECK(canonical_value("").empty());

    // Through the signer: names lowercased and sorted, repeated names joined in request order,
    // values canonicalised.
    const auth::http_header headers[] = {
        {"Host", "example.amazonaws.com"},
        {"My-Header", "  b   c "},
        {"my-header", "a"},
        {"X-Custom", "\tx\n  y"},
        {"Empty", ""},
    };
    auth::request req;
    req.method = "GET";
    req.headers = headers;
    auth::signer s({.region = "us-east-1", .service = "service"});
    auth::signing_result r;
    REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    CHECK(r.canonical_request == "GET\n/\n\n"
                                 "empty:\n"
                                 "host:example.amazonaws.com\n"
                                 "my-header:b c,a\n"
                                 "x-amz-date:20150830T123600Z\n"
                                 "x-custom:x y\n"
                                 "\n"
                                 "empty;host;my-header;x-amz-date;x-custom\n"
                                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("sigv4: path normalisation", "[auth][sigv4]")
{
    CHECK(normalized("") == "/");
    CHECK(normalized("/") == "/");
    CHECK(normalized("//") == "/");
    CHECK(normalized("/./") == "/");
    CHECK(normalized("/..") == "/");
    CHECK(normalized("/example/..") == "/");
    CHECK(normalized("/example1/example2/../..") == "/");
    CHECK(normalized("//example//") == "/example/");
    CHECK(normalized("/./example") == "/example");
    CHECK(normalized("/a/./b/../c/") == "/a/c/");
    CHECK(normalized("/a/b/..") == "/a");
    CHECK(normalized("/a/../../b") == "/b");
    CHECK(normalized("/model/x%3A0/converse") == "/model/x%3A0/converse");
    CHECK(normalized("/.well-known/..x") == "/.well-known/..x");
}

TEST_CASE("sigv4: canonical query string", "[auth][sigv4]")
{
    const auth::query_parameter query[] = {
        {"b", "2"}, {"a", "z"}, {"a", "y"}, {"sp ace", "a b+c"}, {"empty", ""}, {"k:1", "v/1"},
    };
    const auth::http_header headers[] = {{"host", "h"}};
    auth::request req;
    req.method = "GET";
    req.query = query;
    req.headers = headers;
    auth::signer s({.region = "us-east-1", .service = "service"});
    auth::signing_result r;
    REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    CHECK(r.canonical_request.starts_with("GET\n/\na=y&a=z&b=2&empty=&k%3A1=v%2F1&sp%20ace=a%20b%2Bc\n"));
}

TEST_CASE("sigv4: amz date formatting", "[auth][sigv4]")
{
    CHECK(amz_date(std::chrono::system_clock::time_point{}) == "19700101T000000Z");
    CHECK(amz_date(test::parse_time("2024-02-29T23:59:59.999Z")) == "20240229T235959Z");
    CHECK(amz_date(test::parse_time("2015-08-30T12:36:00Z")) == "20150830T123600Z");
    CHECK(amz_date(test::parse_time("1981-01-16T06:30:00Z")) == "19810116T063000Z");
}

TEST_CASE("sigv4: signing key cache reuse and invalidation", "[auth][sigv4]")
{
    const auth::http_header headers[] = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"}};
    auth::request req;
    req.path = "/model/m/converse";
    req.headers = headers;
    req.body = "{\"messages\":[]}";
    const auto day1 = test::parse_time("2025-01-15T23:59:58Z");

    auth::signer s({.region = "us-east-1"});
    auth::signing_result r;
    CHECK(s.key_derivations() == 0);
    REQUIRE_FALSE(s.sign(req, example_creds, day1, r));
    CHECK(s.key_derivations() == 1);
    REQUIRE_FALSE(s.sign(req, example_creds, day1 + 1s, r)); // same day: cached key
    CHECK(s.key_derivations() == 1);
    const std::string cached_signature = r.signature;

    // The cached key gives what a fresh derivation gives.
    auth::signer fresh({.region = "us-east-1"});
    auth::signing_result f;
    REQUIRE_FALSE(fresh.sign(req, example_creds, day1 + 1s, f));
    CHECK(f.signature == cached_signature);

    REQUIRE_FALSE(s.sign(req, example_creds, day1 + 2s, r)); // 2025-01-16: a new key
    CHECK(s.key_derivations() == 2);
    CHECK(r.string_to_sign.find("\n20250116/us-east-1/bedrock/aws4_request\n") != std::string::npos);
    REQUIRE_FALSE(fresh.sign(req, example_creds, day1 + 2s, f));
    CHECK(f.signature == r.signature);

    auto rotated = example_creds;
    rotated.secret_access_key = "another-secret";
    REQUIRE_FALSE(s.sign(req, rotated, day1 + 2s, r)); // new secret: a new key
    CHECK(s.key_derivations() == 3);
    CHECK(r.signature != f.signature);
    REQUIRE_FALSE(s.sign(req, rotated, day1 + 3s, r));
    CHECK(s.key_derivations() == 3);
    REQUIRE_FALSE(s.sign(req, example_creds, day1 + 2s, r)); // back: derived again, same as before
    CHECK(s.key_derivations() == 4);
    CHECK(r.signature == f.signature);
}

TEST_CASE("sigv4: result headers, session token and signer-owned headers", "[auth][sigv4]")
{
    auto creds = example_creds;
    creds.session_token = "TOKEN";
    const auth::http_header headers[] = {
        {"host", "example.amazonaws.com"},
        {"X-Amz-Date", "19990101T000000Z"},      // stale: replaced by the signer's
        {"Authorization", "old"},                // ignored
        {"x-amz-security-token", "OLD-TOKEN"},   // the credentials' token wins
        {"X-Amz-Content-Sha256", "bogus"},       // computed by the signer
    };
    auth::request req;
    req.method = "GET";
    req.headers = headers;
    auth::signer s({.region = "us-east-1", .service = "service", .add_content_sha256 = true});
    auth::signing_result r;
    REQUIRE_FALSE(s.sign(req, creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    CHECK(r.canonical_request == "GET\n/\n\n"
                                 "host:example.amazonaws.com\n"
                                 "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                                 "x-amz-date:20150830T123600Z\n"
                                 "x-amz-security-token:TOKEN\n"
                                 "\n"
                                 "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
                                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const auto h = r.headers();
    REQUIRE(h.size() == 4);
    CHECK(h[0].name == "x-amz-date");
    CHECK(h[0].value == "20150830T123600Z");
    CHECK(h[1].name == "x-amz-security-token");
    CHECK(h[1].value == "TOKEN");
    CHECK(h[2].name == "x-amz-content-sha256");
    CHECK(h[2].value == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(h[3].name == "authorization");
    CHECK(h[3].value == r.authorization);
    CHECK(r.authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                                      "aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                      "x-amz-security-token, Signature="));
    CHECK(r.authorization.ends_with(r.signature));

    // Token sent unsigned.
    auth::signer after({.region = "us-east-1", .service = "service", .omit_session_token = true});
    REQUIRE_FALSE(after.sign(req, creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    // The caller's token header is dropped (the credentials carry one); its content-sha256 is signed
    // as given since this signer does not write that header.
    CHECK(r.signed_headers == "host;x-amz-content-sha256;x-amz-date");
    const auth::http_header host_only[] = {{"host", "example.amazonaws.com"}};
    req.headers = host_only;
    REQUIRE_FALSE(after.sign(req, creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    CHECK(r.signed_headers == "host;x-amz-date");
    CHECK(r.headers().size() == 3);
    CHECK(r.headers()[1].value == "TOKEN");

    // No token: no header.
    REQUIRE_FALSE(after.sign(req, example_creds, test::parse_time("2015-08-30T12:36:00Z"), r));
    CHECK(r.security_token.empty());
    CHECK(r.headers().size() == 2);
}

TEST_CASE("sigv4: reusing a result gives the same output as a fresh one", "[auth][sigv4]")
{
    const auth::http_header big[] = {{"host", "h"}, {"a", "1"}, {"b", "2"}, {"c", "3"}};
    const auth::http_header small[] = {{"host", "h"}};
    const auth::query_parameter query[] = {{"x", "y"}};
    auth::request req;
    req.headers = big;
    req.query = query;
    const std::string big_body(3000, 'x');
    req.body = big_body;
    auth::signer s({.region = "us-east-1"});
    auth::signing_result reused;
    REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), reused));
    req.headers = small;
    req.query = {};
    req.body = "b";
    REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), reused));
    auth::signer t({.region = "us-east-1"});
    auth::signing_result fresh;
    REQUIRE_FALSE(t.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), fresh));
    CHECK(reused.canonical_request == fresh.canonical_request);
    CHECK(reused.string_to_sign == fresh.string_to_sign);
    CHECK(reused.signature == fresh.signature);
    CHECK(reused.authorization == fresh.authorization);
    CHECK(reused.payload_hash == fresh.payload_hash);
}

TEST_CASE("sigv4: precomputed payload hashes", "[auth][sigv4]")
{
    const auth::http_header headers[] = {{"host", "h"}};
    auth::request req;
    req.headers = headers;
    req.body = "ignored when a payload hash is given";
    auth::signer s({.region = "us-east-1", .add_content_sha256 = true});
    auth::signing_result r;
    for (auto hash : {auth::unsigned_payload, auth::streaming_events_payload}) {
        req.payload_hash = hash;
        REQUIRE_FALSE(s.sign(req, example_creds, test::parse_time("2025-01-15T12:30:45Z"), r));
        CHECK(r.payload_hash == hash);
        CHECK(r.canonical_request.ends_with("\n" + std::string(hash)));
        CHECK(r.canonical_request.find("x-amz-content-sha256:" + std::string(hash) + "\n") != std::string::npos);
    }
}

TEST_CASE("sigv4: errors", "[auth][sigv4]")
{
    auth::request req;
    auth::signing_result r;
    auth::signer s({.region = "us-east-1"});
    CHECK(s.sign(req, auth::credentials{}, {}, r) == auth::error::missing_credentials);
    CHECK(s.sign(req, auth::credentials{"AKID", "", {}, {}}, {}, r) == auth::error::missing_credentials);
    auth::signer no_region({});
    CHECK(no_region.sign(req, example_creds, {}, r) == auth::error::missing_scope);

    const boost::system::error_code ec = auth::error::invalid_signature;
    CHECK(std::string(ec.category().name()) == "bedrock.auth");
    CHECK(ec.message() == "signature is not 64 hexadecimal digits");
    CHECK(boost::system::error_code(auth::error::crypto_failure).message().find("OpenSSL") != std::string::npos);
}

TEST_CASE("credentials: completeness and expiry", "[auth]")
{
    CHECK(example_creds.complete());
    CHECK_FALSE(auth::credentials{}.complete());
    CHECK_FALSE(example_creds.expires_before(std::chrono::system_clock::time_point{}));
    auto temp = example_creds;
    const auto t = test::parse_time("2025-01-15T12:30:45Z");
    temp.expiration = t;
    CHECK_FALSE(temp.expires_before(t - 10min));
    CHECK(temp.expires_before(t - 10min, 15min));
    CHECK(temp.expires_before(t));
}

} // namespace sigv4_test

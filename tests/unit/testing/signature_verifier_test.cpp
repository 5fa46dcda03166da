// The emulator's signature check: every request the real JS SDK signed, and every signed request of
// the aws-c-auth suite, verifies; any tampering is refused with the error type AWS would send.

#include "auth/auth_test_support.hpp"
#include "support/vectors.hpp"

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/testing/signature_verifier.hpp>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

namespace signature_verifier_test {

using namespace bedrock;
using testing::auth_failure;

namespace {

/// One request of the SDK harness with owned strings, editable by the tamper tests.
struct owned_request {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string& header(std::string_view name)
    {
        for (auto& [n, v] : headers)
            if (n == name)
                return v;
        throw std::runtime_error("no header " + std::string(name));
    }
    void erase(std::string_view name)
    {
        std::erase_if(headers, [&](const auto& h) { return h.first == name; });
    }
};

/// Verifies with views on `r`.
testing::verification_result verify(testing::signature_verifier& v, const owned_request& r,
                                    std::chrono::system_clock::time_point now)
{
    std::vector<auth::http_header> h;
    for (const auto& [n, val] : r.headers)
        h.push_back({n, val});
    testing::received_request rr;
    rr.method = r.method;
    rr.target = r.target;
    rr.headers = h;
    rr.body = r.body;
    return v.verify(rr, now);
}

struct harness {
    boost::json::object doc;
    auth::credentials creds;
    std::chrono::system_clock::time_point now;
    std::map<std::string, owned_request> requests;

    harness()
    {
        doc = boost::json::parse(test::read_text(test::vector_path("sdk-behaviour/sdk_harness_results.json")))
                  .as_object();
        const auto& c = doc.at("credentials").as_object();
        creds.access_key_id = std::string(c.at("accessKeyId").as_string());
        creds.secret_access_key = std::string(c.at("secretAccessKey").as_string());
        now = test::parse_time(doc.at("pinned_Date_now").as_string());
        for (const auto& [name, result] : doc.at("results").as_object()) {
            const auto& rq = result.as_object().at("request").as_object();
            owned_request r;
            r.method = std::string(rq.at("method").as_string());
            r.target = std::string(rq.at("path").as_string());
            for (const auto& [hn, hv] : rq.at("headers").as_object())
                r.headers.emplace_back(std::string(hn), std::string(hv.as_string()));
            if (const auto* body = rq.if_contains("body"); body && body->is_string())
                r.body = std::string(body->as_string());
            requests.emplace(std::string(name), std::move(r));
        }
    }

    testing::verifier_options options() const
    {
        testing::verifier_options o;
        o.region = std::string(doc.at("region").as_string());
        o.credentials = testing::credentials_list({creds});
        return o;
    }

    const owned_request& converse() const { return requests.at("Converse"); }
};

const harness& sdk()
{
    static const harness h;
    return h;
}

} // namespace

TEST_CASE("verifier: every request signed by the JS SDK verifies", "[testing][verifier][sdk]")
{
    const auto& h = sdk();
    testing::signature_verifier v(h.options());
    REQUIRE(h.requests.size() == 15);
    for (const auto& [name, r] : h.requests) {
        INFO("operation: " << name);
        const auto res = verify(v, r, h.now);
        INFO(res.message);
        CHECK(res.ok());
        CHECK(res.access_key_id == "AKIDEXAMPLE");
        CHECK_FALSE(res.bearer);
    }
}

TEST_CASE("verifier: the SDK's :authority and HTTP/1.1 host stand in for each other", "[testing][verifier]")
{
    const auto& h = sdk();
    testing::signature_verifier v(h.options());
    auto r = h.converse();
    const std::string authority = r.header(":authority");
    r.erase(":authority");
    r.headers.emplace_back("Host", authority);
    CHECK(verify(v, r, h.now).ok());

    r.header("Host") = "bedrock-runtime.us-west-2.amazonaws.com";
    CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
}

TEST_CASE("verifier: tampering is refused as AWS would", "[testing][verifier]")
{
    const auto& h = sdk();
    testing::signature_verifier v(h.options());
    const auto& original = h.converse();
    const char* const mismatch = "The request signature we calculated does not match the signature you provided.";

    SECTION("a body byte: the declared x-amz-content-sha256 no longer matches")
    {
        auto r = original;
        r.body[10] ^= 1;
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK(testing::error_type_name(res.failure) == "InvalidSignatureException");
        CHECK_THAT(res.message, Catch::Contains("x-amz-content-sha256"));
    }
    SECTION("a body byte without x-amz-content-sha256: the signature no longer matches")
    {
        // Re-sign without the header, then change the body.
        auth::signing_options so;
        so.region = "us-east-1";
        auth::signer s(so);
        std::vector<auth::http_header> hv{{"host", "localhost"}, {"content-type", "application/json"}};
        auth::request req;
        req.path = "/model/m/converse";
        req.headers = hv;
        req.body = "{\"messages\":[]}";
        auth::signing_result sr;
        REQUIRE_FALSE(s.sign(req, h.creds, h.now, sr));
        owned_request r{"POST", "/model/m/converse",
                        {{"host", "localhost"}, {"content-type", "application/json"},
                         {"x-amz-date", sr.amz_date}, {"authorization", sr.authorization}},
                        "{\"messages\":[]}"};
        CHECK(verify(v, r, h.now).ok());
        r.body[2] = 'M';
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK_THAT(res.message, Catch::StartsWith(mismatch));
        CHECK_THAT(res.message, Catch::Contains("The Canonical String for this request should have been"));
    }
    SECTION("a signed header's value")
    {
        auto r = original;
        r.header("amz-sdk-request") = "attempt=2; max=1";
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK_THAT(res.message, Catch::StartsWith(mismatch));
    }
    SECTION("an unsigned header may change")
    {
        auto r = original;
        r.header("user-agent") = "something else";
        CHECK(verify(v, r, h.now).ok());
    }
    SECTION("a signed header removed")
    {
        auto r = original;
        r.erase("amz-sdk-invocation-id");
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
    }
    SECTION("the path")
    {
        auto r = original;
        r.target = "/model/anthropic.claude-3-haiku-20240307-v1%3A1/converse";
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
        r.target = original.target + "?x=1";
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
    }
    SECTION("the method")
    {
        auto r = original;
        r.method = "PUT";
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
    }
    SECTION("the date, by one second")
    {
        auto r = original;
        r.header("x-amz-date") = "20250115T123046Z";
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
    }
    SECTION("the date, to another day than the scope's")
    {
        auto r = original;
        r.header("x-amz-date") = "20250116T123045Z";
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK_THAT(res.message, Catch::StartsWith("Date in Credential scope does not match"));
    }
    SECTION("a malformed date")
    {
        auto r = original;
        r.header("x-amz-date") = "2025-01-15T12:30:45Z";
        CHECK(verify(v, r, h.now).failure == auth_failure::incomplete_signature);
    }
    SECTION("the wrong secret")
    {
        auto o = h.options();
        o.credentials = testing::credentials_list({{"AKIDEXAMPLE", "not-the-secret", {}, {}}});
        testing::signature_verifier other(o);
        const auto res = verify(other, original, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK_THAT(res.message, Catch::StartsWith(mismatch));
    }
    SECTION("an unknown access key")
    {
        auto o = h.options();
        o.credentials = testing::credentials_list({{"AKIDOTHER", "x", {}, {}}});
        testing::signature_verifier other(o);
        const auto res = verify(other, original, h.now);
        CHECK(res.failure == auth_failure::unrecognized_client);
        CHECK(testing::error_type_name(res.failure) == "UnrecognizedClientException");
        CHECK(res.message == "The security token included in the request is invalid.");
        CHECK(res.access_key_id == "AKIDEXAMPLE");
    }
    SECTION("the signature itself")
    {
        auto r = original;
        auto& a = r.header("authorization");
        a.back() = a.back() == '0' ? '1' : '0';
        CHECK(verify(v, r, h.now).failure == auth_failure::invalid_signature);
    }
    SECTION("another region or service in the scope")
    {
        auto o = h.options();
        o.region = "us-west-2";
        testing::signature_verifier west(o);
        auto res = verify(west, original, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK_THAT(res.message, Catch::StartsWith("Credential should be scoped to a valid region"));

        o = h.options();
        o.service = "bedrock-runtime";
        testing::signature_verifier svc(o);
        res = verify(svc, original, h.now);
        CHECK(res.failure == auth_failure::invalid_signature);
        CHECK(res.message == "Credential should be scoped to correct service: 'bedrock-runtime'. ");
    }
}

TEST_CASE("verifier: the date must be within 15 minutes of the clock", "[testing][verifier]")
{
    using namespace std::chrono_literals;
    const auto& h = sdk();
    testing::signature_verifier v(h.options());
    const auto& r = h.converse();
    CHECK(verify(v, r, h.now + 15min).ok());
    CHECK(verify(v, r, h.now - 15min).ok());

    auto res = verify(v, r, h.now + 15min + 1s);
    CHECK(res.failure == auth_failure::signature_expired);
    CHECK(testing::error_type_name(res.failure) == "InvalidSignatureException");
    CHECK(res.message ==
          "Signature expired: 20250115T123045Z is now earlier than 20250115T123046Z (20250115T124546Z - 15 min.)");

    res = verify(v, r, h.now - 16min);
    CHECK(res.failure == auth_failure::signature_expired);
    CHECK(res.message == "Signature not yet current: 20250115T123045Z is still later than 20250115T122945Z "
                         "(20250115T121445Z + 15 min.)");
}

TEST_CASE("verifier: missing and malformed authorization", "[testing][verifier]")
{
    const auto& h = sdk();
    testing::signature_verifier v(h.options());
    auto r = h.converse();

    SECTION("no Authorization header")
    {
        r.erase("authorization");
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::missing_authentication_token);
        CHECK(testing::error_type_name(res.failure) == "MissingAuthenticationTokenException");
        CHECK(res.message == "Missing Authentication Token");
        CHECK(testing::http_status(res.failure) == 403);
    }
    SECTION("no Signature parameter")
    {
        auto& a = r.header("authorization");
        a = a.substr(0, a.find(", Signature="));
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::incomplete_signature);
        CHECK(testing::error_type_name(res.failure) == "IncompleteSignatureException");
        CHECK_THAT(res.message, Catch::StartsWith("Authorization header requires 'Signature' parameter. "
                                                  "Authorization=AWS4-HMAC-SHA256 Credential="));
    }
    SECTION("no x-amz-date")
    {
        r.erase("x-amz-date");
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::incomplete_signature);
        CHECK_THAT(res.message, Catch::Contains("'X-Amz-Date' or a 'Date' header"));
    }
    SECTION("a short credential")
    {
        auto& a = r.header("authorization");
        a.replace(a.find("/us-east-1"), 10, "");
        const auto res = verify(v, r, h.now);
        CHECK(res.failure == auth_failure::incomplete_signature);
        CHECK_THAT(res.message, Catch::StartsWith("Credential must have exactly 5 slash-delimited elements"));
    }
    SECTION("host not signed")
    {
        auto& a = r.header("authorization");
        a.replace(a.find(":authority;"), 11, "");
        CHECK(verify(v, r, h.now).failure == auth_failure::incomplete_signature);
    }
    SECTION("another scheme")
    {
        r.header("authorization") = "Basic dXNlcjpwYXNz";
        CHECK(verify(v, r, h.now).failure == auth_failure::incomplete_signature);
    }
}

TEST_CASE("verifier: bearer tokens", "[testing][verifier][bearer]")
{
    testing::verifier_options o;
    o.bearer_tokens = {"emulator-api-key"};
    testing::signature_verifier v(o);
    owned_request r{"POST", "/model/m/converse", {{"host", "127.0.0.1"}, {"authorization", "Bearer emulator-api-key"}}, "{}"};
    auto res = verify(v, r, {});
    CHECK(res.ok());
    CHECK(res.bearer);

    r.header("authorization") = "bearer   emulator-api-key ";
    CHECK(verify(v, r, {}).ok());

    r.header("authorization") = "Bearer other";
    res = verify(v, r, {});
    CHECK(res.failure == auth_failure::unrecognized_client);
    CHECK(res.bearer);

    r.header("authorization") = "Bearer ";
    CHECK(verify(v, r, {}).failure == auth_failure::unrecognized_client);
}

TEST_CASE("verifier: query strings and session tokens signed by the library", "[testing][verifier]")
{
    using namespace std::chrono_literals;
    const auto now = test::parse_time("2025-06-01T10:00:00Z");
    const auth::credentials creds{"AKIDTEMP", "temp-secret", std::string("session/token+="), {}};
    testing::verifier_options o;
    o.credentials = testing::credentials_list({creds});
    testing::signature_verifier v(o);

    auth::signing_options so;
    so.region = "us-east-1";
    auth::signer s(so);
    const std::vector<auth::query_parameter> q{{"maxResults", "2"}, {"statusEquals", "Completed"},
                                               {"submitTimeAfter", "2025-01-01T00:00:00Z"}};
    std::vector<auth::http_header> hv{{"host", "127.0.0.1:4443"}};
    auth::request req;
    req.method = "GET";
    req.path = "/async-invoke";
    req.query = q;
    req.headers = hv;
    auth::signing_result sr;
    REQUIRE_FALSE(s.sign(req, creds, now, sr));

    owned_request r{"GET",
                    "/async-invoke?maxResults=2&statusEquals=Completed&submitTimeAfter=2025-01-01T00%3A00%3A00Z",
                    {{"Host", "127.0.0.1:4443"}},
                    ""};
    for (const auto& h : sr.headers())
        r.headers.emplace_back(std::string(h.name), std::string(h.value));
    auto res = verify(v, r, now + 1min);
    INFO(res.message);
    CHECK(res.ok());

    SECTION("a query value changed")
    {
        r.target = "/async-invoke?maxResults=3&statusEquals=Completed&submitTimeAfter=2025-01-01T00%3A00%3A00Z";
        CHECK(verify(v, r, now).failure == auth_failure::invalid_signature);
    }
    SECTION("the session token missing or wrong")
    {
        auto copy = r;
        copy.header("x-amz-security-token") = "other";
        CHECK(verify(v, copy, now).failure == auth_failure::unrecognized_client);
        r.erase("x-amz-security-token");
        CHECK(verify(v, r, now).failure == auth_failure::unrecognized_client);
    }
}

TEST_CASE("verifier: every signed request of the aws-c-auth suite verifies", "[testing][verifier][suite]")
{
    const auto root = test::vectors_dir() / "sigv4" / "aws-c-auth" / "v4";
    REQUIRE(std::filesystem::is_directory(root));
    std::size_t run = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
        const auto dir = entry.path();
        const auto ctx = boost::json::parse(test::read_text(dir / "context.json")).as_object();
        if (!ctx.at("normalize").as_bool())
            continue; // Bedrock's paths are always normalized; the verifier does not do otherwise
        INFO("case: " << dir.filename().string());
        const auto& c = ctx.at("credentials").as_object();
        auth::credentials creds{std::string(c.at("access_key_id").as_string()),
                                std::string(c.at("secret_access_key").as_string()), std::nullopt, {}};
        if (const auto* t = c.if_contains("token"))
            creds.session_token = std::string(t->as_string());
        testing::verifier_options o;
        o.region = std::string(ctx.at("region").as_string());
        o.service = std::string(ctx.at("service").as_string());
        o.credentials = testing::credentials_list({creds});
        testing::signature_verifier v(o);

        const auto raw = test::parse_raw_request(test::read_text(dir / "header-signed-request.txt"));
        // parse_raw_request splits the target; put it back together as on the wire.
        std::string target = raw.path;
        const auto text = test::read_text(dir / "header-signed-request.txt");
        const auto line = std::string_view(text).substr(0, text.find('\n'));
        if (const auto qm = line.find('?'); qm != std::string_view::npos)
            target.append(line.substr(qm, line.rfind(" HTTP/") - qm));
        const auto headers = raw.header_views();
        testing::received_request rr;
        rr.method = raw.method;
        rr.target = target;
        rr.headers = headers;
        rr.body = raw.body;
        const auto res = v.verify(rr, test::parse_time(ctx.at("timestamp").as_string()));
        INFO(res.message);
        CHECK(res.ok());
        ++run;
    }
    CHECK(run == 31);
}

} // namespace signature_verifier_test

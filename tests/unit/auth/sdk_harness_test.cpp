// Every request the real JS SDK (client-bedrock-runtime) signed in sdk-behaviour/: rebuilt from its
// recorded method, path, signed headers and body, and signed with the same time and credentials, the
// signature must equal the one in the recorded authorization header.

#include "auth_test_support.hpp"
#include "support/vectors.hpp"

#include <bedrock/auth/sigv4.hpp>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <set>

namespace sdk_harness_test {

using namespace bedrock;

namespace {

std::string_view between(std::string_view s, std::string_view open, std::string_view close)
{
    const auto a = s.find(open);
    if (a == std::string_view::npos)
        return {};
    s = s.substr(a + open.size());
    return s.substr(0, s.find(close));
}

std::vector<std::string> split(std::string_view s, char sep)
{
    std::vector<std::string> out;
    while (true) {
        const auto p = s.find(sep);
        out.emplace_back(s.substr(0, p));
        if (p == std::string_view::npos)
            return out;
        s = s.substr(p + 1);
    }
}

} // namespace

TEST_CASE("sigv4: reproduces every request signature of the JS SDK harness", "[auth][sigv4][sdk]")
{
    const auto doc =
        boost::json::parse(test::read_text(test::vector_path("sdk-behaviour/sdk_harness_results.json")))
            .as_object();
    const auto& c = doc.at("credentials").as_object();
    const auth::credentials creds{std::string(c.at("accessKeyId").as_string()),
                                  std::string(c.at("secretAccessKey").as_string()),
                                  c.contains("sessionToken")
                                      ? std::optional<std::string>(c.at("sessionToken").as_string())
                                      : std::nullopt,
                                  {}};
    const auto now = test::parse_time(doc.at("pinned_Date_now").as_string());
    const std::string region(doc.at("region").as_string());

    const auto& results = doc.at("results").as_object();
    std::size_t run = 0;
    auth::signing_result r; // reused, as a client would
    for (const auto& [operation, result] : results) {
        INFO("operation: " << std::string(operation));
        const auto& rq = result.as_object().at("request").as_object();
        const auto& recorded = rq.at("headers").as_object();
        const std::string authorization(recorded.at("authorization").as_string());

        // Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex
        const auto scope = split(between(authorization, "Credential=", ","), '/');
        REQUIRE(scope.size() == 5);
        const auto signed_names = split(between(authorization, "SignedHeaders=", ","), ';');
        const std::string expected_signature(between(authorization, "Signature=", ","));

        auth::signing_options opts;
        opts.region = region;
        CHECK(scope[2] == region);
        opts.service = scope[3];
        CHECK(opts.service == "bedrock");

        std::vector<auth::http_header> headers;
        std::string content_sha256;
        for (const auto& name : signed_names) {
            const auto* v = recorded.if_contains(name);
            REQUIRE(v != nullptr);
            if (name == "x-amz-date") {
                CHECK(v->as_string() == "20250115T123045Z");
                continue; // the signer writes it
            }
            if (name == "x-amz-content-sha256") {
                content_sha256 = std::string(v->as_string());
                opts.add_content_sha256 = true; // the signer writes it
                continue;
            }
            headers.push_back({name, std::string_view(v->as_string())});
        }

        auth::request req;
        req.method = std::string_view(rq.at("method").as_string());
        req.path = std::string_view(rq.at("path").as_string());
        CHECK(rq.at("query").as_object().empty());
        req.headers = headers;
        if (const auto* body = rq.if_contains("body"); body && body->is_string())
            req.body = std::string_view(body->as_string());
        if (content_sha256 == auth::streaming_events_payload)
            req.payload_hash = auth::streaming_events_payload; // bidirectional: no body to hash

        auth::signer s(opts);
        REQUIRE_FALSE(s.sign(req, creds, now, r));
        CHECK(r.signature == expected_signature);
        CHECK(r.authorization == authorization);
        if (opts.add_content_sha256)
            CHECK(r.payload_hash == content_sha256);
        ++run;
    }
    CHECK(run == results.size());
    CHECK(run >= 15); // the harness covers 15 operations and error cases
}

} // namespace sdk_harness_test

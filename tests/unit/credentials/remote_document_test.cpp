// The credentials document of the container and instance metadata endpoints, and which hosts a
// container credentials URL may name over plain http.

#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/error.hpp>

#include <catch2/catch.hpp>

namespace remote_document_test {

using bedrock::auth::credentials;
using bedrock::auth::parse_credentials_document;
using bedrock::client_errc;

TEST_CASE("credentials document: the members the endpoints send")
{
    credentials c;
    std::string why;
    const auto ec = parse_credentials_document(R"({
        "Code": "Success", "LastUpdated": "2024-05-01T11:00:00Z", "Type": "AWS-HMAC",
        "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret/key", "Token": "session-token",
        "Expiration": "2024-05-01T12:34:56Z", "AccountId": "123456789012", "RoleArn": "arn:x",
        "Nested": {"ignored": [1, 2, {"deep": true}]}
    })", c, &why);
    REQUIRE_FALSE(ec);
    CHECK(c.access_key_id == "ASIAEXAMPLE");
    CHECK(c.secret_access_key == "secret/key");
    CHECK(c.session_token == "session-token");
    REQUIRE(c.expiration);
    using namespace std::chrono;
    CHECK(*c.expiration == sys_days{year{2024} / 5 / 1} + hours{12} + minutes{34} + seconds{56});

    // Fractions and offsets (the ECS agent writes both).
    REQUIRE_FALSE(parse_credentials_document(
        R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2024-05-01T14:34:56.5+02:00"})", c));
    CHECK(*c.expiration == sys_days{year{2024} / 5 / 1} + hours{12} + minutes{34} + seconds{56} + milliseconds{500});
}

TEST_CASE("credentials document: bad answers are refused with a reason and no secret")
{
    const std::pair<const char*, const char*> cases[] = {
        {"not json at all", "not a JSON object"},
        {R"(["AccessKeyId"])", "not a JSON object"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T")", "not a JSON object"},
        {R"({"SecretAccessKey":"S","Token":"T","Expiration":"2024-05-01T12:34:56Z"})", "AccessKeyId is missing"},
        {R"({"AccessKeyId":"A","Token":"T","Expiration":"2024-05-01T12:34:56Z"})", "SecretAccessKey is missing"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2024-05-01T12:34:56Z"})", "Token is missing"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T"})", "Expiration is missing"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"tomorrow"})",
         "Expiration 'tomorrow' is not an ISO-8601 date-time"},
        {R"({"AccessKeyId":5,"SecretAccessKey":"S","Token":"T","Expiration":"2024-05-01T12:34:56Z"})",
         "AccessKeyId is not a string"},
        {R"({"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"A","SecretAccessKey":"S","Token":"T",
             "Expiration":"2024-05-01T12:34:56Z"})",
         "the endpoint reported Code 'AssumeRoleUnauthorizedAccess'"},
        // Corrupt where no member is read, or after the object: still not a document (found by
        // fuzz_credentials_document; On-Demand skipped such members unchecked).
        {R"({"Type" :V"AWS-HMAC","AccessKeyId":"A","SecretAccessKey":"S","Token":"T",
             "Expiration":"2024-05-01T12:34:56Z"})",
         "not a JSON object"},
        {R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2024-05-01T12:34:56Z"} junk)",
         "not a JSON object"},
    };
    for (const auto& [json, reason] : cases) {
        INFO(json);
        credentials c;
        c.access_key_id = "untouched";
        std::string why;
        CHECK(parse_credentials_document(json, c, &why) == client_errc::invalid_credentials_response);
        CHECK(why == reason);
        CHECK(c.access_key_id == "untouched");
    }
}

TEST_CASE("container credentials: the hosts plain http may reach")
{
    using bedrock::auth::is_allowed_container_address;
    for (const char* ok : {"127.0.0.1", "127.1.2.3", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23",
                           "::ffff:127.0.0.1"})
        CHECK(is_allowed_container_address(ok));
    for (const char* no : {"169.254.169.254", "169.254.170.3", "10.0.0.1", "192.0.2.1", "fd00:ec2::254", "::",
                           "0.0.0.0", "localhost", "example.com", ""})
        CHECK_FALSE(is_allowed_container_address(no));
    using namespace std::string_view_literals;
    CHECK_FALSE(is_allowed_container_address("127.0.0.1\0.evil.example"sv)); // not read up to a NUL only
}

} // namespace remote_document_test

// STS's XML answers, read with expat: credentials, an ErrorResponse, and what is neither.

#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/error.hpp>

#include <catch2/catch.hpp>

namespace credentials_sts_parse_test {

using bedrock::auth::credentials;

TEST_CASE("STS answers: the credentials of an AssumeRole result")
{
    const char* xml = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/r/s</Arn></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAROLE</AccessKeyId>
      <SecretAccessKey>role/secret+key</SecretAccessKey>
      <SessionToken>tok&amp;en</SessionToken>
      <Expiration>2099-01-02T03:04:05Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";
    credentials c;
    std::string why;
    REQUIRE_FALSE(bedrock::auth::parse_sts_credentials(xml, c, &why));
    CHECK(c.access_key_id == "ASIAROLE");
    CHECK(c.secret_access_key == "role/secret+key");
    CHECK(c.session_token == "tok&en");
    using namespace std::chrono;
    REQUIRE(c.expiration);
    CHECK(*c.expiration == sys_days{year{2099} / 1 / 2} + hours{3} + minutes{4} + seconds{5});
}

TEST_CASE("STS answers: an ErrorResponse gives its code and message")
{
    const char* xml = R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error>
  <RequestId>x</RequestId></ErrorResponse>)";
    credentials c;
    std::string why;
    auto ec = bedrock::auth::parse_sts_credentials(xml, c, &why);
    CHECK(ec == bedrock::client_errc::credentials_provider_failed);
    CHECK(why == "AccessDenied: User is not authorized to perform: sts:AssumeRole");
}

TEST_CASE("STS answers: an ErrorResponse with an empty code still says why (found by the fuzzer)")
{
    credentials c;
    std::string why;
    auto ec = bedrock::auth::parse_sts_credentials("<ErrorResponse><Error><Code></Code></Error></ErrorResponse>", c, &why);
    CHECK(ec == bedrock::client_errc::credentials_provider_failed);
    CHECK(why == "unknown error");
}

TEST_CASE("STS answers: malformed XML and missing members are refused")
{
    credentials c;
    std::string why;
    CHECK(bedrock::auth::parse_sts_credentials("<AssumeRoleResponse><Credentials>", c, &why) ==
          bedrock::client_errc::invalid_credentials_response);
    CHECK(why.find("malformed XML") != std::string::npos);
    CHECK(bedrock::auth::parse_sts_credentials("not xml at all", c, &why) ==
          bedrock::client_errc::invalid_credentials_response);
    CHECK(bedrock::auth::parse_sts_credentials(
              "<R><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
              "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></R>",
              c, &why) == bedrock::client_errc::invalid_credentials_response);
    CHECK(why.find("SessionToken") != std::string::npos);
    CHECK(bedrock::auth::parse_sts_credentials(
              "<R><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>"
              "<SessionToken>T</SessionToken><Expiration>soon</Expiration></Credentials></R>",
              c, &why) == bedrock::client_errc::invalid_credentials_response);
    CHECK(why.find("Expiration") != std::string::npos);
    // The same names outside <Credentials> do not count.
    CHECK(bedrock::auth::parse_sts_credentials("<R><AccessKeyId>A</AccessKeyId></R>", c, &why) ==
          bedrock::client_errc::invalid_credentials_response);
}

TEST_CASE("STS endpoint: regional, global without a region, or the override")
{
    bedrock::auth::sts_options o;
    CHECK(bedrock::auth::sts_endpoint(o) == "https://sts.amazonaws.com");
    o.region = "eu-west-3";
    CHECK(bedrock::auth::sts_endpoint(o) == "https://sts.eu-west-3.amazonaws.com");
    o.endpoint = "http://127.0.0.1:9999/";
    CHECK(bedrock::auth::sts_endpoint(o) == "http://127.0.0.1:9999");
}

} // namespace credentials_sts_parse_test

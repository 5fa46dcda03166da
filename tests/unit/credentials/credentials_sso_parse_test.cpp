// IAM Identity Center: the cache file name and the [sso-session] sections of the config file.

#include <bedrock/auth/profile.hpp>
#include <bedrock/credentials/sso_provider.hpp>

#include <catch2/catch.hpp>

namespace credentials_sso_parse_test {

TEST_CASE("SSO: the token cache file is the SHA-1 hex of the session name or legacy start URL")
{
    CHECK(bedrock::auth::sso_cache_file_name("my-sso") == "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    CHECK(bedrock::auth::sso_cache_file_name("https://d-123.awsapps.com/start") == "2b829a45f04c9828cb45b7d092d8e4aa30818393.json");
}

TEST_CASE("SSO: sso-session sections are read from the config file only")
{
    bedrock::auth::profile_set files;
    bedrock::auth::parse_profile_file("[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x/start\n"
                                      "sso_region = eu-west-1\n[sso-session]\nsso_region = none\n",
                                      bedrock::auth::profile_file_kind::config, files);
    const auto* session = files.find_sso_session("corp");
    REQUIRE(session);
    CHECK(session->get("sso_region") == "eu-west-1");
    CHECK(files.find("dev")->get("sso_session") == "corp");
    CHECK_FALSE(files.find("corp"));
    CHECK(files.sso_sessions.size() == 1);
}

} // namespace credentials_sso_parse_test

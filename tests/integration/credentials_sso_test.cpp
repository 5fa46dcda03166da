// IAM Identity Center (SSO) against a fake portal on loopback: a cached token exchanged for role
// credentials, an expired or missing token, refused and malformed answers, through profiles.

#include <bedrock/credentials/profile_provider.hpp>
#include <bedrock/credentials/sso_provider.hpp>
#include <bedrock/error.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include "credentials_support.hpp"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace credentials_sso_test {

namespace asio = boost::asio;
namespace bt = bedrock::testing;
using bedrock::client_errc;
using bedrock::auth::credentials;
using namespace std::chrono_literals;

using bedrock::test::fetch;

namespace {

struct fake_portal {
    struct seen {
        std::string target, token;
    };
    fake_portal()
        : server([this](const bt::request& req, bt::response_writer& w) -> asio::awaitable<void> {
              std::pair<unsigned, std::string> out;
              {
                  std::lock_guard lock(mutex);
                  auto it = req.find("x-amz-sso_bearer_token");
                  requests.push_back({std::string(req.target()), it == req.end() ? "" : std::string(it->value())});
                  out = answer;
              }
              bt::response res{static_cast<boost::beast::http::status>(out.first), 11};
              res.body() = out.second;
              co_await w.respond(std::move(res));
          }, [] {
              bt::server_options o;
              o.tls = false;
              return o;
          }())
    {
    }
    std::mutex mutex;
    std::vector<seen> requests;
    std::pair<unsigned, std::string> answer{
        200u, R"({"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"sso-secret","sessionToken":"sso-token","expiration":4070908800000}})"};
    bt::https_server server;
};


// A home directory with ~/.aws/sso/cache, removed at the end.
struct temp_home : bedrock::test::temp_dir {
    temp_home() : temp_dir("bedrock-sso") { std::filesystem::create_directories(path / ".aws/sso/cache"); }
    void cache_token(const std::string& key, const std::string& expires_at)
    {
        std::ofstream(path / ".aws/sso/cache" / bedrock::auth::sso_cache_file_name(key))
            << R"({"accessToken":"cached-access-token","expiresAt":")" << expires_at << R"(","region":"us-east-1"})";
    }
    std::string config(const std::string& text)
    {
        std::ofstream(path / ".aws/config") << text;
        return (path / ".aws/config").string();
    }
};

} // namespace

TEST_CASE("SSO: a profile with an sso-session gets the portal's role credentials with the cached token")
{
    fake_portal portal;
    temp_home home;
    home.cache_token("corp", "2099-01-01T00:00:00Z");
    home.config("[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Read Only\n"
                "[sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\nsso_region = eu-west-1\n");
    asio::io_context io;
    bedrock::auth::profile_provider_options options;
    options.sso.endpoint = portal.server.url();
    bedrock::auth::profile_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"HOME", home.path.string()}}), "dev", options);
    auto out = fetch(provider, io);
    INFO(provider.last_error());
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIASSO");
    CHECK(out.creds.secret_access_key == "sso-secret");
    CHECK(out.creds.session_token == "sso-token");
    REQUIRE(out.creds.expiration);
    using namespace std::chrono;
    CHECK(*out.creds.expiration == sys_days{year{2099} / 1 / 1});
    std::lock_guard lock(portal.mutex);
    REQUIRE(portal.requests.size() == 1);
    CHECK(portal.requests[0].target == "/federation/credentials?role_name=Read%20Only&account_id=123456789012");
    CHECK(portal.requests[0].token == "cached-access-token");
}

TEST_CASE("SSO: a legacy profile, an expired or missing token, refused and malformed portal answers")
{
    fake_portal portal;
    temp_home home;
    const std::string start = "https://d-123.awsapps.com/start";
    home.config("[default]\nsso_start_url = " + start + "\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n"
                "[profile broken]\nsso_session = nowhere\nsso_account_id = 1\nsso_role_name = r\n");
    asio::io_context io;
    bedrock::auth::profile_provider_options options;
    options.sso.endpoint = portal.server.url();
    options.sso.limits.max_attempts = 1;
    const auto env = bedrock::map_environment({{"HOME", home.path.string()}});
    bedrock::auth::profile_credentials_provider provider(io.get_executor(), env, "", options);

    auto out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider.last_error().find("aws sso login") != std::string::npos);

    home.cache_token(start, "2001-01-01T00:00:00Z");
    out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_expired);
    CHECK(provider.last_error().find("expired") != std::string::npos);
    CHECK(provider.last_error().find("run `aws sso login`") != std::string::npos);

    home.cache_token(start, "2099-01-01T00:00:00Z");
    out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIASSO");

    {
        std::lock_guard lock(portal.mutex);
        portal.answer = {401u, R"({"message":"Session token not found or invalid"})"};
    }
    out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider.last_error().find("refused the token (HTTP 401)") != std::string::npos);

    {
        std::lock_guard lock(portal.mutex);
        portal.answer = {200u, R"({"roleCredentials":{"accessKeyId":"A"}})"};
    }
    out = fetch(provider, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(provider.last_error().find("not roleCredentials") != std::string::npos);

    bedrock::auth::profile_credentials_provider broken(io.get_executor(), env, "broken", options);
    out = fetch(broken, io);
    CHECK(out.ec == client_errc::invalid_configuration);
    CHECK(broken.last_error().find("[sso-session nowhere]") != std::string::npos);
}

} // namespace credentials_sso_test

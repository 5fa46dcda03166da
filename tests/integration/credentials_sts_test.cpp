// Web identity, AssumeRole from profiles, and the default chain's order, against a fake STS served
// on loopback (plain HTTP through AWS_ENDPOINT_URL_STS / sts_options::endpoint).

#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/config.hpp>
#include <bedrock/credentials/profile_provider.hpp>
#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/error.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include "credentials_support.hpp"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace credentials_sts_test {

namespace asio = boost::asio;
namespace bt = bedrock::testing;
using bedrock::client_errc;
using bedrock::auth::credentials;
using namespace std::chrono_literals;

using bedrock::test::fetch;
using bedrock::test::temp_dir;

namespace {

std::string role_answer(const std::string& key, const std::string& expiration = "2099-01-01T00:00:00Z")
{
    return "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials>"
           "<AccessKeyId>" + key + "</AccessKeyId><SecretAccessKey>secret-of-" + key +
           "</SecretAccessKey><SessionToken>token-of-" + key + "</SessionToken><Expiration>" + expiration +
           "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>";
}

// Which form parameter a body carries (values as sent, still encoded).
std::string form(const std::string& body, const std::string& name)
{
    const std::string key = name + "=";
    for (std::size_t at = 0; at < body.size();) {
        const auto end = std::min(body.find('&', at), body.size());
        if (body.compare(at, key.size(), key) == 0)
            return body.substr(at + key.size(), end - at - key.size());
        at = end + 1;
    }
    return "<absent>";
}

// A fake STS: records requests, answers through `answer`, optionally after a delay.
struct fake_sts {
    struct seen {
        std::string body, authorization, content_type;
    };
    using answer_fn = std::function<std::pair<unsigned, std::string>(const seen&)>;

    explicit fake_sts(answer_fn a, bool tls = false)
        : answer(std::move(a)),
          server([this](const bt::request& req, bt::response_writer& w) -> asio::awaitable<void> {
              std::pair<unsigned, std::string> out;
              std::chrono::milliseconds wait{};
              {
                  std::lock_guard lock(mutex);
                  auto field = [&](auto name) {
                      auto it = req.find(name);
                      return it == req.end() ? std::string() : std::string(it->value());
                  };
                  requests.push_back({req.body(), field(boost::beast::http::field::authorization),
                                      field(boost::beast::http::field::content_type)});
                  out = answer(requests.back());
                  wait = delay;
              }
              if (wait.count())
                  co_await w.sleep(wait);
              bt::response res{static_cast<boost::beast::http::status>(out.first), 11};
              res.set(boost::beast::http::field::content_type, "text/xml");
              res.body() = std::move(out.second);
              co_await w.respond(std::move(res));
          }, [tls] {
              bt::server_options o;
              o.tls = tls;
              return o;
          }())
    {
    }

    std::vector<seen> log()
    {
        std::lock_guard lock(mutex);
        return requests;
    }

    std::mutex mutex;
    std::vector<seen> requests;
    answer_fn answer;
    std::chrono::milliseconds delay{};
    bt::https_server server;
};

// Answers AssumeRole* with a key named after the role (the part after "role%2F").
std::pair<unsigned, std::string> by_role(const fake_sts::seen& s)
{
    const std::string arn = form(s.body, "RoleArn");
    return {200u, role_answer("ASIA-" + arn.substr(arn.rfind("%2F") + 3))};
}



bedrock::auth::sts_options sts_at(const fake_sts& sts)
{
    bedrock::auth::sts_options o;
    o.region = "us-west-2";
    o.endpoint = sts.server.url();
    o.limits.max_attempts = 1;
    return o;
}

} // namespace

TEST_CASE("web identity: AssumeRoleWithWebIdentity from the environment, the token file read at each fetch")
{
    fake_sts sts(by_role);
    temp_dir dir;
    const std::string token_file = dir.write("token", "first-token\n");
    asio::io_context io;
    bedrock::auth::web_identity_credentials_provider provider(
        io.get_executor(),
        bedrock::map_environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                  {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
                                  {"AWS_ROLE_SESSION_NAME", "my session"}}),
        sts_at(sts));
    auto out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-web");
    CHECK(out.creds.secret_access_key == "secret-of-ASIA-web");
    CHECK(out.creds.session_token == "token-of-ASIA-web");
    CHECK(out.creds.expiration);

    dir.write("token", "second-token");
    out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    auto log = sts.log();
    REQUIRE(log.size() == 2);
    CHECK(form(log[0].body, "Action") == "AssumeRoleWithWebIdentity");
    CHECK(form(log[0].body, "Version") == "2011-06-15");
    CHECK(form(log[0].body, "RoleArn") == "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb");
    CHECK(form(log[0].body, "RoleSessionName") == "my%20session");
    CHECK(form(log[0].body, "WebIdentityToken") == "first-token");
    CHECK(form(log[1].body, "WebIdentityToken") == "second-token");
    CHECK(log[0].authorization.empty()); // unsigned
    CHECK(log[0].content_type.find("application/x-www-form-urlencoded") == 0);
}

TEST_CASE("web identity: not configured without both variables, and STS errors, malformed, expired and slow answers")
{
    fake_sts sts([](const fake_sts::seen&) {
        return std::pair{403u, std::string("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                                           "<Message>Not authorized to perform sts:AssumeRoleWithWebIdentity</Message>"
                                           "</Error></ErrorResponse>")};
    });
    temp_dir dir;
    const std::string token_file = dir.write("token", "t");
    asio::io_context io;
    bedrock::auth::web_identity_credentials_provider unset(
        io.get_executor(), bedrock::map_environment({{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}}), sts_at(sts));
    CHECK(fetch(unset, io).ec == client_errc::no_credentials);

    auto options = sts_at(sts);
    options.limits.request_timeout = 300ms;
    auto provider = std::make_shared<bedrock::auth::web_identity_credentials_provider>(
        io.get_executor(), bedrock::auth::web_identity_settings{"arn:aws:iam::1:role/r", token_file, "s"}, options);
    auto out = fetch(*provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider->last_error().find("AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity") !=
          std::string::npos);

    sts.answer = [](const fake_sts::seen&) { return std::pair{200u, std::string("<AssumeRoleWithWebIdentityResponse><Cred")}; };
    out = fetch(*provider, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(provider->last_error().find("malformed XML") != std::string::npos);

    // Expired on arrival: the cache refuses them.
    sts.answer = [](const fake_sts::seen&) { return std::pair{200u, role_answer("ASIAOLD", "2001-01-01T00:00:00Z")}; };
    auto cache = std::make_shared<bedrock::auth::credentials_cache>(io.get_executor(), provider);
    bool done = false;
    boost::system::error_code cache_ec;
    cache->async_get([&](boost::system::error_code ec, credentials) {
        cache_ec = ec;
        done = true;
    });
    io.restart();
    for (int i = 0; i < 500 && !done; ++i)
        io.run_one_for(20ms);
    REQUIRE(done);
    CHECK(cache_ec == client_errc::credentials_expired);

    // Slower than the request timeout.
    sts.answer = by_role;
    {
        std::lock_guard lock(sts.mutex);
        sts.delay = 2s;
    }
    const auto start = std::chrono::steady_clock::now();
    out = fetch(*provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(std::chrono::steady_clock::now() - start < 1500ms);

    // A missing token file.
    bedrock::auth::web_identity_credentials_provider missing(
        io.get_executor(), bedrock::auth::web_identity_settings{"arn:aws:iam::1:role/r", dir.path.string() + "/none", ""},
        sts_at(sts));
    CHECK(fetch(missing, io).ec == client_errc::invalid_configuration);
}

TEST_CASE("profiles: role_arn with a chain of source_profile, signed AssumeRole with each source")
{
    fake_sts sts(by_role);
    temp_dir dir;
    const std::string config = dir.write("config", R"([profile top]
role_arn = arn:aws:iam::123456789012:role/top
source_profile = middle
role_session_name = top-session
external_id = ext-1
duration_seconds = 900
region = eu-west-1

[profile middle]
role_arn = arn:aws:iam::123456789012:role/middle
source_profile = base
)");
    const std::string creds = dir.write("credentials", "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n");
    asio::io_context io;
    auto options = bedrock::auth::profile_provider_options{};
    options.sts = sts_at(sts);
    options.sts.region.clear(); // the profile's region signs
    bedrock::auth::profile_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"AWS_CONFIG_FILE", config}, {"AWS_SHARED_CREDENTIALS_FILE", creds}}),
        "top", options);
    auto out = fetch(provider, io);
    INFO(provider.last_error());
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-top");
    auto log = sts.log();
    REQUIRE(log.size() == 2);
    CHECK(form(log[0].body, "Action") == "AssumeRole");
    CHECK(form(log[0].body, "RoleArn").ends_with("role%2Fmiddle"));
    CHECK(log[0].authorization.find("Credential=AKIDBASE/") != std::string::npos);
    CHECK(log[0].authorization.find("/eu-west-1/sts/aws4_request") != std::string::npos);
    CHECK(form(log[0].body, "ExternalId") == "<absent>");
    CHECK(form(log[1].body, "RoleArn").ends_with("role%2Ftop"));
    CHECK(log[1].authorization.find("Credential=ASIA-middle/") != std::string::npos);
    CHECK(form(log[1].body, "RoleSessionName") == "top-session");
    CHECK(form(log[1].body, "ExternalId") == "ext-1");
    CHECK(form(log[1].body, "DurationSeconds") == "900");
}

TEST_CASE("profiles: a source_profile cycle, a missing source, role_arn alone are refused")
{
    fake_sts sts(by_role);
    temp_dir dir;
    const std::string config = dir.write("config", R"([profile a]
role_arn = arn:aws:iam::1:role/a
source_profile = b
[profile b]
role_arn = arn:aws:iam::1:role/b
source_profile = a
[profile lost]
role_arn = arn:aws:iam::1:role/lost
source_profile = nowhere
[profile alone]
role_arn = arn:aws:iam::1:role/alone
[profile self]
role_arn = arn:aws:iam::1:role/self
source_profile = self
aws_access_key_id = AKIDSELF
aws_secret_access_key = self-secret
[profile empty]
region = us-east-1
)");
    asio::io_context io;
    auto options = bedrock::auth::profile_provider_options{};
    options.sts = sts_at(sts);
    const auto env = bedrock::map_environment({{"AWS_CONFIG_FILE", config}, {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}});
    auto refused = [&](const std::string& profile, const std::string& reason) {
        bedrock::auth::profile_credentials_provider provider(io.get_executor(), env, profile, options);
        auto out = fetch(provider, io);
        CHECK(out.ec == client_errc::invalid_configuration);
        CHECK(provider.last_error().find(reason) != std::string::npos);
    };
    refused("a", "source_profile cycle: a -> b -> a");
    refused("lost", "'nowhere' is in neither file");
    refused("alone", "neither source_profile");
    CHECK(sts.log().empty());

    // A profile naming itself uses its own keys.
    bedrock::auth::profile_credentials_provider self(io.get_executor(), env, "self", options);
    auto out = fetch(self, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-self");
    REQUIRE(sts.log().size() == 1);
    CHECK(sts.log()[0].authorization.find("Credential=AKIDSELF/") != std::string::npos);

    // Nothing in the profile: the chain moves on.
    bedrock::auth::profile_credentials_provider empty(io.get_executor(), env, "empty", options);
    CHECK(fetch(empty, io).ec == client_errc::no_credentials);
}

TEST_CASE("profiles: credential_source Environment, web_identity_token_file, credential_process")
{
    fake_sts sts(by_role);
    temp_dir dir;
    const std::string token = dir.write("token", "profile-token");
    const std::string script = dir.write("creds.sh", "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n", true);
    const std::string config = dir.write("config", "[profile env]\nrole_arn = arn:aws:iam::1:role/fromenv\ncredential_source = Environment\n"
                                                   "[profile web]\nrole_arn = arn:aws:iam::1:role/webprofile\nweb_identity_token_file = " + token +
                                                   "\n[profile proc]\ncredential_process = " + script +
                                                   "\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = x\n");
    asio::io_context io;
    auto options = bedrock::auth::profile_provider_options{};
    options.sts = sts_at(sts);
    auto env = bedrock::map_environment({{"AWS_CONFIG_FILE", config}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}});
    bedrock::auth::profile_credentials_provider from_env(io.get_executor(), env, "env", options);
    auto out = fetch(from_env, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-fromenv");
    CHECK(sts.log().back().authorization.find("Credential=AKIDENV/") != std::string::npos);

    bedrock::auth::profile_credentials_provider web(io.get_executor(), env, "web", options);
    out = fetch(web, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-webprofile");
    CHECK(form(sts.log().back().body, "WebIdentityToken") == "profile-token");

    // credential_process comes before the profile's static keys.
    bedrock::auth::profile_credentials_provider proc(io.get_executor(), env, "proc", options);
    out = fetch(proc, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "AKIDPROC");

    // Environment as the source, without keys there: a failure, not "not configured".
    bedrock::auth::profile_credentials_provider no_keys(
        io.get_executor(), bedrock::map_environment({{"AWS_CONFIG_FILE", config}}), "env", options);
    out = fetch(no_keys, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
}

TEST_CASE("the default chain: environment, then web identity, then the profile's role, credential_process, keys")
{
    fake_sts sts(by_role);
    temp_dir dir;
    const std::string token = dir.write("token", "env-token");
    const std::string script = dir.write("creds.sh", "#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"AKIDPROC\",\"SecretAccessKey\":\"s\"}'\n", true);
    const std::string config = dir.write("config", "[default]\nregion = us-west-2\nrole_arn = arn:aws:iam::1:role/profilerole\nsource_profile = keys\n"
                                                   "[profile keys]\naws_access_key_id = AKIDKEYS\naws_secret_access_key = k\n"
                                                   "[profile proc]\nregion = us-west-2\ncredential_process = " + script +
                                                   "\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = x\n");
    std::map<std::string, std::string, std::less<>> vars{
        {"AWS_CONFIG_FILE", config},
        {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"},
        {"AWS_ENDPOINT_URL_STS", sts.server.url()},
        {"AWS_EC2_METADATA_DISABLED", "true"},
        {"AWS_ACCESS_KEY_ID", "AKIDENV"},
        {"AWS_SECRET_ACCESS_KEY", "e"},
        {"AWS_WEB_IDENTITY_TOKEN_FILE", token},
        {"AWS_ROLE_ARN", "arn:aws:iam::1:role/envweb"}};
    asio::io_context io;
    auto first = [&](const std::string& drop_a = "", const std::string& drop_b = "") {
        auto v = vars;
        v.erase(drop_a);
        v.erase(drop_b);
        boost::system::error_code ec;
        auto cfg = bedrock::config::from_environment(bedrock::map_environment(v), ec);
        REQUIRE_FALSE(ec);
        auto provider = bedrock::detail::default_credentials_provider(io.get_executor(), cfg);
        auto out = fetch(*provider, io);
        INFO(provider->last_error());
        REQUIRE_FALSE(out.ec);
        return out.creds.access_key_id;
    };
    CHECK(first() == "AKIDENV");
    CHECK(sts.log().empty());
    CHECK(first("AWS_ACCESS_KEY_ID") == "ASIA-envweb");
    CHECK(first("AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN") == "ASIA-profilerole");
    vars["AWS_PROFILE"] = "proc";
    CHECK(first("AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN") == "AKIDPROC");
    vars["AWS_PROFILE"] = "keys";
    CHECK(first("AWS_ACCESS_KEY_ID", "AWS_ROLE_ARN") == "AKIDKEYS");
    CHECK(sts.log().size() == 2);
}

TEST_CASE("STS over TLS: the server's certificate is verified")
{
    fake_sts sts(by_role, true);
    temp_dir dir;
    const std::string token_file = dir.write("token", "t");
    asio::io_context io;
    auto options = sts_at(sts);
    REQUIRE(options.endpoint.starts_with("https://"));
    options.tls.ca_pem = sts.server.ca_pem();
    bedrock::auth::web_identity_credentials_provider trusted(
        io.get_executor(), bedrock::auth::web_identity_settings{"arn:aws:iam::1:role/tls", token_file, "s"}, options);
    auto out = fetch(trusted, io);
    INFO(trusted.last_error());
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIA-tls");

    options.tls.ca_pem.clear(); // the system's CAs do not know the test CA
    bedrock::auth::web_identity_credentials_provider untrusted(
        io.get_executor(), bedrock::auth::web_identity_settings{"arn:aws:iam::1:role/tls", token_file, "s"}, options);
    out = fetch(untrusted, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(sts.log().size() == 1);
}

} // namespace credentials_sts_test

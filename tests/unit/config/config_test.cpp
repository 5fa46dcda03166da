#include <bedrock/auth/profile.hpp>
#include <bedrock/config.hpp>
#include <bedrock/error.hpp>
#include <bedrock/http/options.hpp>

#include "support/vectors.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <type_traits>

namespace config_test {

namespace {

using bedrock::client_errc;
using env_map = std::map<std::string, std::string, std::less<>>;

// A private directory with config and credentials files, removed at the end of the test.
struct aws_dir {
    std::filesystem::path root;
    aws_dir()
    {
        std::random_device rd;
        root = std::filesystem::temp_directory_path() / ("bedrock-config-test-" + std::to_string(rd()));
        std::filesystem::create_directories(root);
    }
    ~aws_dir() { std::filesystem::remove_all(root); }
    std::string write(const std::string& name, const std::string& text) const
    {
        std::ofstream(root / name) << text;
        return (root / name).string();
    }
};

bedrock::config load(env_map env, boost::system::error_code& ec)
{
    env.try_emplace("HOME", "/nonexistent-home-for-tests");
    return bedrock::config::from_environment(bedrock::map_environment(std::move(env)), ec);
}

} // namespace

TEST_CASE("profile files: sections, comments, continuation and sub-sections")
{
    bedrock::auth::profile_set set;
    bedrock::auth::parse_profile_file(R"(# comment
[default]
region = us-west-2 ; trailing comment
output=json#not-a-comment
[profile dev]
region = eu-central-1
services = local
s3 =
  max_concurrent_requests = 20
long = first
  second
[services local]
bedrock_runtime =
  endpoint_url = http://localhost:4566
[not-a-profile]
region = nowhere
)",
                                      bedrock::auth::profile_file_kind::config, set);
    bedrock::auth::parse_profile_file("[dev]\naws_access_key_id = AKID\naws_secret_access_key=SECRET\n"
                                      "[profile weird]\nregion = x\n",
                                      bedrock::auth::profile_file_kind::credentials, set);

    REQUIRE(set.find("default"));
    CHECK(set.find("default")->get("region") == "us-west-2");
    CHECK(set.find("default")->get("output") == "json#not-a-comment");
    const auto* dev = set.find("dev");
    REQUIRE(dev);
    CHECK(dev->get("region") == "eu-central-1");
    CHECK(dev->get("aws_access_key_id") == "AKID");
    CHECK(dev->get("aws_secret_access_key") == "SECRET");
    CHECK(dev->get("long") == "first\nsecond");
    CHECK(dev->sub_sections.at("s3").at("max_concurrent_requests") == "20");
    CHECK_FALSE(set.find("not-a-profile"));
    CHECK_FALSE(set.find("profile weird")); // names with spaces are invalid in the credentials file
    REQUIRE(set.find_services("local"));
    CHECK(set.find_services("local")->sub_sections.at("bedrock_runtime").at("endpoint_url") ==
          "http://localhost:4566");
}

TEST_CASE("profile files: [profile default] wins over [default] in the config file")
{
    bedrock::auth::profile_set set;
    bedrock::auth::parse_profile_file("[profile default]\nregion = a\n[default]\nregion = b\n",
                                      bedrock::auth::profile_file_kind::config, set);
    CHECK(set.find("default")->get("region") == "a");
    bedrock::auth::profile_set other;
    bedrock::auth::parse_profile_file("[default]\nregion = b\nextra = 1\n[profile default]\nregion = a\n",
                                      bedrock::auth::profile_file_kind::config, other);
    CHECK(other.find("default")->get("region") == "a");
    CHECK_FALSE(other.find("default")->get("extra"));
}

TEST_CASE("config from the environment")
{
    boost::system::error_code ec;
    auto cfg = load({{"AWS_REGION", "eu-west-3"},
                     {"AWS_DEFAULT_REGION", "us-east-1"},
                     {"AWS_ACCESS_KEY_ID", "AKIDENV"},
                     {"AWS_SECRET_ACCESS_KEY", "secret"},
                     {"AWS_SESSION_TOKEN", "token"},
                     {"AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key"},
                     {"AWS_ENDPOINT_URL", "https://global.example"},
                     {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "https://127.0.0.1:8443"},
                     {"AWS_CA_BUNDLE", "/etc/ca.pem"},
                     {"AWS_MAX_ATTEMPTS", "5"},
                     {"AWS_RETRY_MODE", "Standard"},
                     {"AWS_SDK_UA_APP_ID", "my-app"},
                     {"HTTPS_PROXY", "http://proxy:3128"},
                     {"NO_PROXY", "localhost,.internal"}},
                    ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.region == "eu-west-3");
    REQUIRE(cfg.credentials);
    CHECK(cfg.credentials->access_key_id == "AKIDENV");
    CHECK(cfg.credentials->session_token == "token");
    CHECK(cfg.bearer_token == "bedrock-api-key");
    CHECK(cfg.endpoint_url == "https://127.0.0.1:8443");
    CHECK(cfg.ca_bundle == "/etc/ca.pem");
    CHECK(cfg.max_attempts == 5);
    CHECK(cfg.retry == bedrock::retry_mode::standard);
    CHECK(cfg.app_id == "my-app");
    CHECK(cfg.https_proxy == "http://proxy:3128");
    CHECK(cfg.no_proxy == "localhost,.internal");

    cfg = load({{"AWS_DEFAULT_REGION", "us-east-2"}, {"AWS_ENDPOINT_URL", "https://global.example"}}, ec);
    CHECK(cfg.region == "us-east-2");
    CHECK(cfg.endpoint_url == "https://global.example");
    CHECK_FALSE(cfg.credentials);
    CHECK_FALSE(cfg.bearer_token);

    cfg = load({{"AWS_ENDPOINT_URL", "https://global.example"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}},
               ec);
    CHECK(cfg.endpoint_url.empty());
}

TEST_CASE("config: malformed values are errors")
{
    boost::system::error_code ec;
    load({{"AWS_MAX_ATTEMPTS", "three"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);
    load({{"AWS_MAX_ATTEMPTS", "0"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);
    load({{"AWS_RETRY_MODE", "aggressive"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);
    load({{"AWS_USE_FIPS_ENDPOINT", "yes"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);
    load({{"AWS_PROFILE", "missing"}}, ec);
    CHECK(ec == client_errc::profile_not_found);
    CHECK_THROWS_AS(([] {
                        ::setenv("AWS_MAX_ATTEMPTS", "-1", 1);
                        struct restore {
                            ~restore() { ::unsetenv("AWS_MAX_ATTEMPTS"); }
                        } r;
                        (void)bedrock::config::from_environment();
                    }()),
                    boost::system::system_error);
}

TEST_CASE("config: AWS_USE_DUALSTACK_ENDPOINT selects the dual-stack endpoint")
{
    boost::system::error_code ec;
    auto cfg = load({{"AWS_REGION", "us-east-1"}, {"AWS_USE_DUALSTACK_ENDPOINT", "true"}}, ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.use_dualstack);
    CHECK_FALSE(cfg.use_fips);
    CHECK(bedrock::resolve_endpoint(cfg, ec) == "https://bedrock-runtime.us-east-1.api.aws");
    CHECK_FALSE(ec);

    // Case-insensitive, as the SDKs read it; "false" turns it off.
    cfg = load({{"AWS_REGION", "us-east-1"}, {"AWS_USE_DUALSTACK_ENDPOINT", "TRUE"}}, ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.use_dualstack);
    cfg = load({{"AWS_REGION", "us-east-1"}, {"AWS_USE_DUALSTACK_ENDPOINT", "false"}}, ec);
    REQUIRE_FALSE(ec);
    CHECK_FALSE(cfg.use_dualstack);
    CHECK(bedrock::resolve_endpoint(cfg, ec) == "https://bedrock-runtime.us-east-1.amazonaws.com");

    // Anything but true/false is a configuration error, not a silent "off".
    for (const char* bad : {"yes", "1", "on", "tru"}) {
        INFO("AWS_USE_DUALSTACK_ENDPOINT=\"" << bad << '"');
        load({{"AWS_REGION", "us-east-1"}, {"AWS_USE_DUALSTACK_ENDPOINT", bad}}, ec);
        CHECK(ec == client_errc::invalid_configuration);
    }
    // An empty variable counts as unset.
    cfg = load({{"AWS_REGION", "us-east-1"}, {"AWS_USE_DUALSTACK_ENDPOINT", ""}}, ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(cfg.use_dualstack);
}

TEST_CASE("config from profile files, environment first")
{
    aws_dir dir;
    const auto config_file = dir.write("config", R"([default]
region = ap-southeast-2
[profile work]
region = ca-central-1
max_attempts = 7
retry_mode = adaptive
ca_bundle = ~/certs/ca.pem
use_dualstack_endpoint = true
services = work-services
[services work-services]
bedrock_runtime =
  endpoint_url = https://bedrock.work.internal
)");
    const auto credentials_file = dir.write("credentials", R"([work]
aws_access_key_id = AKIDWORK
aws_secret_access_key = work-secret
aws_session_token = work-token
)");
    boost::system::error_code ec;
    env_map env{{"AWS_CONFIG_FILE", config_file},
                {"AWS_SHARED_CREDENTIALS_FILE", credentials_file},
                {"HOME", "/home/tester"}};
    auto cfg = load(env, ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.region == "ap-southeast-2");
    CHECK_FALSE(cfg.credentials);

    env["AWS_PROFILE"] = "work";
    cfg = load(env, ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.profile == "work");
    CHECK(cfg.region == "ca-central-1");
    CHECK(cfg.max_attempts == 7);
    CHECK(cfg.retry == bedrock::retry_mode::adaptive);
    CHECK(cfg.ca_bundle == "/home/tester/certs/ca.pem");
    CHECK(cfg.use_dualstack);
    CHECK(cfg.endpoint_url == "https://bedrock.work.internal");
    REQUIRE(cfg.credentials);
    CHECK(cfg.credentials->access_key_id == "AKIDWORK");
    CHECK(cfg.credentials->session_token == "work-token");

    env["AWS_REGION"] = "us-west-1";
    env["AWS_MAX_ATTEMPTS"] = "2";
    env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
    env["AWS_SECRET_ACCESS_KEY"] = "env-secret";
    cfg = load(env, ec);
    REQUIRE_FALSE(ec);
    CHECK(cfg.region == "us-west-1");
    CHECK(cfg.max_attempts == 2);
    CHECK(cfg.credentials->access_key_id == "AKIDENV");
    CHECK_FALSE(cfg.credentials->session_token);
}

TEST_CASE("config: one timeouts type, handed to the transport as configured")
{
    // config::timeout and the transport's limits are one type: nothing is copied field by field,
    // so a new timeout cannot be configured and then silently dropped on the way to the pool.
    STATIC_REQUIRE(std::is_same_v<decltype(bedrock::config{}.timeout), bedrock::http::timeouts>);
    const bedrock::timeouts t;
    CHECK(t.connect == std::chrono::seconds(5));
    CHECK(t.tls_handshake == std::chrono::seconds(10));
    CHECK(t.first_byte == std::chrono::minutes(10));
    CHECK(t.idle == std::chrono::minutes(2));
    CHECK(t.first_event == std::chrono::minutes(5));
    CHECK(t.total == std::chrono::minutes(15));
}

TEST_CASE("config: retry mode standard or adaptive, legacy is refused", "[retry]")
{
    boost::system::error_code ec;
    CHECK(load({}, ec).retry == bedrock::retry_mode::standard);
    CHECK_FALSE(ec);
    CHECK(load({{"AWS_RETRY_MODE", "adaptive"}}, ec).retry == bedrock::retry_mode::adaptive);
    CHECK_FALSE(ec);
    CHECK(load({{"AWS_RETRY_MODE", "ADAPTIVE"}}, ec).retry == bedrock::retry_mode::adaptive);
    CHECK_FALSE(ec);
    CHECK(load({{"AWS_RETRY_MODE", "standard"}}, ec).retry == bedrock::retry_mode::standard);
    CHECK_FALSE(ec);
    // The SDKs' legacy mode is not implemented: asking for it must not quietly give another mode.
    load({{"AWS_RETRY_MODE", "legacy"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);
    load({{"AWS_RETRY_MODE", "Legacy"}}, ec);
    CHECK(ec == client_errc::invalid_configuration);

    // The same from a profile, where the environment still wins.
    aws_dir dir;
    const auto config_file = dir.write("config", "[default]\nretry_mode = legacy\n[profile fast]\nretry_mode = adaptive\n");
    env_map env{{"AWS_CONFIG_FILE", config_file}};
    load(env, ec);
    CHECK(ec == client_errc::invalid_configuration);
    env["AWS_RETRY_MODE"] = "standard";
    CHECK(load(env, ec).retry == bedrock::retry_mode::standard);
    CHECK_FALSE(ec);
    env.erase("AWS_RETRY_MODE");
    env["AWS_PROFILE"] = "fast";
    CHECK(load(env, ec).retry == bedrock::retry_mode::adaptive);
    CHECK_FALSE(ec);
}

TEST_CASE("endpoint resolution follows the service model's rules")
{
    bedrock::config cfg;
    boost::system::error_code ec;
    auto resolve = [&](std::string region, bool fips = false, bool dual = false) {
        cfg.region = std::move(region);
        cfg.use_fips = fips;
        cfg.use_dualstack = dual;
        return bedrock::resolve_endpoint(cfg, ec);
    };
    CHECK(resolve("us-east-1") == "https://bedrock-runtime.us-east-1.amazonaws.com");
    CHECK(resolve("us-east-1", true) == "https://bedrock-runtime-fips.us-east-1.amazonaws.com");
    CHECK(resolve("us-east-1", false, true) == "https://bedrock-runtime.us-east-1.api.aws");
    CHECK(resolve("us-east-1", true, true) == "https://bedrock-runtime-fips.us-east-1.api.aws");
    CHECK(resolve("cn-north-1") == "https://bedrock-runtime.cn-north-1.amazonaws.com.cn");
    CHECK(resolve("cn-north-1", false, true) ==
          "https://bedrock-runtime.cn-north-1.api.amazonwebservices.com.cn");
    CHECK(resolve("us-gov-west-1", true) == "https://bedrock-runtime-fips.us-gov-west-1.amazonaws.com");
    CHECK(resolve("us-iso-east-1") == "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov");
    CHECK(resolve("us-isob-east-1") == "https://bedrock-runtime.us-isob-east-1.sc2s.sgov.gov");
    CHECK(resolve("eu-isoe-west-1") == "https://bedrock-runtime.eu-isoe-west-1.cloud.adc-e.uk");
    CHECK(resolve("us-isof-south-1") == "https://bedrock-runtime.us-isof-south-1.csp.hci.ic.gov");
    CHECK(resolve("mars-central-1") == "https://bedrock-runtime.mars-central-1.amazonaws.com");
    CHECK(!ec);

    resolve("");
    CHECK(ec == client_errc::missing_region);
    resolve("us-east-1.evil.com/x");
    CHECK(ec == client_errc::invalid_configuration);

    cfg.endpoint_url = "https://127.0.0.1:9443";
    CHECK(resolve("") == "https://127.0.0.1:9443");
    CHECK_FALSE(ec);
    resolve("us-east-1", true);
    CHECK(ec == client_errc::invalid_configuration);
    resolve("us-east-1", false, true);
    CHECK(ec == client_errc::invalid_configuration);
}

TEST_CASE("endpoint resolution agrees with the official JS SDK's resolver, every region, FIPS and dual-stack")
{
    // tests/vectors/sdk_endpoints.json: written by tools/sdk-oracle/endpoints.mjs from the SDK's own
    // endpoint provider (its version is in the file); CI regenerates it when node is present.
    const auto doc = boost::json::parse(bedrock::test::read_text(std::filesystem::path(BEDROCK_TEST_DATA_DIR) /
                                                                 "sdk_endpoints.json"));
    std::size_t cases = 0;
    for (const auto& v : doc.at("cases").as_array()) {
        const auto& c = v.as_object();
        bedrock::config cfg;
        cfg.region = std::string(c.at("region").as_string());
        cfg.use_fips = c.at("fips").as_bool();
        cfg.use_dualstack = c.at("dualstack").as_bool();
        boost::system::error_code ec;
        const std::string url = bedrock::resolve_endpoint(cfg, ec);
        INFO(cfg.region << " fips " << cfg.use_fips << " dual-stack " << cfg.use_dualstack);
        if (c.at("url").is_string()) {
            CHECK_FALSE(ec);
            CHECK(url == std::string_view(c.at("url").as_string()));
        } else {
            CHECK(ec == client_errc::invalid_configuration);
        }
        ++cases;
    }
    CHECK(cases == 19 * 4);
}

} // namespace config_test

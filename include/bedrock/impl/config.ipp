#ifndef BEDROCK_IMPL_CONFIG_IPP
#define BEDROCK_IMPL_CONFIG_IPP

#include <bedrock/auth/profile.hpp>
#include <bedrock/config.hpp>
#include <bedrock/detail/exceptions.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/error.hpp>

#include <boost/system/system_error.hpp>

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <pwd.h>
#include <unistd.h>

namespace bedrock {
namespace detail {

// "true"/"false" in any case; anything else is a configuration error.
inline std::optional<bool> parse_bool(std::string_view v) noexcept
{
    if (iequals(v, "true"))
        return true;
    if (iequals(v, "false"))
        return false;
    return std::nullopt;
}

inline std::string home_directory(const environment& env)
{
    if (auto home = env("HOME"); home && !home->empty())
        return *home;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir)
        return pw->pw_dir;
    return {};
}

inline std::string expand_home(std::string path, const environment& env)
{
    if (path == "~" || path.starts_with("~/"))
        path.replace(0, 1, home_directory(env));
    return path;
}

inline bool read_file(const std::string& path, std::string& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return true;
}

// A partition of the AWS global infrastructure, as the endpoint rules of the service model use it.
struct partition {
    std::string_view name;
    std::string_view region_prefix; ///< regions "<prefix>-<word>-<digits>" belong to it
    std::string_view dns_suffix;
    std::string_view dual_stack_dns_suffix;
    bool supports_fips;
    bool supports_dual_stack;
};

// Ordered so that the longer prefixes are tried first ("us-gov" before "us"). The suffixes are the
// partitions' of the official SDKs (tests/vectors/sdk_endpoints.json, from tools/sdk-oracle, checks them).
inline constexpr std::array<partition, 7> partitions{{
    {"aws-us-gov", "us-gov", "amazonaws.com", "api.aws", true, true},
    {"aws-iso-b", "us-isob", "sc2s.sgov.gov", "api.aws.scloud", true, true},
    {"aws-iso-f", "us-isof", "csp.hci.ic.gov", "api.aws.hci.ic.gov", true, true},
    {"aws-iso", "us-iso", "c2s.ic.gov", "api.aws.ic.gov", true, true},
    {"aws-iso-e", "eu-isoe", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk", true, true},
    {"aws-cn", "cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn", true, true},
    {"aws-eusc", "eusc-de", "amazonaws.eu", "api.amazonwebservices.eu", true, true}, // ^eusc-(de)-\w+-\d+$
}};
inline constexpr partition aws_partition{"aws", "", "amazonaws.com", "api.aws", true, true};

// Whether `region` is "<prefix>-<letters>-<digits>" (e.g. prefix "us-gov" and "us-gov-west-1").
inline bool region_in(std::string_view region, std::string_view prefix) noexcept
{
    if (!region.starts_with(prefix) || region.size() <= prefix.size() || region[prefix.size()] != '-')
        return false;
    std::string_view rest = region.substr(prefix.size() + 1);
    const auto dash = rest.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == rest.size())
        return false;
    for (char c : rest.substr(0, dash))
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    for (char c : rest.substr(dash + 1))
        if (c < '0' || c > '9')
            return false;
    return true;
}

inline const partition& partition_of(std::string_view region) noexcept
{
    for (const auto& p : partitions)
        if (region_in(region, p.region_prefix))
            return p;
    return aws_partition; // the rules' default, also for unknown and future regions
}

// A region becomes part of a host name; refuse anything that could change which host that is.
inline bool valid_host_label(std::string_view s) noexcept
{
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-')
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

} // namespace detail

BEDROCK_DECL config config::from_environment(const environment& env, boost::system::error_code& ec)
{
    ec.clear();
    config cfg;
    cfg.env = env;
    auto get = [&](std::string_view name) -> std::optional<std::string> {
        auto v = env(name);
        if (v && v->empty())
            return std::nullopt; // an empty variable counts as unset, as in the SDKs
        return v;
    };

    // The profile files. Their absence is normal; a named profile missing from both is not.
    const std::optional<std::string> named_profile = get("AWS_PROFILE");
    cfg.profile = named_profile.value_or(get("AWS_DEFAULT_PROFILE").value_or("default"));
    auth::profile_set files;
    std::string text;
    const std::string config_path = detail::expand_home(get("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
    if (detail::read_file(config_path, text))
        auth::parse_profile_file(text, auth::profile_file_kind::config, files);
    const std::string credentials_path =
        detail::expand_home(get("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
    if (detail::read_file(credentials_path, text))
        auth::parse_profile_file(text, auth::profile_file_kind::credentials, files);
    const auth::profile* profile = files.find(cfg.profile);
    if (!profile && (named_profile || cfg.profile != "default")) {
        ec = client_errc::profile_not_found;
        return cfg;
    }
    auto setting = [&](std::string_view env_name, std::string_view profile_key) -> std::optional<std::string> {
        if (auto v = get(env_name))
            return v;
        if (profile)
            if (auto v = profile->get(profile_key); v && !v->empty())
                return std::string(*v);
        return std::nullopt;
    };
    auto flag = [&](std::string_view env_name, std::string_view profile_key, bool& out) {
        if (auto v = setting(env_name, profile_key)) {
            if (auto b = detail::parse_bool(*v))
                out = *b;
            else
                ec = client_errc::invalid_configuration;
        }
    };

    if (auto v = get("AWS_REGION"))
        cfg.region = *v;
    else if (auto v = get("AWS_DEFAULT_REGION"))
        cfg.region = *v;
    else if (profile)
        cfg.region = std::string(profile->get("region").value_or(""));

    flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", cfg.use_fips);
    flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", cfg.use_dualstack);

    // Endpoint: the service-specific variable, the global one, the profile's services section,
    // the profile's own endpoint_url, unless configured endpoints are to be ignored.
    bool ignore_endpoints = false;
    flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "ignore_configured_endpoint_urls", ignore_endpoints);
    if (!ignore_endpoints) {
        if (auto v = get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"))
            cfg.endpoint_url = *v;
        else if (auto v = get("AWS_ENDPOINT_URL"))
            cfg.endpoint_url = *v;
        else if (profile) {
            // `services = name` points at a [services name] section with a bedrock_runtime block.
            std::optional<std::string> from_services;
            if (auto name = profile->get("services"))
                if (const auth::profile* services = files.find_services(*name))
                    if (auto sub = services->sub_sections.find("bedrock_runtime"); sub != services->sub_sections.end())
                        if (auto url = sub->second.find("endpoint_url"); url != sub->second.end())
                            from_services = url->second;
            if (from_services)
                cfg.endpoint_url = *from_services;
            else if (auto v = profile->get("endpoint_url"))
                cfg.endpoint_url = std::string(*v);
        }
    }

    // Credentials: environment keys, else the profile's static keys when nothing the SDKs try
    // before them applies (web identity from the environment; the profile's role, SSO or
    // credential_process): those, the container and the instance are left to the client's chain.
    const bool web_identity_env = get("AWS_WEB_IDENTITY_TOKEN_FILE") && get("AWS_ROLE_ARN");
    const auto profile_has = [&](std::string_view key) {
        if (!profile)
            return false;
        auto v = profile->get(key);
        return v && !v->empty();
    };
    const bool profile_static_only = !profile_has("role_arn") && !profile_has("web_identity_token_file") &&
                                     !profile_has("sso_session") && !profile_has("sso_start_url") &&
                                     !profile_has("credential_process");
    if (auto id = get("AWS_ACCESS_KEY_ID"), secret = get("AWS_SECRET_ACCESS_KEY"); id && secret) {
        cfg.credentials = auth::credentials{*id, *secret, get("AWS_SESSION_TOKEN"), std::nullopt};
    } else if (!web_identity_env && profile_static_only && profile && profile->get("aws_access_key_id") &&
               profile->get("aws_secret_access_key")) {
        auth::credentials c;
        c.access_key_id = std::string(*profile->get("aws_access_key_id"));
        c.secret_access_key = std::string(*profile->get("aws_secret_access_key"));
        if (auto t = profile->get("aws_session_token"); t && !t->empty())
            c.session_token = std::string(*t);
        cfg.credentials = std::move(c);
    }
    cfg.bearer_token = get("AWS_BEARER_TOKEN_BEDROCK");

    if (auto v = setting("AWS_CA_BUNDLE", "ca_bundle"))
        cfg.ca_bundle = detail::expand_home(*v, env);
    if (auto v = setting("AWS_SDK_UA_APP_ID", "sdk_ua_app_id"))
        cfg.app_id = *v;
    if (auto v = setting("AWS_MAX_ATTEMPTS", "max_attempts")) {
        int n = 0;
        auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (err != std::errc{} || end != v->data() + v->size() || n < 1)
            ec = client_errc::invalid_configuration;
        else
            cfg.max_attempts = n;
    }
    if (auto v = setting("AWS_RETRY_MODE", "retry_mode")) {
        // `legacy`, the SDKs' third mode, is refused like any unknown name: this library implements
        // only standard and adaptive, and a mode asked for must be the mode used.
        if (detail::iequals(*v, "standard"))
            cfg.retry = retry_mode::standard;
        else if (detail::iequals(*v, "adaptive"))
            cfg.retry = retry_mode::adaptive;
        else
            ec = client_errc::invalid_configuration;
    }
    if (auto v = get("BEDROCK_HTTP_VERSION")) {
        if (auto version = parse_http_version(*v))
            cfg.http_version = *version;
        else
            ec = client_errc::invalid_configuration;
    }
    if (auto v = get("HTTPS_PROXY"))
        cfg.https_proxy = *v;
    else if (auto v = get("https_proxy"))
        cfg.https_proxy = *v;
    if (auto v = get("NO_PROXY"))
        cfg.no_proxy = *v;
    else if (auto v = get("no_proxy"))
        cfg.no_proxy = *v;
    return cfg;
}

BEDROCK_DECL std::optional<http_version> parse_http_version(std::string_view text) noexcept
{
    if (text == "1.1" || detail::iequals(text, "http/1.1"))
        return http_version::http1_1;
    if (text == "2" || detail::iequals(text, "h2") || detail::iequals(text, "http/2"))
        return http_version::http2;
    return std::nullopt;
}

BEDROCK_DECL config config::from_environment()
{
    boost::system::error_code ec;
    config cfg = from_environment(process_environment(), ec);
    if (ec)
        boost::throw_exception(boost::system::system_error(ec, "bedrock::config::from_environment"));
    return cfg;
}

BEDROCK_DECL std::string resolve_endpoint(const config& cfg, boost::system::error_code& ec)
{
    ec.clear();
    if (!cfg.endpoint_url.empty()) {
        if (cfg.use_fips || cfg.use_dualstack) {
            ec = client_errc::invalid_configuration; // the rules refuse both with a custom endpoint
            return {};
        }
        return cfg.endpoint_url;
    }
    if (cfg.region.empty()) {
        ec = client_errc::missing_region;
        return {};
    }
    if (!detail::valid_host_label(cfg.region)) {
        ec = client_errc::invalid_configuration;
        return {};
    }
    const detail::partition& p = detail::partition_of(cfg.region);
    if ((cfg.use_fips && !p.supports_fips) || (cfg.use_dualstack && !p.supports_dual_stack)) {
        ec = client_errc::invalid_configuration;
        return {};
    }
    std::string url = "https://bedrock-runtime";
    if (cfg.use_fips)
        url += "-fips";
    url += '.';
    url += cfg.region;
    url += '.';
    url += cfg.use_dualstack ? p.dual_stack_dns_suffix : p.dns_suffix;
    return url;
}

} // namespace bedrock

#endif

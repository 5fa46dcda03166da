#ifndef BEDROCK_CREDENTIALS_IMPL_PROFILE_PROVIDER_IPP
#define BEDROCK_CREDENTIALS_IMPL_PROFILE_PROVIDER_IPP

#include <bedrock/auth/profile.hpp>
#include <bedrock/credentials/profile_provider.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/error.hpp>

#include <charconv>
#include <fstream>
#include <iterator>

namespace bedrock::auth {
namespace detail {

struct profile_provider_state {
    boost::asio::any_io_executor executor;
    environment env;
    std::string profile;
    profile_provider_options options;
    mutable std::mutex mutex;
    std::string last_error;
};

namespace profiles {

using boost::system::error_code;

inline std::optional<std::string> get(const environment& env, std::string_view name)
{
    auto v = env(name);
    if (v && v->empty())
        return std::nullopt;
    return v;
}

inline std::string expand_home(std::string path, const environment& env)
{
    if (path.starts_with("~/") || path == "~")
        path.replace(0, 1, get(env, "HOME").value_or(""));
    return path;
}

inline profile_set load(const environment& env)
{
    profile_set files;
    auto read = [&](const std::string& path, profile_file_kind kind) {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            return; // an absent file is normal
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        parse_profile_file(text, kind, files);
    };
    read(expand_home(get(env, "AWS_CONFIG_FILE").value_or("~/.aws/config"), env), profile_file_kind::config);
    read(expand_home(get(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env),
         profile_file_kind::credentials);
    return files;
}

struct resolved {
    std::shared_ptr<credentials_provider> provider;
    error_code ec;
    std::string why;
};

inline resolved refuse(client_errc e, std::string why) { return {nullptr, make_error_code(e), std::move(why)}; }

inline std::string value(const profile& p, std::string_view key)
{
    return std::string(p.get(key).value_or(""));
}

inline std::optional<credentials> static_keys(const profile& p)
{
    credentials c;
    c.access_key_id = value(p, "aws_access_key_id");
    c.secret_access_key = value(p, "aws_secret_access_key");
    if (!c.complete())
        return std::nullopt;
    if (auto t = value(p, "aws_session_token"); !t.empty())
        c.session_token = std::move(t);
    return c;
}

struct resolver {
    const profile_set& files;
    const profile_provider_state& st;
    sts_options sts; // the region resolved
    std::vector<std::string> visited;

    resolved resolve(const std::string& name, bool as_source)
    {
        for (const auto& v : visited)
            if (v == name) {
                std::string path;
                for (const auto& p : visited)
                    path += p + " -> ";
                return refuse(client_errc::invalid_configuration, "source_profile cycle: " + path + name);
            }
        const profile* p = files.find(name);
        if (!p)
            return refuse(as_source ? client_errc::invalid_configuration : client_errc::no_credentials,
                          "profile '" + name + "' is in neither file" +
                              (as_source ? " (source_profile of '" + visited.back() + "')" : std::string()));
        visited.push_back(name);
        const auto& ex = st.executor;
        const std::string role_arn = value(*p, "role_arn");
        if (!role_arn.empty()) {
            sts_options o = sts;
            const std::string session = value(*p, "role_session_name");
            if (auto file = value(*p, "web_identity_token_file"); !file.empty())
                return {std::make_shared<web_identity_credentials_provider>(
                            ex, web_identity_settings{role_arn, expand_home(file, st.env), session}, o),
                        {}, {}};
            const std::string source_profile = value(*p, "source_profile");
            const std::string credential_source = value(*p, "credential_source");
            if (!source_profile.empty() && !credential_source.empty())
                return refuse(client_errc::invalid_configuration,
                              "profile '" + name + "' has both source_profile and credential_source");
            std::shared_ptr<credentials_provider> source;
            if (!source_profile.empty()) {
                // A profile that names itself takes its own static keys as the source (the SDKs do).
                auto keys = static_keys(*p);
                if (source_profile == name && keys) {
                    source = std::make_shared<static_credentials_provider>(ex, *keys);
                } else {
                    auto r = resolve(source_profile, true);
                    if (r.ec)
                        return r;
                    source = std::move(r.provider);
                }
            } else if (credential_source == "Environment") {
                credentials c;
                c.access_key_id = get(st.env, "AWS_ACCESS_KEY_ID").value_or("");
                c.secret_access_key = get(st.env, "AWS_SECRET_ACCESS_KEY").value_or("");
                c.session_token = get(st.env, "AWS_SESSION_TOKEN");
                source = std::make_shared<static_credentials_provider>(ex, c); // incomplete: no_credentials
            } else if (credential_source == "Ec2InstanceMetadata") {
                source = std::make_shared<imds_credentials_provider>(ex, st.env);
            } else if (credential_source == "EcsContainer") {
                source = std::make_shared<container_credentials_provider>(ex, st.env);
            } else if (!credential_source.empty()) {
                return refuse(client_errc::invalid_configuration,
                              "profile '" + name + "': credential_source '" + credential_source +
                                  "' is not Environment, Ec2InstanceMetadata or EcsContainer");
            } else {
                return refuse(client_errc::invalid_configuration,
                              "profile '" + name + "' has role_arn but neither source_profile, credential_source "
                              "nor web_identity_token_file");
            }
            assume_role_settings settings;
            settings.role_arn = role_arn;
            settings.session_name = session;
            settings.external_id = value(*p, "external_id");
            if (auto d = value(*p, "duration_seconds"); !d.empty()) {
                int seconds = 0;
                auto [end, err] = std::from_chars(d.data(), d.data() + d.size(), seconds);
                if (err != std::errc{} || end != d.data() + d.size() || seconds <= 0)
                    return refuse(client_errc::invalid_configuration,
                                  "profile '" + name + "': duration_seconds '" + d + "' is not a number of seconds");
                settings.duration_seconds = seconds;
            }
            return {std::make_shared<assume_role_credentials_provider>(ex, std::move(source), std::move(settings), o),
                    {}, {}};
        }
        if (auto session = value(*p, "sso_session"); !session.empty() || !value(*p, "sso_start_url").empty()) {
            sso_settings settings;
            const profile* holder = p; // where sso_start_url and sso_region are: the session, or the profile
            if (!session.empty()) {
                holder = files.find_sso_session(session);
                if (!holder)
                    return refuse(client_errc::invalid_configuration,
                                  "profile '" + name + "': [sso-session " + session + "] is not in the config file");
                settings.session_name = session;
            }
            settings.start_url = value(*holder, "sso_start_url");
            settings.region = value(*holder, "sso_region");
            settings.account_id = value(*p, "sso_account_id");
            settings.role_name = value(*p, "sso_role_name");
            for (auto [key, v] : {std::pair{"sso_start_url", &settings.start_url}, std::pair{"sso_region", &settings.region},
                                  std::pair{"sso_account_id", &settings.account_id},
                                  std::pair{"sso_role_name", &settings.role_name}})
                if (v->empty())
                    return refuse(client_errc::invalid_configuration,
                                  "profile '" + name + "' uses IAM Identity Center but has no " + key);
            return {std::make_shared<sso_credentials_provider>(ex, std::move(settings), st.options.sso, st.env), {}, {}};
        }
        if (auto command = value(*p, "credential_process"); !command.empty())
            return {std::make_shared<process_credentials_provider>(ex, command, st.options.process), {}, {}};
        if (auto keys = static_keys(*p))
            return {std::make_shared<static_credentials_provider>(ex, *keys), {}, {}};
        return refuse(as_source ? client_errc::invalid_configuration : client_errc::no_credentials,
                      "profile '" + name + "' has no credentials" +
                          (as_source ? " (source_profile of '" + visited[visited.size() - 2] + "')" : std::string()));
    }
};

} // namespace profiles
} // namespace detail

BEDROCK_DECL profile_credentials_provider::profile_credentials_provider(boost::asio::any_io_executor ex,
                                                                        environment env, std::string profile,
                                                                        profile_provider_options options)
    : state_(std::make_shared<detail::profile_provider_state>())
{
    state_->executor = std::move(ex);
    state_->env = env ? std::move(env) : process_environment();
    state_->profile = std::move(profile);
    state_->options = std::move(options);
}

BEDROCK_DECL void profile_credentials_provider::async_fetch(credentials_handler handler)
{
    namespace profiles = detail::profiles;
    auto st = state_;
    std::string name = st->profile;
    if (name.empty())
        name = profiles::get(st->env, "AWS_PROFILE").value_or(profiles::get(st->env, "AWS_DEFAULT_PROFILE").value_or("default"));
    const profile_set files = profiles::load(st->env);
    profiles::resolver r{files, *st, st->options.sts, {}};
    if (r.sts.region.empty())
        if (const profile* p = files.find(name))
            r.sts.region = profiles::value(*p, "region");
    auto found = r.resolve(name, false);
    if (found.ec) {
        {
            std::lock_guard lock(st->mutex);
            st->last_error = std::move(found.why);
        }
        auth::detail::complete_later(st->executor, std::move(handler), found.ec, {});
        return;
    }
    auto provider = found.provider;
    provider->async_fetch([st, provider, name, h = std::move(handler)](boost::system::error_code ec,
                                                                       credentials c) mutable {
        {
            std::lock_guard lock(st->mutex);
            st->last_error.clear();
            if (ec) {
                const std::string said = provider->last_error();
                st->last_error = "profile '" + name + "' (" + std::string(provider->name()) +
                                 "): " + (said.empty() ? ec.message() : said);
            }
        }
        // A profile's source that says "not here" (credential_source = Environment without keys)
        // is a failure: the profile asked for it.
        if (ec == client_errc::no_credentials)
            ec = client_errc::credentials_provider_failed;
        std::move(h)(ec, std::move(c));
    });
}

BEDROCK_DECL std::string profile_credentials_provider::last_error() const
{
    std::lock_guard lock(state_->mutex);
    return state_->last_error;
}

} // namespace bedrock::auth

#endif

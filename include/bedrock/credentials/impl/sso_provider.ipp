#ifndef BEDROCK_CREDENTIALS_IMPL_SSO_PROVIDER_IPP
#define BEDROCK_CREDENTIALS_IMPL_SSO_PROVIDER_IPP

#include <bedrock/credentials/impl/remote_providers.ipp> // the HTTP helpers the remote providers share
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/credentials/sso_provider.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/reader.hpp>

#include <openssl/evp.h>
#include <simdjson.h>

#include <fstream>
#include <optional>

namespace bedrock::auth {
namespace detail {

struct sso_provider_state : provider_state {
    sso_settings settings;
    sso_options options;
    environment env;
};

namespace sso {


inline std::string query_encode(std::string_view v)
{
    std::string out;
    uri_encode(v, true, out);
    return out;
}

// The cached SSO token, then one GET of the role's credentials from the portal.
struct fetch : fetch_op<fetch, sso_provider_state> {
    using fetch_op::fetch_op;
    std::string login; // what to run to log in again
    std::string what;  // "the SSO portal ..."
    std::optional<http::connection_pool> pool;

    void finish(fetch_result r)
    {
        if (pool)
            pool->close();
        report(*st, std::move(handler), std::move(r));
    }

    void start()
    {
        const sso_settings& s = st->settings;
        login = s.session_name.empty() ? "aws sso login" : "aws sso login --sso-session " + s.session_name;
        std::string dir = st->options.cache_directory;
        if (dir.empty())
            dir = remote::get(st->env, "HOME").value_or("") + "/.aws/sso/cache";
        const std::string file =
            dir + "/" + sso_cache_file_name(s.session_name.empty() ? s.start_url : s.session_name);
        std::ifstream in(file, std::ios::binary);
        if (!in)
            return finish(fail(client_errc::credentials_provider_failed,
                               "no cached SSO token at " + file + ": run `" + login + "`"));
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        simdjson::padded_string padded(text);
        simdjson::dom::parser parser;
        simdjson::dom::object cached;
        std::string_view token, expires_at;
        if (parser.parse(padded).get_object().get(cached) || cached["accessToken"].get_string().get(token) ||
            cached["expiresAt"].get_string().get(expires_at) || token.empty())
            return finish(fail(client_errc::credentials_provider_failed,
                               "the cached SSO token " + file + " cannot be read: run `" + login + "`"));
        std::chrono::system_clock::time_point expiry;
        if (!json::parse_date_time(expires_at, expiry))
            return finish(fail(client_errc::credentials_provider_failed,
                               "the cached SSO token " + file + " has no valid expiresAt: run `" + login + "`"));
        if (expiry <= std::chrono::system_clock::now())
            return finish(fail(client_errc::credentials_expired,
                               "the SSO token for " + (s.session_name.empty() ? s.start_url : s.session_name) +
                                   " expired at " + std::string(expires_at) + ": run `" + login + "`"));
        const std::string bearer(token);
        if (!remote::printable(bearer))
            return finish(
                fail(client_errc::credentials_provider_failed, "the cached SSO token " + file + " is malformed"));

        std::string url = st->options.endpoint;
        if (url.empty())
            url = "https://portal.sso." + s.region + ".amazonaws.com";
        while (url.size() > 1 && url.back() == '/')
            url.pop_back();
        url += "/federation/credentials?role_name=" + query_encode(s.role_name) +
               "&account_id=" + query_encode(s.account_id);
        auto where = remote::split(url);
        if (!where)
            return finish(
                fail(client_errc::invalid_credentials_endpoint, "the SSO portal URL '" + url + "' cannot be parsed"));
        http::pool_options po;
        po.max_connections = 1;
        po.proxy = st->options.proxy;
        if (where->target.is_tls()) {
            auto context = http::make_tls_context(st->options.tls);
            if (!context)
                return finish(fail(client_errc::credentials_provider_failed,
                                   "TLS setup failed: " + context.error().message()));
            po.tls = *context;
        }
        what = "the SSO portal " + http::to_string(where->target);
        pool.emplace(st->executor, where->target, std::move(po));
        auto req = remote::make_request(boost::beast::http::verb::get, where->target, where->path);
        req.set("x-amz-sso_bearer_token", bearer);
        remote::exchange(*pool, std::move(req), st->options.limits, true, resume<&fetch::on_answer>());
    }

    void on_answer(remote::answer a)
    {
        if (a.ec)
            return finish(fail(client_errc::credentials_provider_failed, what + " failed: " + a.ec.message()));
        if (a.status == 401 || a.status == 403)
            return finish(fail(client_errc::credentials_provider_failed,
                               what + " refused the token (HTTP " + std::to_string(a.status) + "): run `" + login +
                                   "`"));
        if (a.status != 200)
            return finish(fail(client_errc::credentials_provider_failed, what + " answered " + remote::describe(a)));

        simdjson::padded_string body(a.body);
        simdjson::dom::parser parser;
        simdjson::dom::object role;
        std::string_view id, secret, session;
        int64_t expiration_ms = 0;
        if (parser.parse(body)["roleCredentials"].get_object().get(role) ||
            role["accessKeyId"].get_string().get(id) || role["secretAccessKey"].get_string().get(secret) ||
            role["sessionToken"].get_string().get(session) || role["expiration"].get_int64().get(expiration_ms) ||
            id.empty() || secret.empty())
            return finish(fail(client_errc::invalid_credentials_response,
                               what + " answered something that is not roleCredentials"));
        fetch_result r;
        r.creds.access_key_id = id;
        r.creds.secret_access_key = secret;
        r.creds.session_token = std::string(session);
        r.creds.expiration = std::chrono::system_clock::time_point(std::chrono::milliseconds(expiration_ms));
        finish(std::move(r));
    }
};

} // namespace sso
} // namespace detail

BEDROCK_DECL std::string sso_cache_file_name(std::string_view session_or_start_url)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(session_or_start_url.data(), session_or_start_url.size(), digest, &size, EVP_sha1(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out + ".json";
}

BEDROCK_DECL sso_credentials_provider::sso_credentials_provider(boost::asio::any_io_executor ex, sso_settings settings,
                                                                sso_options options, environment env)
    : state_(std::make_shared<detail::sso_provider_state>())
{
    state_->executor = std::move(ex);
    state_->settings = std::move(settings);
    state_->options = std::move(options);
    state_->env = env ? std::move(env) : process_environment();
}

BEDROCK_DECL void sso_credentials_provider::async_fetch(credentials_handler handler)
{
    detail::launch<detail::sso::fetch>(state_, std::move(handler));
}

BEDROCK_DECL std::string sso_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

} // namespace bedrock::auth

#endif

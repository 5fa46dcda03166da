#ifndef BEDROCK_CREDENTIALS_IMPL_REMOTE_PROVIDERS_IPP
#define BEDROCK_CREDENTIALS_IMPL_REMOTE_PROVIDERS_IPP

#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/error.hpp>
#include <bedrock/http/connection_pool.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/tls.hpp>
#include <bedrock/json/reader.hpp>
#include <bedrock/version.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <simdjson.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>

namespace bedrock::auth {
namespace detail {

namespace remote {

namespace asio = boost::asio;
using boost::system::error_code;

// An environment variable; an empty value counts as unset, as in the SDKs.
inline std::optional<std::string> get(const environment& env, std::string_view name)
{
    auto v = env(name);
    if (v && v->empty())
        return std::nullopt;
    return v;
}

using ::bedrock::detail::iequals;

// Visible ASCII only: what may go into a request line or a header value unquoted.
inline bool printable(std::string_view s) noexcept
{
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return false;
    return true;
}

// The endpoint and the request target (path and query) of a URL.
struct split_url {
    http::endpoint target;
    std::string path;
};

inline std::optional<split_url> split(std::string_view url)
{
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return std::nullopt;
    const auto path_start = url.find_first_of("/?#", scheme_end + 3);
    auto ep = http::parse_endpoint(url.substr(0, path_start));
    if (!ep)
        return std::nullopt;
    std::string path = path_start == std::string_view::npos ? std::string("/") : std::string(url.substr(path_start));
    path = path.substr(0, path.find('#'));
    if (path.empty() || path.front() == '?')
        path.insert(0, "/");
    if (!printable(path))
        return std::nullopt;
    ep->base_path.clear();
    return split_url{std::move(*ep), std::move(path)};
}

inline bool allowed_address(const asio::ip::address& a) noexcept
{
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return allowed_address(asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()));
    if (a.is_loopback())
        return true;
    if (a.is_v4()) {
        const auto v4 = a.to_v4().to_uint();
        return v4 == 0xA9FEAA02u /* 169.254.170.2 */ || v4 == 0xA9FEAA17u /* 169.254.170.23 */;
    }
    // fd00:ec2::23
    const auto b = a.to_v6().to_bytes();
    const asio::ip::address_v6::bytes_type pod_identity{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23};
    return b == pod_identity;
}

inline http::timeouts limits_of(const remote_provider_options& o)
{
    http::timeouts t;
    t.connect = o.connect_timeout;
    t.tls_handshake = o.connect_timeout;
    t.first_byte = o.request_timeout;
    t.idle = o.request_timeout;
    t.total = o.request_timeout;
    return t;
}

inline http::request make_request(boost::beast::http::verb method, const http::endpoint& ep, std::string target)
{
    http::request req{method, std::move(target), 11};
    req.set(boost::beast::http::field::host, http::host_header(ep));
    req.set(boost::beast::http::field::user_agent, "bedrock-asio/" BEDROCK_VERSION_STRING);
    req.set(boost::beast::http::field::accept, "*/*");
    return req;
}

struct answer {
    error_code ec;       ///< transport failure (then status is 0)
    unsigned status = 0;
    std::string body;
};

using answer_handler = asio::any_completion_handler<void(answer)>;

// One request, retried after a 5xx and (if `retry_transport`) after a transport failure; `done`
// gets the answer on the pool's executor. Through the pool's erased entry, which the HTTP/1.1
// transport instantiates anyway.
struct exchange_op : std::enable_shared_from_this<exchange_op> {
    http::connection_pool& pool;
    http::request req;
    http::timeouts limits;
    int max_attempts;
    bool retry_transport;
    std::chrono::milliseconds delay;
    answer_handler done;
    asio::steady_timer timer;
    http::response res;
    int attempt = 0;

    exchange_op(http::connection_pool& p, http::request r, const remote_provider_options& o, bool retry,
                answer_handler h)
        : pool(p), req(std::move(r)), limits(limits_of(o)), max_attempts(o.max_attempts), retry_transport(retry),
          delay(o.retry_delay), done(std::move(h)), timer(p.get_executor())
    {
    }

    void send()
    {
        ++attempt;
        res = {};
        pool.async_exchange_owned(std::make_unique<http::request>(req), res, limits,
                                  [self = shared_from_this()](error_code ec) { self->on_answer(ec); });
    }

    void on_answer(error_code ec)
    {
        const bool again = attempt < max_attempts && (ec ? retry_transport : res.result_int() >= 500);
        if (!again) {
            answer a = ec ? answer{ec, 0, {}} : answer{{}, res.result_int(), std::move(res.body())};
            std::move(done)(std::move(a));
            return;
        }
        timer.expires_after(delay);
        delay *= 2;
        timer.async_wait([self = shared_from_this()](error_code) { self->send(); });
    }
};

inline void exchange(http::connection_pool& pool, http::request req, const remote_provider_options& o,
                     bool retry_transport, answer_handler done)
{
    std::make_shared<exchange_op>(pool, std::move(req), o, retry_transport, std::move(done))->send();
}

inline std::string describe(const answer& a)
{
    if (a.ec)
        return a.ec.message();
    return "HTTP " + std::to_string(a.status);
}

inline http::pool_options pool_options_for(const http::endpoint& ep, error_code& ec)
{
    http::pool_options o;
    o.max_connections = 1;
    if (ep.is_tls()) {
        auto context = http::make_tls_context(http::tls_options_from_environment());
        if (!context) {
            ec = context.error();
            return o;
        }
        o.tls = *context;
    }
    return o;
}

// Container credentials: the environment names the endpoint (a FULL_URI host name over plain http
// is resolved first and must resolve only to allowed addresses), then one GET.
struct container_fetch : fetch_op<container_fetch, remote_provider_state> {
    using fetch_op::fetch_op;
    split_url where;
    std::string refused; // why a FULL_URI host is not allowed over http
    std::optional<asio::ip::tcp::resolver> resolver;
    std::optional<http::connection_pool> pool;

    void finish(fetch_result r)
    {
        if (pool)
            pool->close();
        report(*st, std::move(handler), std::move(r));
    }

    void start()
    {
        const environment& env = st->env;
        const auto relative = get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        const auto full = get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        if (!relative && !full)
            return finish(fail(client_errc::no_credentials, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                                            "AWS_CONTAINER_CREDENTIALS_FULL_URI is set"));
        std::string url;
        if (relative)
            url = "http://169.254.170.2" + std::string(relative->front() == '/' ? "" : "/") + *relative;
        else
            url = *full;
        auto parsed = split(url);
        if (!parsed)
            return finish(fail(client_errc::invalid_credentials_endpoint,
                               "the container credentials URL '" + url + "' cannot be parsed"));
        where = std::move(*parsed);
        if (relative || where.target.is_tls())
            return request();
        // Plain http only to the machine itself or the ECS/EKS agents; a name must resolve to them only.
        const std::string& host = where.target.host;
        refused = "AWS_CONTAINER_CREDENTIALS_FULL_URI host '" + host +
                  "' is not allowed over http: use https, a loopback address, "
                  "169.254.170.2, 169.254.170.23 or fd00:ec2::23";
        error_code ec;
        const auto literal = asio::ip::make_address(host, ec);
        if (!ec) {
            if (!allowed_address(literal))
                return finish(fail(client_errc::invalid_credentials_endpoint, refused));
            return request();
        }
        resolver.emplace(st->executor);
        resolver->async_resolve(host, std::to_string(where.target.port), resume<&container_fetch::on_resolved>());
    }

    void on_resolved(error_code ec, asio::ip::tcp::resolver::results_type results)
    {
        if (ec)
            return finish(fail(client_errc::invalid_credentials_endpoint,
                               "cannot resolve the container credentials host '" + where.target.host +
                                   "': " + ec.message()));
        if (results.empty())
            return finish(fail(client_errc::invalid_credentials_endpoint, refused));
        for (const auto& entry : results)
            if (!allowed_address(entry.endpoint().address()))
                return finish(fail(client_errc::invalid_credentials_endpoint,
                                   refused + " (it resolves to " + entry.endpoint().address().to_string() + ")"));
        request();
    }

    void request()
    {
        // The token: the file wins and is read at every fetch (EKS rotates it).
        const environment& env = st->env;
        std::optional<std::string> token;
        if (auto file = get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
            std::ifstream in(*file, std::ios::binary);
            if (!in)
                return finish(fail(client_errc::credentials_provider_failed,
                                   "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '" + *file + "'"));
            token.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            while (!token->empty() && (token->back() == '\n' || token->back() == '\r' || token->back() == ' ' ||
                                       token->back() == '\t'))
                token->pop_back();
        } else {
            token = get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
        }
        if (token && token->find_first_of("\r\n") != std::string::npos)
            return finish(
                fail(client_errc::credentials_provider_failed, "the container authorization token has a line break"));

        error_code ec;
        auto options = pool_options_for(where.target, ec);
        if (ec)
            return finish(fail(client_errc::credentials_provider_failed, "TLS setup failed: " + ec.message()));
        pool.emplace(st->executor, where.target, std::move(options));
        auto req = make_request(boost::beast::http::verb::get, where.target, where.path);
        if (token && !token->empty())
            req.set(boost::beast::http::field::authorization, *token);
        exchange(*pool, std::move(req), st->options, true, resume<&container_fetch::on_answer>());
    }

    void on_answer(answer a)
    {
        const std::string endpoint = http::to_string(where.target);
        if (a.ec || a.status != 200)
            return finish(fail(client_errc::credentials_provider_failed,
                               "the container credentials endpoint " + endpoint + " failed: " + describe(a)));
        fetch_result r;
        std::string why;
        r.ec = parse_credentials_document(a.body, r.creds, &why);
        if (r.ec)
            r.why = "the container credentials endpoint " + endpoint + " answered: " + why;
        finish(std::move(r));
    }
};

// IMDS role names are IAM names: letters, digits and +=,.@_-.
inline bool valid_role_name(std::string_view s) noexcept
{
    if (s.empty() || s.size() > 128)
        return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '=' ||
              c == ',' || c == '.' || c == '@' || c == '_' || c == '-'))
            return false;
    return true;
}

// IMDSv2: a session token, the instance's role, then the role's credentials.
struct imds_fetch : fetch_op<imds_fetch, remote_provider_state> {
    using fetch_op::fetch_op;
    http::endpoint ep;
    std::string where; // "the instance metadata service at ..."
    std::string token;
    std::string role;
    std::optional<http::connection_pool> pool;

    void finish(fetch_result r)
    {
        if (pool)
            pool->close();
        report(*st, std::move(handler), std::move(r));
    }

    http::request get_with_token(const std::string& target) const
    {
        auto req = make_request(boost::beast::http::verb::get, ep, target);
        req.set("x-aws-ec2-metadata-token", token);
        return req;
    }
    std::string roles_path() const { return ep.base_path + "/latest/meta-data/iam/security-credentials/"; }

    void start()
    {
        const environment& env = st->env;
        if (auto off = get(env, "AWS_EC2_METADATA_DISABLED"); off && iequals(*off, "true"))
            return finish(fail(client_errc::no_credentials, "AWS_EC2_METADATA_DISABLED is true"));
        std::string url;
        if (auto v = get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT"))
            url = *v;
        else if (auto mode = get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"); mode && iequals(*mode, "IPv6"))
            url = "http://[fd00:ec2::254]";
        else
            url = "http://169.254.169.254";
        while (url.size() > 1 && url.back() == '/')
            url.pop_back();
        auto parsed = http::parse_endpoint(url);
        if (!parsed)
            return finish(fail(client_errc::invalid_credentials_endpoint,
                               "the instance metadata endpoint '" + url + "' cannot be parsed"));
        ep = *parsed;
        error_code ec;
        auto options = pool_options_for(ep, ec);
        if (ec)
            return finish(fail(client_errc::credentials_provider_failed, "TLS setup failed: " + ec.message()));
        pool.emplace(st->executor, ep, std::move(options));
        where = "the instance metadata service at " + http::to_string(ep);

        auto req = make_request(boost::beast::http::verb::put, ep, ep.base_path + "/latest/api/token");
        req.set("x-aws-ec2-metadata-token-ttl-seconds", "21600");
        exchange(*pool, std::move(req), st->options, false, resume<&imds_fetch::on_token>());
    }

    // 1. A session token. Unreachable: no instance metadata here (a laptop), so the chain moves on.
    void on_token(answer a)
    {
        if (a.ec)
            return finish(fail(client_errc::no_credentials, where + " is not reachable: " + a.ec.message()));
        if (a.status == 403) // IMDS turned off for this instance
            return finish(fail(client_errc::no_credentials, where + " refused a session token (HTTP 403)"));
        if (a.status != 200 || a.body.empty() || !printable(a.body))
            return finish(fail(client_errc::credentials_provider_failed,
                               where + " did not give a session token: " + describe(a)));
        token = std::move(a.body);
        exchange(*pool, get_with_token(roles_path()), st->options, true, resume<&imds_fetch::on_role>());
    }

    // 2. The role attached to the instance (the first line).
    void on_role(answer a)
    {
        if (!a.ec && a.status == 404)
            return finish(fail(client_errc::no_credentials, where + " has no IAM role for this instance"));
        if (a.ec || a.status != 200)
            return finish(fail(client_errc::credentials_provider_failed,
                               where + " failed to name the instance's role: " + describe(a)));
        role = a.body.substr(0, a.body.find_first_of("\r\n"));
        while (!role.empty() && (role.back() == ' ' || role.back() == '\t'))
            role.pop_back();
        if (role.empty())
            return finish(fail(client_errc::no_credentials, where + " has no IAM role for this instance"));
        if (!valid_role_name(role))
            return finish(
                fail(client_errc::invalid_credentials_response, where + " named a role that is not an IAM name"));
        exchange(*pool, get_with_token(roles_path() + role), st->options, true, resume<&imds_fetch::on_credentials>());
    }

    // 3. The role's credentials.
    void on_credentials(answer a)
    {
        if (a.ec || a.status != 200)
            return finish(fail(client_errc::credentials_provider_failed,
                               where + " failed to give the credentials of role " + role + ": " + describe(a)));
        fetch_result r;
        std::string why;
        r.ec = parse_credentials_document(a.body, r.creds, &why);
        if (r.ec)
            r.why = where + " answered for role " + role + ": " + why;
        finish(std::move(r));
    }
};

inline std::shared_ptr<remote_provider_state> make_state(boost::asio::any_io_executor ex, environment env,
                                                         remote_provider_options options)
{
    auto st = std::make_shared<remote_provider_state>();
    st->executor = std::move(ex);
    st->env = env ? std::move(env) : process_environment();
    st->options = options;
    if (st->options.max_attempts < 1)
        st->options.max_attempts = 1;
    return st;
}

} // namespace remote
} // namespace detail

BEDROCK_DECL boost::system::error_code parse_credentials_document(std::string_view json, credentials& out,
                                                                   std::string* why)
{
    auto fail = [&](std::string reason) {
        if (why)
            *why = std::move(reason);
        return make_error_code(client_errc::invalid_credentials_response);
    };
    // The DOM parser, not On-Demand: On-Demand skips the members it is not asked about without
    // validating them, so a corrupt answer (`"Type" :V"AWS-HMAC"`, trailing junk) was taken for
    // credentials. These documents are small and rare: validate all of it.
    simdjson::padded_string padded(json);
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(padded).get_object().get(object))
        return fail("not a JSON object");
    credentials c;
    std::optional<std::string> token, expiration, code;
    bool have_id = false, have_secret = false;
    for (const auto [key, value] : object) {
        std::string* target = nullptr;
        std::string scratch;
        if (key == "AccessKeyId") {
            target = &c.access_key_id;
            have_id = true;
        } else if (key == "SecretAccessKey") {
            target = &c.secret_access_key;
            have_secret = true;
        } else if (key == "Token") {
            target = &token.emplace();
        } else if (key == "Expiration") {
            target = &expiration.emplace();
        } else if (key == "Code") {
            target = &code.emplace();
        } else if (key == "AccountId") {
            target = &scratch;
        }
        if (target) { // other members are ignored
            const std::string name(key);
            std::string_view text;
            if (value.get_string().get(text))
                return fail(name + " is not a string");
            target->assign(text);
        }
    }
    if (code && *code != "Success")
        return fail("the endpoint reported Code '" + *code + "'");
    if (!have_id || c.access_key_id.empty())
        return fail("AccessKeyId is missing");
    if (!have_secret || c.secret_access_key.empty())
        return fail("SecretAccessKey is missing");
    if (!token || token->empty())
        return fail("Token is missing");
    if (!expiration)
        return fail("Expiration is missing");
    std::chrono::system_clock::time_point when;
    if (!json::parse_date_time(*expiration, when))
        return fail("Expiration '" + *expiration + "' is not an ISO-8601 date-time");
    c.session_token = std::move(token);
    c.expiration = when;
    out = std::move(c);
    return {};
}

BEDROCK_DECL bool is_allowed_container_address(std::string_view host) noexcept
{
    if (host.find('\0') != std::string_view::npos)
        return false; // make_address would read only up to the NUL: "127.0.0.1\0.evil" is not loopback
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(std::string(host), ec);
    return !ec && detail::remote::allowed_address(a);
}

BEDROCK_DECL container_credentials_provider::container_credentials_provider(boost::asio::any_io_executor ex,
                                                                            environment env,
                                                                            remote_provider_options options)
    : state_(detail::remote::make_state(std::move(ex), std::move(env), options))
{
}

BEDROCK_DECL void container_credentials_provider::async_fetch(credentials_handler handler)
{
    detail::launch<detail::remote::container_fetch>(state_, std::move(handler));
}

BEDROCK_DECL std::string container_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

BEDROCK_DECL remote_provider_options imds_credentials_provider::default_options() noexcept
{
    remote_provider_options o;
    o.connect_timeout = std::chrono::seconds(1);
    o.request_timeout = std::chrono::seconds(2);
    o.max_attempts = 2;
    return o;
}

BEDROCK_DECL imds_credentials_provider::imds_credentials_provider(boost::asio::any_io_executor ex, environment env,
                                                                  remote_provider_options options)
    : state_(detail::remote::make_state(std::move(ex), std::move(env), options))
{
}

BEDROCK_DECL void imds_credentials_provider::async_fetch(credentials_handler handler)
{
    detail::launch<detail::remote::imds_fetch>(state_, std::move(handler));
}

BEDROCK_DECL std::string imds_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

} // namespace bedrock::auth

#endif

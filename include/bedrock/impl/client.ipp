#ifndef BEDROCK_IMPL_CLIENT_IPP
#define BEDROCK_IMPL_CLIENT_IPP

#include <bedrock/client.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/http/tls.hpp>
#include <bedrock/version.hpp>

#include <boost/system/system_error.hpp>
#include <boost/version.hpp>

namespace bedrock {
namespace detail {

namespace {

std::string make_user_agent(const bedrock::config& cfg)
{
    std::string ua = "bedrock-asio/" BEDROCK_VERSION_STRING " ua/2.1 os/linux lang/cpp#20 md/boost#";
    ua += std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000);
    ua += " api/bedrock-runtime#2023-09-30";
    if (!cfg.app_id.empty()) {
        ua += " app/";
        ua += cfg.app_id;
    }
    return ua;
}

} // namespace

BEDROCK_DECL std::shared_ptr<auth::credentials_provider>
default_credentials_provider(const boost::asio::any_io_executor& ex, const bedrock::config& cfg)
{
    // The AWS SDKs' default chain: environment keys and the profile's keys were resolved into
    // cfg.credentials by config::from_environment; then the container endpoint, then the instance.
    if (cfg.credentials)
        return std::make_shared<auth::static_credentials_provider>(ex, *cfg.credentials);
    const environment env = cfg.env ? cfg.env : process_environment();
    return std::make_shared<auth::credentials_chain>(std::vector<std::shared_ptr<auth::credentials_provider>>{
        std::make_shared<auth::container_credentials_provider>(ex, env),
        std::make_shared<auth::imds_credentials_provider>(ex, env)});
}

BEDROCK_DECL client_state::client_state(boost::asio::any_io_executor ex, bedrock::config c)
    : executor(std::move(ex)), cfg(std::move(c)), retry(cfg.max_attempts), signer([&] {
          auth::signing_options o;
          o.region = cfg.region;
          o.service = "bedrock";
          o.add_content_sha256 = true; // as the official SDKs send it to Bedrock
          return o;
      }())
{
    if (cfg.retry == retry_mode::adaptive)
        limiter.emplace(std::chrono::steady_clock::now());
    user_agent = make_user_agent(cfg);
    endpoint_url = resolve_endpoint(cfg, config_error);
    if (config_error)
        return;
    auto parsed = http::parse_endpoint(endpoint_url);
    if (!parsed) {
        config_error = client_errc::invalid_endpoint;
        return;
    }
    target = *parsed;
    host = http::host_header(target);
    if (!cfg.bearer_token && cfg.region.empty()) {
        config_error = client_errc::missing_region; // SigV4 signs for a region
        return;
    }

    http::pool_options options;
    options.max_connections = cfg.max_connections;
    options.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.idle_connection_timeout);
    options.proxy.https_proxy = cfg.https_proxy;
    options.proxy.no_proxy = cfg.no_proxy;
    if (target.is_tls()) {
        http::tls_options tls;
        tls.verify_peer = cfg.verify_tls;
        tls.ca_file = cfg.ca_bundle;
        tls.ca_pem = cfg.ca_pem;
        auto context = http::make_tls_context(tls);
        if (!context) {
            config_error = context.error();
            return;
        }
        options.tls = *context;
    }
    pool.emplace(executor, target, std::move(options));

    limits = cfg.timeout; // one type: what is configured is what the transport enforces

    if (cfg.bearer_token)
        return;
    if (cfg.credentials && !cfg.credentials->expiration)
        static_credentials = cfg.credentials; // long-term keys: sign at once, no provider round trip
    credentials = std::make_shared<auth::credentials_cache>(executor, default_credentials_provider(executor, cfg));
}

BEDROCK_DECL client_state::~client_state()
{
    if (pool)
        pool->close();
}

BEDROCK_DECL boost::system::error_code client_state::authorize(protocol::http_request& req,
                                                               const auth::credentials* creds,
                                                               std::string_view invocation_id, int attempt)
{
    namespace bhttp = boost::beast::http;
    req.set(bhttp::field::host, host);
    req.set("amz-sdk-invocation-id", invocation_id);
    req.set("amz-sdk-request", "attempt=" + std::to_string(attempt) + "; max=" + std::to_string(cfg.max_attempts));
    req.set(bhttp::field::user_agent, user_agent);
    if (cfg.bearer_token) {
        req.set(bhttp::field::authorization, "Bearer " + *cfg.bearer_token);
        return {};
    }

    // Sign every header but the user agent, which proxies may rewrite.
    std::array<auth::http_header, 24> headers;
    std::size_t n = 0;
    for (const auto& field : req) {
        if (field.name() == bhttp::field::user_agent || n == headers.size())
            continue;
        headers[n++] = {std::string_view(field.name_string().data(), field.name_string().size()),
                        std::string_view(field.value().data(), field.value().size())};
    }
    const std::string_view target = req.target();
    const auto question = target.find('?');
    // The signer encodes query parameters itself, so it is handed them decoded.
    std::vector<std::pair<std::string, std::string>> decoded;
    std::vector<auth::query_parameter> query;
    if (question != std::string_view::npos) {
        auto unescape = [](std::string_view s) {
            std::string out;
            (void)percent_decode(s, out); // we encoded it ourselves
            return out;
        };
        std::string_view q = target.substr(question + 1);
        while (!q.empty()) {
            const auto amp = q.find('&');
            std::string_view pair = q.substr(0, amp);
            const auto eq = pair.find('=');
            decoded.emplace_back(unescape(pair.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string() : unescape(pair.substr(eq + 1)));
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        }
        for (const auto& [k, v] : decoded)
            query.push_back({k, v});
    }

    auth::request to_sign;
    to_sign.method = std::string_view(req.method_string().data(), req.method_string().size());
    to_sign.path = target.substr(0, question);
    to_sign.query = query;
    to_sign.headers = {headers.data(), n};
    to_sign.body = req.body();

    std::lock_guard lock(signer_mutex);
    if (auto ec = signer.sign(to_sign, *creds, now(), signed_headers))
        return ec;
    for (const auto& h : signed_headers.headers())
        req.set(h.name, h.value);
    return {};
}

BEDROCK_DECL void client_state::log(log_level level, std::string_view text) const
{
    if (cfg.log)
        cfg.log(level, text);
}

BEDROCK_DECL std::optional<std::chrono::milliseconds>
client_state::retry_after(std::string_view operation, const boost::system::error_code& ec, int attempt, diagnostics& d,
                          bool& clock_retried)
{
    if (d.clock_correction_ms != 0 && !clock_retried && attempt < cfg.max_attempts) {
        clock_retried = true;
        log(log_level::info, "retrying " + std::string(operation) + " at once, signed with the corrected clock");
        return std::chrono::milliseconds(0);
    }
    // This call's own answer about the quota: the strategy's quota_exhausted() is shared with every
    // other operation of the client, which may have changed it since.
    bool quota_ran_out = false;
    auto delay = retry.on_failure(ec, attempt, random_fraction(), &quota_ran_out);
    if (!delay) {
        if (quota_ran_out)
            d.client_message = "not retried: the client's retry quota is exhausted";
        if (cfg.log)
            log(log_level::debug, std::string(operation) + " not retried after attempt " + std::to_string(attempt) +
                                      ": " + ec.message() + (quota_ran_out ? " (retry quota exhausted)" : ""));
        return delay;
    }
    log(log_level::info, "retrying " + std::string(operation) + " after " + ec.message() + " in " +
                             std::to_string(delay->count()) + " ms");
    return delay;
}

BEDROCK_DECL std::chrono::steady_clock::duration client_state::limiter_delay(std::string_view operation, int attempt)
{
    const auto delay = limiter->acquire(std::chrono::steady_clock::now());
    if (delay.count() > 0 && cfg.log)
        log(log_level::debug, std::string(operation) + " attempt " + std::to_string(attempt) + ": waiting " +
                                  std::to_string(std::chrono::ceil<std::chrono::milliseconds>(delay).count()) +
                                  " ms for the client-side rate limit");
    return delay;
}

BEDROCK_DECL void client_state::limiter_answer(const boost::system::error_code& ec)
{
    const bool throttled = is_throttling(ec);
    limiter->on_response(throttled, std::chrono::steady_clock::now());
    if (throttled && cfg.log) {
        const auto s = limiter->state();
        log(log_level::info, "adaptive retry: throttled; client-side send rate now " + std::to_string(s.fill_rate) +
                                 " requests/s (measured " + std::to_string(s.measured_rate) + ")");
    }
}

} // namespace detail

BEDROCK_DECL client::client(executor_type ex, config cfg)
    : state_(std::make_shared<detail::client_state>(std::move(ex), std::move(cfg)))
{
    if (state_->config_error)
        throw boost::system::system_error(state_->config_error, "bedrock::client");
}

BEDROCK_DECL client::client(executor_type ex, config cfg, boost::system::error_code& ec)
    : state_(std::make_shared<detail::client_state>(std::move(ex), std::move(cfg)))
{
    ec = state_->config_error;
}

BEDROCK_DECL client::executor_type client::get_executor() const noexcept { return state_->executor; }
BEDROCK_DECL const config& client::configuration() const noexcept { return state_->cfg; }
BEDROCK_DECL const std::string& client::endpoint() const noexcept { return state_->endpoint_url; }

BEDROCK_DECL http::pool_stats client::connection_stats() const noexcept
{
    return state_->pool ? state_->pool->stats() : http::pool_stats{};
}

BEDROCK_DECL const adaptive_rate_limiter* client::rate_limiter() const noexcept
{
    return state_->limiter ? &*state_->limiter : nullptr;
}

BEDROCK_DECL list_async_invokes_paginator client::paginate_async_invokes(list_async_invokes_request first)
{
    return list_async_invokes_paginator(state_, std::move(first));
}

} // namespace bedrock

#endif

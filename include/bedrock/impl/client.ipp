#ifndef BEDROCK_IMPL_CLIENT_IPP
#define BEDROCK_IMPL_CLIENT_IPP

#include <bedrock/client.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/exceptions.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/credentials/profile_provider.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/tls.hpp>
#include <bedrock/protocol/errors.hpp>
#include <bedrock/transport/http2.hpp>
#include <bedrock/transport/transport.hpp>
#include <bedrock/version.hpp>

#include <boost/system/system_error.hpp>
#include <boost/version.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

namespace bedrock {
namespace detail {

namespace {

std::string make_user_agent(const bedrock::config& cfg)
{
    std::string ua = "bedrock-asio/" BEDROCK_VERSION_STRING " ua/2.1 os/linux lang/cpp#20 md/boost#";
    ua += std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000);
    ua += " api/bedrock-runtime#2023-09-30";
    if (!cfg.app_id.empty()) {
        // As the AWS SDKs write it: a character a header token may not hold becomes '-', so that an
        // id from AWS_SDK_UA_APP_ID or a profile never breaks the header (or the line) it is in.
        ua += " app/";
        for (const char c : cfg.app_id) {
            const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
            ua += token ? c : '-';
        }
    }
    return ua;
}

} // namespace

BEDROCK_DECL std::shared_ptr<auth::credentials_provider>
default_credentials_provider(const boost::asio::any_io_executor& ex, const bedrock::config& cfg)
{
    // The AWS SDKs' default chain: environment keys (and a profile's keys when it has nothing else)
    // were resolved into cfg.credentials by config::from_environment; then web identity from the
    // environment, the profile (role, credential_process, keys), the container, the instance.
    if (cfg.credentials)
        return std::make_shared<auth::static_credentials_provider>(ex, *cfg.credentials);
    const environment env = cfg.env ? cfg.env : process_environment();
    // STS as the client reaches Bedrock: same region, TLS trust and proxy.
    auth::sts_options sts;
    sts.region = cfg.region;
    const auto ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const bool configured_endpoints = !ignore || !bedrock::detail::iequals(*ignore, "true");
    if (configured_endpoints)
        sts.endpoint = env("AWS_ENDPOINT_URL_STS").value_or("");
    sts.tls.verify_peer = cfg.verify_tls;
    sts.tls.ca_file = cfg.ca_bundle;
    sts.tls.ca_pem = cfg.ca_pem;
    sts.proxy.https_proxy = cfg.https_proxy;
    sts.proxy.no_proxy = cfg.no_proxy;
    auth::profile_provider_options profile_options;
    profile_options.sts = sts;
    if (configured_endpoints)
        profile_options.sso.endpoint = env("AWS_ENDPOINT_URL_SSO").value_or("");
    profile_options.sso.tls = sts.tls;
    profile_options.sso.proxy = sts.proxy;
    return std::make_shared<auth::credentials_chain>(std::vector<std::shared_ptr<auth::credentials_provider>>{
        std::make_shared<auth::web_identity_credentials_provider>(ex, env, sts),
        std::make_shared<auth::profile_credentials_provider>(ex, env, cfg.profile, profile_options),
        std::make_shared<auth::container_credentials_provider>(ex, env),
        std::make_shared<auth::imds_credentials_provider>(ex, env)});
}

BEDROCK_DECL client_state::client_state(boost::asio::any_io_executor ex, bedrock::config c,
                                        std::shared_ptr<transport::transport> custom)
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
    spare_signatures.reserve(max_spare_signatures); // recycle() never allocates
    spare_responses.reserve(max_spare_signatures);
    spare_requests.reserve(max_spare_signatures);
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
    if (custom) {
        transport = duplex_transport = std::move(custom);
    } else {
        duplex_transport = transport::make_http2_transport(executor, target, options);
        transport = cfg.http_version == bedrock::http_version::http2
                        ? duplex_transport
                        : transport::make_http1_transport(executor, target, std::move(options));
    }

    limits = cfg.timeout; // one type: what is configured is what the transport enforces

    if (cfg.bearer_token)
        return;
    if (cfg.credentials && !cfg.credentials->expiration)
        static_credentials = cfg.credentials; // long-term keys: sign at once, no provider round trip
    credentials = std::make_shared<auth::credentials_cache>(
        executor, cfg.credentials_provider ? cfg.credentials_provider : default_credentials_provider(executor, cfg));
}

BEDROCK_DECL client_state::~client_state() { close_transports(); }

BEDROCK_DECL void client_state::close_transports() noexcept
{
    if (transport)
        transport->close();
    if (duplex_transport && duplex_transport != transport)
        duplex_transport->close();
}

BEDROCK_DECL void client_state::prepare(const transport::request& base, std::string_view invocation_id, int attempt,
                                        transport::request& out) const
{
    out.method = base.method;
    out.path = base.path;
    out.query = base.query;
    out.headers = base.headers;
    out.body = base.body;
    add_attempt_headers(invocation_id, attempt, out);
}

BEDROCK_DECL void client_state::add_attempt_headers(std::string_view invocation_id, int attempt,
                                                    transport::request& out) const
{
    out.set("amz-sdk-invocation-id", invocation_id);
    // "attempt=1; max=3", on the stack: two ints fit.
    constexpr std::string_view attempt_label = "attempt=", max_label = "; max=";
    char text[attempt_label.size() + max_label.size() + 2 * 12];
    char* end = std::copy(attempt_label.begin(), attempt_label.end(), text);
    end = std::to_chars(end, text + sizeof text, attempt).ptr;
    end = std::copy(max_label.begin(), max_label.end(), end);
    end = std::to_chars(end, text + sizeof text, cfg.max_attempts).ptr;
    out.set("amz-sdk-request", std::string_view(text, static_cast<std::size_t>(end - text)));
    out.set("User-Agent", user_agent);
}

BEDROCK_DECL boost::system::error_code client_state::authorize(transport::request& out,
                                                               const auth::credentials* creds,
                                                               auth::signing_result& signature)
{
    if (cfg.bearer_token) {
        out.set("Authorization", "Bearer " + *cfg.bearer_token);
        return {};
    }
    if (!creds)
        return auth::error::missing_credentials;

    // Sign every header but the user agent, which proxies may rewrite; and the host the transport
    // will send (HTTP/1.1 Host, HTTP/2 :authority), signed as `host` either way.
    // A request has about a dozen headers: their views live on the stack unless there are many.
    std::array<auth::http_header, 24> few;
    std::vector<auth::http_header> many;
    std::span<auth::http_header> headers(few);
    if (out.headers.size() + 1 > few.size()) {
        many.resize(out.headers.size() + 1);
        headers = many;
    }
    std::size_t signed_count = 0;
    headers[signed_count++] = {"host", host};
    for (const auto& h : out.headers)
        if (!bedrock::detail::iequals(h.name, "user-agent"))
            headers[signed_count++] = {h.name, h.value};
    std::vector<auth::query_parameter> query;
    query.reserve(out.query.size());
    for (const auto& [name, value] : out.query)
        query.push_back({name, value});

    auth::request to_sign;
    to_sign.method = out.method;
    to_sign.path = out.path;
    to_sign.query = query;
    to_sign.headers = headers.first(signed_count);
    to_sign.body = out.body;
    // An event-stream body is open-ended and its events are signed one by one, chained on this
    // request's signature: the payload hash is the literal the service expects then.
    if (const auto* type = out.find("Content-Type"); type && bedrock::detail::iequals(*type, "application/vnd.amazon.eventstream"))
        to_sign.payload_hash = auth::streaming_events_payload;
    {
        std::lock_guard lock(signer_mutex);
        if (signature.canonical_request.empty() && !spare_signatures.empty()) { // a call's first signature
            signature = std::move(spare_signatures.back());
            spare_signatures.pop_back();
        }
        if (auto ec = signer.sign(to_sign, *creds, now(), signature))
            return ec;
    }
    signature.for_each_header([&](std::string_view name, std::string_view value) { out.set(name, value); });
    return {};
}

BEDROCK_DECL void client_state::recycle(auth::signing_result&& signature) noexcept
{
    std::unique_ptr<transport::response> no_answer;
    recycle(std::move(signature), transport::request{}, no_answer);
}

BEDROCK_DECL void client_state::recycle(auth::signing_result&& signature, transport::request&& request,
                                        std::unique_ptr<transport::response>& answer) noexcept
{
    const bool keep_signature = !signature.canonical_request.empty(); // not: a bearer token, an early error
    const bool keep_request = !request.headers.empty();                // not: never built
    const bool keep_answer = answer && answer->body().capacity() <= spare_body_capacity;
    if (!keep_signature && !keep_request && !keep_answer)
        return;
    if (request.body.capacity() > spare_body_capacity)
        std::string().swap(request.body); // a large body's memory is not held for later
    std::lock_guard lock(signer_mutex); // (each list reserved: never allocates)
    if (keep_signature && spare_signatures.size() < max_spare_signatures)
        spare_signatures.push_back(std::move(signature));
    if (keep_request && spare_requests.size() < max_spare_signatures)
        spare_requests.push_back(std::move(request));
    if (keep_answer && spare_responses.size() < max_spare_signatures)
        spare_responses.push_back(std::move(answer));
}

BEDROCK_DECL void client_state::take_request(transport::request& out)
{
    std::lock_guard lock(signer_mutex);
    if (spare_requests.empty())
        return;
    out = std::move(spare_requests.back());
    spare_requests.pop_back();
}

BEDROCK_DECL std::unique_ptr<transport::response> client_state::take_response()
{
    {
        std::lock_guard lock(signer_mutex);
        if (!spare_responses.empty()) {
            auto answer = std::move(spare_responses.back());
            spare_responses.pop_back();
            return answer;
        }
    }
    return std::make_unique<transport::response>();
}

BEDROCK_DECL void read_usage_headers(const transport::response& answer, diagnostics& d)
{
    const auto header_number = [&answer](std::string_view name) -> std::optional<std::int64_t> {
        auto it = answer.find(name);
        if (it == answer.end())
            return std::nullopt;
        std::int64_t v = 0;
        auto text = it->value();
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || end != text.data() + text.size())
            return std::nullopt;
        return v;
    };
    d.input_token_count = header_number("X-Amzn-Bedrock-Input-Token-Count");
    d.output_token_count = header_number("X-Amzn-Bedrock-Output-Token-Count");
    d.invocation_latency_ms = header_number("X-Amzn-Bedrock-Invocation-Latency");
}

BEDROCK_DECL boost::system::error_code client_state::error_from_answer(const transport::response_head& head,
                                                                       std::string_view body, int attempt,
                                                                       diagnostics& d)
{
    auto type = head.find("x-amzn-ErrorType");
    auto ec = protocol::error_from_response(head.result_int(),
                                            type == head.end() ? std::string_view{} : std::string_view(type->value()),
                                            d.request_id, body, d);
    d.attempts = attempt;
    if (ec == service_errc::expired_token && credentials)
        credentials->invalidate();
    if (!cfg.bearer_token) { // a bearer token carries no time: nothing to correct
        const auto date = head.find(boost::beast::http::field::date);
        if (date != head.end()) {
            if (auto skew = protocol::clock_skew(head.result_int(), std::string_view(date->value()), d, now())) {
                clock_offset_ms.fetch_add(skew->count(), std::memory_order_relaxed);
                d.clock_correction_ms = skew->count();
                log(log_level::warning, "the local clock is " + std::to_string(skew->count()) +
                                            " ms behind the service's (from its Date header): signing with the "
                                            "corrected time from now on");
            }
        }
    }
    return ec;
}

BEDROCK_DECL void client_state::log(log_level level, std::string_view text) const
{
    if (cfg.log)
        cfg.log(level, text);
}

BEDROCK_DECL std::optional<std::chrono::milliseconds>
client_state::retry_after(std::string_view operation, const boost::system::error_code& ec, int attempt, diagnostics& d,
                          bool& clock_retried, retry_strategy::token& op)
{
    if (d.clock_correction_ms != 0 && !clock_retried && attempt < cfg.max_attempts) {
        clock_retried = true;
        log(log_level::info, "retrying " + std::string(operation) + " at once, signed with the corrected clock");
        return std::chrono::milliseconds(0);
    }
    auto delay = retry.on_failure(ec, attempt, random_fraction(), op);
    if (!delay) {
        if (op.quota_exhausted)
            d.client_message = "not retried: the client's retry quota is exhausted";
        if (cfg.log)
            log(log_level::debug, std::string(operation) + " not retried after attempt " + std::to_string(attempt) +
                                      ": " + ec.message() + (op.quota_exhausted ? " (retry quota exhausted)" : ""));
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
        boost::throw_exception(boost::system::system_error(state_->config_error, "bedrock::client"));
}

BEDROCK_DECL client::client(executor_type ex, config cfg, std::shared_ptr<transport::transport> transport)
    : state_(std::make_shared<detail::client_state>(std::move(ex), std::move(cfg), std::move(transport)))
{
    if (state_->config_error)
        boost::throw_exception(boost::system::system_error(state_->config_error, "bedrock::client"));
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
    if (!state_->transport)
        return {};
    auto out = state_->transport->stats();
    if (state_->duplex_transport && state_->duplex_transport != state_->transport) {
        const auto h2 = state_->duplex_transport->stats();
        out.opened += h2.opened;
        out.reused += h2.reused;
        out.live += h2.live;
        out.idle += h2.idle;
    }
    return out;
}

BEDROCK_DECL void client::close() noexcept
{
    if (state_)
        state_->close_transports();
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

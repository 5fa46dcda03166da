#ifndef BEDROCK_ENGINE_IMPL_ATTEMPT_IPP
#define BEDROCK_ENGINE_IMPL_ATTEMPT_IPP

#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/engine/attempt.hpp>
#include <bedrock/engine/intercept.hpp>

#include <boost/asio/error.hpp>

namespace bedrock::engine {

BEDROCK_DECL action attempt_machine::start()
{
    if (client_->config_error)
        return {action::done, {}, client_->config_error};
    call_->invocation_id_text = detail::random_uuid_text();
    return next_attempt();
}

BEDROCK_DECL action attempt_machine::next_attempt()
{
    ++call_->attempt;
    if (const auto wait = client_->send_delay(call_->operation, call_->attempt); wait.count() > 0)
        return {action::pace, wait, {}};
    return paced();
}

BEDROCK_DECL action attempt_machine::paced()
{
    if (auto e = intercept_before_attempt(*call_))
        return fail_attempt(e);
    if (client_->credentials && !client_->static_credentials)
        return {action::credentials, {}, {}};
    return sign(client_->static_credentials ? &*client_->static_credentials : nullptr);
}

BEDROCK_DECL action attempt_machine::credentials_ready(const boost::system::error_code& ec,
                                                       const auth::credentials& creds)
{
    if (ec) { // say which provider and why
        std::string why = client_->credentials ? client_->credentials->last_error() : std::string();
        client_->log(log_level::warning, std::string(call_->operation) + ": no credentials: " + ec.message() +
                                             (why.empty() ? "" : " (" + why + ")"));
        call_->diag->client_message = why.empty() ? ec.message() : std::move(why);
        return fail_attempt(ec);
    }
    return sign(&creds);
}

BEDROCK_DECL action attempt_machine::sign(const auth::credentials* creds)
{
    auto& request = call_->request;
    if (call_->interceptors) { // the hooks see the attempts' base and each attempt's request apart
        client_->prepare(call_->base, call_->invocation_id(), call_->attempt, request);
    } else {
        if (call_->base_headers == call_state::npos) {
            request = std::move(call_->base);
            call_->base_headers = request.headers.size();
        } else {
            request.headers.erase(request.headers.begin() + static_cast<std::ptrdiff_t>(call_->base_headers),
                                  request.headers.end());
        }
        client_->add_attempt_headers(call_->invocation_id(), call_->attempt, request);
    }
    if (auto e = intercept_before_signing(*call_))
        return fail_attempt(e);
    if (auto ec = client_->authorize(call_->request, creds, call_->signature)) {
        call_->diag->client_message = "the request could not be signed: " + ec.message();
        return fail_attempt(ec);
    }
    if (auto e = intercept_after_signing(*call_))
        return fail_attempt(e);
    if (call_->keep_credentials) {
        if (creds)
            call_->credentials = *creds;
        else
            call_->credentials.reset();
    }
    if (client_->cfg.log) // the request line only: never a header (Authorization, token)
        client_->log(log_level::debug, std::string(call_->operation) + " attempt " + std::to_string(call_->attempt) +
                                           "/" + std::to_string(client_->cfg.max_attempts) + ": " +
                                           call_->request.method + " " + call_->request.target() +
                                           (client_->cfg.bearer_token ? " (bearer token)" : " (SigV4)"));
    call_->awaiting_answer = true;
    return {action::transmit, {}, {}};
}

BEDROCK_DECL void attempt_machine::read_head(const transport::response_head& head)
{
    diagnostics& d = *call_->diag;
    d.clear();
    d.attempts = call_->attempt;
    d.http_status = head.result_int();
    if (auto id = head.find("x-amzn-RequestId"); id != head.end())
        d.request_id = std::string(id->value());
    if (client_->cfg.log)
        client_->log(log_level::debug, std::string(call_->operation) + " attempt " + std::to_string(call_->attempt) +
                                           ": HTTP " + std::to_string(head.result_int()) + ", request id " +
                                           (d.request_id.empty() ? "-" : d.request_id));
}

BEDROCK_DECL void attempt_machine::answered(const transport::response_head& head)
{
    read_head(head);
    if (call_->awaiting_answer) {
        // The service took the request: the attempt's outcome for the rate limit, whatever the
        // body brings later (the SDKs do not count exceptions inside a stream either).
        call_->awaiting_answer = false;
        client_->record_answer({});
    }
}

BEDROCK_DECL action attempt_machine::intercept_answer(const transport::response_head& head, std::string_view body)
{
    if (auto e = intercept_after_transmit(*call_, head, body))
        return fail_attempt(e);
    return {};
}

BEDROCK_DECL void attempt_machine::succeeded()
{
    client_->retry.on_success(call_->attempt, call_->retry);
}

BEDROCK_DECL action attempt_machine::error_answer(const transport::response_head& head, std::string_view body)
{
    read_head(head);
    if (auto e = intercept_after_transmit(*call_, head, body)) {
        if (call_->awaiting_answer) { // answered: the limiter hears of it, whatever the hook says
            call_->awaiting_answer = false;
            client_->record_answer({});
        }
        return fail_attempt(e);
    }
    // retry_or_finish gives the error to the rate limiter: a throttling answer slows the client.
    return retry_or_finish(client_->error_from_answer(head, body, call_->attempt, *call_->diag));
}

BEDROCK_DECL action attempt_machine::transport_failed(boost::system::error_code ec)
{
    if (ec == boost::asio::error::operation_aborted) // the transport gave up on the caller's behalf
        return cancelled();
    diagnostics& d = *call_->diag;
    d.clear();
    d.attempts = call_->attempt;
    if (client_->cfg.log)
        client_->log(log_level::debug, std::string(call_->operation) + " attempt " + std::to_string(call_->attempt) +
                                           ": transport error: " + ec.message());
    return retry_or_finish(ec);
}

BEDROCK_DECL action attempt_machine::failed_after_answer(boost::system::error_code ec)
{
    return retry_or_finish(ec);
}

BEDROCK_DECL action attempt_machine::retry_or_finish(boost::system::error_code ec)
{
    if (call_->awaiting_answer) { // a failure that took the answer's place
        call_->awaiting_answer = false;
        client_->record_answer(ec);
    }
    call_->diag->attempts = call_->attempt;
    if (auto e = end_attempt(*call_, ec)) // a hook's error is final
        return {action::done, {}, e};
    auto delay = client_->retry_after(call_->operation, ec, call_->attempt, *call_->diag, call_->clock_retried,
                                      call_->retry);
    if (!delay)
        return {action::done, {}, ec};
    return {action::backoff, *delay, {}};
}

// The attempt ends with `ec` before an answer was classified (a hook's error, no credentials, a
// request that cannot be signed): final, never retried.
BEDROCK_DECL action attempt_machine::fail_attempt(boost::system::error_code ec)
{
    call_->diag->attempts = call_->attempt;
    if (auto e = end_attempt(*call_, ec))
        ec = e;
    return {action::done, {}, ec};
}

BEDROCK_DECL action attempt_machine::backed_off()
{
    return next_attempt();
}

BEDROCK_DECL action attempt_machine::cancelled()
{
    call_->awaiting_answer = false; // no answer: nothing to tell the limiter
    call_->diag->attempts = call_->attempt;
    (void)end_attempt(*call_, boost::asio::error::operation_aborted); // the call ends aborted anyway
    return {action::done, {}, boost::asio::error::operation_aborted};
}

} // namespace bedrock::engine

#endif

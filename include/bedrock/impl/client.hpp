#ifndef BEDROCK_IMPL_CLIENT_HPP
#define BEDROCK_IMPL_CLIENT_HPP

#include <bedrock/client.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/json_parser.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/impl/event_stream.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/errors.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>

namespace bedrock {
namespace detail {


inline std::optional<std::int64_t> header_number(const protocol::http_response& res, std::string_view name)
{
    auto it = res.find(name);
    if (it == res.end())
        return std::nullopt;
    std::int64_t v = 0;
    auto text = it->value();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return v;
}

// One request/response operation with retries: build the request once; then per attempt wait for
// the client-side rate limit (adaptive mode), get credentials, sign, exchange; map a failure and, if
// retryable, wait and go again.
template <class Operation>
class unary_op {
public:
    using input_type = typename Operation::input_type;
    using output_type = typename Operation::output_type;

    unary_op(std::shared_ptr<client_state> state, input_type input, diagnostics* diag)
        : state_(std::move(state)), frame_(std::make_unique<frame>(std::move(input), diag, state_->executor))
    {
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, auth::credentials creds = {})
    {
        frame& f = *frame_;
        switch (f.step) {
        case step_start:
            if (state_->config_error)
                return finish(self, state_->config_error);
            if constexpr (requires { Operation::idempotency_token; }) {
                auto& token = f.input.*(Operation::idempotency_token);
                if (!token || token->empty())
                    token = random_uuid(); // before the first attempt: a retry reuses it
            }
            if (auto e = protocol::build_request<Operation>(f.input, state_->target.base_path, f.base, f.diag))
                return finish(self, e);
            f.invocation_id = random_uuid();
            [[fallthrough]];
        case step_attempt:
            ++f.attempt;
            if (const auto wait = state_->send_delay(Operation::name, f.attempt); wait.count() > 0) {
                f.step = step_paced;
                f.timer.expires_after(wait);
                return f.timer.async_wait(std::move(self));
            }
            [[fallthrough]];
        case step_paced:
            if (ec || self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)
                return finish(self, boost::asio::error::operation_aborted);
            f.step = step_signed;
            if (state_->credentials && !state_->static_credentials)
                return state_->credentials->async_get(std::move(self));
            [[fallthrough]];
        case step_signed:
            if (ec) { // from the credentials cache: say which provider and why
                std::string why = state_->credentials ? state_->credentials->last_error() : std::string();
                state_->log(log_level::warning, std::string(Operation::name) + ": no credentials: " + ec.message() +
                                                    (why.empty() ? "" : " (" + why + ")"));
                f.diag->client_message = why.empty() ? ec.message() : std::move(why);
                return finish(self, ec);
            }
            if (self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)
                return finish(self, boost::asio::error::operation_aborted);
            f.request = f.base;
            if (auto e = state_->authorize(f.request, state_->static_credentials ? &*state_->static_credentials : &creds,
                                           f.invocation_id, f.attempt))
                return finish(self, e);
            f.response = {};
            f.step = step_answered;
            if (state_->cfg.log) // the request line only: never a header (Authorization, token)
                state_->log(log_level::debug, std::string(Operation::name) + " attempt " + std::to_string(f.attempt) +
                                                  "/" + std::to_string(state_->cfg.max_attempts) + ": " +
                                                  std::string(f.request.method_string()) + " " +
                                                  std::string(f.request.target()) +
                                                  (state_->cfg.bearer_token ? " (bearer token)" : " (SigV4)"));
            return state_->pool->async_exchange(f.request, f.response, state_->limits, std::move(self));
        case step_answered:
            return on_answer(self, ec);
        case step_waited:
            if (ec || self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)
                return finish(self, boost::asio::error::operation_aborted);
            f.step = step_attempt;
            return (*this)(self);
        }
    }

private:
    enum step_type { step_start, step_attempt, step_paced, step_signed, step_answered, step_waited };

    struct frame {
        frame(input_type in, diagnostics* d, const boost::asio::any_io_executor& ex)
            : input(std::move(in)), diag(d ? d : &own_diag), timer(ex)
        {
        }
        input_type input;
        diagnostics own_diag;
        diagnostics* diag;
        boost::asio::steady_timer timer;
        protocol::http_request base;
        protocol::http_request request;
        protocol::http_response response;
        output_type output{};
        std::string invocation_id;
        int attempt = 0;
        bool clock_retried = false;
        step_type step = step_start;
    };

    template <class Self>
    void on_answer(Self& self, boost::system::error_code ec)
    {
        frame& f = *frame_;
        diagnostics& d = *f.diag;
        d.clear();
        d.attempts = f.attempt;
        if (ec == boost::asio::error::operation_aborted ||
            self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none)
            return finish(self, boost::asio::error::operation_aborted);
        if (!ec) {
            const auto& res = f.response;
            if (auto id = res.find("x-amzn-RequestId"); id != res.end())
                d.request_id = std::string(id->value());
            d.http_status = res.result_int();
            if (state_->cfg.log)
                state_->log(log_level::debug, std::string(Operation::name) + " attempt " + std::to_string(f.attempt) +
                                                  ": HTTP " + std::to_string(res.result_int()) + ", request id " +
                                                  (d.request_id.empty() ? "-" : d.request_id) + ", " +
                                                  std::to_string(res.body().size()) + " body bytes");
            if (res.result_int() / 100 == 2) {
                state_->record_answer({});
                d.input_token_count = header_number(res, "X-Amzn-Bedrock-Input-Token-Count");
                d.output_token_count = header_number(res, "X-Amzn-Bedrock-Output-Token-Count");
                d.invocation_latency_ms = header_number(res, "X-Amzn-Bedrock-Invocation-Latency");
                ec = protocol::parse_response<Operation>(f.response, thread_json_parser(), f.output, d);
                if (!ec)
                    state_->retry.on_success(f.attempt);
                return finish(self, ec);
            }
            ec = state_->error_from_answer(res, res.body(), f.attempt, d);
        } else if (state_->cfg.log) {
            state_->log(log_level::debug, std::string(Operation::name) + " attempt " + std::to_string(f.attempt) +
                                              ": transport error: " + ec.message());
        }
        state_->record_answer(ec);
        auto delay = state_->retry_after(Operation::name, ec, f.attempt, d, f.clock_retried);
        if (!delay)
            return finish(self, ec);
        f.step = step_waited;
        f.timer.expires_after(*delay);
        f.timer.async_wait(std::move(self));
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        output_type out = ec ? output_type{} : std::move(frame_->output);
        frame_.reset(); // release buffers before the handler runs
        self.complete(ec, std::move(out));
    }

    std::shared_ptr<client_state> state_;
    std::unique_ptr<frame> frame_;
};

template <class Operation, class Token>
auto start_unary(const std::shared_ptr<client_state>& state, typename Operation::input_type input,
                 diagnostics* diag, Token&& token)
{
    return boost::asio::async_compose<Token, void(boost::system::error_code, typename Operation::output_type)>(
        unary_op<Operation>(state, std::move(input), diag), token, state->executor);
}

} // namespace detail

template <class Operation, class Token>
auto client::call(typename Operation::input_type request, diagnostics* diag, Token&& token)
{
    return detail::start_unary<Operation>(state_, std::move(request), diag, std::forward<Token>(token));
}

#define BEDROCK_CLIENT_UNARY(name)                                                                          \
    template <class Token>                                                                                  \
    auto client::name(name##_request request, Token&& token)                                                \
    {                                                                                                       \
        return call<operations::name>(std::move(request), nullptr, std::forward<Token>(token));             \
    }                                                                                                       \
    template <class Token>                                                                                  \
    auto client::name(name##_request request, diagnostics& diag, Token&& token)                             \
    {                                                                                                       \
        return call<operations::name>(std::move(request), &diag, std::forward<Token>(token));               \
    }

BEDROCK_CLIENT_UNARY(converse)
BEDROCK_CLIENT_UNARY(invoke_model)
BEDROCK_CLIENT_UNARY(apply_guardrail)
BEDROCK_CLIENT_UNARY(count_tokens)
BEDROCK_CLIENT_UNARY(start_async_invoke)
BEDROCK_CLIENT_UNARY(get_async_invoke)
BEDROCK_CLIENT_UNARY(list_async_invokes)

#undef BEDROCK_CLIENT_UNARY

template <class Operation, class Token>
auto client::open_stream(typename Operation::input_type request, diagnostics* diag, Token&& token)
{
    auto s = std::make_shared<detail::stream_state<Operation>>(state_, std::move(request));
    return boost::asio::async_compose<Token, void(boost::system::error_code, event_stream<Operation>)>(
        detail::stream_op<Operation, true>(std::move(s), diag), token, state_->executor);
}

#define BEDROCK_CLIENT_STREAM(name)                                                                         \
    template <class Token>                                                                                  \
    auto client::name(name##_request request, Token&& token)                                                \
    {                                                                                                       \
        return open_stream<operations::name>(std::move(request), nullptr, std::forward<Token>(token));      \
    }                                                                                                       \
    template <class Token>                                                                                  \
    auto client::name(name##_request request, diagnostics& diag, Token&& token)                             \
    {                                                                                                       \
        return open_stream<operations::name>(std::move(request), &diag, std::forward<Token>(token));        \
    }

BEDROCK_CLIENT_STREAM(converse_stream)
BEDROCK_CLIENT_STREAM(invoke_model_with_response_stream)

#undef BEDROCK_CLIENT_STREAM

namespace detail {

// One page: the unary operation, then the bookkeeping of the token for the next page.
struct paginator_next_op {
    list_async_invokes_paginator* pages;
    std::shared_ptr<client_state> state;
    list_async_invokes_request request;
    enum { start, fetching, refused_busy, refused_done } step = start;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, list_async_invokes_response out = {})
    {
        using page = std::optional<list_async_invokes_response>;
        switch (step) {
        case start:
            if (pages->busy_ || pages->done_) {
                step = pages->busy_ ? refused_busy : refused_done;
                return boost::asio::post(state->executor, std::move(self)); // never complete inline
            }
            pages->busy_ = true;
            step = fetching;
            return start_unary<operations::list_async_invokes>(state, std::move(request), nullptr, std::move(self));
        case refused_busy: return self.complete(client_errc::stream_busy, page{});
        case refused_done: return self.complete({}, page{});
        case fetching: break;
        }
        pages->busy_ = false;
        if (ec)
            return self.complete(ec, page{});
        // The last page has no token; a token equal to the one sent would loop forever.
        auto& sent = pages->request_.next_token;
        if (!out.next_token || out.next_token->empty() || out.next_token == sent)
            pages->done_ = true;
        else
            sent = out.next_token;
        self.complete(ec, page{std::move(out)});
    }
};

} // namespace detail

template <class Token>
auto list_async_invokes_paginator::next(Token&& token)
{
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::optional<list_async_invokes_response>)>(
        detail::paginator_next_op{this, state_, request_}, token, state_->executor);
}

} // namespace bedrock

#endif

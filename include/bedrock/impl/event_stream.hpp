#ifndef BEDROCK_IMPL_EVENT_STREAM_HPP
#define BEDROCK_IMPL_EVENT_STREAM_HPP

#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/json_parser.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/detail/stream_core.hpp>
#include <bedrock/event_stream.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/protocol/bindings.hpp>
#include <bedrock/protocol/errors.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <type_traits>
#include <variant>

namespace bedrock::detail {

/// A stream whose protocol has a last event (ConverseStream: messageStop; metadata may follow):
/// a body that ends before it is an incomplete answer, not a short one. InvokeModelWithResponseStream
/// has none: there only a body that ends inside a frame is an error.
template <class Event>
constexpr bool has_final_event = std::is_same_v<Event, converse_stream_output>;

inline bool is_final_event(const converse_stream_output& event) noexcept
{
    return std::holds_alternative<converse_stream_output_message_stop>(event);
}

/// Everything one streaming call keeps: what a new attempt needs (the built request), the open
/// response, the frame decoder and the bookkeeping of what the caller has seen. Shared by the
/// event_stream and its pending operation, so either may go first.
template <class Operation>
struct stream_state {
    using input_type = typename Operation::input_type;
    using response_type = typename Operation::output_type;

    stream_state(std::shared_ptr<client_state> c, input_type in)
        : client(std::move(c)), input(std::move(in)), timer(client->executor)
    {
    }

    std::shared_ptr<client_state> client;
    input_type input;
    protocol::http_request base;    // built once; each attempt signs a copy
    protocol::http_request request; // the attempt's signed request (async_open keeps a reference)
    std::string invocation_id;
    int attempt = 0;
    bool clock_retried = false; // one immediate retry after the client corrected its clock

    http::response_stream body;
    stream_core frames;
    std::string error_body; // a non-2xx answer's body
    response_type response{};
    bedrock::diagnostics diag;
    boost::asio::steady_timer timer; // retry backoff, and the rate limit's wait in adaptive mode
    bool awaiting_answer = false;    // an attempt was sent and its outcome not yet given to the limiter

    std::size_t delivered = 0;
    bool final_seen = false; // the protocol's last event (has_final_event) has been delivered
    std::chrono::steady_clock::time_point first_event_deadline{};
    bool first_event_bounded = false; // the pending read's limit is the first-event deadline
    bool busy = false;
    bool ended = false;  // read to its end
    bool closed = false; // closed by the caller
    boost::system::error_code failure; // sticky

    void close() noexcept
    {
        closed = true;
        body.close();
        timer.cancel();
    }
};

/// Opening a stream (Open = true: completes once the head says 200) and reading its next event
/// (Open = false). Both go through the same attempt logic, because a stream that fails before its
/// first event is opened again.
template <class Operation, bool Open>
class stream_op {
public:
    using state_type = stream_state<Operation>;
    using event_type = typename Operation::output_event_type;

    stream_op(std::shared_ptr<state_type> s, bedrock::diagnostics* user_diag) noexcept
        : s_(std::move(s)), user_diag_(user_diag)
    {
    }

    template <class Self>
    void operator()(Self& self)
    {
        if (step_ == step::posted) // back from the post of a completion that was ready at once
            return deliver(self);
        if constexpr (Open)
            return open(self);
        else
            return start_next(self);
    }

    // Credentials arrived.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, auth::credentials creds)
    {
        if (ec)
            return fail(self, ec);
        send(self, &creds);
    }

    // The response head arrived.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, http::response_stream body)
    {
        async_ = true;
        state_type& s = *s_;
        if (!ec && s.closed)
            ec = boost::asio::error::operation_aborted;
        if (!ec && cancelled(self))
            ec = boost::asio::error::operation_aborted;
        if (ec)
            return fail(self, ec);
        s.body = std::move(body);
        const auto& head = s.body.head();
        if (head.result_int() / 100 == 2) {
            // The service took the request: the attempt's answer, for the rate limit, whatever the
            // stream brings later (the SDKs do not count exceptions inside a stream either).
            s.awaiting_answer = false;
            s.client->record_answer({});
        }
        s.diag.clear();
        s.diag.attempts = s.attempt;
        s.diag.http_status = head.result_int();
        if (auto id = head.find("x-amzn-RequestId"); id != head.end())
            s.diag.request_id = std::string(id->value());
        if (head.result_int() / 100 != 2) {
            s.error_body.clear();
            step_ = step::error_body;
            return read_error_body(self);
        }
        if (auto e = protocol::check_answer_head<Operation>(head, s.diag))
            return fail(self, e); // closes the body unread: nothing of it is taken for a frame
        if (auto e = protocol::parse_response_headers<Operation>(head, s.response, s.diag))
            return fail(self, e);
        const auto first = s.client->cfg.timeout.first_event;
        s.first_event_deadline = first.count() > 0 ? std::chrono::steady_clock::now() + first
                                                   : std::chrono::steady_clock::time_point::max();
        if constexpr (Open)
            return finish(self, {});
        else
            return decode(self);
    }

    // Reads (error body, frames) and the backoff timer.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n = 0)
    {
        async_ = true;
        state_type& s = *s_;
        switch (step_) {
        case step::error_body:
            s.error_body.resize(s.error_body.size() - error_chunk + n); // the read's unused tail
            if (ec == http::error::end_of_stream || (!ec && s.error_body.size() >= max_error_body))
                return fail(self, s.client->error_from_answer(s.body.head(), s.error_body, s.attempt, s.diag));
            if (ec)
                return fail(self, ec);
            return read_error_body(self);
        case step::reading:
            if (ec == http::error::end_of_stream) {
                if (auto e = s.frames.finish()) {
                    s.diag.client_message = "event stream: the body ended inside a frame";
                    return fail(self, e);
                }
                if constexpr (has_final_event<event_type>) {
                    if (!s.final_seen) {
                        s.diag.client_message = "event stream: the body ended after " + std::to_string(s.delivered) +
                                                " events, without messageStop";
                        return fail(self, client_errc::incomplete_stream);
                    }
                }
                s.ended = true;
                return finish(self, {});
            }
            if (ec) {
                if (s.closed && ec == http::error::stream_closed)
                    ec = boost::asio::error::operation_aborted;
                if (ec == http::error::idle_timeout && s.first_event_bounded)
                    ec = http::error::first_event_timeout;
                return fail(self, ec);
            }
            s.frames.commit(n);
            return decode(self);
        case step::backoff:
            if (s.closed || cancelled(self))
                return finish(self, boost::asio::error::operation_aborted);
            return attempt(self);
        case step::paced:
            if (ec || s.closed || cancelled(self))
                return finish(self, boost::asio::error::operation_aborted);
            return credentials(self);
        case step::posted: return deliver(self);
        case step::start: break;
        }
    }

private:
    enum class step { start, error_body, reading, backoff, paced, posted };
    static constexpr std::size_t max_error_body = 1024 * 1024;
    static constexpr std::size_t error_chunk = 4096;

    template <class Self>
    static bool cancelled(Self& self)
    {
        return self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none;
    }

    template <class Self>
    void open(Self& self)
    {
        state_type& s = *s_;
        if (s.client->config_error)
            return finish(self, s.client->config_error);
        if (auto e = protocol::build_request<Operation>(s.input, s.client->target.base_path, s.base, &s.diag))
            return finish(self, e);
        s.invocation_id = random_uuid();
        attempt(self);
    }

    template <class Self>
    void start_next(Self& self)
    {
        if (!s_)
            return finish(self, client_errc::stream_closed);
        state_type& s = *s_;
        if (s.busy) {
            s_.reset(); // leave the pending next() alone
            return finish(self, client_errc::stream_busy);
        }
        s.busy = true;
        if (s.closed)
            return finish(self, client_errc::stream_closed);
        if (s.failure)
            return finish(self, s.failure);
        if (s.ended)
            return finish(self, {});
        decode(self);
    }

    template <class Self>
    void attempt(Self& self)
    {
        state_type& s = *s_;
        ++s.attempt;
        s.body.close();
        s.frames.reset();
        if (const auto wait = s.client->send_delay(Operation::name, s.attempt); wait.count() > 0) {
            step_ = step::paced;
            s.timer.expires_after(wait);
            return s.timer.async_wait(std::move(self));
        }
        credentials(self);
    }

    template <class Self>
    void credentials(Self& self)
    {
        state_type& s = *s_;
        if (s.client->credentials && !s.client->static_credentials)
            return s.client->credentials->async_get(std::move(self));
        send(self, nullptr);
    }

    template <class Self>
    void send(Self& self, const auth::credentials* creds)
    {
        state_type& s = *s_;
        if (cancelled(self))
            return fail(self, boost::asio::error::operation_aborted);
        s.request = s.base;
        if (!creds && s.client->static_credentials)
            creds = &*s.client->static_credentials;
        if (auto e = s.client->authorize(s.request, creds, s.invocation_id, s.attempt))
            return fail(self, e);
        s.awaiting_answer = true;
        s.client->pool->async_open(s.request, s.client->limits, std::move(self));
    }

    template <class Self>
    void read_error_body(Self& self)
    {
        state_type& s = *s_;
        const std::size_t used = s.error_body.size();
        s.error_body.resize(used + error_chunk);
        s.body.async_read_some(boost::asio::buffer(s.error_body.data() + used, error_chunk), std::move(self));
    }

    // Hands out the next buffered event, or reads more.
    template <class Self>
    void decode(Self& self)
    {
        state_type& s = *s_;
        boost::system::error_code ec;
        switch (s.frames.next_frame(ec, s.diag)) {
        case stream_core::frame_kind::failure: return fail(self, ec);
        case stream_core::frame_kind::event: {
            event_type ev;
            json::diagnostics jd;
            if (json::parse_event(thread_json_parser(), s.frames.event_type(), s.frames.payload(), ev, &jd)) {
                s.diag.client_message = "event stream: " + std::string(s.frames.event_type()) + " event: " + jd.to_string();
                return fail(self, client_errc::invalid_response);
            }
            if constexpr (has_final_event<event_type>)
                s.final_seen = s.final_seen || is_final_event(ev);
            if (s.delivered++ == 0) {
                s.client->retry.on_success(s.attempt);
                s.body.set_idle_timeout(s.client->limits.idle);
                s.first_event_bounded = false;
            }
            event_.emplace(std::move(ev));
            return finish(self, {});
        }
        case stream_core::frame_kind::need_more: break;
        }
        if (s.delivered == 0) {
            // Until the first event, a read may wait no longer than what is left of that deadline.
            const auto now = std::chrono::steady_clock::now();
            if (now >= s.first_event_deadline)
                return fail(self, http::error::first_event_timeout);
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(s.first_event_deadline - now);
            const auto idle = s.client->limits.idle;
            s.first_event_bounded = idle.count() == 0 || left < idle;
            s.body.set_idle_timeout(s.first_event_bounded ? left : idle);
        }
        step_ = step::reading;
        s.body.async_read_some(s.frames.prepare(), std::move(self));
    }

    // The attempt failed: open again if nothing reached the caller yet and the policy allows it.
    template <class Self>
    void fail(Self& self, boost::system::error_code ec)
    {
        state_type& s = *s_;
        s.body.close();
        if (s.closed || cancelled(self))
            ec = boost::asio::error::operation_aborted;
        if (s.awaiting_answer) { // the attempt failed before a 2xx head: its outcome, unless cancelled
            s.awaiting_answer = false;
            if (ec != boost::asio::error::operation_aborted)
                s.client->record_answer(ec);
        }
        if (ec != boost::asio::error::operation_aborted && s.delivered == 0) {
            if (auto delay = s.client->retry_after(Operation::name, ec, s.attempt, s.diag, s.clock_retried)) {
                step_ = step::backoff;
                s.timer.expires_after(*delay);
                return s.timer.async_wait(std::move(self));
            }
        }
        if constexpr (has_final_event<event_type>) {
            if (ec != boost::asio::error::operation_aborted && s.delivered > 0 && !s.final_seen &&
                s.diag.client_message.empty())
                s.diag.client_message = "event stream: failed after " + std::to_string(s.delivered) +
                                        " events, before messageStop: the answer is incomplete";
        }
        s.diag.attempts = s.attempt;
        finish(self, ec);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        if (!async_) { // nothing asynchronous happened: never complete inside the initiating call
            step_ = step::posted;
            async_ = true;
            return boost::asio::post(std::move(self));
        }
        deliver(self);
    }

    template <class Self>
    void deliver(Self& self)
    {
        if constexpr (Open) {
            if (ec_ && s_)
                s_->body.close();
            if (user_diag_ && s_)
                *user_diag_ = s_->diag;
            auto s = std::move(s_);
            self.complete(ec_, ec_ ? event_stream<Operation>{} : event_stream<Operation>{std::move(s)});
        } else {
            if (s_) {
                if (ec_ && !s_->failure)
                    s_->failure = ec_;
                s_->busy = false;
                s_.reset();
            }
            self.complete(ec_, std::move(event_));
        }
    }

    std::shared_ptr<state_type> s_;
    bedrock::diagnostics* user_diag_;
    std::optional<event_type> event_;
    boost::system::error_code ec_;
    step step_ = step::start;
    bool async_ = false;
};

} // namespace bedrock::detail

namespace bedrock {

template <class Operation>
template <class Token>
auto event_stream<Operation>::next(Token&& token)
{
    using signature = void(boost::system::error_code, std::optional<event_type>);
    executor_type ex = state_ ? state_->client->executor : executor_type(boost::asio::system_executor());
    return boost::asio::async_compose<Token, signature>(detail::stream_op<Operation, false>(state_, nullptr), token,
                                                        std::move(ex));
}

template <class Operation>
void event_stream<Operation>::close() noexcept
{
    if (state_)
        state_->close();
}

template <class Operation>
bool event_stream<Operation>::done() const noexcept
{
    return !state_ || state_->ended || state_->closed || state_->failure;
}

template <class Operation>
std::size_t event_stream<Operation>::events() const noexcept
{
    return state_ ? state_->delivered : 0;
}

template <class Operation>
const typename event_stream<Operation>::response_type& event_stream<Operation>::response() const noexcept
{
    static const response_type empty{};
    return state_ ? state_->response : empty;
}

template <class Operation>
const bedrock::diagnostics& event_stream<Operation>::diagnostics() const noexcept
{
    static const bedrock::diagnostics empty{};
    return state_ ? state_->diag : empty;
}

template <class Operation>
typename event_stream<Operation>::executor_type event_stream<Operation>::get_executor() const noexcept
{
    return state_ ? state_->client->executor : executor_type(boost::asio::system_executor());
}

} // namespace bedrock

#endif

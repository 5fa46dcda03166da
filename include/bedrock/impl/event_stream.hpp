#ifndef BEDROCK_IMPL_EVENT_STREAM_HPP
#define BEDROCK_IMPL_EVENT_STREAM_HPP

#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/completion_trampoline.hpp>
#include <bedrock/detail/recycled_handler.hpp>
#include <bedrock/detail/stream_core.hpp>
#include <bedrock/engine/intercept.hpp>
#include <bedrock/engine/run.hpp>
#include <bedrock/event_stream.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/model/converse_stream.hpp>
#include <bedrock/protocol/codec.hpp>

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

/// Everything one streaming call keeps: the engine's call (request, attempts, diagnostics) and I/O
/// (the open answer), the frame decoder and the bookkeeping of what the caller has seen. Shared by
/// the event_stream and its pending operation, so either may go first.
template <class Operation>
struct stream_state {
    using input_type = typename Operation::input_type;
    using response_type = typename Operation::output_type;

    stream_state(std::shared_ptr<client_state> c, input_type in)
        : client(std::move(c)), input(std::move(in)), call(Operation::name), io(client->executor)
    {
    }

    std::shared_ptr<client_state> client;
    input_type input;
    engine::call_state call; // its own diagnostics: the stream's diagnostics()
    engine::call_io io;      // io.body: the open answer
    stream_core frames;
    response_type response{};

    std::size_t delivered = 0;
    bool final_seen = false; // the protocol's last event (has_final_event) has been delivered
    std::chrono::steady_clock::time_point first_event_deadline{};
    bool first_event_bounded = false; // the pending read's limit is the first-event deadline
    bool busy = false;
    bool ended = false; // read to its end
    boost::system::error_code failure; // sticky

    bedrock::diagnostics& diag() noexcept { return *call.diag; }
    bool closed() const noexcept { return io.closed; }
    void close() noexcept { io.close(); }

    // A 2xx head from the engine: what the frame parser cannot check, the members bound to headers,
    // and the clock of the first-event limit.
    boost::system::error_code accept_head()
    {
        frames.reset();
        // On failure the body is closed unread: nothing of it is taken for a frame.
        if (auto e = protocol::stream_codec<Operation>::parse_head(io.body->head(), response, diag()))
            return e;
        const auto first = client->cfg.timeout.first_event;
        first_event_deadline = first.count() > 0 ? std::chrono::steady_clock::now() + first
                                                 : std::chrono::steady_clock::time_point::max();
        return {};
    }

    // Once an event has reached the caller the request is never sent again (a stream reopens only
    // before its first event), and the interceptors' completion hooks ran at the open: the input,
    // the serialized request (the whole conversation) and the signature go, most of what an open
    // stream holds beyond its buffers.
    void release_request()
    {
        input = input_type{};
        call.base = {};
        call.request = {};
        client->recycle(std::move(call.signature));
    }

    // A failed attempt's answer is abandoned before the engine tries again: never pooled, even
    // when it happened to arrive whole (a corrupt frame in a complete body).
    void drop_answer() noexcept
    {
        if (io.body)
            io.body->abandon();
    }
};

/// Opening a stream: build the request, let the engine run attempts until a 2xx head, check it.
/// Completes with the event_stream once the service has accepted the request.
template <class Operation>
class stream_open_op {
public:
    using state_type = stream_state<Operation>;

    stream_open_op(std::shared_ptr<state_type> s, bedrock::diagnostics* user_diag) noexcept
        : s_(std::move(s)), user_diag_(user_diag)
    {
    }

    template <class Self>
    void operator()(Self& self)
    {
        state_type& s = *s_;
        if (posted_)
            return deliver(self);
        if (s.client->config_error)
            return fail_early(self, s.client->config_error);
        if (auto e = engine::intercept_before_serialization(s.client->cfg, s.call, erased_ref(s.input)))
            return fail_early(self, e);
        if (auto e = protocol::codec<Operation>::build(s.input, s.client->target.base_path, s.call.base, &s.diag()))
            return fail_early(self, e);
        if (auto e = engine::intercept_after_serialization(s.call))
            return fail_early(self, e);
        engine::async_run(s.client, s.call, s.io, engine::exchange_kind::open, std::move(self));
    }

    // The engine is done: a 2xx head in s.io.body, or the call's error.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        state_type& s = *s_;
        if (!ec && (s.closed() || self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none))
            ec = boost::asio::error::operation_aborted;
        if (!ec) {
            const auto e = s.accept_head();
            if (auto hook = engine::end_attempt(s.call, e)) // the head deserialized: the attempt's end
                ec = hook;
            else if (e) { // retried under the same policy as a failed attempt
                s.drop_answer();
                return engine::async_rerun(s.client, s.call, s.io, engine::exchange_kind::open, e, std::move(self));
            }
        }
        ec_ = ec;
        deliver(self);
    }

private:
    template <class Self>
    void fail_early(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        posted_ = true; // never complete inside the initiating function
        // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
        boost::asio::post(self.get_io_executor(), std::move(self));
    }

    template <class Self>
    void deliver(Self& self)
    {
        ec_ = engine::intercept_completion(s_->call, ec_);
        if (ec_)
            s_->drop_answer();
        if (user_diag_)
            *user_diag_ = s_->diag();
        auto s = std::move(s_);
        self.complete(ec_, ec_ ? event_stream<Operation>{} : event_stream<Operation>{std::move(s)});
    }

    std::shared_ptr<state_type> s_;
    bedrock::diagnostics* user_diag_;
    boost::system::error_code ec_;
    bool posted_ = false;
};

/// The next event of an open stream: hands out a buffered event, or reads until one is whole. A
/// stream that fails before its first event reached the caller is opened again by the engine.
template <class Operation>
class stream_next_op {
public:
    using state_type = stream_state<Operation>;
    using event_type = typename Operation::output_event_type;

    stream_next_op(std::shared_ptr<state_type> s, bedrock::diagnostics* diag) noexcept : s_(std::move(s)), diag_(diag) {}

    template <class Self>
    void operator()(Self& self)
    {
        if (step_ == step::posted) // back from the post of a completion that was ready at once
            return deliver(self);
        if (!s_)
            return finish(self, client_errc::stream_closed);
        state_type& s = *s_;
        if (s.busy) {
            s_.reset(); // leave the pending next() alone
            return finish(self, client_errc::stream_busy);
        }
        s.busy = true;
        if (s.closed())
            return finish(self, client_errc::stream_closed);
        if (s.failure)
            return finish(self, s.failure);
        if (s.ended)
            return finish(self, {});
        decode(self);
    }

    // The engine opened the stream again (after a failure before the first event), or gave up.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        async_ = true;
        state_type& s = *s_;
        if (!ec && (s.closed() || cancelled(self)))
            ec = boost::asio::error::operation_aborted;
        if (ec)
            return finish_failed(self, ec);
        if (auto e = s.accept_head())
            return fail(self, e);
        decode(self);
    }

    // Body bytes.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n)
    {
        async_ = true;
        if (take_bytes(self, ec, n))
            decode(self);
    }

private:
    enum class step { start, posted };

    template <class Self>
    static bool cancelled(Self& self)
    {
        return self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none;
    }

    // What a read gave: body bytes, the body's end or a failure. False if the operation is over
    // (completed or handed to the engine), true if it goes on decoding.
    template <class Self>
    bool take_bytes(Self& self, boost::system::error_code ec, std::size_t n)
    {
        state_type& s = *s_;
        if (ec == http::error::end_of_stream) {
            if (auto e = s.frames.finish()) {
                s.diag().client_message = "event stream: the body ended inside a frame";
                fail(self, e);
                return false;
            }
            if constexpr (has_final_event<event_type>) {
                if (!s.final_seen) {
                    s.diag().client_message = "event stream: the body ended after " + std::to_string(s.delivered) +
                                              " events, without messageStop";
                    fail(self, client_errc::incomplete_stream);
                    return false;
                }
            }
            s.ended = true;
            finish(self, {});
            return false;
        }
        if (ec) {
            if (s.closed() && ec == http::error::stream_closed)
                ec = boost::asio::error::operation_aborted;
            if (ec == http::error::idle_timeout && s.first_event_bounded)
                ec = http::error::first_event_timeout;
            fail(self, ec);
            return false;
        }
        s.frames.commit(n);
        return true;
    }

    // Hands out the next buffered event, or reads more: first what the transport has already
    // received (no trip through the event loop), then with an asynchronous read.
    template <class Self>
    void decode(Self& self)
    {
        state_type& s = *s_;
        for (;;) {
            if (!take_frame(self))
                return;
            boost::system::error_code ec;
            const std::size_t n = s.io.body->read_buffered(s.frames.prepare(), ec);
            if (n == 0 && !ec)
                break;
            if (!take_bytes(self, ec, n))
                return;
        }
        if (s.delivered == 0) {
            // Until the first event, a read may wait no longer than what is left of that deadline.
            const auto now = std::chrono::steady_clock::now();
            if (now >= s.first_event_deadline)
                return fail(self, http::error::first_event_timeout);
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(s.first_event_deadline - now);
            const auto idle = s.client->limits.idle;
            s.first_event_bounded = idle.count() == 0 || left < idle;
            s.io.body->set_idle_timeout(s.first_event_bounded ? left : idle);
        }
        // The common case (the caller's executor is the client's) costs no allocation per read.
        if (transport::same_executor(self.get_executor(), s.client->executor))
            s.io.body->async_read_some_on_transport_executor(s.frames.prepare(), recycled(std::move(self)));
        else
            s.io.body->async_read_some(s.frames.prepare(), recycled(std::move(self)));
    }

    // Hands out the next whole frame if there is one: false if the operation is over (an event or
    // a failure), true if more bytes are needed.
    template <class Self>
    bool take_frame(Self& self)
    {
        state_type& s = *s_;
        boost::system::error_code ec;
        switch (s.frames.next_frame(ec, s.diag())) {
        case stream_core::frame_kind::failure: fail(self, ec); return false;
        case stream_core::frame_kind::event: {
            event_type ev;
            if (auto e = protocol::stream_codec<Operation>::parse_event(s.frames.event_type(), s.frames.payload(),
                                                                        s.frames.payload_capacity(), ev, s.diag())) {
                fail(self, e);
                return false;
            }
            if constexpr (has_final_event<event_type>)
                s.final_seen = s.final_seen || is_final_event(ev);
            if (s.delivered++ == 0) {
                engine::attempt_machine(*s.client, s.call).succeeded();
                s.io.body->set_idle_timeout(s.client->limits.idle);
                s.first_event_bounded = false;
                s.release_request();
            }
            event_.emplace(std::move(ev));
            finish(self, {});
            return false;
        }
        case stream_core::frame_kind::need_more: break;
        }
        return true;
    }

    // The attempt failed: the engine opens it again if nothing reached the caller yet and the
    // policy allows it.
    template <class Self>
    void fail(Self& self, boost::system::error_code ec)
    {
        state_type& s = *s_;
        s.drop_answer();
        if (s.closed() || cancelled(self))
            ec = boost::asio::error::operation_aborted;
        // recycled(): the same erased handler type as the reads', so erasing it costs no code of its own.
        if (ec != boost::asio::error::operation_aborted && s.delivered == 0)
            return engine::async_rerun(s.client, s.call, s.io, engine::exchange_kind::open, ec,
                                       recycled(std::move(self)));
        finish_failed(self, ec);
    }

    template <class Self>
    void finish_failed(Self& self, boost::system::error_code ec)
    {
        state_type& s = *s_;
        s.drop_answer();
        if constexpr (has_final_event<event_type>) {
            if (ec != boost::asio::error::operation_aborted && s.delivered > 0 && !s.final_seen &&
                s.diag().client_message.empty())
                s.diag().client_message = "event stream: failed after " + std::to_string(s.delivered) +
                                          " events, before messageStop: the answer is incomplete";
        }
        s.diag().attempts = s.call.attempt;
        finish(self, ec);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        if (!async_) { // nothing asynchronous happened: never complete inside the initiating call
            step_ = step::posted;
            async_ = true;
            // Started by the previous next()'s handler (a loop over buffered events): that
            // completion's frame runs this one when the handler has returned.
            if (completion_trampoline::can_park(s_.get(), self.get_executor()))
                return completion_trampoline::park(std::move(self));
            // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
            return boost::asio::post(self.get_io_executor(), std::move(self));
        }
        deliver(self);
    }

    template <class Self>
    void deliver(Self& self)
    {
        const void* stream = s_.get();
        if (s_) {
            if (ec_ && diag_)
                *diag_ = s_->diag();
            if (ec_ && !s_->failure)
                s_->failure = ec_;
            s_->busy = false;
            s_.reset();
        }
        completion_trampoline trampoline(stream, self.get_executor());
        self.complete(ec_, std::move(event_));
        trampoline.run_parked();
    }

    std::shared_ptr<state_type> s_;
    bedrock::diagnostics* diag_; // a failure's diagnostics go here too (with_diagnostics_t asks)
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
    auto initiation = [state = state_](auto handler, bedrock::diagnostics* diag) {
        executor_type ex = state ? state->client->executor : executor_type(boost::asio::system_executor());
        boost::asio::async_compose<decltype(handler), signature>(detail::stream_next_op<Operation>(state, diag),
                                                                 handler, std::move(ex));
    };
    return boost::asio::async_initiate<Token, signature>(initiation, token, static_cast<bedrock::diagnostics*>(nullptr));
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
    return !state_ || state_->ended || state_->closed() || state_->failure;
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
    return state_ ? state_->diag() : empty;
}

template <class Operation>
typename event_stream<Operation>::executor_type event_stream<Operation>::get_executor() const noexcept
{
    return state_ ? state_->client->executor : executor_type(boost::asio::system_executor());
}

} // namespace bedrock

#endif

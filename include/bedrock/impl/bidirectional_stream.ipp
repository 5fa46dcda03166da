#ifndef BEDROCK_IMPL_BIDIRECTIONAL_STREAM_IPP
#define BEDROCK_IMPL_BIDIRECTIONAL_STREAM_IPP

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/bidirectional_stream.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/stream_core.hpp>
#include <bedrock/engine/intercept.hpp>
#include <bedrock/engine/run.hpp>
#include <bedrock/error.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/codec.hpp>
#include <bedrock/protocol/input_stream.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/system_executor.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bedrock::detail {

using bidi_operation = operations::invoke_model_with_bidirectional_stream;

/// Everything one bidirectional call keeps, shared by the stream object and its pending operations
/// (either may go first): the engine's call and I/O (the open duplex body), the input side's
/// framing and signature chain, the answer's frame decoder, and the bookkeeping of both directions.
struct bidi_state {
    bidi_state(std::shared_ptr<client_state> c, invoke_model_with_bidirectional_stream_request in)
        : client(std::move(c)), input(std::move(in)), call(bidi_operation::name), io(client->executor)
    {
        call.keep_credentials = true; // the events are signed with the request's credentials
    }

    std::shared_ptr<client_state> client;
    invoke_model_with_bidirectional_stream_request input;
    engine::call_state call; // its own diagnostics: the stream's diagnostics()
    engine::call_io io;      // io.duplex: the request body being written, the answer being read
    invoke_model_with_bidirectional_stream_response response{};

    // Input: one write (a send's frame, or finish's end frame) in flight at a time.
    protocol::input_stream input_frames;
    std::vector<std::uint8_t> frame; // the frame in flight: the transport may read it until its write completes
    bool writing = false;
    bool finished = false; // finish() called: no more input
    std::size_t sent = 0;

    // Output: as event_stream's.
    stream_core frames;
    bool reading = false;
    bool ended = false; // the answer read to its end
    std::size_t delivered = 0;
    std::chrono::steady_clock::time_point first_event_deadline{};
    bool first_event_bounded = false;

    boost::system::error_code failure; // sticky, for both directions

    bedrock::diagnostics& diag() noexcept { return *call.diag; }
    bool closed() const noexcept { return io.closed; }
    void close() noexcept { io.close(); }

    // A failure ends both directions: the other one's pending operation completes (the transport
    // aborts it) and reports this failure.
    void fail(boost::system::error_code ec) noexcept
    {
        if (!failure)
            failure = ec;
        if (io.duplex)
            io.duplex->close();
    }

    // A 2xx head from the engine: what the frame parser cannot check, the signature chain's seed,
    // and the clock of the first-event limit.
    boost::system::error_code accept_head()
    {
        frames.reset();
        if (auto e = protocol::stream_codec<bidi_operation>::parse_head(io.duplex->head(), response, diag()))
            return e;
        if (client->cfg.bearer_token) {
            input_frames = protocol::input_stream(); // no request signature, no chain: unsigned frames
        } else {
            auth::signature_bytes seed{};
            if (!call.credentials) {
                diag().client_message = "bidirectional stream: no credentials to sign the events with";
                return auth::error::missing_credentials;
            }
            if (auto e = auth::parse_signature(call.signature.signature, seed)) {
                diag().client_message = "bidirectional stream: the request's signature cannot seed the events' chain";
                return e;
            }
            const auto& options = client->signer.options(); // what signed the request (set once, read-only)
            input_frames = protocol::input_stream(auth::event_signer(seed, *call.credentials, options.region, options.service));
        }
        const auto first = client->cfg.timeout.first_event;
        first_event_deadline = first.count() > 0 ? std::chrono::steady_clock::now() + first
                                                 : std::chrono::steady_clock::time_point::max();
        return {};
    }
};

struct bidi_access {
    static bidirectional_stream make(std::shared_ptr<bidi_state> s) noexcept { return bidirectional_stream(std::move(s)); }
};

template <class Self>
bool bidi_cancelled(Self& self)
{
    return self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none;
}

// What an operation reports when its step failed (or was cancelled): a closed stream aborts; a
// cancellation closes it (terminal); a failure of the other direction first is that failure;
// anything else is this stream's failure from now on.
template <class Self>
boost::system::error_code bidi_step_failed(bidi_state& s, Self& self, boost::system::error_code ec)
{
    if (s.closed())
        return boost::asio::error::operation_aborted;
    if (bidi_cancelled(self)) {
        s.close();
        return boost::asio::error::operation_aborted;
    }
    if (s.failure)
        return s.failure;
    s.fail(ec);
    return ec;
}

/// Opening: build the request, let the engine run attempts (head only, the body stays open) until
/// a 2xx head, check it. Completes with the stream once the service has accepted the request.
class bidi_open_op {
public:
    bidi_open_op(std::shared_ptr<bidi_state> s, bedrock::diagnostics* user_diag) noexcept
        : s_(std::move(s)), user_diag_(user_diag)
    {
    }

    template <class Self>
    void operator()(Self& self)
    {
        bidi_state& s = *s_;
        if (posted_)
            return deliver(self);
        if (s.client->config_error)
            return fail_early(self, s.client->config_error);
        // A missing model id is refused here, before anything is sent.
        if (auto e = engine::intercept_before_serialization(s.client->cfg, s.call, erased_ref(s.input)))
            return fail_early(self, e);
        if (auto e = protocol::codec<bidi_operation>::build(s.input, s.client->target.base_path, s.call.base, &s.diag()))
            return fail_early(self, e);
        if (auto e = engine::intercept_after_serialization(s.call))
            return fail_early(self, e);
        auto client = s.client;
        engine::async_run(std::move(client), s.call, s.io, engine::exchange_kind::duplex, std::move(self));
    }

    // The engine is done: a 2xx head in s.io.duplex, or the call's error.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        bidi_state& s = *s_;
        if (!ec && (s.closed() || bidi_cancelled(self)))
            ec = boost::asio::error::operation_aborted;
        if (!ec) {
            // Nothing but the head has been sent: a head we refuse is retried like a failed attempt.
            const auto e = s.accept_head();
            if (auto hook = engine::end_attempt(s.call, e)) { // the head deserialized: the attempt's end
                ec_ = hook;
                return deliver(self);
            }
            if (e) {
                s.io.duplex->close();
                auto client = s.client;
                return engine::async_rerun(std::move(client), s.call, s.io, engine::exchange_kind::duplex, e,
                                           std::move(self));
            }
            engine::attempt_machine(*s.client, s.call).succeeded();
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
        if (ec_ && s_->io.duplex)
            s_->io.duplex->close();
        if (user_diag_)
            *user_diag_ = s_->diag();
        auto s = std::move(s_);
        self.complete(ec_, ec_ ? bidirectional_stream{} : bidi_access::make(std::move(s)));
    }

    std::shared_ptr<bidi_state> s_;
    bedrock::diagnostics* user_diag_;
    boost::system::error_code ec_;
    bool posted_ = false;
};

/// What send, finish and next share: the refusals checked before anything starts, each completed
/// through a post, and the release of the direction's slot at the end.
class bidi_op_base {
protected:
    bidi_op_base(std::shared_ptr<bidi_state> s, bedrock::diagnostics* diag) noexcept : s_(std::move(s)), diag_(diag) {}

    // Takes the direction's slot (`busy`), or says why the operation cannot start.
    boost::system::error_code begin(bool bidi_state::*busy, std::string_view what)
    {
        if (!s_)
            return client_errc::stream_closed;
        bidi_state& s = *s_;
        if (s.*busy) {
            s_.reset(); // leave the pending operation and the stream alone
            if (diag_)
                diag_->client_message = "bidirectional stream: a " + std::string(what) + " is still pending";
            return client_errc::stream_busy;
        }
        s.*busy = true;
        busy_ = busy;
        if (s.closed())
            return client_errc::stream_closed;
        return s.failure;
    }

    template <class Self>
    void post_result(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        posted_ = true;
        // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
        boost::asio::post(self.get_io_executor(), std::move(self));
    }

    // Releases the slot; a failure's diagnostics go to `diag_` too (with_diagnostics_t asks).
    void release() noexcept
    {
        if (!s_)
            return;
        if (ec_ && diag_ && ec_ != client_errc::stream_busy)
            *diag_ = s_->diag();
        if (busy_)
            (*s_).*busy_ = false;
        s_.reset();
    }

    std::shared_ptr<bidi_state> s_;
    bedrock::diagnostics* diag_;
    boost::system::error_code ec_;
    bool bidi_state::*busy_ = nullptr;
    bool posted_ = false;
};

/// send(): frame (and sign) the event, hand it to the transport.
class bidi_send_op : bidi_op_base {
public:
    bidi_send_op(std::shared_ptr<bidi_state> s, invoke_model_with_bidirectional_stream_input event,
                 bedrock::diagnostics* diag)
        : bidi_op_base(std::move(s), diag), event_(std::move(event))
    {
    }

    template <class Self>
    void operator()(Self& self)
    {
        if (posted_)
            return deliver(self);
        if (auto e = begin(&bidi_state::writing, "send() or finish()"))
            return post_result(self, e);
        bidi_state& s = *s_;
        if (s.finished)
            return post_result(self, client_errc::stream_finished);
        s.frame.clear();
        // An event that cannot be framed is refused; the stream goes on (the chain did not advance).
        if (auto e = s.input_frames.event(event_, s.client->now(), s.frame, &s.diag()))
            return post_result(self, e);
        s.io.duplex->async_write(boost::asio::buffer(s.frame), std::move(self));
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        bidi_state& s = *s_;
        if (ec || s.closed() || bidi_cancelled(self))
            ec_ = bidi_step_failed(s, self, ec ? ec : boost::asio::error::operation_aborted);
        else
            ++s.sent;
        deliver(self);
    }

private:
    template <class Self>
    void deliver(Self& self)
    {
        release();
        self.complete(ec_);
    }

    invoke_model_with_bidirectional_stream_input event_;
};

/// finish(): the end frame (signed mode), then the end of the request body.
class bidi_finish_op : bidi_op_base {
public:
    bidi_finish_op(std::shared_ptr<bidi_state> s, bedrock::diagnostics* diag) : bidi_op_base(std::move(s), diag) {}

    template <class Self>
    void operator()(Self& self)
    {
        if (posted_)
            return deliver(self);
        if (auto e = begin(&bidi_state::writing, "send() or finish()"))
            return post_result(self, e);
        bidi_state& s = *s_;
        if (s.finished)
            return post_result(self, client_errc::stream_finished);
        s.finished = true;
        s.frame.clear();
        if (auto e = s.input_frames.end(s.client->now(), s.frame)) {
            s.diag().client_message = "bidirectional stream: the end frame cannot be signed: " + e.message();
            s.fail(e);
            return post_result(self, e);
        }
        if (s.frame.empty()) { // unsigned frames: no end frame, the body just ends
            ending_ = true;
            return s.io.duplex->async_finish(std::move(self));
        }
        s.io.duplex->async_write(boost::asio::buffer(s.frame), std::move(self));
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        bidi_state& s = *s_;
        if (ec || s.closed() || bidi_cancelled(self)) {
            ec_ = bidi_step_failed(s, self, ec ? ec : boost::asio::error::operation_aborted);
            return deliver(self);
        }
        if (!ending_) { // the end frame is out: end the body
            ending_ = true;
            return s.io.duplex->async_finish(std::move(self));
        }
        deliver(self);
    }

private:
    template <class Self>
    void deliver(Self& self)
    {
        release();
        self.complete(ec_);
    }

    bool ending_ = false;
};

/// next(): hands out a buffered event, or reads until one is whole; as event_stream's next(),
/// without reopening (the input sent so far cannot be replayed).
class bidi_next_op : bidi_op_base {
public:
    bidi_next_op(std::shared_ptr<bidi_state> s, bedrock::diagnostics* diag) : bidi_op_base(std::move(s), diag) {}

    template <class Self>
    void operator()(Self& self)
    {
        if (posted_)
            return deliver(self);
        if (auto e = begin(&bidi_state::reading, "next()"))
            return post_result(self, e);
        if (s_->ended)
            return post_result(self, {});
        decode(self);
    }

    // Body bytes.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n)
    {
        async_ = true;
        bidi_state& s = *s_;
        if (!ec && (s.closed() || bidi_cancelled(self)))
            ec = boost::asio::error::operation_aborted;
        if (ec == http::error::end_of_stream) {
            if (auto e = s.frames.finish()) {
                s.diag().client_message = "event stream: the body ended inside a frame";
                return fail(self, e);
            }
            s.ended = true;
            return finish(self, {});
        }
        if (ec) {
            if (ec == http::error::idle_timeout && s.first_event_bounded)
                ec = http::error::first_event_timeout;
            return fail(self, ec);
        }
        s.frames.commit(n);
        decode(self);
    }

private:
    template <class Self>
    void decode(Self& self)
    {
        bidi_state& s = *s_;
        boost::system::error_code ec;
        switch (s.frames.next_frame(ec, s.diag())) {
        case stream_core::frame_kind::failure: return fail(self, ec); // an exception frame: its words are in diag
        case stream_core::frame_kind::event: {
            invoke_model_with_bidirectional_stream_output ev;
            if (auto e = protocol::stream_codec<bidi_operation>::parse_event(
                    s.frames.event_type(), s.frames.payload(), s.frames.payload_capacity(), ev, s.diag()))
                return fail(self, e);
            if (s.delivered++ == 0) {
                s.io.duplex->set_idle_timeout(s.client->limits.idle);
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
            s.io.duplex->set_idle_timeout(s.first_event_bounded ? left : idle);
        }
        s.io.duplex->async_read_some(s.frames.prepare(), std::move(self));
    }

    template <class Self>
    void fail(Self& self, boost::system::error_code ec)
    {
        finish(self, bidi_step_failed(*s_, self, ec));
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec_ = ec;
        if (!async_) // nothing asynchronous happened (an event was buffered): never complete inline
            return post_result(self, ec);
        deliver(self);
    }

    template <class Self>
    void deliver(Self& self)
    {
        release();
        self.complete(ec_, std::move(event_));
    }

    bidi_event event_;
    bool async_ = false;
};

BEDROCK_DECL boost::asio::any_io_executor bidi_executor(const bidi_state& s) noexcept { return s.client->executor; }

BEDROCK_DECL void bidi_open(std::shared_ptr<client_state> client, invoke_model_with_bidirectional_stream_request request,
                            bedrock::diagnostics* diag,
                            bidi_handler<void(boost::system::error_code, bidirectional_stream)> h)
{
    auto ex = client->executor;
    auto s = std::make_shared<bidi_state>(std::move(client), std::move(request));
    boost::asio::async_compose<decltype(h), void(boost::system::error_code, bidirectional_stream)>(
        bidi_open_op(std::move(s), diag), h, std::move(ex));
}

BEDROCK_DECL void bidi_send(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex,
                            invoke_model_with_bidirectional_stream_input event, bedrock::diagnostics* diag,
                            bidi_handler<void(boost::system::error_code)> h)
{
    boost::asio::async_compose<decltype(h), void(boost::system::error_code)>(
        bidi_send_op(std::move(s), std::move(event), diag), h, std::move(ex));
}

BEDROCK_DECL void bidi_finish(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex, bedrock::diagnostics* diag,
                              bidi_handler<void(boost::system::error_code)> h)
{
    boost::asio::async_compose<decltype(h), void(boost::system::error_code)>(bidi_finish_op(std::move(s), diag), h,
                                                                             std::move(ex));
}

BEDROCK_DECL void bidi_next(std::shared_ptr<bidi_state> s, boost::asio::any_io_executor ex, bedrock::diagnostics* diag,
                            bidi_handler<void(boost::system::error_code, bidi_event)> h)
{
    boost::asio::async_compose<decltype(h), void(boost::system::error_code, bidi_event)>(
        bidi_next_op(std::move(s), diag), h, std::move(ex));
}

} // namespace bedrock::detail

namespace bedrock {

BEDROCK_DECL bidirectional_stream& bidirectional_stream::operator=(bidirectional_stream&& other) noexcept
{
    if (this != &other) {
        close();
        state_ = std::move(other.state_);
    }
    return *this;
}

BEDROCK_DECL void bidirectional_stream::close() noexcept
{
    if (state_)
        state_->close();
}

BEDROCK_DECL bool bidirectional_stream::done() const noexcept
{
    return !state_ || state_->ended || state_->closed() || state_->failure;
}

BEDROCK_DECL bool bidirectional_stream::finished() const noexcept { return state_ && state_->finished; }
BEDROCK_DECL std::size_t bidirectional_stream::sent() const noexcept { return state_ ? state_->sent : 0; }
BEDROCK_DECL std::size_t bidirectional_stream::events() const noexcept { return state_ ? state_->delivered : 0; }

BEDROCK_DECL const bedrock::diagnostics& bidirectional_stream::diagnostics() const noexcept
{
    static const bedrock::diagnostics empty{};
    return state_ ? state_->diag() : empty;
}

BEDROCK_DECL bidirectional_stream::executor_type bidirectional_stream::get_executor() const noexcept
{
    return state_ ? state_->client->executor : executor_type(boost::asio::system_executor());
}

} // namespace bedrock

#endif

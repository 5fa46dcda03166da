#ifndef BEDROCK_IMPL_CLIENT_HPP
#define BEDROCK_IMPL_CLIENT_HPP

#include <bedrock/client.hpp>
#include <bedrock/impl/bidirectional_stream.hpp>
#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/random.hpp>
#include <bedrock/detail/recycled_handler.hpp>
#include <bedrock/engine/intercept.hpp>
#include <bedrock/engine/run.hpp>
#include <bedrock/impl/event_stream.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/codec.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>


namespace bedrock {
namespace detail {

// One request/response operation: build the request, let the engine run its attempts, parse the
// 2xx answer. The attempts (rate limit, credentials, signing, transport, retries) are the engine's
// and the build and parse steps the codec's, both compiled once with the library: this template
// only strings them together for the caller's completion token.
template <class Operation>
class unary_op {
public:
    using input_type = typename Operation::input_type;
    using output_type = typename Operation::output_type;

    // The input is passed on by reference down to its place in the frame: a request is a large
    // struct, and each move of it on the way cost a hundred instructions.
    template <class Input>
    unary_op(std::shared_ptr<client_state> state, Input&& input, diagnostics* diag)
        : state_(std::move(state)), frame_(std::make_unique<frame>(std::forward<Input>(input), diag, state_->executor))
    {
    }

    template <class Self>
    void operator()(Self& self)
    {
        frame& f = *frame_;
        if (posted_) // back from the post of an error found before anything was sent
            return finish(self, f.early);
        if (state_->config_error)
            return fail_early(self, state_->config_error);
        if constexpr (requires { Operation::idempotency_token; }) {
            auto& token = f.input.*(Operation::idempotency_token);
            if (!token || token->empty())
                token = random_uuid(); // before the first attempt: a retry reuses it
        }
        if (auto e = engine::intercept_before_serialization(state_->cfg, f.call, erased_ref(f.input)))
            return fail_early(self, e);
        state_->take_request(f.call.base);
        if (auto e = protocol::codec<Operation>::build(f.input, state_->target.base_path, f.call.base, f.call.diag))
            return fail_early(self, e);
        if (auto e = engine::intercept_after_serialization(f.call))
            return fail_early(self, e);
        // Asked now, before the handler is erased: cheap for the usual handler, which runs on the
        // client's executor.
        f.call.handler_on_transport_executor =
            transport::same_executor(self.get_executor(), state_->transport->get_executor());
        auto client = state_; // (not state_ itself as an argument: moving `self` empties it)
        // Erased twice on its way (the engine, the transport): both copies from Asio's per-thread
        // recycling allocator, when the caller's handler brings no allocator of its own.
        engine::async_run(std::move(client), f.call, f.io, engine::exchange_kind::unary, recycled(std::move(self)));
    }

    // The engine is done: a 2xx answer in f.io.response, or the call's error.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        frame& f = *frame_;
        if (ec)
            return finish(self, ec);
        diagnostics& d = *f.call.diag;
        auto& res = *f.io.response;
        read_usage_headers(res, d);
        ec = protocol::codec<Operation>::parse(res, f.output, d);
        if (auto e = engine::end_attempt(f.call, ec, erased_ref(f.output))) // deserialized: the attempt's end
            ec = e;
        if (!ec)
            engine::attempt_machine(*state_, f.call).succeeded();
        finish(self, ec);
    }

private:
    struct frame {
        template <class Input>
        frame(Input&& in, diagnostics* d, const boost::asio::any_io_executor& ex)
            : input(std::forward<Input>(in)), call(Operation::name, d), io(ex)
        {
        }
        input_type input;
        engine::call_state call;
        engine::call_io io;
        output_type output{};
        boost::system::error_code early;
    };

    // Never complete inside the initiating function: a callback would run before the call returns.
    template <class Self>
    void fail_early(Self& self, boost::system::error_code ec)
    {
        frame_->early = ec;
        posted_ = true;
        // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
        boost::asio::post(self.get_io_executor(), std::move(self));
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec)
    {
        ec = engine::intercept_completion(frame_->call, ec, erased_ref(frame_->output));
        output_type out = ec ? output_type{} : std::move(frame_->output);
        // One request back for the one taken: the attempt's, which took `base` over (without
        // interceptors) or was copied from it; `base` when no attempt was signed.
        auto& built = frame_->call.request.headers.empty() ? frame_->call.base : frame_->call.request;
        state_->recycle(std::move(frame_->call.signature), std::move(built), frame_->io.response);
        frame_.reset(); // release buffers before the handler runs
        self.complete(ec, std::move(out));
    }

    std::shared_ptr<client_state> state_;
    std::unique_ptr<frame> frame_;
    bool posted_ = false;
};

template <class Operation, class Input, class Token>
auto start_unary(const std::shared_ptr<client_state>& state, Input&& input, diagnostics* diag, Token&& token)
{
    return boost::asio::async_compose<Token, void(boost::system::error_code, typename Operation::output_type)>(
        unary_op<Operation>(state, std::forward<Input>(input), diag), token, state->executor);
}

// Initiations take `diagnostics*` first, so that with_diagnostics_t can hand them one of its own.
template <class Operation>
struct unary_initiation {
    std::shared_ptr<client_state> state;

    // (`Input`: the input as the token passes it on, by reference, moved once into the operation.)
    template <class Handler, class Input>
    void operator()(Handler&& handler, diagnostics* diag, Input&& input) const
    {
        start_unary<Operation>(state, std::forward<Input>(input), diag, std::forward<Handler>(handler));
    }
};

template <class Operation>
struct stream_initiation {
    std::shared_ptr<client_state> state;

    template <class Handler>
    void operator()(Handler&& handler, diagnostics* diag, typename Operation::input_type input) const
    {
        auto s = std::make_shared<stream_state<Operation>>(state, std::move(input));
        boost::asio::async_compose<Handler, void(boost::system::error_code, event_stream<Operation>)>(
            stream_open_op<Operation>(std::move(s), diag), handler, state->executor);
    }
};

struct bidi_initiation {
    std::shared_ptr<client_state> state;

    template <class Handler>
    void operator()(Handler&& handler, diagnostics* diag, invoke_model_with_bidirectional_stream_request input) const
    {
        bidi_open(state, std::move(input), diag, std::forward<Handler>(handler));
    }
};

} // namespace detail

template <class Operation, class Token>
auto client::call(typename Operation::input_type request, diagnostics* diag, Token&& token)
{
    return boost::asio::async_initiate<Token, void(boost::system::error_code, typename Operation::output_type)>(
        detail::unary_initiation<Operation>{state_}, token, diag, std::move(request));
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
BEDROCK_CLIENT_UNARY(invoke_guardrail_checks)
BEDROCK_CLIENT_UNARY(count_tokens)
BEDROCK_CLIENT_UNARY(start_async_invoke)
BEDROCK_CLIENT_UNARY(get_async_invoke)
BEDROCK_CLIENT_UNARY(list_async_invokes)

#undef BEDROCK_CLIENT_UNARY

template <class Operation, class Token>
auto client::open_stream(typename Operation::input_type request, diagnostics* diag, Token&& token)
{
    return boost::asio::async_initiate<Token, void(boost::system::error_code, event_stream<Operation>)>(
        detail::stream_initiation<Operation>{state_}, token, diag, std::move(request));
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

template <class Token>
auto client::invoke_model_with_bidirectional_stream(invoke_model_with_bidirectional_stream_request request,
                                                    Token&& token)
{
    return boost::asio::async_initiate<Token, void(boost::system::error_code, bidirectional_stream)>(
        detail::bidi_initiation{state_}, token, static_cast<diagnostics*>(nullptr), std::move(request));
}

template <class Token>
auto client::invoke_model_with_bidirectional_stream(invoke_model_with_bidirectional_stream_request request,
                                                    diagnostics& diag, Token&& token)
{
    return boost::asio::async_initiate<Token, void(boost::system::error_code, bidirectional_stream)>(
        detail::bidi_initiation{state_}, token, &diag, std::move(request));
}

namespace detail {

// One page: the unary operation, then the bookkeeping of the token for the next page.
struct paginator_next_op {
    list_async_invokes_paginator* pages;
    std::shared_ptr<client_state> state;
    list_async_invokes_request request;
    diagnostics* diag;
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
            return start_unary<operations::list_async_invokes>(state, std::move(request), diag, std::move(self));
        case refused_busy:
            if (diag)
                diag->client_message = "a next() of this paginator is still pending";
            return self.complete(client_errc::stream_busy, page{});
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
    using signature = void(boost::system::error_code, std::optional<list_async_invokes_response>);
    auto initiation = [this](auto handler, diagnostics* diag) {
        boost::asio::async_compose<decltype(handler), signature>(
            detail::paginator_next_op{this, state_, request_, diag}, handler, state_->executor);
    };
    return boost::asio::async_initiate<Token, signature>(initiation, token, static_cast<diagnostics*>(nullptr));
}

} // namespace bedrock

#endif

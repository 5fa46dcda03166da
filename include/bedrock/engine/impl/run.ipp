#ifndef BEDROCK_ENGINE_IMPL_RUN_IPP
#define BEDROCK_ENGINE_IMPL_RUN_IPP

#include <bedrock/detail/client_state.hpp>
#include <bedrock/engine/run.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

namespace bedrock::engine {

BEDROCK_DECL call_io::call_io(const boost::asio::any_io_executor& ex) : timer(ex) {}
BEDROCK_DECL call_io::~call_io() = default;

namespace detail {

class run_op {
public:
    run_op(std::shared_ptr<bedrock::detail::client_state> client, call_state& call, call_io& io, exchange_kind kind,
           boost::system::error_code failure) noexcept
        : client_(std::move(client)), call_(&call), io_(&io), kind_(kind), failure_(failure)
    {
    }

    // Started.
    template <class Self>
    void operator()(Self& self)
    {
        if (step_ == step::posted)
            return self.complete(result_);
        attempt_machine m(*client_, *call_);
        perform(self, failure_ ? m.failed_after_answer(failure_) : m.start());
    }

    // A wait ended (rate limit, backoff), or a unary exchange completed.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec)
    {
        async_ = true;
        attempt_machine m(*client_, *call_);
        if (stopped(self))
            return perform(self, m.cancelled());
        switch (step_) {
        case step::pacing: return perform(self, m.paced());
        case step::backing_off: return perform(self, m.backed_off());
        case step::transmitting: {
            if (ec)
                return perform(self, m.transport_failed(ec));
            const auto& res = *io_->response;
            if (res.result_int() / 100 == 2) {
                m.answered(res);
                return perform(self, m.intercept_answer(res, res.body()));
            }
            return perform(self, m.error_answer(res, res.body()));
        }
        default: return perform(self, m.transport_failed(ec ? ec : boost::asio::error::fault));
        }
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, auth::credentials creds)
    {
        async_ = true;
        attempt_machine m(*client_, *call_);
        if (stopped(self))
            return perform(self, m.cancelled());
        perform(self, m.credentials_ready(ec, creds));
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::unique_ptr<transport::response_body> body)
    {
        async_ = true;
        io_->body = std::move(body);
        on_head(self, ec, io_->body.get());
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::unique_ptr<transport::duplex_body> body)
    {
        async_ = true;
        io_->duplex = std::move(body);
        on_head(self, ec, io_->duplex.get());
    }

    // A piece of a non-2xx answer's body.
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec, std::size_t n)
    {
        async_ = true;
        attempt_machine m(*client_, *call_);
        auto& text = io_->error_body;
        text.resize(text.size() - chunk + n); // the read's unused tail
        if (stopped(self)) {
            close_answer();
            return perform(self, m.cancelled());
        }
        if (!ec && text.size() < call_io::max_error_body)
            return read_error_body(self);
        if (ec && ec != http::error::end_of_stream) {
            close_answer();
            return perform(self, m.transport_failed(ec));
        }
        // The whole body (or as much as is worth reading): the connection is not reused after a
        // cut-short read, since close() abandons what is left.
        auto* answer = open_answer();
        const auto a = m.error_answer(answer->head(), text);
        close_answer();
        return perform(self, a);
    }

private:
    enum class step { start, pacing, credentials, transmitting, error_body, backing_off, posted };
    static constexpr std::size_t chunk = 4096;

    template <class Self>
    bool stopped(Self& self) const
    {
        return io_->closed || self.get_cancellation_state().cancelled() != boost::asio::cancellation_type::none;
    }

    transport::response_body* open_answer() const noexcept
    {
        return kind_ == exchange_kind::duplex ? static_cast<transport::response_body*>(io_->duplex.get())
                                              : io_->body.get();
    }

    void close_answer() noexcept
    {
        if (io_->body)
            io_->body->close();
        io_->body.reset();
        if (io_->duplex)
            io_->duplex->close();
        io_->duplex.reset();
    }

    template <class Self>
    void on_head(Self& self, boost::system::error_code ec, transport::response_body* answer)
    {
        attempt_machine m(*client_, *call_);
        if (stopped(self)) {
            close_answer();
            return perform(self, m.cancelled());
        }
        if (ec) {
            close_answer();
            return perform(self, m.transport_failed(ec));
        }
        if (answer->head().result_int() / 100 == 2) {
            m.answered(answer->head());
            return perform(self, m.intercept_answer(answer->head(), {})); // (a stream's body is read later)
        }
        io_->error_body.clear();
        step_ = step::error_body;
        read_error_body(self);
    }

    template <class Self>
    void read_error_body(Self& self)
    {
        auto& text = io_->error_body;
        const std::size_t used = text.size();
        text.resize(used + chunk);
        open_answer()->async_read_some(boost::asio::buffer(text.data() + used, chunk), std::move(self));
    }

    template <class Self>
    void perform(Self& self, const action& a)
    {
        switch (a.kind) {
        case action::pace:
        case action::backoff:
            step_ = a.kind == action::pace ? step::pacing : step::backing_off;
            io_->timer.expires_after(a.delay);
            return io_->timer.async_wait(std::move(self));
        case action::credentials:
            step_ = step::credentials;
            return client_->credentials->async_get(std::move(self)); // (its object is evaluated first)
        case action::transmit: {
            step_ = step::transmitting;
            // Everything the call needs is read before `self` (and with it client_) is moved.
            auto& wire = kind_ == exchange_kind::duplex ? *client_->duplex_transport : *client_->transport;
            const auto& limits = client_->limits;
            switch (kind_) {
            case exchange_kind::unary:
                if (!io_->response)
                    io_->response = client_->take_response();
                // A recycled answer, or a retry's last one: its head goes, its body's capacity stays.
                io_->response->base() = {};
                io_->response->body().clear();
                if (call_->handler_on_transport_executor)
                    return wire.async_exchange_on_transport_executor(call_->request, *io_->response, limits,
                                                                     std::move(self));
                return wire.async_exchange(call_->request, *io_->response, limits, std::move(self));
            case exchange_kind::open: return wire.async_open(call_->request, limits, std::move(self));
            case exchange_kind::duplex: return wire.async_open_duplex(call_->request, limits, std::move(self));
            }
            return;
        }
        case action::done:
            if (a.ec)
                close_answer();
            result_ = a.ec;
            if (!async_) { // nothing asynchronous happened yet: never complete inside the initiation
                step_ = step::posted;
                async_ = true;
                // To the I/O executor: Boost 1.81 cannot post to an any_completion_executor.
                return boost::asio::post(self.get_io_executor(), std::move(self));
            }
            return self.complete(a.ec);
        }
    }

    std::shared_ptr<bedrock::detail::client_state> client_;
    call_state* call_;
    call_io* io_;
    exchange_kind kind_;
    boost::system::error_code failure_;
    boost::system::error_code result_;
    step step_ = step::start;
    bool async_ = false;
};

} // namespace detail

BEDROCK_DECL void async_run(std::shared_ptr<bedrock::detail::client_state> client, call_state& call, call_io& io,
                            exchange_kind kind, transport::handler<void(boost::system::error_code)> h)
{
    auto ex = client->executor;
    boost::asio::async_compose<transport::handler<void(boost::system::error_code)>, void(boost::system::error_code)>(
        detail::run_op(std::move(client), call, io, kind, {}), h, ex);
}

BEDROCK_DECL void async_rerun(std::shared_ptr<bedrock::detail::client_state> client, call_state& call, call_io& io,
                              exchange_kind kind, boost::system::error_code failure,
                              transport::handler<void(boost::system::error_code)> h)
{
    auto ex = client->executor;
    boost::asio::async_compose<transport::handler<void(boost::system::error_code)>, void(boost::system::error_code)>(
        detail::run_op(std::move(client), call, io, kind, failure), h, ex);
}

} // namespace bedrock::engine

#endif

#ifndef BEDROCK_TESTING_IMPL_EMULATOR_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_IPP

#include <bedrock/testing/emulator.hpp>

#include <bedrock/testing/detail/emulator_core.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/awaitable.hpp>

namespace bedrock::testing {
namespace detail {

/// Plays an answer out on the connection.
inline boost::asio::awaitable<void> play_reply(emulator_reply r, response_writer& w)
{
    if (r.split_writes > 0)
        w.split_writes(r.split_writes);
    if (r.delay.count() > 0)
        co_await w.sleep(r.delay);
    const bool streamed = !r.pieces.empty();
    // A head announcing the whole body (unless streamed: chunked), for the cut-off deliveries.
    const auto head = [&] {
        response_head h = r.res.base();
        if (!streamed)
            h.set(boost::beast::http::field::content_length, std::to_string(r.res.body().size()));
        return h;
    };
    switch (r.how) {
    case delivery::respond:
        co_await w.respond(std::move(r.res));
        break;
    case delivery::stream:
        co_await w.write_head(r.res.base());
        for (const auto& piece : r.pieces) {
            if (piece.pause.count() > 0)
                co_await w.sleep(piece.pause);
            co_await w.write_body(piece.bytes);
        }
        co_await w.finish();
        break;
    case delivery::stall:
        co_await w.stall();
        break;
    case delivery::stall_body:
        co_await w.write_head(head());
        if (streamed)
            co_await w.write_body(r.pieces.front().bytes);
        co_await w.stall();
        break;
    case delivery::stall_head: {
        response_head h = r.res.base();
        h.set(boost::beast::http::field::transfer_encoding, "chunked");
        co_await w.write_head(h);
        co_await w.stall();
        break;
    }
    case delivery::reset:
        w.reset();
        break;
    case delivery::reset_body:
        co_await w.write_head(head());
        if (streamed) {
            co_await w.write_body(r.pieces.front().bytes);
            if (r.pieces.size() > 1) // half a frame: the client sees a truncated event, then the reset
                co_await w.write_body(std::string_view(r.pieces[1].bytes).substr(0, r.pieces[1].bytes.size() / 2));
        } else {
            co_await w.write_body(std::string_view(r.res.body()).substr(0, r.res.body().size() / 2));
        }
        w.reset();
        break;
    }
}

inline boost::asio::awaitable<void> serve_request(std::shared_ptr<emulator_core> core, const request& req,
                                                  response_writer& w)
{
    co_await play_reply(core->handle(req), w);
}

} // namespace detail

BEDROCK_DECL std::string_view recorded_request::header(std::string_view name) const noexcept
{
    const auto iequals = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size())
            return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
            if (lower(a[i]) != lower(b[i]))
                return false;
        }
        return true;
    };
    for (const auto& [n, v] : headers)
        if (iequals(n, name))
            return v;
    return {};
}

BEDROCK_DECL emulator::emulator(emulator_options options) : emulator(boost::asio::any_io_executor{}, std::move(options))
{
}

BEDROCK_DECL emulator::emulator(boost::asio::any_io_executor ex, emulator_options options)
    : options_(std::move(options)), executor_(std::move(ex))
{
    certificate_authority ca("bedrock-asio emulator CA");
    ca_pem_ = ca.certificate_pem();
    certificate_ = ca.issue(loopback_names());
    core_ = std::make_shared<detail::emulator_core>(options_);
}

BEDROCK_DECL emulator::~emulator() { stop(); }

BEDROCK_DECL void emulator::start()
{
    if (server_)
        return;
    server_options so;
    so.tls = true;
    so.server_certificate = certificate_;
    so.port = options_.port;
    request_handler handler = [core = core_](const request& req, response_writer& w) {
        return detail::serve_request(core, req, w);
    };
    if (executor_)
        server_ = std::make_unique<https_server>(executor_, std::move(handler), std::move(so));
    else
        server_ = std::make_unique<https_server>(std::move(handler), std::move(so));
}

BEDROCK_DECL void emulator::stop()
{
    // Destroying the server stops it; with its own thread, that waits for the thread to finish.
    server_.reset();
}

BEDROCK_DECL std::string emulator::endpoint_url() const { return server_ ? server_->url() : std::string(); }

BEDROCK_DECL unsigned short emulator::port() const noexcept { return server_ ? server_->port() : 0; }

BEDROCK_DECL const std::string& emulator::ca_pem() const noexcept { return ca_pem_; }

BEDROCK_DECL bedrock::config emulator::client_config() const
{
    bedrock::config cfg;
    cfg.region = options_.region;
    cfg.endpoint_url = endpoint_url();
    cfg.ca_pem = ca_pem_;
    if (!options_.credentials.empty())
        cfg.credentials = options_.credentials.front();
    else if (!options_.bearer_tokens.empty())
        cfg.bearer_token = options_.bearer_tokens.front();
    return cfg;
}

BEDROCK_DECL std::vector<recorded_request> emulator::requests() const { return core_->requests(); }

BEDROCK_DECL std::size_t emulator::operation_attempts(std::string_view operation) const
{
    return core_->operation_attempts(operation);
}

BEDROCK_DECL std::size_t emulator::model_attempts(std::string_view model_id) const
{
    return core_->model_attempts(model_id);
}

BEDROCK_DECL std::size_t emulator::async_jobs() const { return core_->async_jobs(); }

BEDROCK_DECL void emulator::reset_state() { core_->reset_state(); }
BEDROCK_DECL void emulator::add_recording(std::string model_id, recorded_answer answer)
{
    core_->add_recording(std::move(model_id), std::move(answer));
}

} // namespace bedrock::testing

#endif

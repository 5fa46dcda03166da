#ifndef BEDROCK_TESTING_IMPL_EMULATOR_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_IPP

#include <bedrock/testing/emulator.hpp>

#include <bedrock/testing/detail/emulator_core.hpp>
#include <bedrock/testing/https_server.hpp>
#include <bedrock/testing/impl/emulator/bidirectional.ipp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <charconv>

namespace bedrock::testing {
namespace detail {

/// What length-short sends after the answer it announced: a whole second response, so that a client
/// reusing the connection would take it for the answer to its next request.
inline constexpr std::string_view bogus_response =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

/// The bidirectional stream: the head, then each piece of input answered as it arrives.
inline boost::asio::awaitable<void> play_duplex(const response_head& head, const duplex_plan& plan, response_writer& w)
{
    co_await w.write_head(head);
    if (plan.what == duplex_plan::script::stop_reading) {
        co_await w.stall(); // the client's window runs out; it resets the stream, or the server stops
        co_return;
    }
    emu::bidi_exchange exchange(plan);
    for (const auto& frame : exchange.opening())
        co_await w.write_body(frame);
    for (;;) {
        const std::string bytes = co_await w.read_body_some();
        auto step = bytes.empty() ? exchange.end_of_input() : exchange.feed(bytes);
        for (const auto& frame : step.frames)
            co_await w.write_body(frame);
        if (step.then == emu::bidi_exchange::step::finish) {
            co_await w.finish();
            co_return;
        }
        if (step.then == emu::bidi_exchange::step::reset) {
            w.reset();
            co_return;
        }
    }
}

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
    // The answer's body whole (a stream's pieces joined), for the deliveries that frame it themselves.
    const auto whole_body = [&](std::size_t from_piece) {
        if (!streamed)
            return r.res.body();
        std::string all;
        for (std::size_t i = from_piece; i < r.pieces.size(); ++i)
            all += r.pieces[i].bytes;
        return all;
    };
    switch (r.how) {
    case delivery::duplex:
        co_await play_duplex(r.res.base(), *r.duplex, w);
        break;
    case delivery::respond:
        co_await w.respond(std::move(r.res));
        break;
    case delivery::stream:
        if (r.pieces_together)
            w.cork(true);
        co_await w.write_head(r.res.base());
        for (const auto& piece : r.pieces) {
            if (piece.pause.count() > 0)
                co_await w.sleep(piece.pause);
            co_await w.write_body(piece.bytes);
        }
        co_await w.finish();
        if (r.pieces_together)
            w.cork(false);
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
    case delivery::chunk_truncated:
    case delivery::chunk_malformed: {
        response_head h = r.res.base();
        h.erase(boost::beast::http::field::content_length);
        h.set(boost::beast::http::field::transfer_encoding, "chunked");
        co_await w.write_head(h);
        if (streamed) // a proper first chunk: the client gets the first event before the lie
            co_await w.write_body(r.pieces.front().bytes);
        const std::string rest = whole_body(1);
        std::string lie;
        if (r.how == delivery::chunk_truncated) { // announces 64 bytes more than follow
            char digits[24];
            const auto end = std::to_chars(digits, digits + sizeof digits, rest.size() + 64, 16).ptr;
            lie.assign(digits, end);
        } else {
            lie = "zz"; // not hexadecimal
        }
        lie.append("\r\n").append(rest);
        co_await w.write_raw(lie);
        co_await w.close_connection();
        break;
    }
    case delivery::length_short:
    case delivery::length_long: {
        response res = r.res;
        res.body() = whole_body(0);
        const std::size_t size = res.body().size();
        if (r.how == delivery::length_short) {
            // The bogus bytes in a TLS record of their own, in the same TCP segment as the answer:
            // the client's read takes both records, and its TLS layer keeps the second one, out of
            // sight of its read buffer.
            res.content_length(size);
            w.cork(true);
            co_await w.respond(std::move(res));
            co_await w.write_raw(bogus_response);
            w.cork(false);
        } else {
            res.content_length(size + 64);
            co_await w.respond(std::move(res));
            co_await w.close_connection();
        }
        break;
    }
    case delivery::truncated:
        co_await w.write_head_until_close(r.res.base());
        if (streamed) { // whole frames: the first half of the events
            const std::size_t n = std::max<std::size_t>(1, r.pieces.size() / 2);
            for (std::size_t i = 0; i < n; ++i)
                co_await w.write_body(r.pieces[i].bytes);
        } else {
            co_await w.write_body(std::string_view(r.res.body()).substr(0, r.res.body().size() / 2));
        }
        w.truncate();
        break;
    }
}

inline boost::asio::awaitable<void> serve_request(std::shared_ptr<emulator_core> core, const request& req,
                                                  response_writer& w)
{
    emulator_reply reply = core->handle(req);
    const bool streamed = reply.how == delivery::stream || reply.how == delivery::duplex;
    try {
        co_await play_reply(std::move(reply), w);
    } catch (const boost::system::system_error&) {
        // A write or a pause failed: the client reset the stream or closed the connection before
        // the end of the answer, unless it is the emulator that is stopping.
        if (streamed && !core->stopping())
            core->note_stream_abandoned();
        throw;
    }
}

} // namespace detail

BEDROCK_DECL std::string_view recorded_request::header(std::string_view name) const noexcept
{
    for (const auto& [n, v] : headers)
        if (::bedrock::detail::iequals(n, name))
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
    core_->set_stopping(false);
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
    if (server_)
        core_->set_stopping(true);
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
    // So that a test suite can run over either transport (the project's own runs twice).
    if (auto v = process_environment()("BEDROCK_HTTP_VERSION"))
        if (auto version = parse_http_version(*v))
            cfg.http_version = *version;
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

BEDROCK_DECL std::size_t emulator::streams_abandoned_by_client() const
{
    return core_->streams_abandoned_by_client();
}

BEDROCK_DECL void emulator::reset_state() { core_->reset_state(); }
BEDROCK_DECL void emulator::add_recording(std::string model_id, recorded_answer answer)
{
    core_->add_recording(std::move(model_id), std::move(answer));
}

} // namespace bedrock::testing

#endif

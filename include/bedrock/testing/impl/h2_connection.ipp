#ifndef BEDROCK_TESTING_IMPL_H2_CONNECTION_IPP
#define BEDROCK_TESTING_IMPL_H2_CONNECTION_IPP

// The test server's HTTP/2 side: one nghttp2 server session per connection, driven sans-I/O. One read
// loop feeds the socket's bytes to nghttp2_session_mem_recv; one write loop drains
// nghttp2_session_mem_send to the socket; both run on the server's strand, as does every stream's
// handler, so nghttp2 is only ever touched from one place at a time. Each request stream is handed
// to the request_handler as it completes (a streamed body: as soon as its headers are in).
//
// Included by https_server.ipp once server_session is complete; not a header of its own.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock::testing::detail {

/// One request stream of an HTTP/2 connection: the request as it arrives, and the answer's bytes on
/// their way to nghttp2. `signal` is a condition variable (a timer that never expires, cancelled to
/// wake the stream's handler), so a handler waits for window, bytes or the stream's end without a
/// channel.
struct h2_stream {
    explicit h2_stream(asio::any_io_executor ex) : signal(ex), sleep_timer(ex) {}

    h2_connection* connection = nullptr;
    std::int32_t id = 0;
    request req;
    bool streaming = false;    // the body goes to the handler through read_body_some
    bool dispatched = false;   // handed to the handler
    bool remote_ended = false; // END_STREAM received
    bool closed = false;       // nghttp2 has closed it (a reset, or both sides ended)
    bool handler_done = false;
    bool body_too_large = false;
    // The answer: bytes not yet taken by nghttp2's data provider, and whether END_STREAM follows them.
    std::string outgoing;
    bool submitted = false;
    bool end_requested = false;
    // A streamed body: bytes received and not yet read by the handler (their window not yet reopened).
    std::string inbox;

    asio::steady_timer signal;
    asio::steady_timer sleep_timer;

    void wake()
    {
        signal.cancel();
    }
};

inline bool is_streamed_body(const request& req)
{
    namespace bhttp = boost::beast::http;
    // The bidirectional stream's body is open-ended: it must reach the handler as it arrives.
    if (const auto it = req.find("x-amz-content-sha256"); it != req.end() && it->value() == "STREAMING-AWS4-HMAC-SHA256-EVENTS")
        return true;
    const auto ct = req.find(bhttp::field::content_type);
    return ct != req.end() && ct->value().starts_with("application/vnd.amazon.eventstream");
}

inline std::string lowercase(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

class h2_connection : public std::enable_shared_from_this<h2_connection> {
public:
    explicit h2_connection(std::shared_ptr<server_session> session)
        : session_(std::move(session)), wake_writer_(session_->socket_.get_executor())
    {
    }

    ~h2_connection()
    {
        if (session_->h2_ == this)
            session_->h2_ = nullptr;
        if (ng_)
            nghttp2_session_del(ng_);
    }

    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;

    /// Serves the connection until it ends: the client goes, the server stops, or a GOAWAY is flushed.
    static asio::awaitable<void> serve(std::shared_ptr<server_session> session)
    {
        auto self = std::make_shared<h2_connection>(session);
        if (!self->start())
            co_return;
        session->h2_ = self.get();
        asio::co_spawn(self->executor(), write_loop(self), asio::detached);
        co_await read_loop(self);
        self->shut_down();
    }

    // --- for response_writer ---

    asio::awaitable<void> wait(h2_stream& s)
    {
        s.signal.expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ignored;
        co_await s.signal.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }

    void check_open(const h2_stream& s) const
    {
        if (dead_ || s.closed)
            throw boost::system::system_error(asio::error::connection_reset);
    }

    /// HEADERS; with_body: a data provider follows (deferred until bytes or END_STREAM are given).
    void submit_head(h2_stream& s, const response_head& head, bool with_body)
    {
        check_open(s);
        std::vector<std::string> storage;
        storage.reserve(2 * static_cast<std::size_t>(std::distance(head.begin(), head.end())) + 1);
        storage.push_back(std::to_string(head.result_int()));
        std::vector<nghttp2_nv> nva;
        nva.push_back(make_nv(":status", storage.back()));
        for (const auto& field : head) {
            std::string name = lowercase(field.name_string());
            // Connection-specific fields are forbidden in HTTP/2 (RFC 9113 8.2.2).
            if (name == "connection" || name == "transfer-encoding" || name == "keep-alive" ||
                name == "proxy-connection" || name == "upgrade")
                continue;
            storage.push_back(std::move(name));
            const std::string& n = storage.back();
            storage.emplace_back(field.value());
            nva.push_back(make_nv(n, storage.back()));
        }
        nghttp2_data_provider provider{};
        provider.source.ptr = &s;
        provider.read_callback = &h2_connection::read_data;
        const int rv = nghttp2_submit_response(ng_, s.id, nva.data(), nva.size(), with_body ? &provider : nullptr);
        if (rv != 0)
            throw boost::system::system_error(asio::error::connection_reset);
        s.submitted = with_body;
        s.end_requested = !with_body;
        signal_writer();
    }

    /// Hands `bytes` to the stream's data provider and waits until nghttp2 has taken them all, which
    /// waits for the client's window: at most one piece is held per stream.
    asio::awaitable<void> send_data(h2_stream& s, std::string_view bytes)
    {
        while (!s.outgoing.empty()) {
            check_open(s);
            co_await wait(s);
        }
        check_open(s);
        if (bytes.empty())
            co_return;
        s.outgoing.assign(bytes);
        nghttp2_session_resume_data(ng_, s.id); // fails harmlessly when the provider was not deferred
        signal_writer();
        while (!s.outgoing.empty()) {
            check_open(s);
            co_await wait(s);
        }
    }

    void end_stream(h2_stream& s)
    {
        if (dead_ || s.closed || s.end_requested)
            return;
        s.end_requested = true;
        nghttp2_session_resume_data(ng_, s.id);
        signal_writer();
    }

    asio::awaitable<std::string> read_some(h2_stream& s)
    {
        for (;;) {
            if (!s.inbox.empty()) {
                std::string out = std::move(s.inbox);
                s.inbox.clear();
                // The handler has taken these bytes: only now may the client send as many more.
                nghttp2_session_consume_stream(ng_, s.id, out.size());
                signal_writer();
                co_return out;
            }
            if (s.remote_ended)
                co_return std::string();
            check_open(s);
            co_await wait(s);
        }
    }

    void reset_stream(h2_stream& s)
    {
        if (dead_ || s.closed)
            return;
        nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, s.id, NGHTTP2_INTERNAL_ERROR);
        signal_writer();
    }

    /// GOAWAY (NO_ERROR, the last stream id processed); the connection closes once it is flushed.
    void go_away()
    {
        if (dead_)
            return;
        // Not nghttp2_session_terminate_session: that one sends the GOAWAY before, and instead of,
        // frames already queued (an answer's last DATA and its END_STREAM). This GOAWAY goes out
        // after them; the connection closes once everything is flushed.
        nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_),
                              NGHTTP2_NO_ERROR, nullptr, 0);
        close_after_flush_ = true;
        signal_writer();
    }

    asio::awaitable<void> sleep(h2_stream& s, std::chrono::milliseconds d)
    {
        check_open(s);
        s.sleep_timer.expires_after(d);
        co_await s.sleep_timer.async_wait(asio::use_awaitable);
    }

    /// Waits until the client resets the stream or the connection ends.
    asio::awaitable<void> stall(h2_stream& s)
    {
        while (!dead_ && !s.closed)
            co_await wait(s);
    }

    void split_writes(std::size_t max_piece, std::uint32_t seed)
    {
        max_piece_ = max_piece;
        rng_.seed(seed);
    }

    /// The connection is gone (or the server stops): every waiting handler wakes and fails.
    void shut_down()
    {
        dead_ = true;
        wake_writer_.cancel();
        for (auto& [id, s] : streams_) {
            s->wake();
            s->sleep_timer.cancel();
        }
    }

private:
    asio::any_io_executor executor() { return session_->socket_.get_executor(); }

    static nghttp2_nv make_nv(std::string_view name, std::string_view value)
    {
        return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                          NGHTTP2_NV_FLAG_NONE};
    }

    void signal_writer() { wake_writer_.cancel(); }

    bool start()
    {
        nghttp2_session_callbacks* cbs = nullptr;
        if (nghttp2_session_callbacks_new(&cbs) != 0)
            return false;
        nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &h2_connection::on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cbs, &h2_connection::on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &h2_connection::on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &h2_connection::on_data_chunk_recv);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &h2_connection::on_stream_close);
        nghttp2_option* opt = nullptr;
        nghttp2_option_new(&opt);
        // Windows reopen as bodies are taken (see on_data_chunk_recv), so that a streamed body's
        // handler that stops reading stops its client.
        nghttp2_option_set_no_auto_window_update(opt, 1);
        const int rv = nghttp2_session_server_new2(&ng_, cbs, this, opt);
        nghttp2_option_del(opt);
        nghttp2_session_callbacks_del(cbs);
        if (rv != 0) {
            ng_ = nullptr;
            return false;
        }
        const auto& o = session_->server_->options();
        const nghttp2_settings_entry settings[] = {
            {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.h2_max_concurrent_streams},
            {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, o.h2_initial_window_size},
        };
        return nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, 2) == 0;
    }

    static asio::awaitable<void> read_loop(std::shared_ptr<h2_connection> self)
    {
        std::array<std::uint8_t, 16 * 1024> buffer;
        server_session& session = *self->session_;
        while (!self->dead_ && !session.dead_) {
            boost::system::error_code ec;
            const std::size_t n = co_await session.tls_->async_read_some(
                asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
            if (ec || self->dead_)
                break;
            const auto rv = nghttp2_session_mem_recv(self->ng_, buffer.data(), n);
            if (rv < 0) // not HTTP/2 at all, or a flood: nothing sensible to answer
                break;
            for (const auto& [id, bytes] : self->consumed_) {
                nghttp2_session_consume_connection(self->ng_, bytes);
                if (id != 0)
                    nghttp2_session_consume_stream(self->ng_, id, bytes);
            }
            self->consumed_.clear();
            self->signal_writer();
            if (!nghttp2_session_want_read(self->ng_) && !nghttp2_session_want_write(self->ng_))
                break;
        }
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<h2_connection> self)
    {
        std::string out;
        try {
            while (!self->dead_) {
                out.clear();
                for (;;) {
                    const std::uint8_t* data = nullptr;
                    const auto n = nghttp2_session_mem_send(self->ng_, &data);
                    if (n < 0)
                        throw boost::system::system_error(asio::error::fault);
                    if (n == 0)
                        break;
                    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
                    if (out.size() >= 64 * 1024)
                        break;
                }
                if (!out.empty()) {
                    co_await self->write(out);
                    continue;
                }
                if (self->close_after_flush_ ||
                    (!nghttp2_session_want_read(self->ng_) && !nghttp2_session_want_write(self->ng_))) {
                    co_await self->session_->close_cleanly();
                    break;
                }
                self->wake_writer_.expires_at(asio::steady_timer::time_point::max());
                boost::system::error_code ignored;
                co_await self->wake_writer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            }
        } catch (const std::exception&) {
            // The socket failed: the read loop sees it too and ends the connection.
        }
        boost::system::error_code ignored;
        self->session_->socket_.close(ignored);
        self->shut_down();
    }

    asio::awaitable<void> write(std::string_view bytes)
    {
        if (max_piece_ == 0) {
            co_await session_->write(bytes);
            co_return;
        }
        while (!bytes.empty()) {
            const std::size_t n = std::min<std::size_t>(bytes.size(), 1 + rng_() % max_piece_);
            co_await session_->write(bytes.substr(0, n));
            bytes.remove_prefix(n);
        }
    }

    static h2_stream* stream_of(nghttp2_session* ng, std::int32_t id)
    {
        return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(ng, id));
    }

    static int on_begin_headers(nghttp2_session* ng, const nghttp2_frame* frame, void* user)
    {
        auto* self = static_cast<h2_connection*>(user);
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
            return 0;
        auto s = std::make_shared<h2_stream>(self->executor());
        s->connection = self;
        s->id = frame->hd.stream_id;
        s->req.version(20);
        nghttp2_session_set_stream_user_data(ng, s->id, s.get());
        self->streams_[s->id] = std::move(s);
        return 0;
    }

    static int on_header(nghttp2_session* ng, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                         const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void*)
    {
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
            return 0; // trailers carry nothing the handlers use
        h2_stream* s = stream_of(ng, frame->hd.stream_id);
        if (!s)
            return 0;
        const std::string_view n(reinterpret_cast<const char*>(name), namelen);
        const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
        if (n == ":method")
            s->req.method_string(v);
        else if (n == ":path")
            s->req.target(v);
        else if (n == ":authority")
            s->req.set(boost::beast::http::field::host, v);
        else if (!n.starts_with(':'))
            s->req.insert(n, v);
        return 0;
    }

    static int on_frame_recv(nghttp2_session* ng, const nghttp2_frame* frame, void* user)
    {
        auto* self = static_cast<h2_connection*>(user);
        if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
            return 0;
        h2_stream* s = stream_of(ng, frame->hd.stream_id);
        if (!s || s->body_too_large)
            return 0;
        const bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
            s->remote_ended = end;
            s->streaming = !end && is_streamed_body(s->req);
            if (end || s->streaming)
                self->dispatch(*s);
            return 0;
        }
        if (end) {
            s->remote_ended = true;
            if (s->dispatched)
                s->wake();
            else
                self->dispatch(*s);
        }
        return 0;
    }

    static int on_data_chunk_recv(nghttp2_session* ng, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                                  std::size_t len, void* user)
    {
        auto* self = static_cast<h2_connection*>(user);
        h2_stream* s = stream_of(ng, id);
        // The connection's window always reopens at once: one stream's reader never stalls the others.
        if (s && s->streaming && !s->handler_done) {
            s->inbox.append(reinterpret_cast<const char*>(data), len);
            s->wake();
            self->consumed_.emplace_back(0, len);
            return 0;
        }
        self->consumed_.emplace_back(id, len);
        if (!s || s->streaming || s->body_too_large)
            return 0; // nobody reads it: dropped
        if (s->req.body().size() + len > self->session_->server_->options().max_request_body) {
            s->body_too_large = true;
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
            return 0;
        }
        s->req.body().append(reinterpret_cast<const char*>(data), len);
        return 0;
    }

    static int on_stream_close(nghttp2_session* ng, std::int32_t id, std::uint32_t, void* user)
    {
        auto* self = static_cast<h2_connection*>(user);
        if (h2_stream* s = stream_of(ng, id)) {
            s->closed = true;
            s->wake();
            s->sleep_timer.cancel();
            nghttp2_session_set_stream_user_data(ng, id, nullptr);
        }
        self->streams_.erase(id); // a running handler keeps its own reference
        return 0;
    }

    static ssize_t read_data(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source* source, void*)
    {
        auto* s = static_cast<h2_stream*>(source->ptr);
        const std::size_t n = std::min(length, s->outgoing.size());
        if (n > 0) {
            std::memcpy(buf, s->outgoing.data(), n);
            s->outgoing.erase(0, n);
            if (s->outgoing.empty())
                s->wake(); // send_data's bytes are all taken
        }
        if (s->outgoing.empty() && s->end_requested)
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        else if (n == 0)
            return NGHTTP2_ERR_DEFERRED;
        return static_cast<ssize_t>(n);
    }

    void dispatch(h2_stream& s)
    {
        if (s.dispatched || dead_)
            return;
        s.dispatched = true;
        const auto it = streams_.find(s.id);
        if (it == streams_.end())
            return;
        ++session_->server_->served;
        asio::co_spawn(executor(), handle(shared_from_this(), it->second, ++requests_), asio::detached);
    }

    static asio::awaitable<void> handle(std::shared_ptr<h2_connection> self, std::shared_ptr<h2_stream> s,
                                        std::size_t index)
    {
        response_writer w(*self->session_, index, self->session_->index_, s.get());
        bool failed = false;
        try {
            if (auto handler = self->session_->server_->handler())
                co_await handler(s->req, w);
            if (!w.reset_ && !self->dead_ && !s->closed) {
                if (!w.head_written_) {
                    response res(boost::beast::http::status::internal_server_error, 11);
                    res.body() = "the test handler wrote no response";
                    co_await w.respond(std::move(res));
                } else if (!w.finished_) {
                    co_await w.finish();
                }
            }
        } catch (const std::exception&) {
            failed = true; // a handler's failure ends its stream, not the connection
        }
        if (failed)
            self->reset_stream(*s);
        s->handler_done = true;
        if (!s->inbox.empty() && !self->dead_ && !s->closed) {
            // Nobody will read the rest of a streamed body: reopen its window so the client can finish.
            nghttp2_session_consume_stream(self->ng_, s->id, s->inbox.size());
            s->inbox.clear();
        }
        self->signal_writer();
    }

    std::shared_ptr<server_session> session_;
    nghttp2_session* ng_ = nullptr;
    asio::steady_timer wake_writer_; // the write loop's condition variable
    std::map<std::int32_t, std::shared_ptr<h2_stream>> streams_;
    std::vector<std::pair<std::int32_t, std::size_t>> consumed_; // id 0: the connection's window only
    std::size_t requests_ = 0;
    std::size_t max_piece_ = 0;
    std::minstd_rand rng_;
    bool dead_ = false;
    bool close_after_flush_ = false;
};

/// ALPN, server side: h2 when offered (and allowed), else http/1.1, else no protocol at all.
inline int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                       unsigned int inlen, void* allow_h2)
{
    const auto offered = [&](std::string_view proto) -> const unsigned char* {
        for (unsigned int i = 0; i < inlen;) {
            const unsigned len = in[i];
            if (i + 1 + len > inlen)
                break;
            if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == proto)
                return in + i + 1;
            i += 1 + len;
        }
        return nullptr;
    };
    if (*static_cast<const bool*>(allow_h2)) {
        if (const unsigned char* p = offered("h2")) {
            *out = p;
            *outlen = 2;
            return SSL_TLSEXT_ERR_OK;
        }
    }
    if (const unsigned char* p = offered("http/1.1")) {
        *out = p;
        *outlen = 8;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

inline bool negotiated_h2(SSL* ssl)
{
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    return len == 2 && std::memcmp(proto, "h2", 2) == 0;
}

} // namespace bedrock::testing::detail

#endif

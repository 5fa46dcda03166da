#ifndef BEDROCK_TRANSPORT_IMPL_HTTP2_IPP
#define BEDROCK_TRANSPORT_IMPL_HTTP2_IPP

// The HTTP/2 transport. Three objects:
//  - h2_pool: what the transport's handles share (executor, endpoint, options, connections); the
//    transport object, its connections and its open bodies each hold it, so a body may outlive the
//    transport (its operations then fail with pool_closed);
//  - h2_connection: one TCP (+TLS) connection and its nghttp2 session, with one read loop and one
//    write loop. nghttp2 never touches the socket: received bytes go in with mem_recv, bytes to send
//    come out of mem_send;
//  - h2_stream: one request and its answer, with the handlers waiting on it. nghttp2's callbacks
//    only change state and post completions, so no user code runs inside nghttp2.
// Everything runs on the pool's executor (the client's, or its strand).

#include <bedrock/error.hpp>
#include <bedrock/http/detail/pool.hpp>
#include <bedrock/http/impl/connect_op.hpp>
#include <bedrock/transport/http2.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace bedrock::transport::detail {

using h2_clock = std::chrono::steady_clock;
using boost::system::error_code;

class h2_connection;
struct h2_pool;

enum class h2_kind { unary, open, duplex };

/// Completes an optional handler (if set) through a post, on its own executor (the pool's when it
/// has none). Its cancellation slot keeps our assignment: the assigned function checks that the
/// operation it was made for is still pending (see h2_stream::watch), as Asio's own operations do
/// rather than clear a slot whose handler may be running.
template <class Signature, class... Args>
void h2_complete(const boost::asio::any_io_executor& ex, std::optional<handler<Signature>>& h, Args... args)
{
    if (!h)
        return;
    auto taken = std::move(*h);
    h.reset();
    boost::asio::post(ex, boost::asio::append(std::move(taken), std::move(args)...));
}

/// A body read's handler: as h2_complete, or, when its reader said it may run on the pool's
/// executor (async_read_some_on_transport_executor), there without asking it for its own.
inline void h2_complete_read(const boost::asio::any_io_executor& ex,
                             std::optional<handler<void(error_code, std::size_t)>>& h, bool on_pool_executor,
                             error_code ec, std::size_t n)
{
    if (!h || !on_pool_executor)
        return h2_complete(ex, h, ec, n);
    executor_blind<void(error_code, std::size_t)> taken{std::move(*h)};
    h.reset();
    boost::asio::post(ex, boost::asio::append(std::move(taken), ec, n));
}

/// What a handler of a stream waits for (each has its own cancellation slot).
enum class h2_wait { head, read, write, finish };

struct h2_stream : std::enable_shared_from_this<h2_stream> {
    h2_stream(std::shared_ptr<h2_pool> p, h2_kind k, const timeouts& l);

    std::shared_ptr<h2_pool> pool;
    std::shared_ptr<h2_connection> conn; ///< set when placed on a connection
    std::int32_t id = 0;                 ///< 0: not submitted yet
    h2_kind kind;
    timeouts limits;
    h2_clock::time_point total_deadline;

    // The request: its head, then `body` (copied: an open answer may outlive the caller's request),
    // then, for a duplex stream, the pieces given to async_write until async_finish.
    std::vector<std::pair<std::string, std::string>> head_fields; ///< lowercase names, pseudo-headers first
    std::string body;
    std::size_t body_sent = 0;
    const std::uint8_t* piece = nullptr;
    std::size_t piece_left = 0;
    bool finish_requested = false;
    bool input_ended = false;
    std::optional<handler<void(error_code)>> write_h;
    std::optional<handler<void(error_code)>> finish_h;

    // The answer.
    response_head head;
    unsigned status = 0;
    bool head_done = false;
    response* unary_out = nullptr; ///< unary: the body goes straight here
    std::string received;          ///< open/duplex: body bytes not read yet (at most the window)
    std::size_t received_pos = 0;
    bool remote_ended = false;
    bool closed = false;     ///< nghttp2 has closed the stream (or it never opened)
    bool abandoned = false;  ///< closed by its user, or failed: nothing more is delivered
    error_code failure;      ///< sticky

    std::optional<handler<void(error_code)>> exchange_h;
    std::optional<handler<void(error_code, std::unique_ptr<response_body>)>> open_h;
    std::optional<handler<void(error_code, std::unique_ptr<duplex_body>)>> duplex_h;
    std::optional<handler<void(error_code, std::size_t)>> read_h;
    bool read_on_pool_executor = false; ///< read_h may run on the pool's executor (h2_complete_read)
    boost::asio::mutable_buffer read_buffer;
    std::chrono::milliseconds idle;

    // One lazy timer per stream, as the HTTP/1.1 connection's watchdog: moving the deadline later
    // changes a variable; the timer, when it fires, waits again for the rest. So a call costs one
    // timer wait, not one per phase and per DATA frame.
    boost::asio::steady_timer timer;
    h2_clock::time_point deadline = h2_clock::time_point::max();
    http::error timer_kind = http::error::idle_timeout;
    std::uint64_t timer_generation = 0; ///< a wait's handler is stale when the generation moved on
    bool timer_armed = false;

    const boost::asio::any_io_executor& executor() const noexcept;
    bool in_flight() const noexcept
    {
        return exchange_h || open_h || duplex_h || read_h || write_h || finish_h;
    }

    /// Arms the stream's timer for `kind`: now + limit (zero: none), never past the total deadline.
    /// The stream's deadline for `kind`: now + limit (zero: none), never past the total deadline.
    void arm(http::error kind, std::chrono::milliseconds limit);
    /// Nothing to time for now (waiting for the caller, not the server); the timer is left alone.
    void pause() noexcept { deadline = h2_clock::time_point::max(); }
    /// The stream is done: no timer left pending (it would keep io_context::run() busy).
    void stop_timer();
    void wait_until(h2_clock::time_point at);

    void on_head();
    void on_data(const std::uint8_t* data, std::size_t size);
    void on_end();
    /// Fails everything pending with `ec` (sticky) and resets the stream if it is still open.
    void fail(error_code ec);
    /// Delivers buffered bytes or the end to a pending read.
    void serve_read();
    /// Copies received body bytes into `into` (as many as fit) and gives them back to the send window.
    std::size_t take_received(boost::asio::mutable_buffer into);
    /// Gives `n` consumed body bytes back to the server's send window.
    void consume(std::size_t n);
    void reset_on_wire(std::uint32_t code);
    /// Any cancellation of the operation waiting for `what` is terminal: the stream is reset.
    void watch(boost::asio::cancellation_slot slot, h2_wait what);
    bool waiting_for(h2_wait what) const noexcept
    {
        switch (what) {
        case h2_wait::head: return exchange_h || open_h || duplex_h;
        case h2_wait::read: return read_h.has_value();
        case h2_wait::write: return write_h.has_value();
        case h2_wait::finish: return finish_h.has_value();
        }
        return false;
    }
    std::array<std::uint32_t, 4> watch_serials{};
};

/// The body side handed to the caller for open and duplex streams.
class h2_body final : public duplex_body {
public:
    explicit h2_body(std::shared_ptr<h2_stream> s) noexcept : s_(std::move(s)) {}
    ~h2_body() override { close(); }
    const response_head& head() const noexcept override { return s_->head; }
    void async_read_some(boost::asio::mutable_buffer buffer, handler<void(error_code, std::size_t)> h) override
    {
        read(buffer, std::move(h), false);
    }
    void async_read_some_on_transport_executor(boost::asio::mutable_buffer buffer,
                                               handler<void(error_code, std::size_t)> h) override
    {
        read(buffer, std::move(h), true);
    }
    std::size_t read_buffered(boost::asio::mutable_buffer buffer, error_code& ec) override;
    void set_idle_timeout(std::chrono::milliseconds idle) noexcept override { s_->idle = idle; }
    void close() noexcept override;
    void abandon() noexcept override;
    void async_write(boost::asio::const_buffer bytes, handler<void(error_code)> h) override;
    void async_finish(handler<void(error_code)> h) override;

private:
    void read(boost::asio::mutable_buffer buffer, handler<void(error_code, std::size_t)> h, bool on_pool_executor);

    std::shared_ptr<h2_stream> s_;
};

struct h2_pool : std::enable_shared_from_this<h2_pool> {
    h2_pool(boost::asio::any_io_executor ex, const http::endpoint& target, http::pool_options options,
            http2_options h2)
        : executor(ex), base(std::make_shared<http::detail::pool_impl>(ex, target, std::move(options))),
          authority(http::host_header(target)), settings(h2)
    {
    }

    void start(const std::shared_ptr<h2_stream>& s);
    void forget(h2_connection* c) noexcept;
    void close() noexcept;
    http::pool_stats stats() const noexcept;

    boost::asio::any_io_executor executor;
    std::shared_ptr<http::detail::pool_impl> base; ///< endpoint, proxy, TLS context, connect_op's state
    std::string authority;
    http2_options settings;
    std::vector<std::shared_ptr<h2_connection>> connections;
    std::size_t opened = 0;
    std::size_t reused = 0;
    bool closed = false;
};

class h2_connection : public std::enable_shared_from_this<h2_connection> {
public:
    explicit h2_connection(std::shared_ptr<h2_pool> pool);
    ~h2_connection();
    h2_connection(const h2_connection&) = delete;
    h2_connection& operator=(const h2_connection&) = delete;

    /// Can take another stream now (or once connected) without exceeding its limit.
    bool accepts() const noexcept { return !draining_ && !dead_ && load() < capacity(); }
    bool usable() const noexcept { return !draining_ && !dead_; }
    std::size_t load() const noexcept { return streams_.size() + waiting_.size(); }
    std::size_t capacity() const noexcept;
    bool idle() const noexcept { return load() == 0; }
    bool carried_streams() const noexcept { return started_ > 0; }

    void connect(const timeouts& limits, h2_clock::time_point total);
    void add(const std::shared_ptr<h2_stream>& s);
    /// The stream's user gave it up: RST_STREAM (if on the wire), or out of the waiting list.
    void reset(h2_stream& s, std::uint32_t code);
    /// The stream's reader took `n` bytes: open the window again.
    void consume(std::int32_t id, std::size_t n);
    /// A duplex stream has more input (or its end): let nghttp2 ask for it again.
    void resume(std::int32_t id);
    /// Closes the connection: every stream on it fails with `ec`.
    void fail(error_code ec);
    /// Graceful: GOAWAY, then closed once written.
    void shut_down();
    void flush();

private:
    friend struct h2_callbacks;
    void on_connected(error_code ec);
    void submit(const std::shared_ptr<h2_stream>& s);
    void read();
    void on_read(error_code ec, std::size_t n);
    void on_stream_closed(std::int32_t id, std::uint32_t code);
    void after_stream();
    void arm_idle_close();
    void arm_ping();
    void on_ping_timer();

    std::shared_ptr<h2_pool> pool_;
    std::shared_ptr<http::detail::connection> io_;
    nghttp2_session* session_ = nullptr;
    std::unordered_map<std::int32_t, std::shared_ptr<h2_stream>> streams_;
    std::vector<std::shared_ptr<h2_stream>> waiting_; ///< until the connection is up
    std::array<std::uint8_t, 16 * 1024> inbox_{};
    std::string outbox_;
    boost::asio::steady_timer idle_timer_;
    boost::asio::steady_timer ping_timer_;
    h2_clock::time_point last_input_ = h2_clock::now();
    bool ping_armed_ = false;
    bool ping_sent_ = false;
    std::size_t started_ = 0;
    bool connected_ = false;
    bool writing_ = false;
    bool draining_ = false; ///< GOAWAY sent or received: no new streams
    bool dead_ = false;
    bool closing_ = false;  ///< close once the outbox is written
    bool in_session_ = false; ///< inside nghttp2 (its callbacks): flush after it returns
};

// --- h2_stream ---------------------------------------------------------------------------------

inline h2_stream::h2_stream(std::shared_ptr<h2_pool> p, h2_kind k, const timeouts& l)
    : pool(std::move(p)), kind(k), limits(l),
      total_deadline(l.total.count() > 0 ? h2_clock::now() + l.total : h2_clock::time_point::max()),
      idle(l.idle), timer(pool->executor)
{
}

inline const boost::asio::any_io_executor& h2_stream::executor() const noexcept { return pool->executor; }

inline void h2_stream::arm(http::error kind, std::chrono::milliseconds limit)
{
    auto at = limit.count() > 0 ? h2_clock::now() + limit : h2_clock::time_point::max();
    timer_kind = kind;
    if (total_deadline < at) {
        at = total_deadline;
        timer_kind = http::error::total_timeout;
    }
    deadline = at;
    if (at != h2_clock::time_point::max() && (!timer_armed || timer.expiry() > at))
        wait_until(at);
}

inline void h2_stream::wait_until(h2_clock::time_point at)
{
    const auto generation = ++timer_generation;
    timer_armed = true;
    timer.expires_at(at); // cancels the wait in place, if any: its handler is stale
    timer.async_wait([weak = weak_from_this(), generation](error_code ec) {
        auto self = weak.lock();
        if (!self || generation != self->timer_generation)
            return;
        self->timer_armed = false;
        if (ec || self->abandoned || self->deadline == h2_clock::time_point::max())
            return;
        if (h2_clock::now() < self->deadline)
            return self->wait_until(self->deadline);
        self->fail(self->timer_kind);
    });
}

inline void h2_stream::stop_timer()
{
    deadline = h2_clock::time_point::max();
    if (!timer_armed)
        return;
    ++timer_generation;
    timer_armed = false;
    timer.cancel();
}

inline void h2_stream::watch(boost::asio::cancellation_slot slot, h2_wait what)
{
    if (!slot.is_connected())
        return;
    const auto index = static_cast<std::size_t>(what);
    const auto serial = ++watch_serials[index];
    slot.assign([weak = weak_from_this(), what, index, serial](boost::asio::cancellation_type_t) {
        auto self = weak.lock();
        if (!self || self->watch_serials[index] != serial || !self->waiting_for(what))
            return; // a slot reused by a later operation, or this one already completed
        self->fail(boost::asio::error::operation_aborted);
    });
}

inline void h2_stream::reset_on_wire(std::uint32_t code)
{
    if (conn && !closed)
        conn->reset(*this, code);
}

inline void h2_stream::fail(error_code ec)
{
    if (!failure)
        failure = ec;
    const bool was_abandoned = abandoned;
    abandoned = true;
    stop_timer();
    if (!was_abandoned)
        reset_on_wire(NGHTTP2_CANCEL);
    const auto& ex = executor();
    h2_complete(ex, exchange_h, failure);
    h2_complete(ex, open_h, failure, std::unique_ptr<response_body>());
    h2_complete(ex, duplex_h, failure, std::unique_ptr<duplex_body>());
    h2_complete_read(ex, read_h, read_on_pool_executor, failure, 0);
    h2_complete(ex, write_h, failure);
    h2_complete(ex, finish_h, failure);
    piece = nullptr;
    piece_left = 0;
}

inline void h2_stream::consume(std::size_t n)
{
    if (conn && n > 0)
        conn->consume(id, n);
}

inline void h2_stream::on_head()
{
    head_done = true;
    const auto& ex = executor();
    switch (kind) {
    case h2_kind::unary: arm(http::error::idle_timeout, limits.idle); return; // the body is still to come
    case h2_kind::open:
        pause();
        h2_complete(ex, open_h, error_code{}, std::unique_ptr<response_body>(new h2_body(shared_from_this())));
        return;
    case h2_kind::duplex:
        pause();
        h2_complete(ex, duplex_h, error_code{}, std::unique_ptr<duplex_body>(new h2_body(shared_from_this())));
        return;
    }
}

inline void h2_stream::on_data(const std::uint8_t* data, std::size_t size)
{
    if (kind == h2_kind::unary) {
        consume(size); // read whole anyway: the window need not wait
        auto& out = unary_out->body();
        if (out.size() + size > pool->base->options.max_body_size)
            return fail(http::error::body_too_large);
        out.append(reinterpret_cast<const char*>(data), size);
        arm(http::error::idle_timeout, limits.idle);
        return;
    }
    if (received_pos == received.size()) {
        received.clear();
        received_pos = 0;
    }
    received.append(reinterpret_cast<const char*>(data), size);
    serve_read();
}

inline void h2_stream::on_end()
{
    remote_ended = true;
    if (kind == h2_kind::unary) {
        stop_timer();
        unary_out->base() = std::move(head);
        return h2_complete(executor(), exchange_h, error_code{});
    }
    serve_read();
}

inline std::size_t h2_stream::take_received(boost::asio::mutable_buffer into)
{
    const std::size_t n = std::min(received.size() - received_pos, into.size());
    if (n == 0)
        return 0; // (an empty buffer may have no address: no memcpy)
    std::memcpy(into.data(), received.data() + received_pos, n);
    received_pos += n;
    consume(n);
    return n;
}

inline void h2_stream::serve_read()
{
    if (!read_h)
        return;
    if (received_pos < received.size()) {
        const std::size_t n = take_received(read_buffer);
        pause();
        return h2_complete_read(executor(), read_h, read_on_pool_executor, error_code{}, n);
    }
    if (failure || remote_ended) {
        stop_timer();
        return h2_complete_read(executor(), read_h, read_on_pool_executor,
                                failure ? failure : error_code(http::error::end_of_stream), 0);
    }
}

// --- h2_body -----------------------------------------------------------------------------------

inline void h2_body::read(boost::asio::mutable_buffer buffer, handler<void(error_code, std::size_t)> h,
                          bool on_pool_executor)
{
    auto& s = *s_;
    if (s.read_h) {
        std::optional<handler<void(error_code, std::size_t)>> busy(std::move(h));
        return h2_complete(s.executor(), busy, error_code(http::error::read_in_progress), std::size_t{0});
    }
    s.read_h.emplace(std::move(h));
    s.read_on_pool_executor = on_pool_executor;
    s.read_buffer = buffer;
    if (s.abandoned && !s.failure)
        s.failure = http::error::stream_closed;
    if (s.received_pos == s.received.size() && !s.remote_ended && !s.failure) {
        s.watch(s.read_h->get_cancellation_slot(), h2_wait::read);
        s.arm(http::error::idle_timeout, s.idle);
    }
    s.serve_read();
}

inline std::size_t h2_body::read_buffered(boost::asio::mutable_buffer buffer, error_code& ec)
{
    auto& s = *s_;
    ec = {};
    // Failures and the end are left to async_read_some, which also stops the stream's timer.
    if (s.read_h || s.abandoned || s.failure)
        return 0;
    return s.take_received(buffer);
}

inline void h2_body::async_write(boost::asio::const_buffer bytes, handler<void(error_code)> h)
{
    auto& s = *s_;
    std::optional<handler<void(error_code)>> pending(std::move(h));
    if (s.write_h || s.finish_h)
        return h2_complete(s.executor(), pending, error_code(http::error::write_in_progress));
    if (s.failure || s.abandoned)
        return h2_complete(s.executor(), pending, s.failure ? s.failure : error_code(http::error::stream_closed));
    if (s.kind != h2_kind::duplex || s.finish_requested)
        return h2_complete(s.executor(), pending, error_code(http::error::stream_closed));
    if (bytes.size() == 0)
        return h2_complete(s.executor(), pending, error_code{});
    s.write_h = std::move(pending);
    s.piece = static_cast<const std::uint8_t*>(bytes.data());
    s.piece_left = bytes.size();
    s.watch(s.write_h->get_cancellation_slot(), h2_wait::write);
    if (s.conn && s.id > 0)
        s.conn->resume(s.id);
}

inline void h2_body::async_finish(handler<void(error_code)> h)
{
    auto& s = *s_;
    std::optional<handler<void(error_code)>> pending(std::move(h));
    if (s.write_h || s.finish_h)
        return h2_complete(s.executor(), pending, error_code(http::error::write_in_progress));
    if (s.failure || s.abandoned)
        return h2_complete(s.executor(), pending, s.failure ? s.failure : error_code(http::error::stream_closed));
    if (s.input_ended)
        return h2_complete(s.executor(), pending, error_code{});
    s.finish_requested = true;
    s.finish_h = std::move(pending);
    s.watch(s.finish_h->get_cancellation_slot(), h2_wait::finish);
    if (s.conn && s.id > 0)
        s.conn->resume(s.id);
}

inline void h2_body::close() noexcept
{
    auto& s = *s_;
    if (s.abandoned)
        return;
    // Read to its end with the request finished: nothing to reset, the stream is simply done.
    if (s.remote_ended && s.received_pos == s.received.size() && (s.kind != h2_kind::duplex || s.input_ended)) {
        s.abandoned = true;
        s.stop_timer();
        return;
    }
    s.fail(boost::asio::error::operation_aborted);
}

inline void h2_body::abandon() noexcept
{
    auto& s = *s_;
    if (!s.abandoned)
        s.fail(boost::asio::error::operation_aborted);
}

// --- nghttp2 callbacks -------------------------------------------------------------------------

struct h2_callbacks {
    static h2_connection& of(void* user) { return *static_cast<h2_connection*>(user); }

    static h2_stream* stream_of(nghttp2_session* session, std::int32_t id)
    {
        return static_cast<h2_stream*>(nghttp2_session_get_stream_user_data(session, id));
    }

    static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                         void*)
    {
        if (frame->hd.type != NGHTTP2_HEADERS)
            return 0;
        h2_stream* s = stream_of(session, frame->hd.stream_id);
        if (!s || s->head_done) // trailers: nothing of Bedrock's is sent there
            return 0;
        const std::string_view n(reinterpret_cast<const char*>(name), namelen);
        const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
        if (n == ":status") {
            unsigned code = 0;
            for (char c : v)
                code = code * 10 + static_cast<unsigned>(c - '0');
            s->status = code;
            s->head = {};
            s->head.version(20);
            s->head.result(code);
            return 0;
        }
        if (!n.empty() && n.front() == ':')
            return 0;
        s->head.insert(n, v);
        return 0;
    }

    static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void* user)
    {
        h2_connection& c = of(user);
        switch (frame->hd.type) {
        case NGHTTP2_GOAWAY:
            // Streams above last_stream_id are closed by nghttp2 with REFUSED_STREAM (retryable);
            // those below may finish. No new stream goes here.
            c.draining_ = true;
            return 0;
        case NGHTTP2_HEADERS: {
            h2_stream* s = stream_of(session, frame->hd.stream_id);
            if (!s || s->abandoned)
                return 0;
            if (!s->head_done && s->status >= 200)
                s->on_head();
            else if (!s->head_done && s->status >= 100)
                s->head = {}; // an interim answer (100 Continue): the real head follows
            if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && s->head_done && !s->abandoned)
                s->on_end();
            return 0;
        }
        case NGHTTP2_DATA: {
            h2_stream* s = stream_of(session, frame->hd.stream_id);
            if (s && !s->abandoned && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
                s->on_end();
            return 0;
        }
        default: return 0;
        }
    }

    static int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                             std::size_t len, void*)
    {
        h2_stream* s = stream_of(session, id);
        if (!s || s->abandoned || !s->head_done) {
            nghttp2_session_consume(session, id, len); // nobody will read it: keep the windows open
            return 0;
        }
        s->on_data(data, len);
        return 0;
    }

    static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t code, void* user)
    {
        of(user).on_stream_closed(id, code);
        return 0;
    }

    static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source* source, void*)
    {
        auto& s = *static_cast<h2_stream*>(source->ptr);
        if (s.abandoned) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        if (s.body_sent < s.body.size()) {
            const std::size_t n = std::min(length, s.body.size() - s.body_sent);
            std::memcpy(buf, s.body.data() + s.body_sent, n);
            s.body_sent += n;
            if (s.body_sent == s.body.size() && s.kind != h2_kind::duplex) {
                *flags |= NGHTTP2_DATA_FLAG_EOF;
                s.input_ended = true;
                s.arm(http::error::first_byte_timeout, s.limits.first_byte);
            }
            return static_cast<ssize_t>(n);
        }
        if (s.kind != h2_kind::duplex) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            s.input_ended = true;
            s.arm(http::error::first_byte_timeout, s.limits.first_byte);
            return 0;
        }
        if (s.piece_left > 0) {
            const std::size_t n = std::min(length, s.piece_left);
            std::memcpy(buf, s.piece, n);
            s.piece += n;
            s.piece_left -= n;
            if (s.piece_left == 0) {
                s.piece = nullptr;
                h2_complete(s.executor(), s.write_h, error_code{});
            }
            return static_cast<ssize_t>(n);
        }
        if (s.finish_requested) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            s.input_ended = true;
            h2_complete(s.executor(), s.finish_h, error_code{});
            return 0;
        }
        return NGHTTP2_ERR_DEFERRED;
    }
};

// --- h2_connection -----------------------------------------------------------------------------

inline h2_connection::h2_connection(std::shared_ptr<h2_pool> pool)
    : pool_(std::move(pool)), io_(pool_->base->make_connection()), idle_timer_(pool_->executor),
      ping_timer_(pool_->executor)
{
}

inline h2_connection::~h2_connection()
{
    if (session_)
        nghttp2_session_del(session_);
}

inline std::size_t h2_connection::capacity() const noexcept
{
    std::size_t limit = pool_->settings.max_streams_per_connection;
    if (session_)
        limit = std::min<std::size_t>(limit, nghttp2_session_get_remote_settings(
                                                 session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS));
    return limit;
}

inline void h2_connection::connect(const timeouts& limits, h2_clock::time_point total)
{
    if (SSL* ssl = io_->native_tls_handle()) {
        static const unsigned char alpn[] = {2, 'h', '2'};
        SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
    }
    http::detail::async_connect(*pool_->base, *io_, limits, total,
                                [self = shared_from_this()](error_code ec) { self->on_connected(ec); });
}

inline void h2_connection::on_connected(error_code ec)
{
    io_->disarm();
    if (!ec && pool_->closed)
        ec = http::error::pool_closed;
    if (!ec && dead_)
        ec = http::error::pool_closed;
    if (!ec) {
        if (SSL* ssl = io_->native_tls_handle()) {
            const unsigned char* proto = nullptr;
            unsigned int length = 0;
            SSL_get0_alpn_selected(ssl, &proto, &length);
            if (std::string_view(reinterpret_cast<const char*>(proto), proto ? length : 0) != "h2")
                ec = client_errc::http2_required;
        }
    }
    if (!ec) {
        nghttp2_session_callbacks* callbacks = nullptr;
        nghttp2_option* option = nullptr;
        nghttp2_session_callbacks_new(&callbacks);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, &h2_callbacks::on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &h2_callbacks::on_frame_recv);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &h2_callbacks::on_data_chunk);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &h2_callbacks::on_stream_close);
        nghttp2_option_new(&option);
        // Window updates follow the reader (h2_stream::consume), not the socket.
        nghttp2_option_set_no_auto_window_update(option, 1);
        const int rv = nghttp2_session_client_new2(&session_, callbacks, this, option);
        nghttp2_option_del(option);
        nghttp2_session_callbacks_del(callbacks);
        if (rv != 0) {
            session_ = nullptr;
            ec = http::error::protocol_error;
        }
    }
    if (ec) {
        if (!dead_)
            fail(ec);
        return;
    }
    connected_ = true;
    ++pool_->opened;
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, pool_->settings.stream_window},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<std::int32_t>(pool_->settings.connection_window));
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& s : waiting)
        if (!s->abandoned)
            submit(s);
    last_input_ = h2_clock::now();
    arm_ping();
    read();
    flush();
}

inline void h2_connection::add(const std::shared_ptr<h2_stream>& s)
{
    idle_timer_.cancel();
    s->conn = shared_from_this();
    if (started_++ > 0)
        ++pool_->reused;
    if (!connected_)
        return waiting_.push_back(s);
    submit(s);
    arm_ping();
    flush();
}

inline void h2_connection::submit(const std::shared_ptr<h2_stream>& s)
{
    std::vector<nghttp2_nv> nva;
    nva.reserve(s->head_fields.size());
    for (auto& [name, value] : s->head_fields)
        nva.push_back({reinterpret_cast<std::uint8_t*>(name.data()), reinterpret_cast<std::uint8_t*>(value.data()),
                       name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
    nghttp2_data_provider provider{};
    provider.source.ptr = s.get();
    provider.read_callback = &h2_callbacks::read_body;
    const bool has_body = !s->body.empty() || s->kind == h2_kind::duplex;
    const std::int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                                   has_body ? &provider : nullptr, s.get());
    if (id < 0)
        return s->fail(http::error::protocol_error);
    s->id = id;
    streams_.emplace(id, s);
    if (!has_body) {
        s->input_ended = true;
        s->arm(http::error::first_byte_timeout, s->limits.first_byte);
    } else {
        s->arm(http::error::idle_timeout, s->limits.idle); // writing the request
    }
}

inline void h2_connection::reset(h2_stream& s, std::uint32_t code)
{
    if (!connected_) {
        std::erase_if(waiting_, [&](const auto& p) { return p.get() == &s; });
        s.closed = true;
        return after_stream();
    }
    if (dead_ || s.id <= 0 || s.closed)
        return;
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, s.id, code);
    flush();
}

inline void h2_connection::consume(std::int32_t id, std::size_t n)
{
    if (dead_ || !session_)
        return;
    nghttp2_session_consume(session_, id, n);
    flush();
}

inline void h2_connection::resume(std::int32_t id)
{
    if (dead_ || !session_)
        return;
    nghttp2_session_resume_data(session_, id);
    flush();
}

inline void h2_connection::read()
{
    io_->async_read_some(boost::asio::buffer(inbox_), [self = shared_from_this()](error_code ec, std::size_t n) {
        self->on_read(ec, n);
    });
}

inline void h2_connection::on_read(error_code ec, std::size_t n)
{
    if (dead_)
        return;
    if (ec) {
        ec = io_->translate(ec);
        return fail(ec);
    }
    last_input_ = h2_clock::now();
    ping_sent_ = false;
    in_session_ = true;
    const auto used = nghttp2_session_mem_recv(session_, inbox_.data(), n);
    in_session_ = false;
    if (used < 0) {
        flush(); // nghttp2 may have queued a GOAWAY saying why
        return fail(http::error::protocol_error);
    }
    flush();
    if (!dead_)
        read();
}

inline void h2_connection::flush()
{
    if (writing_ || dead_ || !session_ || in_session_)
        return;
    outbox_.clear();
    for (;;) {
        const std::uint8_t* data = nullptr;
        in_session_ = true;
        const auto n = nghttp2_session_mem_send(session_, &data);
        in_session_ = false;
        if (n < 0)
            return fail(http::error::protocol_error);
        if (n == 0)
            break;
        outbox_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        if (outbox_.size() >= 64 * 1024)
            break;
    }
    if (outbox_.empty()) {
        if (closing_ || (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)))
            fail(http::error::pool_closed);
        return;
    }
    writing_ = true;
    auto done = [self = shared_from_this()](error_code ec, std::size_t) {
        self->writing_ = false;
        if (self->dead_)
            return;
        if (ec)
            return self->fail(self->io_->translate(ec));
        self->flush();
    };
    if (io_->is_tls())
        boost::asio::async_write(io_->tls_stream(), boost::asio::buffer(outbox_), std::move(done));
    else
        boost::asio::async_write(io_->socket(), boost::asio::buffer(outbox_), std::move(done));
}

inline void h2_connection::on_stream_closed(std::int32_t id, std::uint32_t code)
{
    auto it = streams_.find(id);
    if (it == streams_.end())
        return;
    auto s = std::move(it->second);
    streams_.erase(it);
    s->closed = true;
    if (!s->abandoned && !s->remote_ended) {
        s->fail(code == NGHTTP2_REFUSED_STREAM ? http::error::stream_refused
                : code == NGHTTP2_NO_ERROR     ? http::error::stream_reset
                                               : http::error::stream_reset);
    } else if (!s->abandoned && s->kind == h2_kind::duplex && !s->input_ended) {
        // The answer ended while input was still open: writes can no longer go anywhere.
        h2_complete(s->executor(), s->write_h, error_code(http::error::stream_closed));
        h2_complete(s->executor(), s->finish_h, error_code{});
        s->input_ended = true;
    }
    after_stream();
}

inline void h2_connection::after_stream()
{
    if (!idle() || dead_)
        return;
    ping_timer_.cancel(); // nothing to keep alive
    if (draining_ || pool_->closed)
        return shut_down();
    arm_idle_close();
}

inline void h2_connection::arm_idle_close()
{
    const auto limit = pool_->base->options.idle_timeout;
    if (limit.count() <= 0)
        return;
    idle_timer_.expires_after(limit);
    idle_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (!self || ec || !self->idle() || self->dead_)
            return;
        self->shut_down();
    });
}

// One timer per connection, and lazy: input moves last_input_ only; the timer, when it fires,
// looks at how long the connection has been silent and waits again for the rest.
inline void h2_connection::arm_ping()
{
    const auto every = pool_->settings.ping_after;
    if (ping_armed_ || every.count() <= 0 || dead_ || streams_.empty())
        return;
    ping_armed_ = true;
    ping_timer_.expires_at(last_input_ + every);
    ping_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) {
            self->ping_armed_ = false;
            if (!ec)
                self->on_ping_timer();
        }
    });
}

inline void h2_connection::on_ping_timer()
{
    if (dead_ || streams_.empty())
        return;
    const auto every = pool_->settings.ping_after;
    const auto silent = h2_clock::now() - last_input_;
    if (silent < every)
        return arm_ping();
    if (ping_sent_) { // a PING went unanswered for a whole period: nobody is there
        if (silent >= 2 * every)
            return fail(http::error::idle_timeout);
    } else {
        ping_sent_ = true;
        nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr);
        flush();
    }
    ping_armed_ = true;
    ping_timer_.expires_after(every);
    ping_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        if (auto self = weak.lock()) {
            self->ping_armed_ = false;
            if (!ec)
                self->on_ping_timer();
        }
    });
}

inline void h2_connection::shut_down()
{
    if (dead_)
        return;
    draining_ = true;
    if (!connected_ || !session_)
        return fail(http::error::pool_closed);
    closing_ = true;
    nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    flush();
}

inline void h2_connection::fail(error_code ec)
{
    if (dead_)
        return;
    dead_ = true;
    draining_ = true;
    idle_timer_.cancel();
    ping_timer_.cancel();
    io_->close();
    pool_->forget(this);
    auto streams = std::move(streams_);
    streams_.clear();
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& [id, s] : streams) {
        s->closed = true;
        if (!s->abandoned)
            s->fail(ec);
    }
    for (auto& s : waiting) {
        s->closed = true;
        if (!s->abandoned)
            s->fail(ec);
    }
}

// --- h2_pool -----------------------------------------------------------------------------------

inline void h2_pool::start(const std::shared_ptr<h2_stream>& s)
{
    if (closed)
        return s->fail(http::error::pool_closed);
    if (base->init_error)
        return s->fail(base->init_error);
    h2_connection* best = nullptr;
    for (auto& c : connections)
        if (c->accepts() && (!best || c->load() < best->load()))
            best = c.get();
    if (!best && connections.size() >= base->options.max_connections) {
        for (auto& c : connections) // all full: queue on the least loaded (nghttp2 holds the stream)
            if (c->usable() && (!best || c->load() < best->load()))
                best = c.get();
    }
    if (best)
        return best->add(s);
    auto c = std::make_shared<h2_connection>(shared_from_this());
    connections.push_back(c);
    c->add(s);
    c->connect(s->limits, s->total_deadline);
}

inline void h2_pool::forget(h2_connection* c) noexcept
{
    std::erase_if(connections, [&](const auto& p) { return p.get() == c; });
}

inline void h2_pool::close() noexcept
{
    if (closed)
        return;
    closed = true;
    auto all = connections;
    for (auto& c : all)
        if (c->idle())
            c->shut_down();
}

inline http::pool_stats h2_pool::stats() const noexcept
{
    http::pool_stats out;
    out.opened = opened;
    out.reused = reused;
    out.live = connections.size();
    for (auto& c : connections)
        if (c->idle())
            ++out.idle;
    return out;
}

// --- the transport -----------------------------------------------------------------------------

class http2_transport final : public transport {
public:
    http2_transport(boost::asio::any_io_executor ex, const http::endpoint& target, http::pool_options options,
                    http2_options h2)
        : pool_(std::make_shared<h2_pool>(std::move(ex), target, std::move(options), h2)),
          scheme_(target.is_tls() ? "https" : "http")
    {
    }
    ~http2_transport() override { pool_->close(); }

    executor_type get_executor() const noexcept override { return pool_->executor; }
    std::string_view protocol() const noexcept override { return "h2"; }

    void async_exchange(const request& req, response& res, const timeouts& limits,
                        handler<void(error_code)> h) override
    {
        auto s = make_stream(req, h2_kind::unary, limits);
        s->unary_out = &res;
        s->exchange_h.emplace(std::move(h));
        begin(s, s->exchange_h->get_cancellation_slot());
    }

    void async_open(const request& req, const timeouts& limits,
                    handler<void(error_code, std::unique_ptr<response_body>)> h) override
    {
        auto s = make_stream(req, h2_kind::open, limits);
        s->open_h.emplace(std::move(h));
        begin(s, s->open_h->get_cancellation_slot());
    }

    void async_open_duplex(const request& req, const timeouts& limits,
                           handler<void(error_code, std::unique_ptr<duplex_body>)> h) override
    {
        auto s = make_stream(req, h2_kind::duplex, limits);
        s->duplex_h.emplace(std::move(h));
        begin(s, s->duplex_h->get_cancellation_slot());
    }

    void close() noexcept override { pool_->close(); }
    http::pool_stats stats() const noexcept override { return pool_->stats(); }

private:
    std::shared_ptr<h2_stream> make_stream(const request& req, h2_kind kind, const timeouts& limits)
    {
        auto s = std::make_shared<h2_stream>(pool_, kind, limits);
        auto& f = s->head_fields;
        f.reserve(req.headers.size() + 4);
        f.emplace_back(":method", req.method);
        f.emplace_back(":scheme", scheme_);
        f.emplace_back(":authority", pool_->authority);
        f.emplace_back(":path", req.target());
        for (const auto& h : req.headers) {
            std::string name = h.name;
            for (auto& c : name)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            // Connection-specific fields are not HTTP/2's (RFC 9113 §8.2.2); Host is :authority.
            if (name == "host" || name == "connection" || name == "keep-alive" || name == "transfer-encoding" ||
                name == "upgrade" || name == "proxy-connection" || name == "te")
                continue;
            f.emplace_back(std::move(name), h.value);
        }
        s->body = req.body;
        return s;
    }

    // Starts at once: every completion is posted (h2_complete), so none can run inside the
    // initiating function, even when the stream fails on the spot.
    void begin(const std::shared_ptr<h2_stream>& s, boost::asio::cancellation_slot slot)
    {
        s->watch(slot, h2_wait::head);
        pool_->start(s);
    }

    std::shared_ptr<h2_pool> pool_;
    std::string scheme_;
};

} // namespace bedrock::transport::detail

namespace bedrock::transport {

BEDROCK_DECL std::shared_ptr<transport> make_http2_transport(boost::asio::any_io_executor ex,
                                                             const http::endpoint& target,
                                                             http::pool_options options, http2_options h2)
{
    return std::make_shared<detail::http2_transport>(std::move(ex), target, std::move(options), h2);
}

} // namespace bedrock::transport

#endif

#ifndef BEDROCK_TESTING_IMPL_HTTPS_SERVER_IPP
#define BEDROCK_TESTING_IMPL_HTTPS_SERVER_IPP

#include <bedrock/testing/https_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/ssl.h>

#if defined(__linux__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

#include <atomic>
#include <charconv>
#include <mutex>
#include <unordered_set>

namespace bedrock::testing::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ALPN and its outcome (h2_connection.ipp).
inline int select_alpn(SSL*, const unsigned char**, unsigned char*, const unsigned char*, unsigned int, void*);
inline bool negotiated_h2(SSL* ssl);

class server_impl : public std::enable_shared_from_this<server_impl> {
public:
    server_impl(asio::any_io_executor ex, request_handler handler, server_options options)
        : strand_(asio::make_strand(ex)), acceptor_(strand_), options_(std::move(options)),
          handler_(std::move(handler))
    {
        if (options_.tls) {
            if (!options_.server_certificate) {
                certificate_authority ca;
                ca_pem_ = ca.certificate_pem();
                options_.server_certificate = ca.issue(loopback_names());
            }
            tls_.emplace(asio::ssl::context::tls_server);
            tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3);
            tls_->use_certificate_chain(asio::buffer(options_.server_certificate->certificate_pem));
            tls_->use_private_key(asio::buffer(options_.server_certificate->private_key_pem),
                                  asio::ssl::context::pem);
            SSL_CTX_set_alpn_select_cb(tls_->native_handle(), &select_alpn, &options_.http2);
        }
        const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), options_.port);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
    }

    void start() { asio::co_spawn(strand_, accept_loop(shared_from_this()), asio::detached); }

    void stop()
    {
        asio::post(strand_, [self = shared_from_this()] { self->stop_now(); });
    }

    request_handler handler()
    {
        std::lock_guard lock(mutex_);
        return handler_;
    }

    void set_handler(request_handler h)
    {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
    }

    const server_options& options() const noexcept { return options_; }
    asio::ssl::context* tls() noexcept { return tls_ ? &*tls_ : nullptr; }
    bool stopped() const noexcept { return stopped_; }
    unsigned short port() const noexcept { return port_; }
    const std::string& ca_pem() const noexcept { return ca_pem_; }

    void add(server_session* s) { sessions_.insert(s); }
    void remove(server_session* s) { sessions_.erase(s); }

    std::atomic<std::size_t> accepted{0};
    std::atomic<std::size_t> served{0};
    std::atomic<std::size_t> open{0};

private:
    static asio::awaitable<void> accept_loop(std::shared_ptr<server_impl> self);
    void stop_now();

    asio::strand<asio::any_io_executor> strand_;
    tcp::acceptor acceptor_;
    server_options options_;
    std::optional<asio::ssl::context> tls_;
    std::string ca_pem_;
    unsigned short port_ = 0;
    bool stopped_ = false;
    std::unordered_set<server_session*> sessions_;
    std::mutex mutex_; // guards handler_ only: set_handler may come from any thread
    request_handler handler_;
};

class server_session {
public:
    server_session(std::shared_ptr<server_impl> server, tcp::socket socket, std::size_t index)
        : server_(std::move(server)), socket_(std::move(socket)), sleep_timer_(socket_.get_executor()),
          idle_timer_(socket_.get_executor()), index_(index)
    {
        if (auto* ctx = server_->tls())
            tls_.emplace(socket_, *ctx);
        boost::system::error_code ignored;
        socket_.set_option(tcp::no_delay(true), ignored);
        server_->add(this);
        ++server_->open;
    }

    ~server_session()
    {
        server_->remove(this);
        --server_->open;
    }

    static asio::awaitable<void> run(std::shared_ptr<server_session> self);

    /// Writes all of `bytes`.
    asio::awaitable<void> write(std::string_view bytes)
    {
        if (dead_)
            throw boost::system::system_error(asio::error::not_connected);
        if (tls_)
            co_await asio::async_write(*tls_, asio::buffer(bytes), asio::use_awaitable);
        else
            co_await asio::async_write(socket_, asio::buffer(bytes), asio::use_awaitable);
    }

    asio::awaitable<void> sleep(std::chrono::milliseconds d)
    {
        if (dead_)
            throw boost::system::system_error(asio::error::operation_aborted);
        sleep_timer_.expires_after(d);
        co_await sleep_timer_.async_wait(asio::use_awaitable);
    }

    /// Reads and drops whatever comes until the client goes away or the server stops.
    asio::awaitable<void> stall()
    {
        char sink[512];
        boost::system::error_code ec;
        while (!ec && !dead_) {
            if (tls_)
                co_await tls_->async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
            else
                co_await socket_.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
        }
        dead_ = true;
    }

    void reset()
    {
        boost::system::error_code ignored;
        socket_.set_option(asio::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
        dead_ = true;
    }

    /// TLS close_notify, then FIN. The client's close_notify is not awaited: a client still waiting
    /// for the body it was promised answers nothing, it just sees the end of the stream.
    asio::awaitable<void> close_cleanly()
    {
        if (dead_)
            co_return;
        dead_ = true;
        boost::system::error_code ignored;
        if (tls_) {
            // As if the client's close_notify were in: SSL_shutdown sends ours and is done.
            SSL_set_shutdown(tls_->native_handle(), SSL_RECEIVED_SHUTDOWN);
            co_await tls_->async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
        }
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    void cork(bool on)
    {
#if defined(__linux__)
        const int value = on ? 1 : 0;
        (void)::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
#else
        (void)on;
#endif
    }

    /// FIN without close_notify: under TLS, a truncated stream.
    void truncate()
    {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
        dead_ = true;
    }

    /// From the server's stop(): everything pending fails and the coroutines unwind.
    void shut_down();
    void shut_down_socket()
    {
        dead_ = true;
        boost::system::error_code ignored;
        socket_.close(ignored);
        sleep_timer_.cancel();
        idle_timer_.cancel();
    }

private:
    friend class h2_connection;
    asio::awaitable<bool> read_request(boost::beast::http::request_parser<boost::beast::http::string_body>& parser);

    std::shared_ptr<server_impl> server_;
    tcp::socket socket_;
    std::optional<asio::ssl::stream<tcp::socket&>> tls_;
    asio::steady_timer sleep_timer_;
    asio::steady_timer idle_timer_;
    boost::beast::flat_buffer buffer_;
    std::size_t index_;
    bool dead_ = false;
    h2_connection* h2_ = nullptr; // while the connection speaks HTTP/2
};

} // namespace bedrock::testing::detail

#include <bedrock/testing/impl/h2_connection.ipp>

namespace bedrock::testing::detail {

inline void server_session::shut_down()
{
    shut_down_socket();
    if (h2_)
        h2_->shut_down();
}

inline asio::awaitable<void> server_impl::accept_loop(std::shared_ptr<server_impl> self)
{
    for (;;) {
        boost::system::error_code ec;
        tcp::socket socket = co_await self->acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec || self->stopped_)
            co_return;
        const std::size_t index = ++self->accepted;
        auto session = std::make_shared<server_session>(self, std::move(socket), index);
        asio::co_spawn(self->strand_, server_session::run(std::move(session)), asio::detached);
    }
}

inline void server_impl::stop_now()
{
    if (stopped_)
        return;
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (server_session* s : sessions_)
        s->shut_down();
}

inline asio::awaitable<bool>
server_session::read_request(boost::beast::http::request_parser<boost::beast::http::string_body>& parser)
{
    boost::system::error_code ec;
    if (tls_)
        co_await boost::beast::http::async_read(*tls_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    else
        co_await boost::beast::http::async_read(socket_, buffer_, parser, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
}

inline asio::awaitable<void> server_session::run(std::shared_ptr<server_session> self)
{
    try {
        if (self->tls_)
            co_await self->tls_->async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        const bool h2 = self->tls_ && negotiated_h2(self->tls_->native_handle());
        if (h2)
            co_await h2_connection::serve(self);
        for (std::size_t index = 1; !h2 && !self->dead_ && !self->server_->stopped(); ++index) {
            boost::beast::http::request_parser<boost::beast::http::string_body> parser;
            parser.body_limit(self->server_->options().max_request_body);
            const auto keep_alive_timeout = self->server_->options().keep_alive_timeout;
            if (index > 1 && keep_alive_timeout.count() > 0) {
                // An idle keep-alive connection is dropped after a while, as real servers do.
                self->idle_timer_.expires_after(keep_alive_timeout);
                self->idle_timer_.async_wait([weak = std::weak_ptr<server_session>(self)](boost::system::error_code ec) {
                    if (auto s = weak.lock(); s && !ec) {
                        boost::system::error_code ignored;
                        s->socket_.close(ignored);
                    }
                });
            }
            const bool ok = co_await self->read_request(parser);
            self->idle_timer_.cancel();
            if (!ok || self->server_->stopped())
                break;
            const request& req = parser.get();
            ++self->server_->served;
            response_writer writer(*self, index, self->index_);
            if (auto handler = self->server_->handler())
                co_await handler(req, writer);
            if (writer.reset_ || self->dead_)
                break;
            if (!writer.head_written_) {
                response res(boost::beast::http::status::internal_server_error, 11);
                res.body() = "the test handler wrote no response";
                co_await writer.respond(std::move(res));
            } else if (!writer.finished_) {
                co_await writer.finish();
            }
            if (writer.close_after_ || !req.keep_alive())
                break;
        }
    } catch (const std::exception&) {
        // The client went away, the server stopped, or a handler failed: the connection ends.
    }
    boost::system::error_code ignored;
    self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
    self->socket_.close(ignored);
}

inline void append_head(std::string& out, const response_head& head)
{
    out.append("HTTP/1.1 ");
    char digits[8];
    const auto r = std::to_chars(digits, digits + sizeof digits, head.result_int());
    out.append(digits, r.ptr).append(" ").append(head.reason()).append("\r\n");
    for (const auto& field : head)
        out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    out.append("\r\n");
}

} // namespace bedrock::testing::detail

namespace bedrock::testing {

BEDROCK_DECL boost::asio::awaitable<void> response_writer::send(std::string_view bytes)
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

BEDROCK_DECL boost::asio::awaitable<void> response_writer::respond(response res)
{
    namespace bhttp = boost::beast::http;
    if (res.find(bhttp::field::content_length) == res.end() && !res.chunked())
        res.content_length(res.body().size());
    if (h2_) {
        auto& c = *h2_->connection;
        head_written_ = true;
        finished_ = true;
        const bool body = !res.body().empty();
        c.submit_head(*h2_, res.base(), body);
        if (body) {
            co_await c.send_data(*h2_, res.body());
            c.end_stream(*h2_);
        }
        co_return;
    }
    scratch_.clear();
    detail::append_head(scratch_, res.base());
    head_written_ = true;
    if (res.chunked()) {
        chunked_ = true;
        co_await send(scratch_);
        if (!res.body().empty())
            co_await write_body(res.body());
        co_await finish();
        co_return;
    }
    scratch_.append(res.body());
    co_await send(scratch_);
    finished_ = true;
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::write_head(response_head head)
{
    namespace bhttp = boost::beast::http;
    if (h2_) {
        head_written_ = true;
        h2_->connection->submit_head(*h2_, head, true);
        co_return;
    }
    if (head.find(bhttp::field::content_length) == head.end() && head.find(bhttp::field::transfer_encoding) == head.end())
        head.set(bhttp::field::transfer_encoding, "chunked");
    chunked_ = head.find(bhttp::field::transfer_encoding) != head.end();
    scratch_.clear();
    detail::append_head(scratch_, head);
    head_written_ = true;
    co_await send(scratch_);
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::write_body(std::string_view piece)
{
    if (h2_) {
        if (!head_written_)
            co_await write_head(response_head{});
        co_await h2_->connection->send_data(*h2_, piece);
        co_return;
    }
    if (!chunked_) {
        co_await send(piece);
        co_return;
    }
    if (piece.empty()) // an empty chunk would end the body
        co_return;
    scratch_.clear();
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, piece.size(), 16);
    scratch_.append(digits, r.ptr).append("\r\n").append(piece).append("\r\n");
    co_await send(scratch_);
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::write_head_until_close(response_head head)
{
    namespace bhttp = boost::beast::http;
    head.erase(bhttp::field::content_length);
    head.erase(bhttp::field::transfer_encoding);
    head.set(bhttp::field::connection, "close");
    chunked_ = false;
    until_close_ = true;
    if (h2_) {
        co_await write_head(std::move(head));
        co_return;
    }
    scratch_.clear();
    detail::append_head(scratch_, head);
    head_written_ = true;
    co_await send(scratch_);
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::finish()
{
    if (finished_)
        co_return;
    finished_ = true;
    if (h2_) {
        if (until_close_) // the body ends with the connection: its stream never ends
            h2_->connection->go_away();
        else
            h2_->connection->end_stream(*h2_);
        co_return;
    }
    if (chunked_)
        co_await send("0\r\n\r\n");
    else if (until_close_) // the close is the end of the body
        co_await session_->close_cleanly();
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::write_raw(std::string_view bytes)
{
    if (h2_) {
        if (!finished_) // after END_STREAM there is no frame to carry them
            co_await write_body(bytes);
        co_return;
    }
    head_written_ = true;
    co_await send(bytes);
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::sleep(std::chrono::milliseconds duration)
{
    if (h2_)
        co_await h2_->connection->sleep(*h2_, duration);
    else
        co_await session_->sleep(duration);
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::stall()
{
    if (h2_)
        co_await h2_->connection->stall(*h2_);
    else
        co_await session_->stall();
}

BEDROCK_DECL void response_writer::reset()
{
    reset_ = true;
    if (h2_)
        h2_->connection->reset_stream(*h2_);
    else
        session_->reset();
}

BEDROCK_DECL boost::asio::awaitable<void> response_writer::close_connection()
{
    if (h2_)
        h2_->connection->go_away();
    else
        co_await session_->close_cleanly();
}

BEDROCK_DECL void response_writer::truncate()
{
    session_->truncate();
    if (h2_)
        h2_->connection->shut_down();
}

BEDROCK_DECL boost::asio::awaitable<std::string> response_writer::read_body_some()
{
    if (!h2_ || !h2_->streaming)
        co_return std::string();
    co_return co_await h2_->connection->read_some(*h2_);
}

BEDROCK_DECL void response_writer::split_writes(std::size_t max_piece, std::uint32_t seed)
{
    max_piece_ = max_piece;
    rng_.seed(seed);
    if (h2_) // one socket carries every stream: the cut applies to the connection's writes
        h2_->connection->split_writes(max_piece, seed);
}

BEDROCK_DECL void response_writer::cork(bool on) { session_->cork(on); }

BEDROCK_DECL https_server::https_server(request_handler handler, server_options options)
    : own_context_(std::make_unique<boost::asio::io_context>(1)),
      impl_(std::make_shared<detail::server_impl>(own_context_->get_executor(), std::move(handler),
                                                  std::move(options)))
{
    impl_->start();
    thread_ = std::thread([ctx = own_context_.get()] { ctx->run(); });
}

BEDROCK_DECL https_server::https_server(boost::asio::any_io_executor ex, request_handler handler,
                                       server_options options)
    : impl_(std::make_shared<detail::server_impl>(std::move(ex), std::move(handler), std::move(options)))
{
    impl_->start();
}

BEDROCK_DECL https_server::~https_server()
{
    stop();
    if (thread_.joinable())
        thread_.join(); // the io_context runs out of work once every coroutine has unwound
}

BEDROCK_DECL void https_server::set_handler(request_handler handler) { impl_->set_handler(std::move(handler)); }

BEDROCK_DECL unsigned short https_server::port() const noexcept { return impl_->port(); }

BEDROCK_DECL std::string https_server::url() const
{
    return std::string(impl_->tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

BEDROCK_DECL std::string https_server::localhost_url() const
{
    return std::string(impl_->tls() ? "https" : "http") + "://localhost:" + std::to_string(port());
}

BEDROCK_DECL const std::string& https_server::ca_pem() const noexcept { return impl_->ca_pem(); }

BEDROCK_DECL std::size_t https_server::connections_accepted() const noexcept { return impl_->accepted.load(); }

BEDROCK_DECL std::size_t https_server::requests_served() const noexcept { return impl_->served.load(); }

BEDROCK_DECL std::size_t https_server::open_connections() const noexcept { return impl_->open.load(); }

BEDROCK_DECL void https_server::stop() { impl_->stop(); }

} // namespace bedrock::testing

#endif

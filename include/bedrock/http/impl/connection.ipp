#ifndef BEDROCK_HTTP_IMPL_CONNECTION_IPP
#define BEDROCK_HTTP_IMPL_CONNECTION_IPP

#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/endpoint.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#if defined(__unix__) || defined(__APPLE__)
#include <poll.h>
#endif

#include <charconv>

namespace bedrock::http::detail {

BEDROCK_DECL connection::connection(const executor_type& ex, boost::asio::ssl::context* tls)
    : socket_(ex), watchdog_(ex)
{
    if (tls)
        tls_.emplace(socket_, *tls);
}

BEDROCK_DECL void connection::arm(std::chrono::milliseconds limit, error kind, clock::time_point total)
{
    arm_until(limit.count() > 0 ? clock::now() + limit : clock::time_point::max(), kind, total);
}

BEDROCK_DECL void connection::arm_until(clock::time_point deadline, error kind, clock::time_point total)
{
    timeout_kind_ = kind;
    if (total < deadline) {
        deadline = total;
        timeout_kind_ = error::total_timeout;
    }
    deadline_ = deadline;
    if (deadline == clock::time_point::max())
        return;
    if (!watchdog_armed_ || watchdog_.expiry() > deadline)
        start_watchdog(deadline);
}

BEDROCK_DECL void connection::start_watchdog(clock::time_point at)
{
    watchdog_armed_ = true;
    watchdog_.expires_at(at); // a wait already pending completes with operation_aborted
    watchdog_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        if (ec) // re-armed or disarmed: the newer wait (if any) is in charge
            return;
        if (auto self = weak.lock())
            self->on_watchdog();
    });
}

BEDROCK_DECL void connection::on_watchdog()
{
    watchdog_armed_ = false;
    if (deadline_ == clock::time_point::max())
        return; // no I/O to bound
    if (clock::now() < deadline_) {
        start_watchdog(deadline_); // the deadline moved on since the timer was set
        return;
    }
    timed_out_ = true;
    if (resolver)
        resolver->cancel(); // name resolution ignores the socket
    close();
}

BEDROCK_DECL void connection::disarm() noexcept
{
    deadline_ = clock::time_point::max();
    if (watchdog_armed_) {
        watchdog_armed_ = false;
        watchdog_.cancel();
    }
}

BEDROCK_DECL void connection::disarm_soon()
{
    deadline_ = clock::time_point::max();
    if (!watchdog_armed_ || disarm_posted_)
        return;
    disarm_posted_ = true;
    boost::asio::post(socket_.get_executor(), [weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self)
            return;
        self->disarm_posted_ = false;
        if (!self->leased)
            self->disarm();
    });
}

BEDROCK_DECL boost::system::error_code connection::translate(boost::system::error_code ec) const noexcept
{
    if (timed_out_)
        return timeout_kind_;
    if (ec == boost::asio::ssl::error::stream_truncated)
        return boost::asio::error::eof;
    return ec;
}

inline void append_number(std::string& out, std::size_t n, int base = 10)
{
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, n, base);
    out.append(digits, r.ptr);
}

BEDROCK_DECL void connection::prepare_request(const request& req, const pool_options& options, bool unary)
{
    namespace bhttp = boost::beast::http;
    body_error_ = {};
    wbuf.clear();
    wbuf.append(req.method_string()).append(" ").append(req.target());
    wbuf.append(req.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
    for (const auto& field : req) {
        wbuf.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    const std::string& body = req.body();
    const bool chunked = req.chunked();
    // A string body has a known size: say so when the caller did not, for any method that carries
    // a body, so the server never waits for a close to find the end.
    if (!chunked && req.find(bhttp::field::content_length) == req.end() &&
        (!body.empty() || req.method() == bhttp::verb::post || req.method() == bhttp::verb::put ||
         req.method() == bhttp::verb::patch)) {
        wbuf.append("Content-Length: ");
        append_number(wbuf, body.size());
        wbuf.append("\r\n");
    }
    wbuf.append("\r\n");
    pending_body_ = {};
    if (chunked) {
        if (!body.empty()) {
            append_number(wbuf, body.size(), 16);
            wbuf.append("\r\n").append(body).append("\r\n");
        }
        wbuf.append("0\r\n\r\n");
    } else if (body.size() <= inline_body_limit) {
        wbuf.append(body);
    } else {
        pending_body_ = body;
    }

    expect_response(options, unary, req.method() == bhttp::verb::head);
}

BEDROCK_DECL void connection::prepare_request(const serialized_request& req, const pool_options& options, bool unary)
{
    body_error_ = {};
    wbuf.clear();
    req.write_head(req.source, req.context, wbuf);
    wbuf.append("\r\n");
    pending_body_ = {};
    if (req.body.size() <= inline_body_limit)
        wbuf.append(req.body);
    else
        pending_body_ = req.body;
    expect_response(options, unary, req.head_method);
}

BEDROCK_DECL void connection::expect_response(const pool_options& options, bool unary, bool head_method)
{
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(options.max_header_size));
    if (unary)
        parser->body_limit(options.max_body_size);
    else
        parser->body_limit(boost::none);
    if (head_method)
        parser->skip(true);
    ++requests;
}

BEDROCK_DECL bool connection::write_request_now(boost::system::error_code& ec)
{
    // Between requests an HTTP/1.1 connection has nothing in its send queue (the whole answer to
    // the last request came back, acknowledging it), and the kernel's send buffer starts at 16 KiB:
    // a request this small goes in whole without waiting. Should it not (a send buffer shrunk
    // below the default), the write waits in poll() for room as the peer acknowledges; it never
    // returns half done, which through TLS would lose the part of the record not written.
    constexpr std::size_t limit = 8 * 1024;
    if (!pending_body_.empty() || wbuf.size() > limit)
        return false;
    // After take_arrived_records() the socket is non-blocking for Asio's synchronous calls too, and
    // a TLS write cut short there loses data; switching it back costs two ioctls: write later.
    if (non_blocking_)
        return false;
    if (tls_)
        boost::asio::write(*tls_, boost::asio::buffer(wbuf), ec);
    else
        boost::asio::write(socket_, boost::asio::buffer(wbuf), ec);
    return true;
}

BEDROCK_DECL void connection::hold_tls_buffers(bool hold) noexcept
{
    if (!tls_)
        return;
    if (hold)
        SSL_clear_mode(tls_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    else
        SSL_set_mode(tls_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
}

BEDROCK_DECL bool connection::holds_tls_buffers() const noexcept
{
    SSL* ssl = native_tls_handle();
    return ssl && (SSL_get_mode(ssl) & SSL_MODE_RELEASE_BUFFERS) == 0;
}

inline boost::system::error_code translate_parse_error(boost::system::error_code ec) noexcept
{
    if (ec == boost::beast::http::error::body_limit)
        return error::body_too_large;
    if (ec == boost::beast::http::error::header_limit)
        return error::header_too_large;
    return ec;
}

BEDROCK_DECL boost::system::error_code connection::parse_head()
{
    boost::system::error_code ec;
    while (!parser->is_header_done() && rbuf.size() > 0) {
        const std::size_t used = parser->put(rbuf.data(), ec);
        rbuf.consume(used);
        if (ec == boost::beast::http::error::need_more)
            return {};
        if (ec)
            return translate_parse_error(ec);
        if (used == 0)
            break;
    }
    return {};
}

BEDROCK_DECL std::size_t connection::parse_body(char* data, std::size_t size, boost::system::error_code& ec)
{
    if (body_error_) { // met after the bytes handed out last time
        ec = std::exchange(body_error_, {});
        return 0;
    }
    auto& body = parser->get().body();
    body.data = data;
    body.size = size;
    body.more = true;
    ec = {};
    while (!parser->is_done() && rbuf.size() > 0) {
        const std::size_t used = parser->put(rbuf.data(), ec);
        rbuf.consume(used);
        if (ec == boost::beast::http::error::need_buffer || ec == boost::beast::http::error::need_more) {
            ec = {};
            break;
        }
        if (ec) {
            ec = translate_parse_error(ec);
            break;
        }
        if (used == 0)
            break;
    }
    const std::size_t written = size - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec && written > 0) { // the good bytes before a malformed chunk first; the error next time
        body_error_ = std::exchange(ec, {});
    }
    return written;
}

BEDROCK_DECL boost::system::error_code connection::on_eof(bool truncated)
{
    // Without close_notify the end of the connection says nothing about the end of the body: that
    // is the truncation close_notify exists to reveal. A body delimited by the close would otherwise
    // be taken as complete, cut anywhere (a body with a length or chunks is found incomplete by the
    // parser either way).
    if (truncated && parser->need_eof())
        return boost::asio::ssl::error::stream_truncated;
    boost::system::error_code ec;
    parser->put_eof(ec);
    return ec;
}

BEDROCK_DECL bool connection::reusable() const noexcept
{
    return parser && parser->is_done() && parser->keep_alive() && rbuf.size() == 0 && !tls_input_pending() &&
           !arrived_error_ && socket_.is_open() && !timed_out_;
}

BEDROCK_DECL bool connection::tls_input_pending() const noexcept
{
    // A server that sends more than its Content-Length in a TLS record of its own: when that record
    // came in the same socket read as the response's last one, it waits in the TLS layer (the read
    // returned one record), unseen by rbuf and by the idle poll. Reused, the connection would hand
    // those bytes to the next request as its answer.
    SSL* ssl = native_tls_handle();
    return ssl && (SSL_has_pending(ssl) == 1 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0);
}

BEDROCK_DECL void connection::take_arrived_records()
{
    // Bounded by what the TLS layer holds (its input buffers, about two records' worth) and by a
    // few records more that may have arrived on the socket meanwhile. Only into the room rbuf
    // already has: growing it here would allocate on a path that otherwise allocates nothing.
    constexpr int max_records = 64;
    constexpr std::size_t least_room = 1024;
    if (!tls_ || arrived_error_)
        return;
    for (int i = 0; i < max_records && rbuf.capacity() - rbuf.size() >= least_room && tls_input_pending(); ++i) {
        boost::system::error_code ec;
        if (!non_blocking_) {
            socket_.non_blocking(true, ec);
            if (ec)
                return;
            non_blocking_ = true;
        }
        const std::size_t n = tls_->read_some(rbuf.prepare(rbuf.capacity() - rbuf.size()), ec);
        rbuf.commit(n);
        if (ec == boost::asio::error::would_block)
            return; // the rest of a record is still on its way
        if (ec) {
            arrived_error_ = ec;
            return;
        }
    }
}

BEDROCK_DECL bool connection::readable_while_idle() noexcept
{
    if (!socket_.is_open())
        return true;
#if defined(__unix__) || defined(__APPLE__)
    pollfd pfd{};
    pfd.fd = socket_.native_handle();
    pfd.events = POLLIN;
    return ::poll(&pfd, 1, 0) != 0;
#else
    return false;
#endif
}

BEDROCK_DECL void connection::close() noexcept
{
    boost::system::error_code ignored;
    socket_.close(ignored);
    disarm();
}

BEDROCK_DECL boost::system::error_code connection::handshake_error(boost::system::error_code ec) noexcept
{
    if (tls_) {
        const long verify = SSL_get_verify_result(tls_->native_handle());
        if (verify != X509_V_OK)
            return {static_cast<int>(verify), tls_verify_category()};
    }
    return ec;
}

BEDROCK_DECL boost::system::error_code prepare_tls(SSL* ssl, const std::string& host, bool verify) noexcept
{
    const auto openssl_error = [] {
        return boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                         boost::asio::error::get_ssl_category());
    };
    const bool ip = is_ip_literal(host);
    if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
        return openssl_error();
    if (!verify)
        return {};
    // OpenSSL checks the name during the handshake, so a mismatch is reported as
    // X509_V_ERR_HOSTNAME_MISMATCH / X509_V_ERR_IP_ADDRESS_MISMATCH rather than a bare failure.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    if (ok != 1)
        return openssl_error();
    return {};
}

} // namespace bedrock::http::detail

#endif

#ifndef BEDROCK_HTTP_IMPL_CONNECT_OP_HPP
#define BEDROCK_HTTP_IMPL_CONNECT_OP_HPP

// Opening a connection: resolve, TCP connect, optional proxy CONNECT tunnel, TLS handshake.

#include <bedrock/http/detail/connection.hpp>
#include <bedrock/http/detail/pool.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

namespace bedrock::http::detail {

/// Inner operations see terminal cancellation only: Asio's SSL stream forwards nothing else, and for
/// an HTTP/1.1 connection partial cancellation means the same thing (close it).
struct partial_as_terminal {
    boost::asio::cancellation_type_t operator()(boost::asio::cancellation_type_t type) const noexcept
    {
        return type != boost::asio::cancellation_type::none ? boost::asio::cancellation_type::terminal
                                                             : boost::asio::cancellation_type::none;
    }
};

/// Completion: void(error_code). Never completes inline: its first step is always asynchronous.
/// Cancellation: terminal (through the child slot; resolution is cancelled by hand, since the
/// resolver ignores cancellation slots).
class connect_op {
public:
    connect_op(pool_impl& pool, connection& conn, const timeouts& limits, clock::time_point total) noexcept
        : pool_(&pool), conn_(&conn), limits_(limits), total_(total)
    {
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec,
                    boost::asio::ip::tcp::resolver::results_type results)
    {
        results_ = std::move(results);
        (*this)(self, ec, std::size_t{0});
    }

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0)
    {
        namespace asio = boost::asio;
        connection& c = *conn_;
        const bool cancelled = self.cancelled() != asio::cancellation_type::none;
        switch (state_) {
        case state::start: {
            deadline_ = limits_.connect.count() > 0 ? clock::now() + limits_.connect : clock::time_point::max();
            const bool via_proxy = pool_->proxy.has_value();
            const std::string& host = via_proxy ? pool_->proxy->host : pool_->target.host;
            const auto port = via_proxy ? pool_->proxy->port : pool_->target.port;
            c.resolver.emplace(c.get_executor());
            // The connection's watchdog bounds resolution too (it cancels the resolver). The
            // resolver ignores cancellation slots: the slot cancels it by hand.
            c.arm_until(deadline_, error::connect_timeout, total_);
            auto slot = self.get_cancellation_state().slot();
            if (slot.is_connected())
                slot.assign([resolver = &*c.resolver](asio::cancellation_type_t) { resolver->cancel(); });
            state_ = state::resolved;
            auto flags = asio::ip::resolver_base::numeric_service;
            if (is_ip_literal(host))
                flags |= asio::ip::resolver_base::numeric_host;
            c.resolver->async_resolve(host, std::to_string(port), flags, std::move(self));
            return;
        }
        case state::resolved:
            if (cancelled)
                return self.complete(asio::error::operation_aborted);
            if (ec)
                return self.complete(c.translate(ec));
            if (results_.empty())
                return self.complete(asio::error::host_not_found);
            next_ = results_.begin();
            return connect_next(self);
        case state::connected:
            if (cancelled)
                return self.complete(asio::error::operation_aborted);
            if (ec) {
                ec = c.translate(ec);
                // Another address of the name may work (localhost: ::1, then 127.0.0.1).
                if (!is_timeout(ec) && ++next_ != results_.end())
                    return connect_next(self);
                return self.complete(ec);
            }
            results_ = {};
            c.resolver.reset();
            c.socket().set_option(asio::ip::tcp::no_delay(true), ec);
            if (!pool_->proxy)
                return handshake(self);
            write_connect_request();
            state_ = state::proxy_written;
            asio::async_write(c.socket(), asio::buffer(c.wbuf), std::move(self));
            return;
        case state::proxy_written:
            if (cancelled)
                return self.complete(asio::error::operation_aborted);
            if (ec)
                return self.complete(c.translate(ec));
            c.parser.emplace();
            c.parser->skip(true); // a 2xx answer to CONNECT has no body, whatever its headers say
            c.parser->header_limit(static_cast<std::uint32_t>(pool_->options.max_header_size));
            return read_proxy_answer(self);
        case state::proxy_reading:
            c.rbuf.commit(n);
            if (cancelled)
                return self.complete(asio::error::operation_aborted);
            if (ec) {
                ec = c.translate(ec);
                return self.complete(ec == asio::error::eof ? error::proxy_connect_failed : ec);
            }
            return read_proxy_answer(self);
        case state::handshaken:
            if (cancelled)
                return self.complete(asio::error::operation_aborted);
            if (ec) {
                ec = c.translate(ec);
                if (!is_timeout(ec))
                    ec = c.handshake_error(ec);
                return self.complete(ec);
            }
            return self.complete(boost::system::error_code{});
        }
    }

private:
    enum class state { start, resolved, connected, proxy_written, proxy_reading, handshaken };

    void write_connect_request()
    {
        connection& c = *conn_;
        const std::string authority = host_header_with_port();
        c.wbuf.clear();
        c.wbuf.append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ").append(authority).append("\r\n");
        if (!pool_->proxy->authorization.empty())
            c.wbuf.append("Proxy-Authorization: ").append(pool_->proxy->authorization).append("\r\n");
        c.wbuf.append("\r\n");
        c.arm_until(deadline_, error::connect_timeout, total_);
    }

    std::string host_header_with_port() const
    {
        const auto& t = pool_->target;
        std::string s = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
        return s.append(":").append(std::to_string(t.port));
    }

    template <class Self>
    void read_proxy_answer(Self& self)
    {
        connection& c = *conn_;
        if (auto ec = c.parse_head())
            return self.complete(ec == error::header_too_large ? ec : error::proxy_connect_failed);
        if (!c.parser->is_header_done()) {
            state_ = state::proxy_reading;
            c.socket().async_read_some(c.rbuf.prepare(read_chunk), std::move(self));
            return;
        }
        const unsigned status = c.parser->get().result_int();
        // Bytes after the answer would be the proxy speaking for the server before TLS started.
        if (status < 200 || status > 299 || c.rbuf.size() != 0)
            return self.complete(boost::system::error_code(error::proxy_connect_failed));
        c.parser.reset();
        handshake(self);
    }

    // One address at a time (not asio's range connect, which would go on to the next address after
    // the watchdog closed the socket).
    template <class Self>
    void connect_next(Self& self)
    {
        connection& c = *conn_;
        boost::system::error_code ignored;
        c.socket().close(ignored);
        state_ = state::connected;
        c.socket().async_connect(next_->endpoint(), std::move(self));
    }

    template <class Self>
    void handshake(Self& self)
    {
        connection& c = *conn_;
        if (!c.is_tls())
            return self.complete(boost::system::error_code{});
        const bool verify = pool_->options.tls &&
                            (SSL_CTX_get_verify_mode(pool_->options.tls->native_handle()) & SSL_VERIFY_PEER) != 0;
        if (auto ec = prepare_tls(c.native_tls_handle(), pool_->target.host, verify))
            return self.complete(ec);
        c.arm(limits_.tls_handshake, error::tls_handshake_timeout, total_);
        state_ = state::handshaken;
        c.tls_stream().async_handshake(boost::asio::ssl::stream_base::client, std::move(self));
    }

    pool_impl* pool_;
    connection* conn_;
    timeouts limits_;
    clock::time_point total_;
    clock::time_point deadline_{};
    boost::asio::ip::tcp::resolver::results_type results_;
    boost::asio::ip::tcp::resolver::results_type::const_iterator next_;
    state state_ = state::start;
};

/// connect_op behind one type-erased handler, so that its operation (and the resolver's, the
/// socket's and the TLS handshake's under it) is compiled once, not once per caller: the HTTP/1.1
/// exchange, the streamed exchange and the HTTP/2 connection each instantiated it with their own
/// handler. A connection is opened rarely; the erasure's one allocation is nothing beside a
/// handshake. Completes on the pool's executor (or the handler's associated executor), never inline.
BEDROCK_DECL void async_connect(pool_impl& pool, connection& conn, const timeouts& limits, clock::time_point total,
                                boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

} // namespace bedrock::http::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/connect_op.ipp>
#endif

#endif

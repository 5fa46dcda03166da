#ifndef BEDROCK_HTTP_CONNECTION_POOL_HPP
#define BEDROCK_HTTP_CONNECTION_POOL_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/http/response_stream.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>

#include <memory>
#include <string_view>

namespace bedrock::http {

namespace detail {
class pool_impl;
}

/// HTTP/1.1 keep-alive connections to one endpoint (TLS, or plain TCP for http:// endpoints).
///
/// Bounded: at most `max_connections` are open; further requests wait in FIFO order. Idle ones are
/// reused newest first and closed after `idle_timeout`. A request that meets a dead pooled connection
/// (the server closed it while idle: the write or read fails with end of file or reset before any
/// response byte) is retried once, transparently, on a fresh connection.
///
/// Not thread-safe: use it from one thread, or one strand, like any Asio I/O object. Operations
/// started from another thread move to the pool's executor first. Requests and responses passed by
/// reference must outlive the operation (with the default `asio::deferred` token: until it has been
/// awaited and has completed).
class connection_pool {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Never throws on bad configuration: a bad endpoint, TLS options or proxy is reported by every
    /// request (error::bad_endpoint, error::bad_tls_options, error::bad_proxy).
    BEDROCK_DECL connection_pool(executor_type ex, const endpoint& target, pool_options options = {});
    BEDROCK_DECL connection_pool(executor_type ex, std::string_view url, pool_options options = {});
    /// Closes the pool (see close()); operations in flight still finish.
    BEDROCK_DECL ~connection_pool();
    connection_pool(connection_pool&&) noexcept = default;
    connection_pool& operator=(connection_pool&&) noexcept = default;

    BEDROCK_DECL executor_type get_executor() const noexcept;
    BEDROCK_DECL const endpoint& target() const noexcept;

    /// Sends `req` and reads the whole response into `res` (its body capped at max_body_size).
    /// Completion: `void(error_code)`. Errors: the named timeouts, error::body_too_large,
    /// error::header_too_large, error::pool_closed, socket/TLS errors (certificate refusals in
    /// tls_verify_category()), Beast parser errors. The request is written as given (Host included,
    /// as the caller signed it); Content-Length is added when missing.
    ///
    /// Cancellation: terminal and partial at any step, total too while waiting for a connection
    /// (nothing has been sent then). The operation completes with operation_aborted; a connection in
    /// use is closed (never pooled), a place in the queue given up. Once writing has started the
    /// request may or may not have reached the server.
    template <class Token = boost::asio::deferred_t>
    auto async_exchange(const request& req, response& res, const timeouts& limits, Token&& token = {});

    /// async_exchange of a request the operation owns, completing a type-erased handler. The
    /// exchange behind it is instantiated once, in the library (its connect, TLS, write and read
    /// operations are a large part of what a completion token costs to compile), for the callers
    /// that do not need a token of their own: the HTTP/1.1 transport and the credential providers.
    BEDROCK_DECL void async_exchange_owned(std::unique_ptr<request> req, response& res, const timeouts& limits,
                                           boost::asio::any_completion_handler<void(boost::system::error_code)> handler);
    /// The same for a request its caller writes out (see serialized_request: what it refers to
    /// must outlive the operation). Compiled once, with async_exchange_owned.
    /// `handler_on_pool_executor`: the handler's executor is the pool's (transport::same_executor),
    /// so the exchange completes it there directly; otherwise, as for async_exchange_owned, through
    /// its own executor.
    BEDROCK_DECL void async_exchange_serialized(const serialized_request& req, response& res,
                                                const timeouts& limits,
                                                boost::asio::any_completion_handler<void(boost::system::error_code)> handler,
                                                bool handler_on_pool_executor = false);

    /// async_open of a request the operation owns, completing a type-erased handler once the head
    /// is in, with the stream put into `out` (which must outlive the operation). The same compiled
    /// exchange as async_exchange_owned: the transport's unary calls and stream opens instantiate
    /// the connection's Asio operations once between them.
    BEDROCK_DECL void async_open_owned(std::unique_ptr<request> req, response_stream& out, const timeouts& limits,
                                       boost::asio::any_completion_handler<void(boost::system::error_code)> handler);

    /// Sends `req`, reads the response head (status and headers) and completes with
    /// `void(error_code, response_stream)`; the body is then read with response_stream::async_read_some.
    /// The body is not capped. The status is not interpreted: a 4xx/5xx head is a success here.
    /// Cancellation: as async_exchange.
    template <class Token = boost::asio::deferred_t>
    auto async_open(const request& req, const timeouts& limits, Token&& token = {});

    /// Closes idle connections and fails waiting requests with error::pool_closed; connections in
    /// use are closed when their exchange ends. Later requests fail with error::pool_closed.
    BEDROCK_DECL void close();

    BEDROCK_DECL pool_stats stats() const noexcept;

private:
    std::shared_ptr<detail::pool_impl> impl_;
};

} // namespace bedrock::http

#include <bedrock/http/impl/connection_pool.hpp>

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/http/impl/connection_pool.ipp>
#endif

#endif

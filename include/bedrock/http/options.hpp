#ifndef BEDROCK_HTTP_OPTIONS_HPP
#define BEDROCK_HTTP_OPTIONS_HPP

#include <bedrock/core/timeouts.hpp>
#include <bedrock/http/proxy.hpp>

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace bedrock::http {

/// The named timeouts of one exchange: the library's one timeouts type (bedrock/core/timeouts.hpp),
/// which is also config::timeout. The transport reads all but `first_event`.
using timeouts = bedrock::timeouts;

/// Configuration of a connection_pool.
struct pool_options {
    /// Open connections (including those being opened) at most; further requests wait in FIFO order.
    std::size_t max_connections = 16;
    /// Pooled connections idle longer than this are closed: at the pool's next use (taking or
    /// returning a connection), or by a background timer if `evict_in_background`.
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
    /// Also close idle connections on time with a timer, even when the pool is not used. Off by
    /// default because a pending timer keeps `io_context::run()` from returning while connections
    /// idle; turn it on for long-lived programs that want sockets closed promptly.
    bool evict_in_background = false;
    /// Unary responses with a larger body fail with error::body_too_large.
    std::size_t max_body_size = 64 * 1024 * 1024;
    /// Responses with a larger status line + headers fail with error::header_too_large.
    std::size_t max_header_size = 64 * 1024;
    /// While at most this many connections are open, a response stream's connection keeps its TLS
    /// record buffers (about 34 KiB) between reads, as a unary exchange always does: an event that
    /// arrives alone then costs no 16 KiB allocation and free. Beyond it (thousands of streams,
    /// mostly idle between events) each stream's connection lets them go while it waits.
    std::size_t tls_buffers_held_up_to = 64;
    /// The client TLS context for https endpoints; null: `make_tls_context()` defaults.
    std::shared_ptr<boost::asio::ssl::context> tls;
    /// Proxy for https endpoints (see proxy_settings_from_environment()).
    proxy_settings proxy;
};

/// Counters for tests and diagnostics.
struct pool_stats {
    std::size_t opened = 0;  ///< connections opened (TCP + TLS handshake succeeded)
    std::size_t reused = 0;  ///< requests sent on an already used connection
    std::size_t retried = 0; ///< requests retried on a fresh connection after a dead pooled one
    std::size_t evicted = 0; ///< idle connections closed (idle timeout, or found dead before reuse)
    std::size_t live = 0;    ///< connections open or being opened now
    std::size_t idle = 0;    ///< of which idle in the pool
    std::size_t waiting = 0; ///< requests waiting for a connection
};

} // namespace bedrock::http

#endif

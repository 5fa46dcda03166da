#ifndef BEDROCK_CORE_TIMEOUTS_HPP
#define BEDROCK_CORE_TIMEOUTS_HPP

// The named timeouts: one type for the client's configuration (config::timeout) and the transport
// (http::timeouts, the limits of one exchange), which the client hands over as they are.

#include <chrono>

namespace bedrock {

/// Named timeouts. A zero duration disables that timeout. The transport enforces each with a timer
/// that closes the connection when it fires; the operation then fails with the matching
/// http::error (connect_timeout, tls_handshake_timeout, ...).
struct timeouts {
    /// Name resolution + TCP connect (+ the proxy's CONNECT tunnel), when a new connection is needed.
    std::chrono::milliseconds connect{5'000};
    /// The TLS handshake of a new connection.
    std::chrono::milliseconds tls_handshake{10'000};
    /// From the request written to the first byte of the response head. A unary converse answers
    /// only once the model has finished, so this is long by default.
    std::chrono::milliseconds first_byte{600'000};
    /// Longest wait without progress: writing the request, the rest of the head after its first
    /// byte, and each body read (between two reads of a streamed body).
    std::chrono::milliseconds idle{120'000};
    /// Event streams: response head → first event. Separate from `idle` because a model may think
    /// long before its first token, and a stalled start is worth telling from a stall mid-answer.
    /// Enforced by the client's event streams; the transport does not read it.
    std::chrono::milliseconds first_event{300'000};
    /// One attempt: the whole exchange, from the call (waiting for a pooled connection included) to
    /// the end of the body (for a response_stream: until the body has been read to its end).
    std::chrono::milliseconds total{900'000};
};

} // namespace bedrock

#endif

#ifndef BEDROCK_AUTH_EVENT_SIGNER_HPP
#define BEDROCK_AUTH_EVENT_SIGNER_HPP

// SigV4 signing of the events a client sends on a bidirectional stream ("AWS4-HMAC-SHA256-PAYLOAD"),
// as InvokeModelWithBidirectionalStream needs. Each event (an encoded event-stream message) is wrapped
// in an outer message whose two headers are `:date` and `:chunk-signature`; each signature chains on
// the previous one, starting from the signature of the HTTP request (the seed). After the last event
// the client sends one more signed message with an empty payload, the end frame.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/error.hpp>
#include <bedrock/auth/impl/crypto.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/eventstream/message.hpp>

#include <boost/system/error_code.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::auth {

/// A 32-byte SigV4 signature.
using signature_bytes = std::array<std::uint8_t, 32>;

/// Parses 64 hex digits (either case) into `out`. Error: invalid_signature.
BEDROCK_DECL boost::system::error_code parse_signature(std::string_view hex,
                                                       signature_bytes& out) noexcept;

/// The two headers of one signed outer message.
struct event_signature {
    eventstream::timestamp date; ///< `:date`, milliseconds since the epoch
    signature_bytes signature;   ///< `:chunk-signature`, raw bytes
};

/// Signs the messages of one input event stream, in order. Not thread-safe; one per stream.
class event_signer {
public:
    /// `seed` is the `Signature=` of the signed HTTP request (signing_result::signature). Throws
    /// boost::system::system_error(invalid_signature) when it is not 64 hex digits; use
    /// parse_signature and the other constructor to avoid the exception.
    BEDROCK_DECL event_signer(std::string_view seed, credentials creds, std::string region,
                              std::string service = "bedrock");

    BEDROCK_DECL event_signer(const signature_bytes& seed, credentials creds, std::string region,
                              std::string service = "bedrock");

    /// Signs the next message, whose payload is `payload` (the encoded inner message; empty for the
    /// end frame), as of `now`. `:date` keeps the milliseconds of `now`, as the JS SDK does; the
    /// string to sign uses whole seconds. Pass floor<seconds>(now) to send a whole-second `:date`
    /// (smithy-rs). On success the result becomes the prior signature of the next message.
    BEDROCK_DECL boost::system::error_code sign(eventstream::byte_view payload,
                                                std::chrono::system_clock::time_point now,
                                                event_signature& out);

    /// Signs and appends the whole outer frame (`:date`, then `:chunk-signature`, then the payload) to
    /// `out`. On an encoding error nothing is appended and the chain is left as it was.
    BEDROCK_DECL boost::system::error_code sign_frame(eventstream::byte_view payload,
                                                      std::chrono::system_clock::time_point now,
                                                      std::vector<std::uint8_t>& out);

    /// The end frame: the signed message with an empty payload that closes the input stream.
    boost::system::error_code sign_end_frame(std::chrono::system_clock::time_point now,
                                             std::vector<std::uint8_t>& out)
    {
        return sign_frame({}, now, out);
    }

    /// The lower-level step: signs `encoded_headers` (hashed as given; normally the 15-byte encoded
    /// `:date`) and `payload` at `signing_time` (whole seconds are used), chaining like sign().
    BEDROCK_DECL boost::system::error_code sign_raw(eventstream::byte_view encoded_headers,
                                                    eventstream::byte_view payload,
                                                    std::chrono::system_clock::time_point signing_time,
                                                    signature_bytes& out);

    /// Replaces the credentials (after a refresh); the chain continues.
    BEDROCK_DECL void set_credentials(credentials creds);

    /// The signature the next message chains on, lowercase hex.
    std::string_view prior_signature() const noexcept { return {prior_.data(), prior_.size()}; }

    /// The string to sign of the last message, for tests and debugging.
    const std::string& string_to_sign() const noexcept { return string_to_sign_; }

    /// How many times the signing key has been derived (once per UTC day in practice).
    std::uint64_t key_derivations() const noexcept { return keys_.derivations(); }

private:
    credentials creds_;
    std::string region_;
    std::string service_;
    std::array<char, 64> prior_{};
    std::string string_to_sign_;
    detail::sha256 sha_;
    detail::signing_key_cache keys_;
};

/// The 15 bytes of an encoded `:date` header: name length 5, ":date", type 8, int64 big-endian ms.
BEDROCK_DECL std::array<std::uint8_t, 15> encode_date_header(eventstream::timestamp t) noexcept;

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/auth/impl/event_signer.ipp>
#endif

#endif

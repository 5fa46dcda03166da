#ifndef BEDROCK_TESTING_EVENT_CHAIN_VERIFIER_HPP
#define BEDROCK_TESTING_EVENT_CHAIN_VERIFIER_HPP

// Server-side check of a bidirectional stream's signed input frames, sans-I/O: each outer message
// (`:date` + `:chunk-signature`, the inner message as payload) must carry the signature chained on
// the previous one, the first on the HTTP request's `Signature=` (the seed), as
// ../shared/vectors/EVENT_SIGNING.md describes. The signatures are recomputed with the client's own
// chunk signer (auth::event_signer::sign_raw).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/event_signer.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/eventstream/message.hpp>

#include <chrono>
#include <string>

namespace bedrock::testing {

/// Why a frame was refused.
enum class chain_failure {
    none,
    unsigned_frame,  ///< `:date` (timestamp) or `:chunk-signature` (32 bytes) missing or mistyped
    date_skew,       ///< `:date` too far from the server's clock
    bad_signature,   ///< the chain is broken: not the signature this frame should carry
    after_end,       ///< a frame after the end frame (the signed empty one)
};

/// The outcome of one frame.
struct chain_step {
    chain_failure failure = chain_failure::none;
    std::string message;           ///< why, for the validationException; empty when accepted
    eventstream::byte_view inner;  ///< the payload: the inner message (empty for the end frame)
    bool end_of_stream = false;    ///< this was the end frame

    bool ok() const noexcept { return failure == chain_failure::none; }
};

/// Verifies the frames of one input stream, in order. A failure is final: every later frame fails
/// the same way. Not thread-safe; one per stream.
class event_chain_verifier {
public:
    /// `seed`: the request's signature; `creds`: the signer's key pair (the session token plays no part).
    BEDROCK_DECL event_chain_verifier(const auth::signature_bytes& seed, auth::credentials creds, std::string region,
                                      std::string service = "bedrock",
                                      std::chrono::seconds max_skew = std::chrono::minutes(5));

    /// Checks the next outer message as of the server's clock `now`.
    BEDROCK_DECL chain_step verify(const eventstream::message_view& outer, std::chrono::system_clock::time_point now);

    bool ended() const noexcept { return ended_; }
    /// Frames accepted so far (the end frame included).
    std::size_t frames() const noexcept { return frames_; }

private:
    auth::event_signer signer_;
    std::chrono::seconds max_skew_;
    chain_step failed_;
    std::size_t frames_ = 0;
    bool ended_ = false;
};

} // namespace bedrock::testing

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/event_chain_verifier.ipp>
#endif

#endif

#ifndef BEDROCK_TESTING_SIGNATURE_VERIFIER_HPP
#define BEDROCK_TESTING_SIGNATURE_VERIFIER_HPP

// Server-side check of a request's SigV4 signature or bearer token, sans-I/O: what the AWS front
// end does before Bedrock sees a request, answered with the same error types and messages. The
// signature is recomputed with the library's own signer (auth::signer), over exactly the headers the
// request says it signed, with their received values.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/detail/config.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing {

/// A request as a server received it. Views: valid for the duration of the call only.
struct received_request {
    std::string_view method = "POST";
    std::string_view target = "/"; ///< path and query exactly as on the request line
    /// Every header as received, in order, names in any case. `:authority` (HTTP/2) and `host`
    /// (HTTP/1.1) stand in for each other, so a request signed for one verifies when sent with the other.
    std::span<const auth::http_header> headers;
    std::string_view body;
};

/// Why a request was refused. Each maps to the error type AWS sends (see error_type_name).
enum class auth_failure {
    none,                         ///< accepted
    missing_authentication_token, ///< no Authorization header: MissingAuthenticationTokenException
    incomplete_signature,         ///< malformed Authorization / missing date: IncompleteSignatureException
    invalid_signature,            ///< wrong signature, scope or payload hash: InvalidSignatureException
    signature_expired,            ///< x-amz-date too far from the clock: InvalidSignatureException
    unrecognized_client,          ///< unknown access key, session token or bearer token: UnrecognizedClientException
};

/// The outcome of verify().
struct verification_result {
    auth_failure failure = auth_failure::none;
    std::string message;       ///< AWS's wording; empty when accepted
    std::string access_key_id; ///< who signed (SigV4), when it could be read
    bool bearer = false;       ///< accepted (or refused) as a bearer token

    bool ok() const noexcept { return failure == auth_failure::none; }
    explicit operator bool() const noexcept { return ok(); }
};

/// "InvalidSignatureException", ...; empty for auth_failure::none.
BEDROCK_DECL std::string_view error_type_name(auth_failure f) noexcept;

/// The HTTP status AWS answers a refusal with (403 for each of them).
inline unsigned http_status(auth_failure f) noexcept { return f == auth_failure::none ? 200 : 403; }

/// Looks up the credentials of an access key id; nullopt for an unknown key. When the returned
/// credentials carry a session token, requests must send it as x-amz-security-token.
using credentials_lookup = std::function<std::optional<auth::credentials>(std::string_view access_key_id)>;

/// A lookup over a fixed list.
BEDROCK_DECL credentials_lookup credentials_list(std::vector<auth::credentials> accepted);

struct verifier_options {
    std::string region = "us-east-1";
    std::string service = "bedrock"; ///< Bedrock Runtime's signing name
    credentials_lookup credentials;  ///< empty: every access key is unknown
    std::vector<std::string> bearer_tokens; ///< accepted `Authorization: Bearer <token>` values
    std::chrono::seconds max_skew{15 * 60}; ///< how far x-amz-date may be from the clock (AWS: 15 min)
};

/// Verifies requests against one region and service. Not thread-safe (it keeps a signer and its
/// buffers): one verifier per thread or strand.
///
/// Checks, in AWS's order: an Authorization header (else missing token); a bearer token from the
/// list; the AWS4-HMAC-SHA256 form with Credential, SignedHeaders and Signature, an x-amz-date in
/// ISO 8601 basic form and `host`/`:authority` among the signed headers (else incomplete); a known
/// access key (and its session token); the scope's date, region, service and terminator; the date
/// within max_skew of `now`; x-amz-content-sha256, when sent and not UNSIGNED-PAYLOAD or
/// STREAMING-*, equal to the body's hash (it is then the payload hash that was signed); finally the
/// signature itself, whose mismatch message carries the canonical request and string to sign the
/// server expected, as AWS's does.
class signature_verifier {
public:
    BEDROCK_DECL explicit signature_verifier(verifier_options options);

    const verifier_options& options() const noexcept { return options_; }

    /// Verifies `req` as of the server's clock `now`.
    BEDROCK_DECL verification_result verify(const received_request& req,
                                            std::chrono::system_clock::time_point now);

private:
    verifier_options options_;
    auth::signer signer_;
    auth::signing_result signed_;
    std::vector<auth::http_header> headers_;
    std::vector<std::string> query_storage_;
    std::vector<auth::query_parameter> query_;
};

} // namespace bedrock::testing

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/signature_verifier.ipp>
#endif

#endif

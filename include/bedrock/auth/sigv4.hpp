#ifndef BEDROCK_AUTH_SIGV4_HPP
#define BEDROCK_AUTH_SIGV4_HPP

// AWS Signature Version 4 (header signing, "AWS4-HMAC-SHA256"), sans-I/O: the signer sees a
// description of the request and returns the headers to add. It never reads the clock, the
// environment or the network.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/error.hpp>
#include <bedrock/auth/impl/crypto.hpp>
#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock::auth {

/// A header of the request (name in any case), or one the signer adds.
struct http_header {
    std::string_view name;
    std::string_view value;
};

/// A query parameter, not yet encoded: the signer applies SigV4's encoding itself.
struct query_parameter {
    std::string_view name;
    std::string_view value;
};

/// Payload hash for a body that is not signed (the service must allow it).
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
/// Payload hash of a request whose body is a signed event stream (see event_signer.hpp).
inline constexpr std::string_view streaming_events_payload = "STREAMING-AWS4-HMAC-SHA256-EVENTS";

/// What gets signed. Every view must stay valid for the duration of signer::sign only.
struct request {
    std::string_view method = "POST";
    /// The path exactly as sent on the wire, already URI-encoded (see uri_encode).
    std::string_view path = "/";
    std::span<const query_parameter> query;
    /// The headers to sign, `host` (HTTP/1.1) or `:authority` (HTTP/2) among them. Every header here
    /// is signed; leave out those a proxy may rewrite (user-agent, ...). Header names that the signer
    /// writes itself are ignored here: authorization and x-amz-date always, x-amz-security-token
    /// when the credentials carry a token, x-amz-content-sha256 when the options ask for it.
    std::span<const http_header> headers;
    /// The body; hashed unless `payload_hash` is set.
    std::string_view body;
    /// Used as the payload hash instead of hashing `body` when not empty: a precomputed hex SHA-256,
    /// unsigned_payload or streaming_events_payload.
    std::string_view payload_hash;
};

/// How requests are signed. The defaults suit Bedrock (and every service but S3).
struct signing_options {
    std::string region;
    std::string service = "bedrock";
    /// Canonical URI = the wire path URI-encoded once more, so `%3A` is signed as `%253A`.
    bool double_encode_path = true;
    /// Remove `.` and `..` segments and empty segments (`//`) from the path before encoding it.
    bool normalize_path = true;
    /// Add and sign `x-amz-content-sha256` (S3 requires it; the JS SDK sends it to Bedrock too).
    bool add_content_sha256 = false;
    /// Send the session token unsigned (added after signing), as some services require.
    bool omit_session_token = false;
};

/// The outcome of signing one request. Reuse one object across calls to keep its buffers.
struct signing_result {
    std::string amz_date;         ///< x-amz-date value, YYYYMMDD'T'HHMMSS'Z'
    std::string payload_hash;     ///< the canonical request's last line
    std::string security_token;   ///< x-amz-security-token value, or empty
    bool content_sha256_header = false; ///< whether x-amz-content-sha256 is to be sent
    std::string signed_headers;   ///< e.g. "content-type;host;x-amz-date"
    std::string signature;        ///< 64 lowercase hex digits (the seed of an event stream)
    std::string authorization;    ///< authorization value
    std::string canonical_request; ///< what was hashed, for tests and for debugging a 403
    std::string string_to_sign;

    /// The headers to add to the request, in this order: x-amz-date, x-amz-security-token,
    /// x-amz-content-sha256, authorization (absent ones left out). The views refer to this object.
    BEDROCK_DECL std::vector<http_header> headers() const;
    /// The same headers, each handed to `f(name, value)`, without a vector.
    template <class F>
    void for_each_header(F&& f) const
    {
        f(std::string_view("x-amz-date"), std::string_view(amz_date));
        if (!security_token.empty())
            f(std::string_view("x-amz-security-token"), std::string_view(security_token));
        if (content_sha256_header)
            f(std::string_view("x-amz-content-sha256"), std::string_view(payload_hash));
        f(std::string_view("authorization"), std::string_view(authorization));
    }
};

/// Signs requests for one region and service. It caches the signing key, which only changes with the
/// date, the secret key, the region or the service, so it is derived about once a day.
/// Not thread-safe: use one signer per thread or strand (it keeps its hashing contexts and buffers).
class signer {
public:
    explicit signer(signing_options options) : options_(std::move(options)) {}

    const signing_options& options() const noexcept { return options_; }

    /// Signs `req` as of `now` and fills `out`. Errors: missing_credentials, missing_scope,
    /// crypto_failure. Allocates nothing once `out` and the signer have grown to the request's size.
    BEDROCK_DECL boost::system::error_code sign(const request& req, const credentials& creds,
                                                std::chrono::system_clock::time_point now,
                                                signing_result& out);

    /// How many times the signing key has been derived (the rest of the time it came from the cache).
    std::uint64_t key_derivations() const noexcept { return keys_.derivations(); }

private:
    struct header_entry {
        std::string_view name;  // lowercase: the caller's when it already is, else in names_
        std::string_view value;
        std::uint64_t prefix;   // the name's first 8 bytes, big-endian, zero-padded: most comparisons
                                // of the sort end here without a memcmp
        std::uint32_t order;    // position in the request, so duplicates keep their order
    };
    struct query_entry {
        std::uint32_t offset; // "name" then "value", encoded, in query_buffer_
        std::uint32_t name_size;
        std::uint32_t value_size;
    };

    void append_canonical_query(const request& req, std::string& out);
    /// The canonical request from its headers to its end (signed headers, payload hash); fills
    /// out.signed_headers.
    void append_canonical_headers(const request& req, const credentials& creds, signing_result& out);

    signing_options options_;
    detail::sha256 sha_;
    detail::signing_key_cache keys_;
    std::vector<header_entry> headers_;
    std::string names_;
    std::vector<query_entry> query_;
    std::string query_buffer_;
    std::string path_buffer_;
};

/// AWS's URI encoding: A-Z a-z 0-9 - _ . ~ are kept, every other byte becomes %XX (uppercase hex);
/// `/` is kept unless `encode_slash`. Appends to `out`.
/// Put a model id or ARN into a path segment with encode_slash = true:
/// `anthropic.claude-3-5-sonnet-20240620-v1:0` becomes `anthropic.claude-3-5-sonnet-20240620-v1%3A0`.
BEDROCK_DECL void uri_encode(std::string_view in, bool encode_slash, std::string& out);

/// The same, returning a new string.
inline std::string uri_encode(std::string_view in, bool encode_slash)
{
    std::string out;
    out.reserve(in.size() + in.size() / 2);
    uri_encode(in, encode_slash, out);
    return out;
}

/// The path with `.` and `..` segments resolved and empty segments dropped, keeping a leading and a
/// trailing slash: `//a/./b/../c/` becomes `/a/c/`. Appends to `out`.
BEDROCK_DECL void normalize_path(std::string_view path, std::string& out);

/// Appends a header value as SigV4 signs it: trimmed, each run of whitespace (folded lines included)
/// turned into one space.
BEDROCK_DECL void append_canonical_header_value(std::string_view value, std::string& out);

/// Writes `t` (truncated to seconds, UTC) as YYYYMMDD'T'HHMMSS'Z' into the 16 chars at `out`.
BEDROCK_DECL void format_amz_date(std::chrono::system_clock::time_point t, char* out) noexcept;

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/auth/impl/sigv4.ipp>
#endif

#endif

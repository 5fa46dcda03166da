#ifndef BEDROCK_AUTH_CREDENTIALS_HPP
#define BEDROCK_AUTH_CREDENTIALS_HPP

#include <chrono>
#include <optional>
#include <string>

namespace bedrock::auth {

/// AWS credentials as a provider hands them out (environment, profile, STS, IMDS...).
struct credentials {
    std::string access_key_id;
    std::string secret_access_key;
    /// Present for temporary credentials; sent as `x-amz-security-token`.
    std::optional<std::string> session_token;
    /// When temporary credentials stop working; empty for long-term keys.
    std::optional<std::chrono::system_clock::time_point> expiration;

    /// True when both halves of the key pair are there (a signature needs both).
    bool complete() const noexcept { return !access_key_id.empty() && !secret_access_key.empty(); }

    /// True when the credentials expire before `now + margin`. Refresh a little early (a margin of a
    /// few minutes) so that a request signed now does not reach AWS after the expiry.
    bool expires_before(std::chrono::system_clock::time_point now,
                        std::chrono::system_clock::duration margin = {}) const noexcept
    {
        return expiration && *expiration <= now + margin;
    }

    /// Every member equal (for tests and caches; never logged: it holds the secret).
    friend bool operator==(const credentials&, const credentials&) = default;
};

} // namespace bedrock::auth

#endif

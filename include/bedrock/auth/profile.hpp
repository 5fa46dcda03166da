#ifndef BEDROCK_AUTH_PROFILE_HPP
#define BEDROCK_AUTH_PROFILE_HPP

// The shared AWS configuration files (~/.aws/config and ~/.aws/credentials), parsed as the AWS
// SDKs do: `[default]` and `[profile name]` sections in the config file, `[name]` in the
// credentials file (whose values win), `key = value` lines, `#`/`;` comments, and indented
// continuation lines that make a key a sub-section (`s3 =\n  endpoint_url = ...`). `[services name]`
// sections hold per-service settings, `[sso-session name]` sections IAM Identity Center sessions.

#include <bedrock/detail/config.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock::auth {

/// One profile (or services section): its keys, and the sub-sections of keys that had none.
struct profile {
    std::map<std::string, std::string, std::less<>> values;
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> sub_sections;

    /// The value of a key, if set (keys compare as written, lower case by convention).
    BEDROCK_DECL std::optional<std::string_view> get(std::string_view key) const;
};

struct profile_set {
    std::map<std::string, profile, std::less<>> profiles;
    std::map<std::string, profile, std::less<>> services;
    std::map<std::string, profile, std::less<>> sso_sessions; ///< config file only

    BEDROCK_DECL const profile* find(std::string_view name) const;
    BEDROCK_DECL const profile* find_services(std::string_view name) const;
    BEDROCK_DECL const profile* find_sso_session(std::string_view name) const;
};

enum class profile_file_kind { config, credentials };

/// Merges one file's text into `into`. Malformed lines are skipped, as the SDKs do.
BEDROCK_DECL void parse_profile_file(std::string_view text, profile_file_kind kind, profile_set& into);

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/auth/impl/profile.ipp>
#endif

#endif

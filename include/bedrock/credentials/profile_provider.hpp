#ifndef BEDROCK_CREDENTIALS_PROFILE_PROVIDER_HPP
#define BEDROCK_CREDENTIALS_PROFILE_PROVIDER_HPP

// The credentials a profile of ~/.aws/config and ~/.aws/credentials names (AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE), resolved as the AWS SDKs do, first match wins:
//  1. role_arn: with web_identity_token_file, AssumeRoleWithWebIdentity; with source_profile
//     (itself resolved the same way, chains allowed, a cycle refused; a profile naming itself uses
//     its own static keys) or credential_source (Environment, Ec2InstanceMetadata, EcsContainer),
//     AssumeRole; role_session_name, external_id and duration_seconds apply.
//  2. sso_session (with an [sso-session name] section) or legacy sso_start_url: IAM Identity Center
//     with the token `aws sso login` cached (see sso_provider.hpp).
//  3. credential_process (see process_provider.hpp).
//  4. aws_access_key_id + aws_secret_access_key (+ aws_session_token).
// The files are read again at each fetch. A profile with none of these: client_errc::no_credentials
// (the chain moves on); a profile that is wrong (a cycle, a missing source_profile, role_arn alone):
// client_errc::invalid_configuration, with the reason in last_error().

#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/core/environment.hpp>
#include <bedrock/credentials/process_provider.hpp>
#include <bedrock/credentials/sso_provider.hpp>
#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace bedrock::auth {

struct profile_provider_options {
    sts_options sts; ///< an empty region: the profile's `region`
    process_provider_options process;
    sso_options sso;
};

namespace detail {
struct profile_provider_state;
}

class profile_credentials_provider final : public credentials_provider {
public:
    /// `profile` empty: AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". `env` empty: the
    /// process environment (also used by credential_source and the instance/container providers).
    BEDROCK_DECL profile_credentials_provider(boost::asio::any_io_executor ex, environment env, std::string profile = {},
                                              profile_provider_options options = {});
    std::string_view name() const noexcept override { return "profile"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::profile_provider_state> state_;
};

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/credentials/impl/profile_provider.ipp>
#endif

#endif

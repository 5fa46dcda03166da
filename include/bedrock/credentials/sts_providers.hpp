#ifndef BEDROCK_CREDENTIALS_STS_PROVIDERS_HPP
#define BEDROCK_CREDENTIALS_STS_PROVIDERS_HPP

// Temporary credentials from AWS STS, as the SDKs' chain gets them:
//  - web_identity_credentials_provider: AssumeRoleWithWebIdentity (unsigned) with the OIDC token
//    in a file (EKS IRSA, GitHub Actions...), from AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//    (+ AWS_ROLE_SESSION_NAME) or from a profile's web_identity_token_file + role_arn. The token file
//    is read at every fetch: the platform rotates it.
//  - assume_role_credentials_provider: AssumeRole, SigV4-signed (service `sts`) with the
//    credentials of another provider (a source_profile, the environment, the instance...).
// Both speak STS's query protocol (a form-encoded POST, an XML answer, parsed with expat) over the
// library's own connection pool: TLS verified, timeouts, proxy. The endpoint is regional,
// https://sts.<region>.amazonaws.com (https://sts.amazonaws.com without a region), unless
// sts_options::endpoint names another (AWS_ENDPOINT_URL_STS; tests use a loopback server).
// Errors: client_errc::credentials_provider_failed (STS said no: its Code and Message are in
// last_error(); or the transport failed), invalid_credentials_response (an answer that is not
// credentials), invalid_configuration (no role, unreadable token file).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/core/environment.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/http/proxy.hpp>
#include <bedrock/http/tls.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock::auth {

/// Where and how STS is reached.
struct sts_options {
    std::string region;   ///< the regional endpoint and the signing scope; empty: the global endpoint, us-east-1
    std::string endpoint; ///< e.g. http://127.0.0.1:8080; empty: https://sts.<region>.amazonaws.com
    http::tls_options tls;
    http::proxy_settings proxy;
    remote_provider_options limits{std::chrono::seconds(3), std::chrono::seconds(10), 3,
                                   std::chrono::milliseconds(200)};
};

/// The endpoint URL `options` stand for.
BEDROCK_DECL std::string sts_endpoint(const sts_options& options);

/// Reads an STS answer: `<Credentials>` (AccessKeyId, SecretAccessKey, SessionToken, Expiration) of
/// an AssumeRole* result, or an `<ErrorResponse>`, whose "Code: Message" goes into `why` with
/// client_errc::credentials_provider_failed. Other shapes: invalid_credentials_response.
BEDROCK_DECL boost::system::error_code parse_sts_credentials(std::string_view xml, credentials& out,
                                                              std::string* why = nullptr);

struct web_identity_settings {
    std::string role_arn;
    std::string token_file;
    std::string session_name; ///< empty: bedrock-asio-<milliseconds since the epoch>
};

struct assume_role_settings {
    std::string role_arn;
    std::string session_name; ///< empty: bedrock-asio-<milliseconds since the epoch>
    std::string external_id;  ///< empty: not sent
    std::optional<int> duration_seconds;
};

namespace detail {
struct sts_provider_state;
}

class web_identity_credentials_provider final : public credentials_provider {
public:
    /// From AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME, read at each fetch
    /// (client_errc::no_credentials when the first two are not both set). `env` empty: the process's.
    BEDROCK_DECL web_identity_credentials_provider(boost::asio::any_io_executor ex, environment env,
                                                   sts_options options);
    /// From a profile's settings.
    BEDROCK_DECL web_identity_credentials_provider(boost::asio::any_io_executor ex, web_identity_settings settings,
                                                   sts_options options);
    std::string_view name() const noexcept override { return "web_identity"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::sts_provider_state> state_;
};

class assume_role_credentials_provider final : public credentials_provider {
public:
    BEDROCK_DECL assume_role_credentials_provider(boost::asio::any_io_executor ex,
                                                  std::shared_ptr<credentials_provider> source,
                                                  assume_role_settings settings, sts_options options);
    std::string_view name() const noexcept override { return "assume_role"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::sts_provider_state> state_;
};

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/credentials/impl/sts_providers.ipp>
#endif

#endif

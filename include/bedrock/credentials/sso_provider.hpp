#ifndef BEDROCK_CREDENTIALS_SSO_PROVIDER_HPP
#define BEDROCK_CREDENTIALS_SSO_PROVIDER_HPP

// IAM Identity Center (SSO) role credentials, as the SDKs get them for a profile with
// `sso_session` (+ an `[sso-session name]` section: sso_start_url, sso_region) or the legacy
// `sso_start_url` + `sso_region`, both with sso_account_id and sso_role_name. The access token is the
// one `aws sso login` cached in ~/.aws/sso/cache/<sha1 hex of the session name, or of the start URL
// for legacy profiles>.json (read at each fetch); it is not refreshed here: an expired or missing
// token is client_errc::credentials_expired / credentials_provider_failed saying to run
// `aws sso login`. The role's credentials come from the portal's GET /federation/credentials at
// https://portal.sso.<sso_region>.amazonaws.com (sso_options::endpoint overrides it:
// AWS_ENDPOINT_URL_SSO, tests), over the library's connection pool.

#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/http/proxy.hpp>
#include <bedrock/http/tls.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace bedrock::auth {

struct sso_settings {
    std::string session_name; ///< the sso_session; empty for a legacy profile
    std::string start_url;
    std::string region;       ///< sso_region
    std::string account_id;
    std::string role_name;
};

struct sso_options {
    std::string endpoint;        ///< empty: https://portal.sso.<region>.amazonaws.com
    std::string cache_directory; ///< empty: $HOME/.aws/sso/cache
    http::tls_options tls;
    http::proxy_settings proxy;
    remote_provider_options limits{std::chrono::seconds(3), std::chrono::seconds(10), 3,
                                   std::chrono::milliseconds(200)};
};

/// The cache file name of a session name or legacy start URL: the SHA-1 hex of it, then ".json".
BEDROCK_DECL std::string sso_cache_file_name(std::string_view session_or_start_url);

namespace detail {
struct sso_provider_state;
}

class sso_credentials_provider final : public credentials_provider {
public:
    /// `env` supplies HOME when cache_directory is empty.
    BEDROCK_DECL sso_credentials_provider(boost::asio::any_io_executor ex, sso_settings settings, sso_options options,
                                          environment env = {});
    std::string_view name() const noexcept override { return "sso"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::sso_provider_state> state_;
};

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/credentials/impl/sso_provider.ipp>
#endif

#endif

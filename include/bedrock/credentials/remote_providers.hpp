#ifndef BEDROCK_CREDENTIALS_REMOTE_PROVIDERS_HPP
#define BEDROCK_CREDENTIALS_REMOTE_PROVIDERS_HPP

// Credentials fetched over HTTP from the machine's surroundings, as the AWS SDKs' default chain does.
// Above the transport (they use http::connection_pool), hence their own folder rather than auth/,
// which knows no sockets; their names stay in namespace bedrock::auth with the other providers.
//
//  - container_credentials_provider: the ECS task role and EKS Pod Identity endpoint named by
//    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 + the URI) or
//    AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every
//    fetch; wins) or AWS_CONTAINER_AUTHORIZATION_TOKEN sent as the Authorization header. A full URI
//    over plain http must name a loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23 (a
//    host name must resolve only to those); https may name any host.
//  - imds_credentials_provider: the EC2 instance metadata service (IMDSv2 only: a session token
//    first, then the role name, then the role's credentials), at http://169.254.169.254 unless
//    AWS_EC2_METADATA_SERVICE_ENDPOINT (or AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6:
//    http://[fd00:ec2::254]) says otherwise; AWS_EC2_METADATA_DISABLED=true turns it off. An
//    unreachable service (no instance here) is "not configured here": client_errc::no_credentials.
//
// Both read the environment through a bedrock::environment lookup at each fetch (tests pass a map)
// and explain failures through last_error(). Errors: client_errc::no_credentials (not configured
// here), invalid_credentials_endpoint (a refused URL), invalid_credentials_response (an answer that
// is not credentials), credentials_provider_failed (the endpoint failed: HTTP error or transport
// failure after the retries).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/core/environment.hpp>
#include <bedrock/credentials/detail/fetch.hpp>
#include <bedrock/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace bedrock::auth {

/// Timeouts and retries of one credentials endpoint.
struct remote_provider_options {
    std::chrono::milliseconds connect_timeout{1'000}; ///< resolve + TCP connect (+ TLS handshake)
    std::chrono::milliseconds request_timeout{3'000}; ///< one whole HTTP exchange
    int max_attempts = 3;                             ///< per request, for 5xx and transport errors
    std::chrono::milliseconds retry_delay{100};       ///< before the 2nd attempt; doubles after
};

/// Reads the JSON document both endpoints answer with: AccessKeyId, SecretAccessKey, Token and
/// Expiration (ISO-8601) are required, AccountId is optional, a `Code` other than "Success" is a
/// failure; other members are ignored. Errors: client_errc::invalid_credentials_response, with the
/// reason in `why` (never a secret) when given.
BEDROCK_DECL boost::system::error_code parse_credentials_document(std::string_view json, credentials& out,
                                                                   std::string* why = nullptr);

/// Whether `host` (no brackets) may be reached over plain http for container credentials: a loopback
/// address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23. Names are not resolved here: false.
BEDROCK_DECL bool is_allowed_container_address(std::string_view host) noexcept;

namespace detail {
// What a remote provider keeps between fetches; shared with fetches in flight.
struct remote_provider_state : provider_state {
    environment env;
    remote_provider_options options;
};
} // namespace detail

/// ECS / EKS Pod Identity container credentials (see the top of this file).
class container_credentials_provider final : public credentials_provider {
public:
    /// `env` empty: the process environment.
    BEDROCK_DECL explicit container_credentials_provider(boost::asio::any_io_executor ex, environment env = {},
                                                         remote_provider_options options = {});
    std::string_view name() const noexcept override { return "container"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::remote_provider_state> state_;
};

/// EC2 instance metadata (IMDSv2) credentials (see the top of this file). Its default options are
/// short (1 s connect, 2 s per request, 2 attempts) so that a machine without IMDS moves on fast.
class imds_credentials_provider final : public credentials_provider {
public:
    BEDROCK_DECL static remote_provider_options default_options() noexcept;

    /// `env` empty: the process environment.
    BEDROCK_DECL explicit imds_credentials_provider(boost::asio::any_io_executor ex, environment env = {},
                                                    remote_provider_options options = default_options());
    std::string_view name() const noexcept override { return "imds"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::remote_provider_state> state_;
};

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/credentials/impl/remote_providers.ipp>
#endif

#endif

#ifndef BEDROCK_CONFIG_HPP
#define BEDROCK_CONFIG_HPP

// How a client finds the service and authenticates, with the conventions of the AWS SDKs: the
// environment, then the profile in ~/.aws/config and ~/.aws/credentials, then defaults.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/core/environment.hpp>
#include <bedrock/core/timeouts.hpp>
#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock {

class interceptor; // bedrock/interceptor.hpp
namespace auth {
class credentials_provider; // bedrock/auth/credentials_provider.hpp
} // namespace auth

/// The AWS SDKs' retry modes (AWS_RETRY_MODE, the profile's retry_mode). Their `legacy` mode is not
/// offered: asking for it is a configuration error rather than a silent switch to another mode.
enum class retry_mode {
    standard, ///< backoff with full jitter and a retry quota (bedrock::retry_strategy)
    /// standard, and every attempt first waits for a client-side rate limit that the service's
    /// throttling answers tighten (bedrock::adaptive_rate_limiter)
    adaptive,
};

/// The HTTP version of the operations other than InvokeModelWithBidirectionalStream (which always
/// uses HTTP/2). See README, "HTTP/2", for why HTTP/1.1 is the default.
enum class http_version {
    http1_1, ///< a keep-alive pool of HTTP/1.1 connections, one request per connection at a time
    http2,   ///< requests multiplexed as streams on a few HTTP/2 connections per endpoint
};

/// "1.1" (or "http/1.1") and "2" (or "h2"), as BEDROCK_HTTP_VERSION spells them; empty otherwise.
BEDROCK_DECL std::optional<http_version> parse_http_version(std::string_view text) noexcept;

/// Severity of a log line handed to config::log.
enum class log_level { debug, info, warning, error };

struct config {
    std::string region; ///< e.g. "us-east-1"; required unless endpoint_url names a host
    /// Overrides the endpoint chosen from the region (https://host[:port]); also the emulator's URL.
    std::string endpoint_url;
    bool use_fips = false;
    bool use_dualstack = false;

    /// Static credentials; when empty the client asks `credentials_provider` (or, when that is
    /// empty too, the default chain described at from_environment()) lazily, and caches the answer.
    std::optional<auth::credentials> credentials;
    /// Your own source of credentials (bedrock/auth/credentials_provider.hpp, e.g. an
    /// auth::credentials_chain of the providers in bedrock/credentials/), in place of the default
    /// chain. The client caches what it gives and asks again 5 minutes before it expires.
    std::shared_ptr<auth::credentials_provider> credentials_provider;
    /// Bedrock API key (AWS_BEARER_TOKEN_BEDROCK): sent as `Authorization: Bearer`, no SigV4.
    std::optional<std::string> bearer_token;
    std::string profile = "default"; ///< the profile the credential chain reads
    /// Where the credential chain (container and instance metadata providers) reads its variables
    /// at each fetch; from_environment() sets it to the environment it read. Empty: the process
    /// environment.
    environment env;

    std::string ca_bundle;   ///< PEM file of trusted CAs; empty = the system store
    /// In-memory PEM of trusted CAs (the emulator's), added to ca_bundle's; when either is set the
    /// system store is not used (as AWS_CA_BUNDLE replaces it in the AWS SDKs).
    std::string ca_pem;
    bool verify_tls = true;  ///< certificate and host-name verification (leave it on)
    std::string app_id;      ///< appended to the user agent as app/<id>
    std::string https_proxy; ///< http://[user:pass@]host:port for HTTPS CONNECT; empty = none
    std::string no_proxy;    ///< comma-separated hosts/suffixes that bypass the proxy

    int max_attempts = 3; ///< attempts per operation, the first included
    retry_mode retry = retry_mode::standard;
    timeouts timeout; ///< connect, TLS handshake, first byte, idle, first event, total (core/timeouts.hpp)
    std::size_t max_connections = 64; ///< per endpoint
    /// For every operation but the bidirectional stream (always HTTP/2).
    bedrock::http_version http_version = bedrock::http_version::http1_1;
    std::chrono::seconds idle_connection_timeout{50}; ///< pooled connections idle longer are closed

    /// Called for diagnostics of the client itself; never receives secrets or the Authorization
    /// header. Empty = silent.
    std::function<void(log_level, std::string_view)> log;

    /// Run at every phase of every call, in this order (bedrock/interceptor.hpp). Empty: no hook,
    /// no allocation, one check per call.
    std::vector<std::shared_ptr<interceptor>> interceptors;

    /// The configuration the AWS SDKs would build: AWS_REGION / AWS_DEFAULT_REGION, AWS_PROFILE,
    /// AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
    /// AWS_SESSION_TOKEN, AWS_BEARER_TOKEN_BEDROCK, AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL
    /// (and the profile's endpoint_url and services section; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS),
    /// AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS,
    /// AWS_RETRY_MODE, AWS_SDK_UA_APP_ID, HTTPS_PROXY / NO_PROXY, and this library's own
    /// BEDROCK_HTTP_VERSION ("1.1" or "2": http_version). Environment wins over the profile.
    /// A malformed value (AWS_MAX_ATTEMPTS=abc, AWS_RETRY_MODE=legacy) or a named profile that does
    /// not exist is an error (client_errc::invalid_configuration, client_errc::profile_not_found).
    /// Without static credentials (environment keys, or a profile with keys only), the client's
    /// default chain then tries web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), the
    /// profile's role_arn / credential_process / keys (bedrock/credentials/profile_provider.hpp;
    /// STS at AWS_ENDPOINT_URL_STS if set), the container endpoint (AWS_CONTAINER_CREDENTIALS_*) and
    /// the instance metadata service (AWS_EC2_METADATA_*), read from `env`.
    BEDROCK_DECL static config from_environment(const environment& env, boost::system::error_code& ec);
    /// The same on the process environment; throws boost::system::system_error on error.
    BEDROCK_DECL static config from_environment();
};

/// The endpoint the service model's rules give for a region (partition DNS suffixes, FIPS and
/// dual-stack variants), or `endpoint_url` when set. Errors: missing_region, and
/// invalid_configuration for FIPS/dual-stack with a custom endpoint or a partition without them.
BEDROCK_DECL std::string resolve_endpoint(const config& cfg, boost::system::error_code& ec);

} // namespace bedrock

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/config.ipp>
#endif

#endif

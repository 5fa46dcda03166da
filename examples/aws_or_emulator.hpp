#ifndef BEDROCK_EXAMPLES_AWS_OR_EMULATOR_HPP
#define BEDROCK_EXAMPLES_AWS_OR_EMULATOR_HPP

// What every example does first: talk to Amazon Bedrock when the environment names an account,
// else start the local emulator in-process and talk to that, so that the examples run anywhere.

#include <bedrock/config.hpp>
#include <bedrock/testing/emulator.hpp>

#include <optional>

namespace examples {

/// The AWS configuration of the environment when it has a region (or an endpoint) and a way to
/// sign: keys, an API key (AWS_BEARER_TOKEN_BEDROCK), or a named profile (which may hold a role,
/// SSO or a credential_process). Otherwise `emulator` is started and its configuration returned.
/// An environment that is wrong (a profile that does not exist, AWS_MAX_ATTEMPTS=abc) also falls
/// back to the emulator: the examples' tests rely on that to keep a machine's account out.
inline bedrock::config aws_or_emulator(std::optional<bedrock::testing::emulator>& emulator)
{
    boost::system::error_code ec;
    bedrock::config cfg = bedrock::config::from_environment(bedrock::process_environment(), ec);
    const bool can_sign = cfg.credentials || cfg.bearer_token || cfg.profile != "default";
    if (!ec && can_sign && (!cfg.region.empty() || !cfg.endpoint_url.empty()))
        return cfg;
    emulator.emplace();
    emulator->start();
    return emulator->client_config();
}

} // namespace examples

#endif

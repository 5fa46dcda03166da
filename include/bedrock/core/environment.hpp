#ifndef BEDROCK_CORE_ENVIRONMENT_HPP
#define BEDROCK_CORE_ENVIRONMENT_HPP

// Where configuration values come from: a lookup of environment variables, read by
// config::from_environment() and, at each fetch, by the container and instance-metadata credential
// providers. Its own header so that those need not include the client's whole configuration.

#include <bedrock/detail/config.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock {

/// A lookup of environment variables. The default reads the process environment; tests pass a map.
using environment = std::function<std::optional<std::string>(std::string_view name)>;
/// The process environment (std::getenv at each lookup).
BEDROCK_DECL environment process_environment();
/// A fixed set of variables; any other name is unset.
BEDROCK_DECL environment map_environment(std::map<std::string, std::string, std::less<>> values);

} // namespace bedrock

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/core/impl/environment.ipp>
#endif

#endif

#ifndef BEDROCK_CORE_IMPL_ENVIRONMENT_IPP
#define BEDROCK_CORE_IMPL_ENVIRONMENT_IPP

#include <bedrock/core/environment.hpp>

#include <cstdlib>
#include <utility>

namespace bedrock {

BEDROCK_DECL environment process_environment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        if (const char* v = std::getenv(std::string(name).c_str()))
            return std::string(v);
        return std::nullopt;
    };
}

BEDROCK_DECL environment map_environment(std::map<std::string, std::string, std::less<>> values)
{
    return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
        if (auto it = values.find(name); it != values.end())
            return it->second;
        return std::nullopt;
    };
}

} // namespace bedrock

#endif

// libFuzzer: the ApplyGuardrailResponse reader (assessments, maps, automated-reasoning findings).
// Errors are fine; a parsed value must serialize to JSON that parses back into the same value.

#include <bedrock/model/json/guardrail.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static simdjson::ondemand::parser parser;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    bedrock::apply_guardrail_response first;
    bedrock::json::diagnostics diag;
    if (bedrock::json::parse(parser, text, first, &diag)) {
        (void)diag.to_string();
        return 0;
    }
    const std::string out = bedrock::json::serialize(first);
    bedrock::apply_guardrail_response second;
    if (bedrock::json::parse(parser, out, second) || !(first == second))
        __builtin_trap();
    return 0;
}

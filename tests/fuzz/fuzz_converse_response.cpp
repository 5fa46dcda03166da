// libFuzzer: the ConverseResponse reader. Any input either fails with an error code, or parses into
// a value that serializes to JSON which parses back into the same value.

#include <bedrock/model/json/converse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static simdjson::ondemand::parser parser;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    bedrock::converse_response first;
    bedrock::json::diagnostics diag;
    if (bedrock::json::parse(parser, text, first, &diag)) {
        (void)diag.to_string();
        return 0;
    }
    const std::string out = bedrock::json::serialize(first);
    bedrock::converse_response second;
    if (bedrock::json::parse(parser, out, second) || !(first == second))
        __builtin_trap();
    return 0;
}

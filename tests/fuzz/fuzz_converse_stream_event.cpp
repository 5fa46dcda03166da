// libFuzzer: the ConverseStream event reader. The first byte picks the :event-type (or
// :exception-type), the rest is the payload. Errors are fine; a parsed event must write back to a
// payload that parses into the same event, under the event type the writer reports.

#include <bedrock/model/json/converse_stream.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static constexpr std::string_view types[] = {
        "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
        "metadata", "internalServerException", "modelStreamErrorException", "validationException",
        "throttlingException", "serviceUnavailableException", "somethingNew",
    };
    if (size == 0)
        return 0;
    static simdjson::ondemand::parser parser;
    const std::string_view type = types[data[0] % std::size(types)];
    const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
    bedrock::converse_stream_output first;
    bedrock::json::diagnostics diag;
    if (bedrock::json::parse_event(parser, type, payload, first, &diag)) {
        (void)diag.to_string();
        return 0;
    }
    std::string out;
    const auto header = bedrock::json::serialize_event(first, out);
    if (header.type != type)
        __builtin_trap();
    bedrock::converse_stream_output second;
    if (bedrock::json::parse_event(parser, header.type, out, second) || !(first == second))
        __builtin_trap();
    return 0;
}

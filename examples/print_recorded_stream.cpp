// Decodes a real ConverseStream response body, recorded from Amazon Bedrock by a third party, and
// prints the text the model streamed. The body is fed to the decoder in small, uneven pieces, the
// way TCP delivers it; each complete frame is dispatched on its `:message-type` and `:event-type`.
//
//   print_recorded_stream [path/to/body.bin]

#include <bedrock/eventstream.hpp>

#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace es = bedrock::eventstream;

int main(int argc, char** argv)
{
    const std::string path = argc > 1 ? argv[1]
                                      : std::string(BEDROCK_VECTORS_DIR) +
                                            "/recorded/dd-trace-py/bedrock_converse_stream.0.bin";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        return 1;
    }
    const std::vector<std::uint8_t> body{std::istreambuf_iterator<char>(in), {}};

    es::decoder decoder;
    simdjson::ondemand::parser json;
    simdjson::padded_string payload;
    std::size_t frames = 0;
    es::byte_view rest{body};
    std::size_t piece = 1;
    while (!rest.empty()) {
        piece = piece % 97 + 13; // uneven slices, as a socket would deliver them
        auto [consumed, state] = decoder.feed(rest.first(std::min(piece, rest.size())));
        rest = rest.subspan(consumed);
        if (state == es::decoder::status::error) {
            std::fprintf(stderr, "\nbad frame: %s\n", decoder.error().message().c_str());
            return 1;
        }
        if (state != es::decoder::status::message)
            continue;

        ++frames;
        const es::message_view& m = decoder.message();
        const std::string_view kind = m.string_header(":message-type");
        const std::string_view event = m.string_header(":event-type");
        if (kind != "event") {
            std::fprintf(stderr, "\nstream error (%.*s): %.*s\n",
                         static_cast<int>(m.string_header(":exception-type").size()),
                         m.string_header(":exception-type").data(), static_cast<int>(m.payload.size()),
                         reinterpret_cast<const char*>(m.payload.data()));
            return 1;
        }
        payload = simdjson::padded_string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
        auto doc = json.iterate(payload);
        if (event == "contentBlockDelta") {
            std::string_view text;
            if (doc["delta"]["text"].get_string().get(text) == simdjson::SUCCESS)
                std::fwrite(text.data(), 1, text.size(), stdout);
        } else if (event == "messageStop") {
            std::string_view reason;
            if (doc["stopReason"].get_string().get(reason) == simdjson::SUCCESS)
                std::printf("\n[stop reason: %.*s]", static_cast<int>(reason.size()), reason.data());
        } else if (event == "metadata") {
            std::int64_t in_tokens = 0, out_tokens = 0;
            auto usage = doc["usage"];
            if (usage["inputTokens"].get_int64().get(in_tokens) != simdjson::SUCCESS ||
                usage["outputTokens"].get_int64().get(out_tokens) != simdjson::SUCCESS)
                std::fprintf(stderr, "\n(metadata without usage)");
            std::printf("\n[tokens: %lld in, %lld out]", static_cast<long long>(in_tokens),
                        static_cast<long long>(out_tokens));
        }
    }
    if (auto ec = decoder.finish()) {
        std::fprintf(stderr, "\n%s\n", ec.message().c_str());
        return 1;
    }
    std::printf("\n[%zu frames, %zu bytes]\n", frames, body.size());
}

// The client's response-stream core, fed the way the client feeds it: reads into its buffer, frames
// out until it needs more. Input: one byte choosing the read size (1..64), then the body. The same
// body read whole must give the same frames, the same events, and the same failure: how the bytes
// were cut must never change what the caller sees. Each event is parsed as a converse stream event.

#include <bedrock/detail/stream_core.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/json/converse_stream.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct outcome {
    std::vector<std::string> events; // type + '\0' + payload
    boost::system::error_code failure;
    bool operator==(const outcome&) const = default;
};

outcome run(const std::uint8_t* body, std::size_t size, std::size_t piece)
{
    static simdjson::ondemand::parser parser;
    bedrock::detail::stream_core core;
    bedrock::diagnostics diag;
    outcome out;
    std::size_t at = 0;
    for (;;) {
        boost::system::error_code ec;
        const auto kind = core.next_frame(ec, diag);
        if (kind == bedrock::detail::stream_core::frame_kind::event) {
            std::string e(core.event_type());
            e.push_back('\0');
            e.append(core.payload());
            out.events.push_back(std::move(e));
            bedrock::converse_stream_output ev;
            (void)bedrock::json::parse_event(parser, core.event_type(), bedrock::json::source(core.payload(), core.payload_capacity()), ev);
            continue;
        }
        if (kind == bedrock::detail::stream_core::frame_kind::failure) {
            out.failure = ec;
            return out;
        }
        if (at == size) {
            out.failure = core.finish();
            return out;
        }
        auto buffer = core.prepare();
        const std::size_t n = std::min({piece, buffer.size(), size - at});
        std::memcpy(buffer.data(), body + at, n);
        core.commit(n);
        at += n;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::size_t piece = 1 + data[0] % 64;
    const outcome cut = run(data + 1, size - 1, piece);
    const outcome whole = run(data + 1, size - 1, size);
    if (!(cut == whole))
        __builtin_trap();
    return 0;
}

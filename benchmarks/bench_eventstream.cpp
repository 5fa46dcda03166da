// Event-stream decoding: a real recorded ConverseStream body (32 frames, ~200 bytes each), decoded
// whole (the frames sit in one buffer, as after a large socket read) and in 64-byte reads (frames
// cross reads and are gathered), reporting bytes/s and ns per message. Plus encoding one frame.

#include <bedrock/eventstream.hpp>

#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace es = bedrock::eventstream;

namespace {

const std::vector<std::uint8_t>& recorded_stream()
{
    static const std::vector<std::uint8_t> body = [] {
        std::ifstream in(std::string(BEDROCK_VECTORS_DIR) +
                             "/recorded/dd-trace-py/bedrock_converse_stream.0.bin",
                         std::ios::binary);
        return std::vector<std::uint8_t>{std::istreambuf_iterator<char>(in), {}};
    }();
    return body;
}

void decode_in_reads_of(benchmark::State& state, std::size_t read_size)
{
    const auto& body = recorded_stream();
    es::decoder decoder;
    std::size_t messages = 0;
    for (auto _ : state) {
        es::byte_view rest{body};
        while (!rest.empty()) {
            es::byte_view read = rest.first(std::min(read_size, rest.size()));
            rest = rest.subspan(read.size());
            while (!read.empty()) {
                auto [consumed, status] = decoder.feed(read);
                read = read.subspan(consumed);
                if (status == es::decoder::status::message) {
                    benchmark::DoNotOptimize(decoder.message().payload.data());
                    ++messages;
                } else if (status == es::decoder::status::error) {
                    state.SkipWithError("decode error");
                    return;
                }
            }
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
    state.counters["ns/message"] = benchmark::Counter(static_cast<double>(messages),
                                                      benchmark::Counter::kIsRate |
                                                          benchmark::Counter::kInvert);
}

void BM_eventstream_decode_whole(benchmark::State& state) { decode_in_reads_of(state, 1 << 20); }
void BM_eventstream_decode_64_byte_reads(benchmark::State& state) { decode_in_reads_of(state, 64); }

void BM_eventstream_encode_delta(benchmark::State& state)
{
    const std::string payload =
        R"({"contentBlockIndex":0,"delta":{"text":"Hello, world"},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"})";
    const es::header_view headers[] = {
        {":event-type", std::string_view{"contentBlockDelta"}},
        {":content-type", std::string_view{"application/json"}},
        {":message-type", std::string_view{"event"}},
    };
    std::vector<std::uint8_t> out;
    for (auto _ : state) {
        out.clear();
        (void)es::encode(headers, {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                         out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

} // namespace

BENCHMARK(BM_eventstream_decode_whole);
BENCHMARK(BM_eventstream_decode_64_byte_reads);
BENCHMARK(BM_eventstream_encode_delta);

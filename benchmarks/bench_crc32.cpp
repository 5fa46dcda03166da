// CRC-32 throughput: bedrock's dispatching crc32 (PCLMULQDQ folding where available), its portable
// slicing-by-8 path, and zlib, over event-stream-like frame sizes and bulk sizes.
#include <bedrock/eventstream/crc32.hpp>

#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

std::vector<unsigned char> bench_buffer(std::size_t n)
{
    std::vector<unsigned char> v(n);
    std::uint32_t x = 0x9E3779B9u;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<unsigned char>(x >> 24);
    }
    return v;
}

template <typename Fn>
void run(benchmark::State& state, Fn fn)
{
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto buf = bench_buffer(n);
    std::uint32_t crc = 0;
    for (auto _ : state) {
        // Feed the previous result back in so calls cannot be hoisted or overlapped away.
        crc = fn(buf.data(), n, crc);
        benchmark::DoNotOptimize(crc);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(n));
}

void BM_crc32_bedrock(benchmark::State& state)
{
    run(state, [](const unsigned char* p, std::size_t n, std::uint32_t c) {
        return bedrock::eventstream::crc32(p, n, c);
    });
}

void BM_crc32_bedrock_portable(benchmark::State& state)
{
    run(state, [](const unsigned char* p, std::size_t n, std::uint32_t c) {
        return bedrock::eventstream::crc32_portable(p, n, c);
    });
}

void BM_crc32_zlib(benchmark::State& state)
{
    run(state, [](const unsigned char* p, std::size_t n, std::uint32_t c) {
        return static_cast<std::uint32_t>(::crc32(c, p, static_cast<uInt>(n)));
    });
}

#define BEDROCK_CRC32_SIZES ->Arg(16)->Arg(64)->Arg(200)->Arg(1024)->Arg(4096)->Arg(65536)
BENCHMARK(BM_crc32_bedrock) BEDROCK_CRC32_SIZES;
BENCHMARK(BM_crc32_bedrock_portable) BEDROCK_CRC32_SIZES;
BENCHMARK(BM_crc32_zlib) BEDROCK_CRC32_SIZES;
#undef BEDROCK_CRC32_SIZES

} // namespace

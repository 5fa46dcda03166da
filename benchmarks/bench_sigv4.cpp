// SigV4 signing cost: a ~2 KB Converse request signed with the cached signing key (the steady state)
// and with the key derived on every call (the first request of a UTC day or after a key rotation),
// plus the per-event cost of bidirectional-stream event signing.
#include <bedrock/auth.hpp>

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace bedrock;

const auth::credentials bench_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};

// 2025-01-15T12:30:45Z
const auto bench_time = std::chrono::system_clock::time_point(std::chrono::seconds(1736944245));

std::string converse_body()
{
    // A Converse request of about 2 KB: a system prompt, a few turns, an inference config.
    std::string body = R"({"system":[{"text":"You are a concise assistant. Answer in plain English."}],"messages":[)";
    for (int i = 0; body.size() < 1900; ++i) {
        body += i ? "," : "";
        body += R"({"role":")";
        body += i % 2 ? "assistant" : "user";
        body += R"(","content":[{"text":"Turn )" + std::to_string(i) +
                R"(: the quick brown fox jumps over the lazy dog, and then some more text to pad."}]})";
    }
    body += R"(],"inferenceConfig":{"maxTokens":512,"temperature":0.5,"topP":0.9}})";
    return body;
}

struct converse_request {
    std::string body = converse_body();
    std::string content_length = std::to_string(body.size());
    std::vector<auth::http_header> headers{
        {"host", "bedrock-runtime.us-east-1.amazonaws.com"},
        {"content-type", "application/json"},
        {"content-length", content_length},
        {"x-amz-user-agent", "bedrock-asio/0.1.0"},
        {"amz-sdk-invocation-id", "396d34c0-4045-4c6d-b35d-996649a66aa3"},
        {"amz-sdk-request", "attempt=1; max=3"},
    };
    auth::request req()
    {
        auth::request r;
        r.method = "POST";
        r.path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse";
        r.headers = headers;
        r.body = body;
        return r;
    }
};

void BM_sigv4_sign_converse_cached_key(benchmark::State& state)
{
    converse_request c;
    const auto req = c.req();
    auth::signer s({.region = "us-east-1", .add_content_sha256 = true});
    auth::signing_result r;
    for (auto _ : state) {
        auto ec = s.sign(req, bench_creds, bench_time, r);
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(r.signature.data());
    }
    state.counters["body_bytes"] = static_cast<double>(c.body.size());
    if (s.key_derivations() != 1)
        state.SkipWithError("the key was not cached");
}
BENCHMARK(BM_sigv4_sign_converse_cached_key);

void BM_sigv4_sign_converse_derive_key(benchmark::State& state)
{
    converse_request c;
    const auto req = c.req();
    auth::signer s({.region = "us-east-1", .add_content_sha256 = true});
    auth::signing_result r;
    // Alternating between two days forces a derivation on every call.
    const auto days = std::chrono::hours(24);
    bool flip = false;
    for (auto _ : state) {
        auto ec = s.sign(req, bench_creds, flip ? bench_time + days : bench_time, r);
        flip = !flip;
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(r.signature.data());
    }
    if (s.key_derivations() != static_cast<std::uint64_t>(state.iterations()))
        state.SkipWithError("the key was not derived on every call");
}
BENCHMARK(BM_sigv4_sign_converse_derive_key);

void BM_sigv4_sign_converse_fresh_result(benchmark::State& state)
{
    // A new result per call: what the buffer reuse saves.
    converse_request c;
    const auto req = c.req();
    auth::signer s({.region = "us-east-1", .add_content_sha256 = true});
    for (auto _ : state) {
        auth::signing_result r;
        auto ec = s.sign(req, bench_creds, bench_time, r);
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(r.signature.data());
    }
}
BENCHMARK(BM_sigv4_sign_converse_fresh_result);

void BM_event_sign_frame(benchmark::State& state)
{
    // A ~200-byte inner message, the size of a Nova Sonic control event.
    const std::vector<std::uint8_t> inner(static_cast<std::size_t>(state.range(0)), 0x41);
    auth::event_signer s("f144bea03b84bf14cf214872572c734e5aa6be9469d927230be7360566521fab", bench_creds,
                         "us-east-1");
    std::vector<std::uint8_t> out;
    out.reserve(inner.size() + 256);
    for (auto _ : state) {
        out.clear();
        auto ec = s.sign_frame(inner, bench_time, out);
        benchmark::DoNotOptimize(ec);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_event_sign_frame)->Arg(200)->Arg(8192);

void BM_uri_encode_model_arn(benchmark::State& state)
{
    std::string out;
    for (auto _ : state) {
        out.clear();
        auth::uri_encode("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet",
                         true, out);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_uri_encode_model_arn);

} // namespace

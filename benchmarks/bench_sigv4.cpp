// SigV4 signing cost: a ~2 KB Converse request signed with the cached signing key (the steady state)
// and with the key derived on every call (the first request of a UTC day or after a key rotation),
// plus the per-event cost of bidirectional-stream event signing.
#include <bedrock/auth.hpp>

#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <algorithm>
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

// What both floors start from: the request, its canonical request as the signer builds it (so it has
// the exact length and shape of the real one), the date, the scope and the cached signing key.
struct floor_inputs {
    converse_request c;
    auth::signing_result r;
    std::string scope;
    auth::detail::digest key{};
    bool ok = false;

    floor_inputs()
    {
        auth::signer s({.region = "us-east-1", .add_content_sha256 = true});
        if (s.sign(c.req(), bench_creds, bench_time, r))
            return;
        scope = r.amz_date.substr(0, 8) + "/us-east-1/bedrock/aws4_request";
        auth::detail::hmac_sha256 derive;
        ok = auth::detail::derive_signing_key(derive, bench_creds.secret_access_key, r.amz_date.substr(0, 8),
                                              "us-east-1", "bedrock", key);
    }
};

void digest_hex(const unsigned char* d, char* out)
{
    static constexpr char hex_digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) {
        out[2 * i] = hex_digits[d[i] >> 4];
        out[2 * i + 1] = hex_digits[d[i] & 0x0f];
    }
}

// The floor of the cached-key signature: only the OpenSSL work that any SigV4 signer of this request
// must do, with nothing around it. SHA-256 of the body to hex, SHA-256 of a canonical request (built
// once, before the loop, by the signer itself, so it has the exact length and shape of the real
// one), the string to sign, one HMAC-SHA256 under the cached signing key to hex. The contexts are
// reused and the algorithms fetched once, as a careful hand-written signer would.
void BM_sigv4_floor_openssl(benchmark::State& state)
{
    const floor_inputs in;
    if (!in.ok)
        return state.SkipWithError("sign failed");
    const auto& [c, r, scope, key, ok_] = in;
    const std::string& canonical_request = r.canonical_request;
    const std::string& date_time = r.amz_date;

    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD_CTX* hash = EVP_MD_CTX_new();
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* mac = hmac ? EVP_MAC_CTX_new(hmac) : nullptr;
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (!md || !hash || !mac || EVP_MAC_CTX_set_params(mac, params) != 1 ||
        EVP_MAC_init(mac, key.data(), key.size(), nullptr) != 1)
        return state.SkipWithError("OpenSSL setup failed");
    const auto to_hex = digest_hex;
    unsigned char d[EVP_MAX_MD_SIZE];
    char payload_hash[64];
    char signature[64];
    std::string string_to_sign;
    string_to_sign.reserve(256);
    for (auto _ : state) {
        unsigned int n = 0;
        bool ok = EVP_DigestInit_ex2(hash, md, nullptr) == 1 &&
                  EVP_DigestUpdate(hash, c.body.data(), c.body.size()) == 1 &&
                  EVP_DigestFinal_ex(hash, d, &n) == 1;
        to_hex(d, payload_hash);
        benchmark::DoNotOptimize(payload_hash);
        ok = ok && EVP_DigestInit_ex2(hash, md, nullptr) == 1 &&
             EVP_DigestUpdate(hash, canonical_request.data(), canonical_request.size()) == 1 &&
             EVP_DigestFinal_ex(hash, d, &n) == 1;
        string_to_sign.assign("AWS4-HMAC-SHA256\n");
        string_to_sign.append(date_time).push_back('\n');
        string_to_sign.append(scope).push_back('\n');
        const std::size_t at = string_to_sign.size();
        string_to_sign.resize(at + 64);
        to_hex(d, string_to_sign.data() + at);
        std::size_t mac_size = 0;
        ok = ok && EVP_MAC_init(mac, nullptr, 0, nullptr) == 1 &&
             EVP_MAC_update(mac, reinterpret_cast<const unsigned char*>(string_to_sign.data()),
                            string_to_sign.size()) == 1 &&
             EVP_MAC_final(mac, d, &mac_size, sizeof d) == 1;
        to_hex(d, signature);
        if (!ok)
            state.SkipWithError("OpenSSL failed");
        benchmark::DoNotOptimize(signature);
    }
    if (std::string_view(signature, 64) != r.signature)
        state.SkipWithError("the floor's signature differs from the signer's");
    state.counters["creq_bytes"] = static_cast<double>(canonical_request.size());
    EVP_MAC_CTX_free(mac);
    EVP_MAC_free(hmac);
    EVP_MD_CTX_free(hash);
    EVP_MD_free(md);
}
BENCHMARK(BM_sigv4_floor_openssl);

#if !defined(OPENSSL_NO_DEPRECATED_3_0)
// The same floor on OpenSSL's SHA256_* functions, whose context is a plain struct (deprecated in
// OpenSSL 3.0, and cheaper than EVP's provider dispatch): HMAC from the signing key's inner and outer
// pad states, computed once, as the signer keeps them. The stricter floor: the signer uses these.
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
void BM_sigv4_floor_openssl_struct(benchmark::State& state)
{
    const floor_inputs in;
    if (!in.ok)
        return state.SkipWithError("sign failed");
    SHA256_CTX inner, outer;
    unsigned char pad[SHA256_CBLOCK] = {};
    std::copy(in.key.begin(), in.key.end(), pad);
    for (auto& b : pad)
        b ^= 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof pad);
    for (auto& b : pad)
        b ^= 0x36 ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof pad);
    const auto to_hex = digest_hex;
    unsigned char d[SHA256_DIGEST_LENGTH];
    char payload_hash[64];
    char signature[64];
    std::string string_to_sign;
    string_to_sign.reserve(256);
    SHA256_CTX ctx;
    for (auto _ : state) {
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, in.c.body.data(), in.c.body.size());
        SHA256_Final(d, &ctx);
        to_hex(d, payload_hash);
        benchmark::DoNotOptimize(payload_hash);
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, in.r.canonical_request.data(), in.r.canonical_request.size());
        SHA256_Final(d, &ctx);
        string_to_sign.assign("AWS4-HMAC-SHA256\n");
        string_to_sign.append(in.r.amz_date).push_back('\n');
        string_to_sign.append(in.scope).push_back('\n');
        const std::size_t at = string_to_sign.size();
        string_to_sign.resize(at + 64);
        to_hex(d, string_to_sign.data() + at);
        ctx = inner;
        SHA256_Update(&ctx, string_to_sign.data(), string_to_sign.size());
        SHA256_Final(d, &ctx);
        ctx = outer;
        SHA256_Update(&ctx, d, sizeof d);
        SHA256_Final(d, &ctx);
        to_hex(d, signature);
        benchmark::DoNotOptimize(signature);
    }
    if (std::string_view(signature, 64) != in.r.signature)
        state.SkipWithError("the floor's signature differs from the signer's");
}
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
BENCHMARK(BM_sigv4_floor_openssl_struct);
#endif

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

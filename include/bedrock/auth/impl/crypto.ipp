#ifndef BEDROCK_AUTH_IMPL_CRYPTO_IPP
#define BEDROCK_AUTH_IMPL_CRYPTO_IPP

#include <bedrock/auth/impl/crypto.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

namespace bedrock::auth::detail {
#ifdef BEDROCK_DETAIL_SHA256_STRUCT
// OpenSSL 3.0 marks these functions deprecated; they are the ones wanted here (see crypto.hpp).
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#elif defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable : 4996)
#endif

BEDROCK_DECL sha256::sha256() noexcept = default;

BEDROCK_DECL sha256::~sha256() = default;

BEDROCK_DECL bool sha256::init() noexcept { return SHA256_Init(&ctx_) == 1; }

BEDROCK_DECL bool sha256::update(const void* data, std::size_t size) noexcept
{
    return SHA256_Update(&ctx_, data, size) == 1;
}

BEDROCK_DECL bool sha256::final(digest& out) noexcept { return SHA256_Final(out.data(), &ctx_) == 1; }

BEDROCK_DECL bool sha256::hash(const void* data, std::size_t size, digest& out) noexcept
{
    return init() && update(data, size) && final(out);
}

BEDROCK_DECL hmac_sha256::hmac_sha256() noexcept = default;

BEDROCK_DECL hmac_sha256::~hmac_sha256()
{
    secure_zero(&inner_, sizeof inner_);
    secure_zero(&outer_, sizeof outer_);
}

BEDROCK_DECL bool hmac_sha256::set_key(const void* key, std::size_t key_size) noexcept
{
    // RFC 2104: a key longer than the block is hashed first; the key is padded to the block with
    // zeros and XORed with 0x36 (inner) and 0x5c (outer).
    constexpr std::size_t block = SHA256_CBLOCK;
    unsigned char pad[block] = {};
    bool ok = true;
    if (key_size > block) {
        digest hashed;
        ok = SHA256_Init(&inner_) == 1 && SHA256_Update(&inner_, key, key_size) == 1 &&
             SHA256_Final(hashed.data(), &inner_) == 1;
        std::memcpy(pad, hashed.data(), hashed.size());
        secure_zero(hashed.data(), hashed.size());
    } else if (key_size > 0) {
        std::memcpy(pad, key, key_size);
    }
    for (auto& b : pad)
        b ^= 0x36;
    ok = ok && SHA256_Init(&inner_) == 1 && SHA256_Update(&inner_, pad, block) == 1;
    for (auto& b : pad)
        b ^= 0x36 ^ 0x5c;
    ok = ok && SHA256_Init(&outer_) == 1 && SHA256_Update(&outer_, pad, block) == 1;
    secure_zero(pad, sizeof pad);
    return ok;
}

BEDROCK_DECL bool hmac_sha256::mac(const void* data, std::size_t size, digest& out) noexcept
{
    SHA256_CTX ctx = inner_;
    digest inner_hash;
    bool ok = SHA256_Update(&ctx, data, size) == 1 && SHA256_Final(inner_hash.data(), &ctx) == 1;
    ctx = outer_;
    ok = ok && SHA256_Update(&ctx, inner_hash.data(), inner_hash.size()) == 1 && SHA256_Final(out.data(), &ctx) == 1;
    secure_zero(&ctx, sizeof ctx);
    return ok;
}

BEDROCK_DECL bool hmac_sha256::mac(const void* key, std::size_t key_size, const void* data,
                                   std::size_t size, digest& out) noexcept
{
    return set_key(key, key_size) && mac(data, size, out);
}

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#elif defined(_MSC_VER)
#pragma warning(pop)
#endif
#else // EVP

// Fetched once per process and never freed: fetching takes a lock and a property query each time,
// and the objects must outlive every signer, including those destroyed during static destruction.
BEDROCK_DECL const EVP_MD* sha256_md() noexcept
{
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

BEDROCK_DECL EVP_MAC* hmac_algorithm() noexcept
{
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

BEDROCK_DECL sha256::sha256() noexcept : ctx_(sha256_md() ? EVP_MD_CTX_new() : nullptr) {}

BEDROCK_DECL sha256::~sha256() { EVP_MD_CTX_free(ctx_); }

BEDROCK_DECL bool sha256::init() noexcept
{
    return ctx_ && EVP_DigestInit_ex2(ctx_, sha256_md(), nullptr) == 1;
}

BEDROCK_DECL bool sha256::update(const void* data, std::size_t size) noexcept
{
    return EVP_DigestUpdate(ctx_, data, size) == 1;
}

BEDROCK_DECL bool sha256::final(digest& out) noexcept
{
    unsigned int n = 0;
    return EVP_DigestFinal_ex(ctx_, out.data(), &n) == 1 && n == out.size();
}

BEDROCK_DECL bool sha256::hash(const void* data, std::size_t size, digest& out) noexcept
{
    return init() && update(data, size) && final(out);
}

BEDROCK_DECL hmac_sha256::hmac_sha256() noexcept : ctx_(nullptr)
{
    EVP_MAC* alg = hmac_algorithm();
    if (!alg)
        return;
    ctx_ = EVP_MAC_CTX_new(alg);
    if (!ctx_)
        return;
    // The digest is chosen once; every later EVP_MAC_init passes no parameters.
    char name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(ctx_, params) != 1) {
        EVP_MAC_CTX_free(ctx_);
        ctx_ = nullptr;
    }
}

BEDROCK_DECL hmac_sha256::~hmac_sha256() { EVP_MAC_CTX_free(ctx_); }

BEDROCK_DECL bool hmac_sha256::mac(const void* key, std::size_t key_size, const void* data,
                                   std::size_t size, digest& out) noexcept
{
    std::size_t n = 0;
    return ctx_ && EVP_MAC_init(ctx_, static_cast<const unsigned char*>(key), key_size, nullptr) == 1 &&
           EVP_MAC_update(ctx_, static_cast<const unsigned char*>(data), size) == 1 &&
           EVP_MAC_final(ctx_, out.data(), &n, out.size()) == 1 && n == out.size();
}

BEDROCK_DECL bool hmac_sha256::set_key(const void* key, std::size_t key_size) noexcept
{
    return ctx_ && EVP_MAC_init(ctx_, static_cast<const unsigned char*>(key), key_size, nullptr) == 1;
}

BEDROCK_DECL bool hmac_sha256::mac(const void* data, std::size_t size, digest& out) noexcept
{
    // A null key restarts from the saved inner/outer pad states of the current key.
    std::size_t n = 0;
    return ctx_ && EVP_MAC_init(ctx_, nullptr, 0, nullptr) == 1 &&
           EVP_MAC_update(ctx_, static_cast<const unsigned char*>(data), size) == 1 &&
           EVP_MAC_final(ctx_, out.data(), &n, out.size()) == 1 && n == out.size();
}

#endif

BEDROCK_DECL bool derive_signing_key(hmac_sha256& mac, std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service,
                                     digest& out) noexcept
{
    // "AWS4" + secret without a heap copy for any realistic secret (40 characters for IAM keys).
    unsigned char first_key[256];
    std::string heap_key;
    const unsigned char* k = first_key;
    const std::size_t k_size = 4 + secret.size();
    if (k_size <= sizeof first_key) {
        std::memcpy(first_key, "AWS4", 4);
        std::memcpy(first_key + 4, secret.data(), secret.size());
    } else {
        heap_key.reserve(k_size);
        heap_key.append("AWS4").append(secret);
        k = reinterpret_cast<const unsigned char*>(heap_key.data());
    }
    digest k_date, k_region, k_service;
    const bool ok = mac.mac(k, k_size, date.data(), date.size(), k_date) &&
                    mac.mac(k_date.data(), k_date.size(), region.data(), region.size(), k_region) &&
                    mac.mac(k_region.data(), k_region.size(), service.data(), service.size(), k_service) &&
                    mac.mac(k_service.data(), k_service.size(), "aws4_request", 12, out) &&
                    mac.set_key(out.data(), out.size());
    secure_zero(first_key, sizeof first_key);
    if (!heap_key.empty())
        secure_zero(heap_key.data(), heap_key.size());
    secure_zero(k_date.data(), k_date.size());
    secure_zero(k_region.data(), k_region.size());
    secure_zero(k_service.data(), k_service.size());
    return ok;
}

BEDROCK_DECL signing_key_cache::~signing_key_cache()
{
    secure_zero(secret_.data(), secret_.size());
    secure_zero(key_.data(), key_.size());
}

BEDROCK_DECL bool signing_key_cache::prepare(std::string_view secret, std::string_view date,
                                             std::string_view region, std::string_view service)
{
    if (valid_ && date == date_ && secret == secret_ && region == region_ && service == service_)
        return true;
    valid_ = false;
    if (!derive_signing_key(mac_, secret, date, region, service, key_))
        return false;
    ++derivations_;
    secure_zero(secret_.data(), secret_.size());
    secret_.assign(secret);
    date_.assign(date);
    region_.assign(region);
    service_.assign(service);
    valid_ = true;
    return true;
}

namespace hex_impl {
// Both digits of every byte value, so that each byte costs one lookup and one 2-byte copy: three
// digests are hex-encoded per signature.
struct byte_digits {
    char pairs[256][2];
};
inline constexpr byte_digits make_byte_digits() noexcept
{
    constexpr char digits[] = "0123456789abcdef";
    byte_digits t{};
    for (int b = 0; b < 256; ++b) {
        t.pairs[b][0] = digits[b >> 4];
        t.pairs[b][1] = digits[b & 0x0f];
    }
    return t;
}
inline constexpr byte_digits lower_hex_pairs = make_byte_digits();
} // namespace hex_impl

BEDROCK_DECL void write_hex(const std::uint8_t* bytes, std::size_t size, char* out) noexcept
{
    for (std::size_t i = 0; i < size; ++i)
        std::memcpy(out + 2 * i, hex_impl::lower_hex_pairs.pairs[bytes[i]], 2);
}

BEDROCK_DECL void append_hex(const std::uint8_t* bytes, std::size_t size, std::string& out)
{
    const std::size_t at = out.size();
    out.resize(at + 2 * size);
    write_hex(bytes, size, out.data() + at);
}

BEDROCK_DECL void secure_zero(void* p, std::size_t size) noexcept { OPENSSL_cleanse(p, size); }

} // namespace bedrock::auth::detail

#endif

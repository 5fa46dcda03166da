#ifndef BEDROCK_AUTH_IMPL_CRYPTO_HPP
#define BEDROCK_AUTH_IMPL_CRYPTO_HPP

// SHA-256 and HMAC-SHA256 on OpenSSL, shaped for the signing hot path: hashing again allocates
// nothing, and HMAC under a remembered key starts from its saved pad states.
//
// Two implementations. By default OpenSSL's SHA256_* functions, whose context is a plain struct:
// OpenSSL 3.0 deprecates them for the EVP interface, but EVP's provider dispatch costs more than the
// hashing itself for the few hundred bytes of a string to sign (per signature, about 12k
// instructions and four heap allocations: each EVP_DigestInit_ex2 and EVP_MAC_init allocates). The
// same SHA-256 code runs under both (SHA extensions included). Where the deprecated functions are
// compiled out (OPENSSL_NO_DEPRECATED_3_0), or with BEDROCK_SIGV4_USE_EVP defined (a FIPS build that
// must hash through its provider), EVP, with the algorithms fetched once per process.

#include <bedrock/detail/config.hpp>

#include <openssl/opensslconf.h>
#include <openssl/types.h>

#if !defined(OPENSSL_NO_DEPRECATED_3_0) && !defined(BEDROCK_SIGV4_USE_EVP)
#define BEDROCK_DETAIL_SHA256_STRUCT 1
#include <openssl/sha.h>
#endif

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace bedrock::auth::detail {

using digest = std::array<std::uint8_t, 32>;

/// A reusable SHA-256 context.
class sha256 {
public:
    BEDROCK_DECL sha256() noexcept;
    BEDROCK_DECL ~sha256();
#ifdef BEDROCK_DETAIL_SHA256_STRUCT
    sha256(sha256&& other) noexcept = default;
    sha256& operator=(sha256&& other) noexcept = default;
    bool valid() const noexcept { return true; }
#else
    sha256(sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
    sha256& operator=(sha256&& other) noexcept
    {
        std::swap(ctx_, other.ctx_);
        return *this;
    }

    /// False when OpenSSL could not allocate the context; every hash then fails.
    bool valid() const noexcept { return ctx_ != nullptr; }
#endif

    BEDROCK_DECL bool init() noexcept;
    BEDROCK_DECL bool update(const void* data, std::size_t size) noexcept;
    BEDROCK_DECL bool final(digest& out) noexcept;

    /// init + update + final.
    BEDROCK_DECL bool hash(const void* data, std::size_t size, digest& out) noexcept;
    bool hash(std::string_view s, digest& out) noexcept { return hash(s.data(), s.size(), out); }

private:
#ifdef BEDROCK_DETAIL_SHA256_STRUCT
    SHA256_CTX ctx_{};
#else
    EVP_MD_CTX* ctx_;
#endif
};

/// A reusable HMAC-SHA256 context that remembers its key, so that the HMAC of the next message with
/// the same key skips the key schedule.
class hmac_sha256 {
public:
    BEDROCK_DECL hmac_sha256() noexcept;
    BEDROCK_DECL ~hmac_sha256();
#ifdef BEDROCK_DETAIL_SHA256_STRUCT
    hmac_sha256(hmac_sha256&& other) noexcept = default;
    hmac_sha256& operator=(hmac_sha256&& other) noexcept = default;
    bool valid() const noexcept { return true; }
#else
    hmac_sha256(hmac_sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
    hmac_sha256& operator=(hmac_sha256&& other) noexcept
    {
        std::swap(ctx_, other.ctx_);
        return *this;
    }

    bool valid() const noexcept { return ctx_ != nullptr; }
#endif

    /// HMAC of `data` under a new key, which becomes the remembered key.
    BEDROCK_DECL bool mac(const void* key, std::size_t key_size, const void* data, std::size_t size,
                          digest& out) noexcept;
    /// Makes `key` the remembered key.
    BEDROCK_DECL bool set_key(const void* key, std::size_t key_size) noexcept;
    /// HMAC of `data` under the remembered key (precondition: a key was set by the other overload).
    BEDROCK_DECL bool mac(const void* data, std::size_t size, digest& out) noexcept;

private:
#ifdef BEDROCK_DETAIL_SHA256_STRUCT
    // SHA-256 having absorbed the key XOR the inner and the outer pad: HMAC's first block each.
    SHA256_CTX inner_{}, outer_{};
#else
    EVP_MAC_CTX* ctx_;
#endif
};

/// The SigV4 signing key: HMAC chain over "AWS4"+secret, date (YYYYMMDD), region, service,
/// "aws4_request". Leaves `mac` keyed with the result.
BEDROCK_DECL bool derive_signing_key(hmac_sha256& mac, std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service,
                                     digest& out) noexcept;

/// The signing key of the last (secret, date, region, service) seen, and an HMAC context keyed with
/// it. The key only changes at midnight UTC or when the credentials rotate, so nearly every
/// signature skips the four-HMAC derivation.
class signing_key_cache {
public:
    signing_key_cache() = default;
    BEDROCK_DECL ~signing_key_cache();
    signing_key_cache(signing_key_cache&&) = default;
    signing_key_cache& operator=(signing_key_cache&&) = default;

    /// Leaves mac() keyed with the signing key for these inputs, deriving it only when one of them
    /// differs from the previous call. `date` is YYYYMMDD. False when OpenSSL fails.
    BEDROCK_DECL bool prepare(std::string_view secret, std::string_view date, std::string_view region,
                              std::string_view service);

    hmac_sha256& mac() noexcept { return mac_; }
    const digest& key() const noexcept { return key_; }
    std::uint64_t derivations() const noexcept { return derivations_; }

private:
    hmac_sha256 mac_;
    std::string secret_, date_, region_, service_;
    digest key_{};
    bool valid_ = false;
    std::uint64_t derivations_ = 0;
};

/// Appends the lowercase hex of `bytes` to `out`.
BEDROCK_DECL void append_hex(const std::uint8_t* bytes, std::size_t size, std::string& out);

/// Writes the 2*size lowercase hex digits of `bytes` to `out`.
BEDROCK_DECL void write_hex(const std::uint8_t* bytes, std::size_t size, char* out) noexcept;

/// Zeroes memory in a way the compiler may not elide (key material).
BEDROCK_DECL void secure_zero(void* p, std::size_t size) noexcept;

} // namespace bedrock::auth::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/auth/impl/crypto.ipp>
#endif

#endif

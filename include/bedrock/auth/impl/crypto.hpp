#ifndef BEDROCK_AUTH_IMPL_CRYPTO_HPP
#define BEDROCK_AUTH_IMPL_CRYPTO_HPP

// SHA-256 and HMAC-SHA256 on OpenSSL 3, shaped for the signing hot path: the algorithms are fetched
// once per process, and each object keeps its context so that hashing again allocates nothing.
// One-shot SHA256()/HMAC() would fetch the algorithm on every call, which costs more than the
// hashing itself for the few hundred bytes of a string to sign.

#include <bedrock/detail/config.hpp>

#include <openssl/types.h>

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
    sha256(sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
    sha256& operator=(sha256&& other) noexcept
    {
        std::swap(ctx_, other.ctx_);
        return *this;
    }

    /// False when OpenSSL could not allocate the context; every hash then fails.
    bool valid() const noexcept { return ctx_ != nullptr; }

    BEDROCK_DECL bool init() noexcept;
    BEDROCK_DECL bool update(const void* data, std::size_t size) noexcept;
    BEDROCK_DECL bool final(digest& out) noexcept;

    /// init + update + final.
    BEDROCK_DECL bool hash(const void* data, std::size_t size, digest& out) noexcept;
    bool hash(std::string_view s, digest& out) noexcept { return hash(s.data(), s.size(), out); }

private:
    EVP_MD_CTX* ctx_;
};

/// A reusable HMAC-SHA256 context that remembers its key, so that the HMAC of the next message with
/// the same key skips the key schedule.
class hmac_sha256 {
public:
    BEDROCK_DECL hmac_sha256() noexcept;
    BEDROCK_DECL ~hmac_sha256();
    hmac_sha256(hmac_sha256&& other) noexcept : ctx_(other.ctx_) { other.ctx_ = nullptr; }
    hmac_sha256& operator=(hmac_sha256&& other) noexcept
    {
        std::swap(ctx_, other.ctx_);
        return *this;
    }

    bool valid() const noexcept { return ctx_ != nullptr; }

    /// HMAC of `data` under a new key, which becomes the remembered key.
    BEDROCK_DECL bool mac(const void* key, std::size_t key_size, const void* data, std::size_t size,
                          digest& out) noexcept;
    /// Makes `key` the remembered key.
    BEDROCK_DECL bool set_key(const void* key, std::size_t key_size) noexcept;
    /// HMAC of `data` under the remembered key (precondition: a key was set by the other overload).
    BEDROCK_DECL bool mac(const void* data, std::size_t size, digest& out) noexcept;

private:
    EVP_MAC_CTX* ctx_;
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

#include <bedrock/eventstream/crc32.hpp>

#include "support/vectors.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace crc32_test {

namespace {

using crc_fn = std::uint32_t (*)(const void*, std::size_t, std::uint32_t) noexcept;

std::uint32_t zlib_crc(const void* p, std::size_t n, std::uint32_t crc = 0)
{
    // zlib takes uInt lengths; feed it in chunks so the reference is right for any size.
    auto b = static_cast<const Bytef*>(p);
    uLong c = crc;
    while (n > 0) {
        const auto chunk = static_cast<uInt>(n < (1u << 30) ? n : (1u << 30));
        c = ::crc32(c, b, chunk);
        b += chunk;
        n -= chunk;
    }
    return static_cast<std::uint32_t>(c);
}

std::vector<unsigned char> random_bytes(std::size_t n, std::mt19937_64& rng)
{
    std::vector<unsigned char> v(n);
    for (auto& b : v)
        b = static_cast<unsigned char>(rng());
    return v;
}

std::uint32_t be32(const std::vector<std::uint8_t>& v, std::size_t at)
{
    return (std::uint32_t{v[at]} << 24) | (std::uint32_t{v[at + 1]} << 16) |
           (std::uint32_t{v[at + 2]} << 8) | std::uint32_t{v[at + 3]};
}

struct named_fn {
    const char* name;
    crc_fn fn;
};

const named_fn implementations[] = {
    {"crc32", &bedrock::eventstream::crc32},
    {"crc32_portable", &bedrock::eventstream::crc32_portable},
};

} // namespace

TEST_CASE("crc32: known values", "[eventstream][crc32]")
{
    for (const auto& impl : implementations) {
        INFO(impl.name);
        CHECK(impl.fn("123456789", 9, 0) == 0xCBF43926u);
        CHECK(impl.fn("", 0, 0) == 0u);
        CHECK(impl.fn(nullptr, 0, 0) == 0u);
        CHECK(impl.fn(nullptr, 0, 0xDEADBEEFu) == 0xDEADBEEFu); // empty input leaves crc alone
        CHECK(impl.fn("a", 1, 0) == 0xE8B7BE43u);
        const std::string fox = "The quick brown fox jumps over the lazy dog";
        CHECK(impl.fn(fox.data(), fox.size(), 0) == 0x414FA339u);
        // 64 and 128 bytes: the smallest inputs on the folding path.
        const std::vector<unsigned char> zeros(128, 0), ones(128, 0xFF);
        CHECK(impl.fn(zeros.data(), 64, 0) == zlib_crc(zeros.data(), 64));
        CHECK(impl.fn(ones.data(), 128, 0) == zlib_crc(ones.data(), 128));
    }
}

TEST_CASE("crc32: matches zlib for every length 0..1024 at every alignment 0..15",
          "[eventstream][crc32]")
{
    std::mt19937_64 rng(0x5eed);
    const auto buf = random_bytes(1024 + 16, rng);
    const std::uint32_t inits[] = {0u, 0xFFFFFFFFu, 0x12345678u};
    for (const auto& impl : implementations) {
        for (const std::uint32_t init : inits) {
            std::size_t mismatches = 0, first_len = 0, first_align = 0;
            for (std::size_t align = 0; align < 16; ++align) {
                for (std::size_t len = 0; len <= 1024; ++len) {
                    const unsigned char* p = buf.data() + align;
                    if (impl.fn(p, len, init) != zlib_crc(p, len, init)) {
                        if (mismatches++ == 0) {
                            first_len = len;
                            first_align = align;
                        }
                    }
                }
            }
            INFO(impl.name << " init=" << init << " first mismatch: len=" << first_len
                           << " align=" << first_align);
            CHECK(mismatches == 0);
        }
    }
}

TEST_CASE("crc32: matches zlib on random buffers up to 1 MiB", "[eventstream][crc32]")
{
    std::mt19937_64 rng(0xC0FFEE);
    const auto buf = random_bytes((std::size_t{1} << 20) + 16, rng);
    std::vector<std::size_t> sizes = {std::size_t{1} << 20, (std::size_t{1} << 20) - 1, 65536,
                                      65536 + 15, 4096 + 7};
    std::uniform_int_distribution<std::size_t> any_size(0, std::size_t{1} << 20);
    for (int i = 0; i < 40; ++i)
        sizes.push_back(any_size(rng));
    for (const auto& impl : implementations) {
        for (const std::size_t n : sizes) {
            const std::size_t align = rng() % 16;
            const auto init = static_cast<std::uint32_t>(rng());
            INFO(impl.name << " size=" << n << " align=" << align << " init=" << init);
            CHECK(impl.fn(buf.data() + align, n, init) == zlib_crc(buf.data() + align, n, init));
        }
    }
}

TEST_CASE("crc32: continuation across random split points", "[eventstream][crc32]")
{
    std::mt19937_64 rng(42);
    for (const auto& impl : implementations) {
        for (int round = 0; round < 200; ++round) {
            const std::size_t n = rng() % (round < 150 ? 2048 : 200000);
            const auto buf = random_bytes(n, rng);
            const std::uint32_t whole = impl.fn(buf.data(), n, 0);
            REQUIRE(whole == zlib_crc(buf.data(), n));

            // Split into a random number of pieces at random points.
            std::vector<std::size_t> cuts = {0, n};
            const int pieces = static_cast<int>(rng() % 8);
            for (int i = 0; i < pieces; ++i)
                cuts.push_back(n == 0 ? 0 : rng() % (n + 1));
            std::sort(cuts.begin(), cuts.end());
            std::uint32_t chained = 0;
            for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
                chained = impl.fn(buf.data() + cuts[i], cuts[i + 1] - cuts[i], chained);
            INFO(impl.name << " size=" << n << " pieces=" << cuts.size() - 1);
            CHECK(chained == whole);
        }
    }
}

TEST_CASE("crc32: event-stream frames from botocore carry matching checksums",
          "[eventstream][crc32]")
{
    const char* names[] = {"all_headers_types", "empty_message", "error_event_message",
                           "int16_header", "int32_header", "int64_header", "int8_header",
                           "payload_no_headers", "payload_one_str_header"};
    for (const char* name : names) {
        const auto frame = bedrock::test::read_bytes(bedrock::test::vector_path(
            std::string("eventstream/botocore/encoded/positive/") + name));
        INFO(name << " (" << frame.size() << " bytes)");
        REQUIRE(frame.size() >= 16);
        REQUIRE(be32(frame, 0) == frame.size()); // total length field
        for (const auto& impl : implementations) {
            INFO(impl.name);
            // Prelude CRC: bytes 8..11 cover the 8-byte prelude.
            CHECK(impl.fn(frame.data(), 8, 0) == be32(frame, 8));
            // Message CRC: the last four bytes cover everything before them...
            const std::size_t body = frame.size() - 4;
            CHECK(impl.fn(frame.data(), body, 0) == be32(frame, body));
            // ...and continuing from the prelude CRC gives the same value, as a decoder does it.
            const std::uint32_t prelude = impl.fn(frame.data(), 8, 0);
            CHECK(impl.fn(frame.data() + 8, body - 8, prelude) == be32(frame, body));
        }
    }
}

} // namespace crc32_test

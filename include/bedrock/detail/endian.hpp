#ifndef BEDROCK_DETAIL_ENDIAN_HPP
#define BEDROCK_DETAIL_ENDIAN_HPP

// Big-endian loads and stores on byte pointers: the event-stream wire order. memcpy keeps them free
// of alignment assumptions (UBSan-clean) and compiles to a single load plus bswap.

#include <bit>
#include <cstdint>
#include <cstring>

namespace bedrock::detail {

template <class T>
inline T load_be(const std::uint8_t* p) noexcept
{
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        using U = std::make_unsigned_t<T>;
        U u = static_cast<U>(v);
        if constexpr (sizeof(T) == 2)
            u = static_cast<U>(__builtin_bswap16(u));
        else if constexpr (sizeof(T) == 4)
            u = __builtin_bswap32(u);
        else
            u = __builtin_bswap64(u);
        v = static_cast<T>(u);
    }
    return v;
}

template <class T>
inline void store_be(std::uint8_t* p, T v) noexcept
{
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        using U = std::make_unsigned_t<T>;
        U u = static_cast<U>(v);
        if constexpr (sizeof(T) == 2)
            u = static_cast<U>(__builtin_bswap16(u));
        else if constexpr (sizeof(T) == 4)
            u = __builtin_bswap32(u);
        else
            u = __builtin_bswap64(u);
        v = static_cast<T>(u);
    }
    std::memcpy(p, &v, sizeof v);
}

} // namespace bedrock::detail

#endif

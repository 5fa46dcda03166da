#ifndef BEDROCK_EVENTSTREAM_IMPL_ENCODER_IPP
#define BEDROCK_EVENTSTREAM_IMPL_ENCODER_IPP

#include <bedrock/detail/endian.hpp>
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/encoder.hpp>

#include <limits>

namespace bedrock::eventstream {
namespace detail {

inline constexpr std::size_t max_header_name = 255;
inline constexpr std::size_t max_header_value = 32767; // a signed 16-bit length on the wire

inline std::size_t value_size(const header_value_view& v) noexcept
{
    return std::visit(
        [](const auto& x) -> std::size_t {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, bool>)
                return 0;
            else if constexpr (std::is_same_v<T, byte_view> || std::is_same_v<T, std::string_view>)
                return 2 + x.size();
            else if constexpr (std::is_same_v<T, timestamp>)
                return 8;
            else if constexpr (std::is_same_v<T, uuid>)
                return 16;
            else
                return sizeof(T);
        },
        v);
}

// Refuses what our own decoder (and botocore's) would refuse, so that we never write such a frame.
inline boost::system::error_code check_headers(std::span<const header_view> headers) noexcept
{
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& h = headers[i];
        if (h.name.empty() || h.name.size() > max_header_name)
            return h.name.empty() ? error::invalid_header_name_length : error::header_name_too_long;
        if (value_size(h.value) > 2 + max_header_value)
            return error::header_value_too_long;
        for (std::size_t j = 0; j < i; ++j)
            if (headers[j].name == h.name)
                return error::duplicate_header;
    }
    return {};
}

inline std::uint8_t* write_headers(std::span<const header_view> headers, std::uint8_t* p) noexcept
{
    using bedrock::detail::store_be;
    for (const auto& h : headers) {
        *p++ = static_cast<std::uint8_t>(h.name.size());
        p = std::copy(h.name.begin(), h.name.end(), p);
        *p++ = static_cast<std::uint8_t>(type_of(h.value));
        std::visit(
            [&p](const auto& x) {
                using T = std::decay_t<decltype(x)>;
                if constexpr (std::is_same_v<T, bool>) {
                } else if constexpr (std::is_same_v<T, std::int8_t>) {
                    *p++ = static_cast<std::uint8_t>(x);
                } else if constexpr (std::is_same_v<T, byte_view> || std::is_same_v<T, std::string_view>) {
                    store_be(p, static_cast<std::uint16_t>(x.size()));
                    p = std::copy(x.begin(), x.end(), p + 2);
                } else if constexpr (std::is_same_v<T, timestamp>) {
                    store_be(p, static_cast<std::int64_t>(x.time_since_epoch().count()));
                    p += 8;
                } else if constexpr (std::is_same_v<T, uuid>) {
                    p = std::copy(x.bytes.begin(), x.bytes.end(), p);
                } else {
                    store_be(p, x);
                    p += sizeof(T);
                }
            },
            h.value);
    }
    return p;
}

} // namespace detail

BEDROCK_DECL std::size_t encoded_headers_size(std::span<const header_view> headers) noexcept
{
    std::size_t size = 0;
    for (const auto& h : headers)
        size += 1 + h.name.size() + 1 + detail::value_size(h.value);
    return size;
}

BEDROCK_DECL boost::system::error_code encode_headers(std::span<const header_view> headers,
                                                      std::vector<std::uint8_t>& out)
{
    if (auto ec = detail::check_headers(headers))
        return ec;
    const std::size_t start = out.size();
    out.resize(start + encoded_headers_size(headers));
    detail::write_headers(headers, out.data() + start);
    return {};
}

BEDROCK_DECL boost::system::error_code encode(std::span<const header_view> headers, byte_view payload,
                                              std::vector<std::uint8_t>& out)
{
    using bedrock::detail::store_be;
    if (auto ec = detail::check_headers(headers))
        return ec;
    const std::size_t headers_size = encoded_headers_size(headers);
    const std::size_t total = 12 + headers_size + payload.size() + 4;
    if (payload.size() > std::numeric_limits<std::uint32_t>::max() || total > std::numeric_limits<std::uint32_t>::max())
        return error::payload_too_long;

    const std::size_t start = out.size();
    out.resize(start + total);
    std::uint8_t* frame = out.data() + start;
    store_be(frame, static_cast<std::uint32_t>(total));
    store_be(frame + 4, static_cast<std::uint32_t>(headers_size));
    const std::uint32_t prelude_crc = crc32(frame, 8);
    store_be(frame + 8, prelude_crc);
    std::uint8_t* p = detail::write_headers(headers, frame + 12);
    if (!payload.empty())
        p = std::copy(payload.begin(), payload.end(), p);
    store_be(p, crc32(frame + 8, total - 12, prelude_crc));
    return {};
}

BEDROCK_DECL boost::system::error_code encode(const message& m, std::vector<std::uint8_t>& out)
{
    // Small messages are the rule; a fixed buffer avoids an allocation for their header views.
    constexpr std::size_t inline_headers = 8;
    std::array<header_view, inline_headers> small;
    std::vector<header_view> large;
    std::span<header_view> views;
    if (m.headers.size() <= inline_headers) {
        views = {small.data(), m.headers.size()};
    } else {
        large.resize(m.headers.size());
        views = large;
    }
    for (std::size_t i = 0; i < m.headers.size(); ++i)
        views[i] = {m.headers[i].name, view_of(m.headers[i].value)};
    return encode(views, {m.payload.data(), m.payload.size()}, out);
}

} // namespace bedrock::eventstream

#endif

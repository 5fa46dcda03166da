#ifndef BEDROCK_EVENTSTREAM_IMPL_MESSAGE_HPP
#define BEDROCK_EVENTSTREAM_IMPL_MESSAGE_HPP

// Small enough to stay inline in every mode.

#include <bedrock/eventstream/message.hpp>

namespace bedrock::eventstream {

inline header_type type_of(const header_value_view& v) noexcept
{
    if (auto b = std::get_if<bool>(&v))
        return *b ? header_type::bool_true : header_type::bool_false;
    return static_cast<header_type>(v.index() + 1);
}

inline header_type type_of(const header_value& v) noexcept
{
    if (auto b = std::get_if<bool>(&v))
        return *b ? header_type::bool_true : header_type::bool_false;
    return static_cast<header_type>(v.index() + 1);
}

inline header_value_view view_of(const header_value& v) noexcept
{
    return std::visit(
        [](const auto& x) -> header_value_view {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::vector<std::uint8_t>>)
                return byte_view{x.data(), x.size()};
            else if constexpr (std::is_same_v<T, std::string>)
                return std::string_view{x};
            else
                return x;
        },
        v);
}

inline header_value to_owned(const header_value_view& v)
{
    return std::visit(
        [](const auto& x) -> header_value {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, byte_view>)
                return std::vector<std::uint8_t>(x.begin(), x.end());
            else if constexpr (std::is_same_v<T, std::string_view>)
                return std::string(x);
            else
                return x;
        },
        v);
}

inline const header_view* message_view::find(std::string_view name) const noexcept
{
    for (const auto& h : headers)
        if (h.name == name)
            return &h;
    return nullptr;
}

inline std::string_view message_view::string_header(std::string_view name) const noexcept
{
    if (auto h = find(name))
        if (auto s = std::get_if<std::string_view>(&h->value))
            return *s;
    return {};
}

inline message message::from(const message_view& v)
{
    message m;
    m.headers.reserve(v.headers.size());
    for (const auto& h : v.headers)
        m.headers.push_back({std::string(h.name), to_owned(h.value)});
    m.payload.assign(v.payload.begin(), v.payload.end());
    return m;
}

inline const header* message::find(std::string_view name) const noexcept
{
    for (const auto& h : headers)
        if (h.name == name)
            return &h;
    return nullptr;
}

} // namespace bedrock::eventstream

#endif

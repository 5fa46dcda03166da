#ifndef BEDROCK_EVENTSTREAM_MESSAGE_HPP
#define BEDROCK_EVENTSTREAM_MESSAGE_HPP

// The application/vnd.amazon.eventstream message model: a frame is a 12-byte prelude (total length,
// headers length, prelude CRC), typed headers, a payload and a trailing CRC of everything before it.

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bedrock::eventstream {

/// The wire type byte of a header value.
enum class header_type : std::uint8_t {
    bool_true = 0,
    bool_false = 1,
    byte = 2,
    int16 = 3,
    int32 = 4,
    int64 = 5,
    byte_array = 6,
    string = 7,
    timestamp = 8,
    uuid = 9,
};

using byte_view = std::span<const std::uint8_t>;

/// A timestamp header: milliseconds since the Unix epoch, as on the wire.
using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// A uuid header: its 16 raw bytes.
struct uuid {
    std::array<std::uint8_t, 16> bytes{};
    friend bool operator==(const uuid&, const uuid&) = default;
};

/// A header value that refers to bytes it does not own (a decoded frame, or the caller's strings).
/// The alternatives are in wire-type order, with both boolean types folded into `bool`.
using header_value_view = std::variant<bool, std::int8_t, std::int16_t, std::int32_t, std::int64_t,
                                       byte_view, std::string_view, timestamp, uuid>;

/// An owning header value, the same alternatives in the same order.
using header_value = std::variant<bool, std::int8_t, std::int16_t, std::int32_t, std::int64_t,
                                  std::vector<std::uint8_t>, std::string, timestamp, uuid>;

/// The wire type of a value (bool maps to bool_true or bool_false by its value).
header_type type_of(const header_value_view& v) noexcept;
header_type type_of(const header_value& v) noexcept;

/// A non-owning header: name and value refer into a frame or into the caller's data.
struct header_view {
    std::string_view name;
    header_value_view value;
};

/// An owning header.
struct header {
    std::string name;
    header_value value;
    friend bool operator==(const header&, const header&) = default;
};

header_value_view view_of(const header_value& v) noexcept;
header_value to_owned(const header_value_view& v);

/// A decoded frame whose headers and payload refer into the decoder's buffer or the caller's input.
/// Valid until the next call to the decoder that produced it.
struct message_view {
    std::span<const header_view> headers;
    byte_view payload;
    byte_view frame; ///< the whole frame, prelude to trailing CRC

    /// The first header with this name, or nullptr.
    const header_view* find(std::string_view name) const noexcept;
    /// The value of a string header with this name, or an empty view when absent or of another type.
    std::string_view string_header(std::string_view name) const noexcept;
};

/// An owning message: what a user keeps beyond the decoder's next call, and what the encoder takes.
struct message {
    std::vector<header> headers;
    std::vector<std::uint8_t> payload;

    static message from(const message_view& v);
    const header* find(std::string_view name) const noexcept;
    friend bool operator==(const message&, const message&) = default;
};

} // namespace bedrock::eventstream

#include <bedrock/eventstream/impl/message.hpp>

#endif

#ifndef BEDROCK_EVENTSTREAM_IMPL_DECODER_IPP
#define BEDROCK_EVENTSTREAM_IMPL_DECODER_IPP

#include <bedrock/detail/endian.hpp>
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/decoder.hpp>

#include <algorithm>

namespace bedrock::eventstream {
namespace detail {

inline constexpr std::size_t prelude_size = 12; // total length, headers length, prelude CRC
inline constexpr std::size_t min_message_size = prelude_size + 4;

// The fixed size of a header value of each wire type; 0 for the length-prefixed ones.
inline constexpr std::size_t fixed_value_size(std::uint8_t type) noexcept
{
    switch (type) {
    case 2: return 1;
    case 3: return 2;
    case 4: return 4;
    case 5: return 8;
    case 8: return 8;
    case 9: return 16;
    default: return 0;
    }
}

// Parses the headers block [p, end) into `out`. Every length is checked against the bytes that
// remain before it is used, so a hostile length can only produce an error.
inline boost::system::error_code parse_headers(const std::uint8_t* p, const std::uint8_t* end,
                                               std::vector<header_view>& out)
{
    using bedrock::detail::load_be;
    out.clear();
    while (p != end) {
        const std::size_t name_len = *p++;
        if (name_len == 0 || name_len > static_cast<std::size_t>(end - p))
            return error::invalid_header_name_length;
        std::string_view name{reinterpret_cast<const char*>(p), name_len};
        p += name_len;
        if (p == end)
            return error::header_truncated;
        const std::uint8_t type = *p++;
        const auto remaining = static_cast<std::size_t>(end - p);
        header_value_view value;
        switch (type) {
        case 0: value = true; break;
        case 1: value = false; break;
        case 2:
        case 3:
        case 4:
        case 5:
        case 8:
        case 9: {
            const std::size_t size = fixed_value_size(type);
            if (size > remaining)
                return error::header_value_truncated;
            if (type == 2)
                value = static_cast<std::int8_t>(*p);
            else if (type == 3)
                value = load_be<std::int16_t>(p);
            else if (type == 4)
                value = load_be<std::int32_t>(p);
            else if (type == 5)
                value = load_be<std::int64_t>(p);
            else if (type == 8)
                value = timestamp{std::chrono::milliseconds{load_be<std::int64_t>(p)}};
            else {
                uuid u;
                std::copy_n(p, 16, u.bytes.begin());
                value = u;
            }
            p += size;
            break;
        }
        case 6:
        case 7: {
            if (remaining < 2)
                return error::header_value_truncated;
            const std::size_t size = load_be<std::uint16_t>(p);
            if (size > remaining - 2)
                return error::header_value_truncated;
            // The length is a signed 16-bit field (aws-c-event-stream's limit): what the encoder
            // refuses to write, the decoder refuses to read.
            if (size > 32767)
                return error::header_value_too_long;
            p += 2;
            if (type == 6)
                value = byte_view{p, size};
            else
                value = std::string_view{reinterpret_cast<const char*>(p), size};
            p += size;
            break;
        }
        default: return error::unknown_header_type;
        }
        // Messages carry a handful of headers; a linear scan beats hashing at this size.
        for (const auto& h : out)
            if (h.name == name)
                return error::duplicate_header;
        out.push_back({name, value});
    }
    return {};
}

} // namespace detail

BEDROCK_DECL boost::system::error_code parse_message(byte_view frame, std::vector<header_view>& headers,
                                                     message_view& out)
{
    using bedrock::detail::load_be;
    headers.clear();
    const std::size_t size = frame.size();
    if (size < detail::min_message_size)
        return error::message_too_short;
    const std::uint8_t* p = frame.data();
    const std::uint32_t total = load_be<std::uint32_t>(p);
    const std::uint32_t headers_len = load_be<std::uint32_t>(p + 4);
    if (crc32(p, 8) != load_be<std::uint32_t>(p + 8))
        return error::prelude_crc_mismatch;
    if (total < detail::min_message_size)
        return error::message_too_short;
    if (total != size)
        return error::frame_length_mismatch;
    if (headers_len > total - detail::min_message_size)
        return error::headers_length_exceeds_message;
    // The prelude CRC is the running value the message CRC continues from.
    if (crc32(p + 8, size - 12, load_be<std::uint32_t>(p + 8)) != load_be<std::uint32_t>(p + size - 4))
        return error::message_crc_mismatch;
    const std::uint8_t* headers_begin = p + detail::prelude_size;
    const std::uint8_t* headers_end = headers_begin + headers_len;
    if (auto ec = detail::parse_headers(headers_begin, headers_end, headers))
        return ec;
    out.headers = {headers.data(), headers.size()};
    out.payload = {headers_end, static_cast<std::size_t>(p + size - 4 - headers_end)};
    out.frame = frame;
    return {};
}

BEDROCK_DECL boost::system::error_code decoder::check_prelude(const std::uint8_t* prelude) noexcept
{
    using bedrock::detail::load_be;
    const std::uint32_t total = load_be<std::uint32_t>(prelude);
    const std::uint32_t headers_len = load_be<std::uint32_t>(prelude + 4);
    // The CRC first: a flipped bit in a length is corruption, not a hostile size.
    if (crc32(prelude, 8) != load_be<std::uint32_t>(prelude + 8))
        return eventstream::error::prelude_crc_mismatch;
    if (total < detail::min_message_size)
        return eventstream::error::message_too_short;
    if (total > max_message_size_)
        return eventstream::error::message_too_long;
    if (headers_len > total - detail::min_message_size)
        return eventstream::error::headers_length_exceeds_message;
    frame_size_ = total;
    return {};
}

BEDROCK_DECL boost::system::error_code decoder::parse_frame(const std::uint8_t* frame, std::size_t size)
{
    return parse_message({frame, size}, headers_, message_);
}

BEDROCK_DECL decoder::result decoder::feed(byte_view input)
{
    if (error_)
        return {0, status::error};
    if (completed_) {
        buffer_.clear();
        completed_ = false;
    }
    std::size_t used = 0;

    // Fast path: at a frame boundary with a whole frame in the input, decode it in place.
    if (buffer_.empty() && input.size() >= detail::prelude_size) {
        if (auto ec = check_prelude(input.data())) {
            error_ = ec;
            return {0, status::error};
        }
        if (input.size() >= frame_size_) {
            const std::size_t size = frame_size_;
            frame_size_ = 0;
            if (auto ec = parse_frame(input.data(), size)) {
                error_ = ec;
                return {size, status::error};
            }
            return {size, status::message};
        }
    }

    // Slow path: gather the prelude, check it, then gather exactly the rest of the frame.
    if (buffer_.size() < detail::prelude_size) {
        const std::size_t take = std::min(detail::prelude_size - buffer_.size(), input.size());
        buffer_.insert(buffer_.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(take));
        used += take;
        if (buffer_.size() < detail::prelude_size)
            return {used, status::need_more};
        if (frame_size_ == 0) {
            if (auto ec = check_prelude(buffer_.data())) {
                error_ = ec;
                return {used, status::error};
            }
        }
        // No reserve(frame_size_): memory grows with the bytes that actually arrive, so a peer that
        // announces a large frame and then trickles costs only what it sent.
    }
    const std::size_t take = std::min(frame_size_ - buffer_.size(), input.size() - used);
    buffer_.insert(buffer_.end(), input.begin() + static_cast<std::ptrdiff_t>(used),
                   input.begin() + static_cast<std::ptrdiff_t>(used + take));
    used += take;
    if (buffer_.size() < frame_size_)
        return {used, status::need_more};

    // Whole frame gathered. The message refers into buffer_, so its bytes stay until the next feed.
    const std::size_t size = frame_size_;
    frame_size_ = 0;
    auto ec = parse_frame(buffer_.data(), size);
    completed_ = true;
    if (ec) {
        error_ = ec;
        return {used, status::error};
    }
    return {used, status::message};
}

BEDROCK_DECL boost::system::error_code decoder::finish() noexcept
{
    if (error_)
        return error_;
    if (buffered() != 0)
        return eventstream::error::truncated_stream;
    return {};
}

BEDROCK_DECL void decoder::reset() noexcept
{
    buffer_.clear();
    headers_.clear();
    message_ = {};
    frame_size_ = 0;
    completed_ = false;
    error_ = {};
}

} // namespace bedrock::eventstream

#endif

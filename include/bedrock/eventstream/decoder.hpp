#ifndef BEDROCK_EVENTSTREAM_DECODER_HPP
#define BEDROCK_EVENTSTREAM_DECODER_HPP

#include <bedrock/detail/config.hpp>
#include <bedrock/eventstream/error.hpp>
#include <bedrock/eventstream/message.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bedrock::eventstream {

/// Frames longer than this are refused before any of their payload is buffered.
inline constexpr std::size_t default_max_message_size = 16 * 1024 * 1024;

/// Incremental, sans-I/O decoder: feed it bytes as they arrive, in slices of any size, and it hands
/// out one complete, checksum-verified message at a time.
///
/// The 12-byte prelude is checked (CRC, minimum and maximum length, headers length) as soon as it is
/// complete, so a hostile length never makes the decoder allocate or wait for bytes it will refuse.
/// A frame that arrives whole inside one `feed` is decoded in place (the message refers into the
/// caller's bytes); a frame split across calls is gathered into one reused buffer. Errors are sticky
/// until `reset()`.
class decoder {
public:
    enum class status { need_more, message, error };

    struct result {
        std::size_t consumed; ///< bytes of the input used; feed the rest again
        status state;
    };

    explicit decoder(std::size_t max_message_size = default_max_message_size) noexcept
        : max_message_size_(max_message_size)
    {
    }

    /// Consumes input up to the end of at most one message. On `status::message`, `message()` is
    /// valid until the next call to `feed` or `reset` (and, when decoded in place, while the input
    /// bytes are alive). On `status::error`, `error()` says why, and `consumed` is unspecified.
    BEDROCK_DECL result feed(byte_view input);

    const message_view& message() const noexcept { return message_; }
    boost::system::error_code error() const noexcept { return error_; }

    /// Bytes of an incomplete frame held so far; 0 at a frame boundary.
    std::size_t buffered() const noexcept { return completed_ ? 0 : buffer_.size(); }

    /// Call when the input has ended: an error (truncated_stream) if it ended inside a frame.
    BEDROCK_DECL boost::system::error_code finish() noexcept;

    /// Forgets any partial frame and a sticky error.
    BEDROCK_DECL void reset() noexcept;

private:
    BEDROCK_DECL boost::system::error_code check_prelude(const std::uint8_t* prelude) noexcept;
    BEDROCK_DECL boost::system::error_code parse_frame(const std::uint8_t* frame, std::size_t size);

    std::size_t max_message_size_;
    std::size_t frame_size_ = 0; ///< total length of the frame being gathered, once its prelude is in
    std::vector<std::uint8_t> buffer_; ///< a frame split across feeds, gathered whole
    bool completed_ = false; ///< buffer_ holds the last message handed out; drop it on the next feed
    std::vector<header_view> headers_;
    message_view message_{};
    boost::system::error_code error_;
};

/// Parses one whole frame (exactly `frame.size()` bytes, else frame_length_mismatch) without any
/// buffering. Headers are appended
/// to `headers` (cleared first); the returned view refers into `frame` and `headers`.
BEDROCK_DECL boost::system::error_code parse_message(byte_view frame, std::vector<header_view>& headers,
                                                     message_view& out);

} // namespace bedrock::eventstream

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/eventstream/impl/decoder.ipp>
#endif

#endif

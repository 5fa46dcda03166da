#ifndef BEDROCK_DETAIL_STREAM_CORE_HPP
#define BEDROCK_DETAIL_STREAM_CORE_HPP

// The part of a response event stream that does not depend on the operation: the read buffer, the
// frame decoder, and the classification of each frame (an event to parse, a failure the stream
// ends with, or a need for more bytes). Sans-I/O: the client's stream operation feeds it.

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/eventstream/decoder.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace bedrock::detail {

class stream_core {
public:
    /// Bytes asked of the socket per read, at most. A typical Bedrock event is 100-300 bytes; a read
    /// gets whatever has arrived, so this only bounds the burst taken at once.
    static constexpr std::size_t read_size = 16 * 1024;
    /// The buffer starts this small and doubles, up to read_size, each time a read fills it: a
    /// stream waiting for a model's next tokens holds 2 KiB (thousands of them may be open), one
    /// that receives a burst grows to take it in few reads.
    static constexpr std::size_t initial_read_size = 2 * 1024;

    enum class frame_kind {
        need_more, ///< no complete frame buffered: read more
        event,     ///< an event: `event_type()` and `payload()` are valid until the next call
        failure,   ///< an exception or error frame, or a corrupt frame: the stream ends with `ec`
    };

    stream_core() = default;
    stream_core(const stream_core&) = delete;
    stream_core& operator=(const stream_core&) = delete;

    /// The next frame from the buffered bytes. On failure `ec` is set and `diag` says what the
    /// service (or the decoder) said.
    BEDROCK_DECL frame_kind next_frame(boost::system::error_code& ec, diagnostics& diag);

    std::string_view event_type() const noexcept { return event_type_; }
    /// The event's JSON payload ...
    std::string_view payload() const noexcept { return payload_; }
    /// ... and how many bytes from its start may be read (past its end: simdjson's padding).
    std::size_t payload_capacity() const noexcept { return payload_capacity_; }

    /// Where the next read goes: the free tail of the buffer (made room for first, grown when the
    /// last read filled it).
    BEDROCK_DECL boost::asio::mutable_buffer prepare();
    void commit(std::size_t n) noexcept
    {
        end_ += n;
        filled_ = end_ == capacity_;
    }
    /// The buffer's size now (for tests and measurements).
    std::size_t capacity() const noexcept { return capacity_; }

    /// The body ended: an error when it ended inside a frame.
    boost::system::error_code finish() noexcept { return decoder_.finish(); }

    /// Forgets buffered bytes and a partial frame (a new attempt starts from scratch).
    BEDROCK_DECL void reset() noexcept;

private:
    std::unique_ptr<char[]> data_; // capacity_ bytes + simdjson's padding
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0; // unconsumed bytes are [begin_, end_)
    std::size_t end_ = 0;
    bool filled_ = false; // the last read filled the buffer: the next prepare() grows it
    eventstream::decoder decoder_;
    std::string_view event_type_;
    std::string_view payload_;
    std::size_t payload_capacity_ = 0;
};

} // namespace bedrock::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/impl/stream_core.ipp>
#endif

#endif

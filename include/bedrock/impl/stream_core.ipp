#ifndef BEDROCK_IMPL_STREAM_CORE_IPP
#define BEDROCK_IMPL_STREAM_CORE_IPP

#include <bedrock/detail/stream_core.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/protocol/errors.hpp>

#include <algorithm>
#include <cstring>

namespace bedrock::detail {

BEDROCK_DECL boost::asio::mutable_buffer stream_core::prepare()
{
    if (!data_) {
        capacity_ = initial_read_size;
        data_ = std::make_unique<char[]>(capacity_ + simdjson::SIMDJSON_PADDING);
    } else if (filled_ && capacity_ < read_size) {
        // More was waiting than the buffer took: take bursts in fewer reads from now on. (No view
        // into the old buffer survives: the last event's payload is gone once a read is needed.)
        const std::size_t grown = std::min(capacity_ * 2, read_size);
        auto data = std::make_unique<char[]>(grown + simdjson::SIMDJSON_PADDING);
        std::memcpy(data.get(), data_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        data_ = std::move(data);
        capacity_ = grown;
    }
    filled_ = false;
    // The decoder takes every byte it is given (a partial frame is gathered on its side), so the
    // buffer is empty whenever a read is needed: start again at its front.
    if (begin_ == end_)
        begin_ = end_ = 0;
    return {data_.get() + end_, capacity_ - end_};
}

BEDROCK_DECL void stream_core::reset() noexcept
{
    begin_ = end_ = 0;
    filled_ = false;
    decoder_.reset();
    event_type_ = {};
}

BEDROCK_DECL stream_core::frame_kind stream_core::next_frame(boost::system::error_code& ec, diagnostics& diag)
{
    if (begin_ == end_)
        return frame_kind::need_more;
    const auto* first = reinterpret_cast<const std::uint8_t*>(data_.get() + begin_);
    const auto r = decoder_.feed(eventstream::byte_view(first, end_ - begin_));
    if (r.state == eventstream::decoder::status::error) {
        ec = decoder_.error();
        diag.client_message = "event stream: " + ec.message();
        return frame_kind::failure;
    }
    begin_ += r.consumed;
    if (r.state == eventstream::decoder::status::need_more)
        return frame_kind::need_more;

    const eventstream::message_view& m = decoder_.message();
    const std::string_view kind = m.string_header(":message-type");
    if (kind == "event") {
        event_type_ = m.string_header(":event-type");
        const auto* p = reinterpret_cast<const char*>(m.payload.data());
        const std::string_view text(p, m.payload.size());
        // A frame decoded in place lies in our buffer, which has simdjson's padding past its end:
        // the payload parses where it is. A frame gathered by the decoder is copied by the parser.
        const char* buffer_end = data_.get() + capacity_ + simdjson::SIMDJSON_PADDING;
        payload_ = text;
        payload_capacity_ = p >= data_.get() && p < buffer_end ? static_cast<std::size_t>(buffer_end - p) : text.size();
        return frame_kind::event;
    }
    if (kind == "exception" || kind == "error") {
        ec = protocol::error_from_stream_message(m, diag);
        return frame_kind::failure;
    }
    ec = client_errc::invalid_response;
    diag.client_message = "event stream: a frame with :message-type \"" + std::string(kind) +
                          "\" (expected event, exception or error)";
    return frame_kind::failure;
}

} // namespace bedrock::detail

#endif

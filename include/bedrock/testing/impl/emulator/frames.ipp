#ifndef BEDROCK_TESTING_IMPL_EMULATOR_FRAMES_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_FRAMES_IPP

// Event streams: the event-stream frames of a streamed answer, padded as the service pads them.

#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>

#include <boost/beast/http/field.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail::emu {

inline std::string lower_camel(std::string_view name)
{
    std::string s(name);
    if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z')
        s[0] = static_cast<char>(s[0] - 'A' + 'a');
    return s;
}

/// Padding like the service's "p" member: letters and digits, a length that varies with the event.
inline std::string padding(std::size_t seed)
{
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    return std::string(alphabet.substr(0, 1 + (seed * 7 + 3) % 40));
}

/// `{...}` + `,"p":"..."` before its closing brace.
inline std::string with_padding(std::string json, std::size_t seed)
{
    if (json.size() < 2 || json.back() != '}')
        return json;
    json.pop_back();
    if (json.size() > 1)
        json.push_back(',');
    json.append("\"p\":\"").append(padding(seed)).append("\"}");
    return json;
}

inline std::string frame(std::string_view message_type, std::string_view type_header, std::string_view type,
                         std::string_view payload)
{
    const std::array<eventstream::header_view, 3> headers{{
        {type_header, std::string_view(type)},
        {":content-type", std::string_view("application/json")},
        {":message-type", message_type},
    }};
    std::vector<std::uint8_t> out;
    const eventstream::byte_view bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    (void)eventstream::encode(headers, bytes, out);
    return std::string(out.begin(), out.end());
}

inline std::string event_frame(std::string_view type, std::string_view payload)
{
    return frame("event", ":event-type", type, payload);
}

inline std::string exception_frame(const service_error& e)
{
    return frame("exception", ":exception-type", lower_camel(e.name()), json::serialize(e));
}

/// Appends a converse-stream event (padded, as the service sends them).
inline void add_event(call& c, const converse_stream_output& ev)
{
    std::string payload;
    const auto h = json::serialize_event(ev, payload);
    c.reply.pieces.push_back({std::chrono::milliseconds(0),
                              event_frame(h.type, with_padding(std::move(payload), c.reply.pieces.size()))});
}

/// Starts a streamed answer: 200 and the event-stream content type.
inline void stream_head(call& c)
{
    c.reply.how = delivery::stream;
    c.reply.res.result(200);
    c.reply.res.set(boost::beast::http::field::content_type, "application/vnd.amazon.eventstream");
}

} // namespace bedrock::testing::detail::emu

#endif

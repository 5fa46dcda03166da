#ifndef BEDROCK_TESTING_IMPL_EMULATOR_BIDIRECTIONAL_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_BIDIRECTIONAL_IPP

// InvokeModelWithBidirectionalStream: the route's plan (made with the request, under the core's
// lock) and the exchange itself as a sans-I/O machine (bidi_exchange: input bytes in, output frames
// and what to do next out), which emulator.ipp plays on the HTTP/2 stream.

#include <bedrock/detail/text.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/testing/event_chain_verifier.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/faults.ipp>
#include <bedrock/testing/impl/emulator/frames.ipp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail::emu {

/// `Name=value` of an Authorization header's SigV4 parameters (up to ',' or the end).
inline std::string_view sigv4_parameter(std::string_view authorization, std::string_view name)
{
    const auto at = authorization.find(name);
    if (at == std::string_view::npos)
        return {};
    std::string_view v = authorization.substr(at + name.size());
    return v.substr(0, v.find(','));
}

inline void serve_bidirectional(call& c, const scenario& s)
{
    duplex_plan plan;
    switch (s.what) {
    case scenario::bidi_speak_first:
        plan.what = duplex_plan::script::speak_first;
        break;
    case scenario::stream_error: {
        plan.what = duplex_plan::script::stream_error;
        // The output union's members are lowerCamel (modelTimeoutException); the errors, UpperCamel.
        std::string name = s.arg;
        if (!name.empty() && name[0] >= 'a' && name[0] <= 'z')
            name[0] = static_cast<char>(name[0] - 'a' + 'A');
        plan.error_frame = exception_frame(scenario_error(name, c.model_id));
        break;
    }
    case scenario::reset_stream:
        plan.what = duplex_plan::script::reset_stream;
        break;
    case scenario::stop_reading:
        plan.what = duplex_plan::script::stop_reading;
        break;
    default:
        break;
    }
    // The request was authenticated already; a SigV4 one seeds the chain its frames must carry.
    const auto authorization = c.req.find(boost::beast::http::field::authorization);
    if (authorization != c.req.end() && authorization->value().starts_with("AWS4-HMAC-SHA256 ")) {
        const std::string_view value = authorization->value();
        std::string_view key = sigv4_parameter(value, "Credential=");
        key = key.substr(0, key.find('/'));
        for (const auto& creds : c.core.options().credentials) {
            if (creds.access_key_id == key &&
                !auth::parse_signature(sigv4_parameter(value, "Signature="), plan.seed)) {
                plan.signed_frames = true;
                plan.credentials = creds;
                break;
            }
        }
    }
    plan.region = c.core.options().region;
    plan.clock = [clock = c.core.options().clock, offset = clock_offset_of(c.model_id)] { return clock() + offset; };
    stream_head(c);
    c.reply.how = delivery::duplex;
    c.reply.duplex = std::move(plan);
}

/// A chunk event of the output stream: `{"bytes": <base64>}`.
inline std::string chunk_frame(std::string_view base64)
{
    return event_frame("chunk", "{\"bytes\":\"" + std::string(base64) + "\"}");
}

/// The bidirectional exchange, sans-I/O: feed it the input bytes as they arrive; it answers with the
/// frames to send and what to do after them.
class bidi_exchange {
public:
    struct step {
        std::vector<std::string> frames;
        enum { more, finish, reset } then = more;
    };

    explicit bidi_exchange(const duplex_plan& plan) : plan_(plan)
    {
        if (plan_.signed_frames)
            chain_.emplace(plan_.seed, plan_.credentials, plan_.region);
    }

    /// What is sent before any input is read.
    std::vector<std::string> opening() const
    {
        std::vector<std::string> frames;
        if (plan_.what == duplex_plan::script::speak_first)
            for (int i = 1; i <= 3; ++i)
                frames.push_back(chunk_frame(json::base64_encode("hello " + std::to_string(i))));
        return frames;
    }

    /// The next bytes of input.
    step feed(std::string_view bytes)
    {
        step out;
        eventstream::byte_view in(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        while (!in.empty() && out.then == step::more) {
            const auto r = decoder_.feed(in);
            in = in.subspan(std::min(r.consumed, in.size()));
            if (r.state == eventstream::decoder::status::error)
                return refuse(std::move(out), "The input is not a valid event stream: " + decoder_.error().message() + ".");
            if (r.state == eventstream::decoder::status::need_more)
                break;
            on_message(decoder_.message(), out);
        }
        return out;
    }

    /// The client has ended its side (END_STREAM).
    step end_of_input()
    {
        step out;
        if (decoder_.finish())
            return refuse(std::move(out), "The input stream ended inside an event.");
        if (chain_ && !chain_->ended())
            return refuse(std::move(out), "The input stream ended without its signed end frame.");
        out.then = step::finish;
        return out;
    }

    std::size_t echoed() const noexcept { return echoed_; }

private:
    step refuse(step out, std::string message)
    {
        out.frames.push_back(exception_frame(named_error("ValidationException", std::move(message))));
        out.then = step::finish;
        return out;
    }

    void on_message(const eventstream::message_view& m, step& out)
    {
        eventstream::message_view inner = m;
        if (chain_) {
            const chain_step c = chain_->verify(m, plan_.clock());
            if (!c.ok()) {
                out = refuse(std::move(out), c.message);
                return;
            }
            if (c.end_of_stream)
                return; // the client's END_STREAM comes next
            if (eventstream::parse_message(c.inner, inner_headers_, inner)) {
                out = refuse(std::move(out), "A signed event does not carry a valid event-stream message.");
                return;
            }
        }
        if (inner.string_header(":message-type") != "event" || inner.string_header(":event-type") != "chunk") {
            out = refuse(std::move(out), "Only chunk events are accepted on the input stream.");
            return;
        }
        const std::optional<std::string> bytes = chunk_bytes(inner.payload);
        if (!bytes) {
            out = refuse(std::move(out), "A chunk event's payload must be {\"bytes\": <base64>}.");
            return;
        }
        out.frames.push_back(chunk_frame(spoken(*bytes)));
        ++echoed_;
        if (echoed_ == 2 && plan_.what == duplex_plan::script::stream_error) {
            out.frames.push_back(plan_.error_frame);
            out.then = step::finish;
        } else if (echoed_ == 2 && plan_.what == duplex_plan::script::reset_stream) {
            out.then = step::reset;
        }
    }

    // The echo in Nova Sonic's terms, so that a speech-to-speech program has something to play: an
    // input event {"event":{"audioInput":{...}}} comes back as audioOutput with the same members
    // (the same audio), textInput as textOutput. Anything else comes back as it was sent.
    std::string spoken(const std::string& base64)
    {
        std::vector<std::uint8_t> raw;
        if (json::base64_decode(base64, raw))
            return base64;
        const std::string_view text(reinterpret_cast<const char*>(raw.data()), raw.size());
        const simdjson::padded_string json(text);
        simdjson::ondemand::document doc;
        simdjson::ondemand::object event;
        if (parser_.iterate(json).get(doc) || doc["event"].get_object().get(event))
            return base64;
        std::string_view kind;
        for (auto field : event) {
            if (field.unescaped_key().get(kind))
                return base64;
            break;
        }
        const std::string_view answer = kind == "audioInput" ? "audioOutput" : kind == "textInput" ? "textOutput" : "";
        const std::string quoted = "\"" + std::string(kind) + "\"";
        const auto at = text.find(quoted);
        if (answer.empty() || at == std::string_view::npos)
            return base64;
        std::string out(text.substr(0, at));
        out.append("\"").append(answer).append("\"").append(text.substr(at + quoted.size()));
        return json::base64_encode(out);
    }

    std::optional<std::string> chunk_bytes(eventstream::byte_view payload)
    {
        const simdjson::padded_string json(reinterpret_cast<const char*>(payload.data()), payload.size());
        simdjson::ondemand::document doc;
        std::string_view bytes;
        if (parser_.iterate(json).get(doc) || doc["bytes"].get_string().get(bytes))
            return std::nullopt;
        return std::string(bytes);
    }

    const duplex_plan& plan_;
    std::optional<event_chain_verifier> chain_;
    eventstream::decoder decoder_;
    std::vector<eventstream::header_view> inner_headers_;
    simdjson::ondemand::parser parser_;
    std::size_t echoed_ = 0;
};

} // namespace bedrock::testing::detail::emu

#endif

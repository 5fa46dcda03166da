// bedrock-runtime: responses, events and errors as JSON, written with the generated writers.

#ifndef BEDROCK_RUNTIME_OUTPUT_HPP
#define BEDROCK_RUNTIME_OUTPUT_HPP

#include "input.hpp"

#include <bedrock/diagnostics.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/messages.hpp>
#include <bedrock/model/json.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <string>

namespace cli {

/// One line on standard output, flushed at once (so that `| jq` sees each event as it comes).
inline void print_line(const std::string& line)
{
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

inline void print_text(std::string_view text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

inline boost::json::value to_json(const std::string& v) { return boost::json::value(v); }
template <class Values>
boost::json::value to_json(const bedrock::model_enum<Values>& v)
{
    return boost::json::value(v.str());
}
template <class T>
boost::json::value to_json(const std::optional<T>& v)
{
    return v ? to_json(*v) : boost::json::value(nullptr);
}

/// The JSON of a blob body: the model's own JSON when it is JSON, else base64.
inline boost::json::value body_json(const bedrock::bytes& body)
{
    const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (!ec)
        return v;
    return boost::json::value(bedrock::json::base64_encode(std::span<const std::uint8_t>(body)));
}

/// A response as JSON: its body's members, and those bound to headers (InvokeModel's contentType).
template <class Op>
std::string response_json(const typename Op::output_type& out)
{
    using bedrock::body_kind;
    boost::json::object obj;
    if constexpr (Op::output_body == body_kind::json)
        obj = boost::json::parse(bedrock::json::serialize(out)).as_object();
    if constexpr (Op::output_body == body_kind::blob)
        obj["body"] = body_json(out.*(Op::output_payload));
    std::apply(
        [&](const auto&... b) {
            ((obj[member_name(b)] = to_json(out.*(b.member))), ...);
        },
        Op::output_bindings);
    for (auto it = obj.begin(); it != obj.end();)
        it = it->value().is_null() ? obj.erase(it) : it + 1;
    return boost::json::serialize(obj);
}

/// An event as the API's JSON names it: {"contentBlockDelta":{...}}.
template <class Event>
std::string event_json(const Event& event)
{
    std::string payload;
    const auto header = bedrock::json::serialize_event(event, payload);
    std::string line = "{" + boost::json::serialize(boost::json::value(header.type)) + ":";
    line += payload.empty() ? "{}" : payload;
    line += "}";
    return line;
}

/// The generated text an event carries, if any (--text).
inline std::string event_text(const bedrock::converse_stream_output& event)
{
    if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&event))
        if (auto* t = std::get_if<bedrock::content_block_delta_text>(&d->value.delta))
            return t->value;
    return {};
}

/// InvokeModelWithResponseStream's chunks are the model's own JSON: the text where the common
/// model families put it (Anthropic, Nova, Titan, Llama, Mistral, Cohere), else the chunk as is.
inline std::string event_text(const bedrock::response_stream& event)
{
    const auto* chunk = std::get_if<bedrock::response_stream_chunk>(&event);
    if (!chunk)
        return {};
    boost::system::error_code ec;
    const auto v = bedrock::chunk_json(*chunk, ec);
    if (ec)
        return std::string(bedrock::chunk_text(*chunk));
    for (const char* pointer : {"/delta/text", "/contentBlockDelta/delta/text", "/outputText", "/generation",
                                "/completion", "/outputs/0/text", "/text"}) {
        boost::system::error_code pec;
        if (const auto* found = v.find_pointer(pointer, pec); found && found->is_string())
            return std::string(found->get_string());
    }
    if (v.find_pointer("/type", ec))
        return {}; // an event of the model's protocol without text (message_start, ...)
    return std::string(bedrock::chunk_text(*chunk)) + "\n";
}

inline std::string error_name(const boost::system::error_code& ec, const bedrock::diagnostics& diag)
{
    // The modeled name ("ThrottlingException", also for a stream's "throttlingException" frame);
    // the type as sent for one the model does not name.
    if (ec.category() == bedrock::service_category()) {
        const auto errc = static_cast<bedrock::service_errc>(ec.value());
        const auto name = bedrock::service_error_name(errc);
        if (diag.error_type.empty() || (errc != bedrock::service_errc::unknown && !name.empty()))
            return std::string(name);
        return diag.error_type;
    }
    if (ec.category() == bedrock::client_category()) {
        static constexpr const char* names[] = {
            "", "MissingRegion", "InvalidEndpoint", "InvalidConfiguration", "NoCredentials",
            "CredentialsExpired", "CredentialsProviderFailed", "ProfileNotFound", "InvalidResponse",
            "InvalidRequest", "StreamBusy", "StreamClosed", "InvalidCredentialsEndpoint",
            "InvalidCredentialsResponse", "IncompleteStream", "UnsupportedContentEncoding", "Http2Required",
            "StreamFinished"};
        if (ec.value() > 0 && ec.value() < static_cast<int>(std::size(names)))
            return names[ec.value()];
    }
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value());
}

/// The one JSON object an error prints on standard error.
inline void print_error(const boost::system::error_code& ec, const bedrock::diagnostics& diag)
{
    boost::json::object obj;
    obj["error"] = error_name(ec, diag);
    obj["message"] = !diag.service_message.empty() ? diag.service_message
                     : !diag.client_message.empty() ? diag.client_message
                                                     : ec.message();
    if (!diag.service_message.empty() && !diag.client_message.empty())
        obj["clientMessage"] = diag.client_message;
    if (!diag.request_id.empty())
        obj["requestId"] = diag.request_id;
    if (diag.http_status)
        obj["httpStatus"] = diag.http_status;
    if (diag.attempts)
        obj["attempts"] = diag.attempts;
    std::fprintf(stderr, "%s\n", boost::json::serialize(obj).c_str());
}

/// An input the tool cannot read: {"error":"InvalidInput","message":...,"path":...}.
inline void print_input_error(const input_error& e)
{
    boost::json::object obj{{"error", "InvalidInput"}, {"message", e.what()}};
    if (!e.path.empty())
        obj["path"] = e.path;
    std::fprintf(stderr, "%s\n", boost::json::serialize(obj).c_str());
}

} // namespace cli

#endif

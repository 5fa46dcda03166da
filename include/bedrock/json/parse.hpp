#ifndef BEDROCK_JSON_PARSE_HPP
#define BEDROCK_JSON_PARSE_HPP

// Parsing model types from JSON and writing them back: the entry points.
//
//     simdjson::ondemand::parser parser;              // reuse it: it keeps its buffers
//     bedrock::converse_response response;
//     bedrock::json::diagnostics diag;                // optional: where and why it failed
//     if (auto ec = bedrock::json::parse(parser, body, response, &diag))
//         std::cerr << diag.to_string() << '\n';     // "JSON type mismatch at output.message..."
//     std::string json = bedrock::json::serialize(request);
//
// The types themselves come from <bedrock/model/...>; their readers and writers from
// <bedrock/model/json/...> (or all at once from <bedrock/model/json.hpp>).

#include <bedrock/detail/config.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/json/error.hpp>
#include <bedrock/json/reader.hpp>
#include <bedrock/json/writer.hpp>

#include <simdjson.h>

#include <string>
#include <string_view>

namespace bedrock::json {

/// JSON text to parse and how many bytes from its start may be read. simdjson reads up to
/// simdjson::SIMDJSON_PADDING bytes past the end of the text; when the capacity does not allow that, the text
/// is first copied into a padded buffer (one per thread, reused).
class source {
public:
    source(simdjson::padded_string_view s) noexcept : text_(s), capacity_(s.capacity()) {}
    source(const simdjson::padded_string& s) noexcept
        : text_(s.data(), s.size()), capacity_(s.size() + simdjson::SIMDJSON_PADDING)
    {
    }
    /// `capacity`: bytes readable from `text.data()` (text.size() if nothing past it is readable).
    source(std::string_view text, std::size_t capacity) noexcept : text_(text), capacity_(capacity) {}
    source(std::string_view text) noexcept : text_(text), capacity_(text.size()) {}
    source(const std::string& text) noexcept : text_(text), capacity_(text.capacity()) {}
    source(const char* text) noexcept : source(std::string_view(text)) {}

    std::string_view text() const noexcept { return text_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool padded() const noexcept { return capacity_ >= text_.size() + simdjson::SIMDJSON_PADDING; }

private:
    std::string_view text_;
    std::size_t capacity_;
};

/// The headers of a serialized event-stream event.
struct event_header {
    std::string_view message_type; ///< ":message-type": "event" or "exception"
    std::string_view type;         ///< ":event-type" or ":exception-type" value
};

namespace detail {

using root_fn = bool (*)(read_context&, simdjson::ondemand::value&, void* out, std::string_view arg);

/// Parses `json` (which must hold one JSON object and nothing else) and hands its root to `fn`.
BEDROCK_DECL boost::system::error_code parse_root(simdjson::ondemand::parser& parser, const source& json,
                                                  root_fn fn, void* out, std::string_view arg,
                                                  diagnostics* diag, required_members required);

template <class T>
bool read_root(read_context& ctx, simdjson::ondemand::value& v, void* out, std::string_view)
{
    return read(ctx, v, *static_cast<T*>(out));
}

template <class T>
bool read_event_root(read_context& ctx, simdjson::ondemand::value& v, void* out, std::string_view type)
{
    return read_event(ctx, type, v, *static_cast<T*>(out));
}

} // namespace detail

/// Parses a JSON body into `out` (any structure or union of the model whose readers are included).
/// On error, `out` is left partly filled and, if given, `diag` says where and why. A member the model
/// marks required but the JSON lacks reads as its zero value unless `required` says enforce (see
/// required_members): what the service sends is read leniently.
template <class T>
boost::system::error_code parse(simdjson::ondemand::parser& parser, const source& json, T& out,
                                diagnostics* diag = nullptr,
                                required_members required = required_members::zero_fill)
{
    return detail::parse_root(parser, json, &detail::read_root<T>, &out, {}, diag, required);
}

/// Parses one event-stream payload into the stream's event union (e.g. converse_stream_output).
/// `type` is the frame's `:event-type`, or its `:exception-type` for `:message-type exception`
/// frames; a type the model does not know becomes the union's `..._unknown` alternative. An empty
/// payload reads as `{}`.
template <class T>
boost::system::error_code parse_event(simdjson::ondemand::parser& parser, std::string_view type,
                                      const source& payload, T& out, diagnostics* diag = nullptr)
{
    const bool empty = bedrock::detail::is_json_blank(payload.text());
    return detail::parse_root(parser, empty ? source("{}") : payload, &detail::read_event_root<T>, &out,
                              type, diag, required_members::zero_fill);
}

/// Checks a request before it is sent: every member the model requires is set (a string the model
/// requires to be non-empty is not empty, an enum has a value, a union holds a member, a document is
/// not null), in `in` and in everything it contains. Else missing_required_member, with the
/// member's path in `diag`, e.g. `messages[0].content[1].toolUse.toolUseId`. Members bound to the URI are the binding's to check. Any top-level input shape of the model.
template <class T>
boost::system::error_code validate_required(const T& in, diagnostics* diag = nullptr)
{
    read_context ctx(diag, required_members::enforce);
    check_required(ctx, in);
    return ctx.finish();
}

/// Appends the JSON of `v` to `out`. For the top-level input and output shapes this is the HTTP
/// body: members bound to the URI, query string or headers are not part of it.
template <class T>
void serialize(const T& v, std::string& out)
{
    writer w(out);
    write(w, v);
}

template <class T>
std::string serialize(const T& v)
{
    std::string out;
    serialize(v, out);
    return out;
}

/// Appends the payload of an event-stream event to `payload` and returns its headers.
template <class T>
event_header serialize_event(const T& event, std::string& payload)
{
    writer w(payload);
    return write_event(w, event);
}

/// The shape name in an error type as the service sends it: `x-amzn-ErrorType`
/// ("ValidationException:http://internal.amazon.com/..."), a body's `__type`
/// ("com.amazonaws.bedrockruntime#ValidationException") or `code`.
BEDROCK_DECL std::string_view sanitize_error_type(std::string_view raw) noexcept;

} // namespace bedrock::json

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/json/impl/parse.ipp>
#endif

#endif

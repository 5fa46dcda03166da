#ifndef BEDROCK_PROTOCOL_IMPL_BINDINGS_HPP
#define BEDROCK_PROTOCOL_IMPL_BINDINGS_HPP

#include <bedrock/protocol/bindings.hpp>

#include <boost/beast/core/string.hpp>

#include <charconv>
#include <optional>
#include <tuple>
#include <type_traits>

namespace bedrock::protocol {

BEDROCK_DECL std::string format_date_time(timestamp t);

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept model_enum_type = requires(const T& v, T& m) {
    { v.str() } -> std::convertible_to<std::string_view>;
    m.assign(std::string_view{});
};

// The text of a bound member, or nothing when an optional member is absent.
template <class T>
std::optional<std::string> to_text(const T& v)
{
    if constexpr (is_optional<T>::value) {
        if (!v)
            return std::nullopt;
        return to_text(*v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return v;
    } else if constexpr (model_enum_type<T>) {
        return std::string(v.str());
    } else if constexpr (std::is_same_v<T, bool>) {
        return std::string(v ? "true" : "false");
    } else if constexpr (std::is_same_v<T, timestamp>) {
        return format_date_time(v);
    } else {
        static_assert(std::is_integral_v<T>, "a bound member of an unexpected type");
        return std::to_string(v);
    }
}

// A header value is one line (RFC 9110 field-value): a CR or LF would end the header early and have
// the rest of the text read as headers of its own (header injection), and a NUL ends it for some
// servers. Tabs and every other byte are allowed, as the service's own members may hold them.
inline bool header_value_ok(std::string_view text) noexcept
{
    return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Sets a bound output member from header text; false when the text does not fit its type.
template <class T>
bool from_text(std::string_view text, T& out)
{
    if constexpr (is_optional<T>::value) {
        typename T::value_type v{};
        if (!from_text(text, v))
            return false;
        out = std::move(v);
        return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
        out.assign(text);
        return true;
    } else if constexpr (model_enum_type<T>) {
        out.assign(text);
        return true;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (text != "true" && text != "false")
            return false;
        out = text == "true";
        return true;
    } else if constexpr (std::is_same_v<T, timestamp>) {
        return json::parse_date_time(text, out);
    } else {
        static_assert(std::is_integral_v<T>, "a bound member of an unexpected type");
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return ec == std::errc{} && end == text.data() + text.size();
    }
}

template <class Tuple, class F>
void for_each_binding(const Tuple& bindings, F&& f)
{
    std::apply([&](const auto&... binding) { (f(binding), ...); }, bindings);
}

} // namespace detail

template <class Operation>
boost::system::error_code build_request(const typename Operation::input_type& in, std::string_view base_path,
                                        http_request& out, diagnostics* diag)
{
    if constexpr (Operation::input_body == body_kind::json) { // (a raw body's members are all bound)
        if (json::diagnostics why; json::validate_required(in, &why)) {
            if (diag)
                diag->client_message = "the request lacks a required member: " + why.path;
            return client_errc::invalid_request;
        }
    }
    out.clear(); // (a recycled request: its strings' storage is kept)
    out.method = Operation::method;
    // A signed request ends with about ten headers: room for them at once, not moved as they come.
    out.headers.reserve(16);

    // The URI template, each {label} replaced by its member, percent-encoded as one path segment.
    out.path.assign(base_path);
    std::string_view uri = Operation::uri;
    while (!uri.empty()) {
        const auto open = uri.find('{');
        out.path.append(uri.substr(0, open));
        if (open == std::string_view::npos)
            break;
        const auto close = uri.find('}', open);
        const std::string_view label = uri.substr(open + 1, close - open - 1);
        uri = uri.substr(close + 1);
        std::optional<std::string> text;
        detail::for_each_binding(Operation::input_bindings, [&](const auto& binding) {
            if (binding.location == http_location::uri && binding.name == label)
                text = detail::to_text(in.*(binding.member));
        });
        if (!text || text->empty()) { // an empty label would address another resource
            if (diag)
                diag->client_message = "the request lacks a required member: " + std::string(label);
            return client_errc::invalid_request;
        }
        auth::uri_encode(*text, true, out.path);
    }

    // Query parameters and headers; absent optional members are left out.
    std::string_view broken_header; // a member whose text cannot be a header value
    detail::for_each_binding(Operation::input_bindings, [&](const auto& binding) {
        if (binding.location == http_location::uri)
            return;
        auto text = detail::to_text(in.*(binding.member));
        if (!text)
            return;
        if (binding.location == http_location::query)
            out.query.emplace_back(std::string(binding.name), std::move(*text));
        else if (!detail::header_value_ok(*text))
            broken_header = binding.name;
        else
            out.set(binding.name, *text);
    });
    if (!broken_header.empty()) {
        if (diag)
            diag->client_message = "the header " + std::string(broken_header) +
                                   " would carry a line break or a NUL byte: refused, since the rest of the "
                                   "line would be read as headers of its own";
        return client_errc::invalid_request;
    }

    if constexpr (Operation::input_body == body_kind::json) {
        out.body.clear();
        // Most requests fit: one allocation instead of the string's doubling from 15 bytes.
        out.body.reserve(512);
        json::serialize(in, out.body);
        out.set("Content-Type", "application/json");
    } else if constexpr (Operation::input_body == body_kind::blob) {
        const auto& payload = in.*(Operation::input_payload);
        out.body.assign(payload.begin(), payload.end());
        // A blob body without a declared type is just bytes (what the official SDKs send too).
        if (!out.find("Content-Type"))
            out.set("Content-Type", "application/octet-stream");
    } else if constexpr (Operation::input_body == body_kind::event_stream) {
        out.body.clear();
        out.set("Content-Type", "application/vnd.amazon.eventstream");
    } else {
        out.body.clear();
    }
    // Signed, as the official SDKs sign it; an event-stream body's length is not known up front.
    if constexpr (Operation::input_body != body_kind::event_stream) {
        if (out.method != "GET" || !out.body.empty())
            out.set("Content-Length", std::to_string(out.body.size()));
    }
    return {};
}

namespace detail {

/// "text/html" of "text/html; charset=utf-8", without the parameters and the spaces around.
inline std::string_view media_type(std::string_view value) noexcept
{
    value = value.substr(0, value.find(';'));
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    return value;
}

} // namespace detail

template <class Operation, class Fields>
boost::system::error_code check_answer_head(const Fields& in, diagnostics& diag)
{
    namespace http = boost::beast::http;
    // No Accept-Encoding is sent, yet RFC 9110 lets a server pick any coding then: refuse it by
    // name rather than hand gzip bytes to a JSON or frame parser.
    if (auto coding = in.find(http::field::content_encoding); coding != in.end()) {
        const std::string_view value = detail::media_type(coding->value());
        if (!value.empty() && !boost::beast::iequals(value, "identity")) {
            diag.client_message = "the answer is encoded (Content-Encoding: " + std::string(coding->value()) +
                                  "), and the client asked for no encoding";
            return client_errc::unsupported_content_encoding;
        }
    }
    if constexpr (Operation::output_body == body_kind::event_stream) {
        constexpr std::string_view expected = "application/vnd.amazon.eventstream";
        if (auto type = in.find(http::field::content_type);
            type != in.end() && !boost::beast::iequals(detail::media_type(type->value()), expected)) {
            diag.client_message = "a stream answered with Content-Type " + std::string(type->value()) + " (" +
                                  std::string(expected) + " expected)";
            return client_errc::invalid_response;
        }
    }
    return {};
}

template <class Operation>
boost::system::error_code parse_response(http_response& in, simdjson::ondemand::parser& parser,
                                         typename Operation::output_type& out, diagnostics& diag)
{
    if (auto ec = check_answer_head<Operation>(in, diag))
        return ec;
    if constexpr (Operation::output_body == body_kind::json) {
        json::diagnostics jd;
        if (auto ec = json::parse(parser, json::source(in.body()), out, &jd)) {
            diag.client_message = jd.to_string();
            // An answer that does not even claim to be JSON (a proxy's or a portal's web page): say what
            // it claims to be, the first thing to know when reading the log.
            const auto type = in.find(boost::beast::http::field::content_type);
            const std::string_view media = type == in.end() ? std::string_view{} : detail::media_type(type->value());
            if (!media.empty() && !boost::beast::iequals(media, "application/json") && !media.ends_with("+json"))
                diag.client_message = "HTTP " + std::to_string(in.result_int()) + " answer with Content-Type " +
                                      std::string(type->value()) + ", not JSON: " + diag.client_message;
            return client_errc::invalid_response;
        }
    } else if constexpr (Operation::output_body == body_kind::blob) {
        auto& payload = out.*(Operation::output_payload);
        payload.assign(in.body().begin(), in.body().end());
    }
    return parse_response_headers<Operation>(in, out, diag);
}

template <class Operation, class Fields>
boost::system::error_code parse_response_headers(const Fields& in, typename Operation::output_type& out,
                                                 diagnostics& diag)
{
    boost::system::error_code ec;
    detail::for_each_binding(Operation::output_bindings, [&](const auto& binding) {
        auto field = in.find(binding.name);
        if (field == in.end() || ec)
            return;
        const std::string_view text{field->value().data(), field->value().size()};
        if (!detail::from_text(text, out.*(binding.member))) {
            diag.client_message = "header " + std::string(binding.name) + " has an unexpected value";
            ec = client_errc::invalid_response;
        }
    });
    return ec;
}

} // namespace bedrock::protocol

#endif

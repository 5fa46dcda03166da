// bedrock-runtime: requests and input events from the API's JSON (lowerCamel member names), read
// with the library's generated readers. The readers skip members they do not know (what the service
// sends is read leniently); a command line is better served by refusing them, so every member the
// readers skipped — one the generated writers do not write back — is an error naming its path.

#ifndef BEDROCK_RUNTIME_INPUT_HPP
#define BEDROCK_RUNTIME_INPUT_HPP

#include "options.hpp"

#include <bedrock/json/base64.hpp>
#include <bedrock/model/json.hpp>

#include <boost/json.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>

namespace cli {

/// A request that cannot be read: `path` is the JSON path at fault (may be empty).
struct input_error : std::runtime_error {
    input_error(std::string path, const std::string& message) : std::runtime_error(message), path(std::move(path)) {}
    std::string path;
};

/// `file://path`, `-` (standard input) or the text itself, as the AWS CLI reads parameter values.
inline std::string read_source(const std::string& arg)
{
    if (arg == "-")
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    if (arg.rfind("file://", 0) == 0 || arg.rfind("fileb://", 0) == 0) {
        const std::string path = arg.substr(arg.find("//") + 2);
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw input_error("", "cannot read " + path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    return arg;
}

inline std::string join(const std::string& path, std::string_view key)
{
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

/// The path of the first member of `in` that `back` (the request written back) lacks, or "".
inline std::string first_unknown(const boost::json::value& in, const boost::json::value* back, const std::string& path)
{
    if (const auto* o = in.if_object()) {
        const auto* b = back ? back->if_object() : nullptr;
        for (const auto& [key, value] : *o) {
            if (value.is_null())
                continue;
            const auto* bv = b ? b->if_contains(key) : nullptr;
            if (!bv)
                return join(path, key);
            if (auto p = first_unknown(value, bv, join(path, key)); !p.empty())
                return p;
        }
    } else if (const auto* a = in.if_array()) {
        const auto* b = back ? back->if_array() : nullptr;
        for (std::size_t i = 0; b && i < a->size() && i < b->size(); ++i)
            if (auto p = first_unknown((*a)[i], &(*b)[i], path + "[" + std::to_string(i) + "]"); !p.empty())
                return p;
    }
    return {};
}

inline void refuse_unknown(const boost::json::value& in, const std::string& written_back, const std::string& path = "")
{
    const auto back = boost::json::parse(written_back);
    if (auto p = first_unknown(in, &back, path); !p.empty())
        throw input_error(p, "unknown member: " + p);
}

// Members bound to the URI, the query string or headers are not in the JSON body the generated
// readers read: they are taken from the object here, by the operation's binding table.
inline void from_json(const boost::json::value& v, std::string& out, const std::string& path)
{
    if (!v.is_string())
        throw input_error(path, "type mismatch at " + path + ": expected string");
    out = v.get_string();
}

inline void from_json(const boost::json::value& v, std::int32_t& out, const std::string& path)
{
    if (!v.is_int64() || v.get_int64() < INT32_MIN || v.get_int64() > INT32_MAX)
        throw input_error(path, "type mismatch at " + path + ": expected a 32-bit integer");
    out = static_cast<std::int32_t>(v.get_int64());
}

inline void from_json(const boost::json::value& v, bedrock::timestamp& out, const std::string& path)
{
    std::string s;
    from_json(v, s, path);
    if (!bedrock::json::parse_date_time(s, out))
        throw input_error(path, "invalid timestamp at " + path + ": expected RFC 3339 date-time");
}

template <class Values>
void from_json(const boost::json::value& v, bedrock::model_enum<Values>& out, const std::string& path)
{
    std::string s;
    from_json(v, s, path);
    out.assign(s);
    if (!out.is_known()) {
        std::string known;
        for (auto k : out.known_values())
            known += (known.empty() ? "" : ", ") + std::string(k);
        throw input_error(path, "invalid value at " + path + ": \"" + s + "\" is not one of " + known);
    }
}

template <class T>
void from_json(const boost::json::value& v, std::optional<T>& out, const std::string& path)
{
    from_json(v, out.emplace(), path);
}

/// The member's name in the API's JSON: a URI label or query parameter is named as the member; a
/// header is the member's name in words (X-Amzn-Bedrock-PerformanceConfig-Latency:
/// performanceConfigLatency, Content-Type: contentType), as every header binding of the model is.
template <class Shape, class Member>
std::string member_name(const bedrock::http_binding<Shape, Member>& binding)
{
    std::string_view name = binding.name;
    if (binding.location != bedrock::http_location::header)
        return std::string(name);
    if (name.rfind("X-Amzn-Bedrock-", 0) == 0)
        name.remove_prefix(15);
    std::string out;
    for (char c : name)
        if (c != '-')
            out += out.empty() ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
    return out;
}

template <class Shape, class Member>
void take_binding(boost::json::object& obj, const bedrock::http_binding<Shape, Member>& binding, Shape& request)
{
    const std::string name = member_name(binding);
    auto it = obj.find(name);
    if (it == obj.end())
        return;
    if (!it->value().is_null())
        from_json(it->value(), request.*(binding.member), name);
    obj.erase(it);
}

/// The request object of --cli-input-json, with the shortcut options applied to it.
inline boost::json::object request_object(const options& o)
{
    boost::json::object obj;
    if (auto src = o.value("--cli-input-json")) {
        boost::system::error_code ec;
        auto v = boost::json::parse(read_source(*src), ec);
        if (ec)
            throw input_error("", "--cli-input-json is not valid JSON: " + ec.message());
        if (!v.is_object())
            throw input_error("", "--cli-input-json must hold a JSON object");
        obj = std::move(v.as_object());
    }
    if (auto id = o.value("--model-id"))
        obj["modelId"] = *id;
    if (auto prompt = o.value("--prompt")) {
        auto& messages = obj["messages"];
        if (!messages.is_array())
            messages = boost::json::array();
        messages.as_array().push_back({{"role", "user"}, {"content", boost::json::array{{{"text", *prompt}}}}});
    }
    if (auto system = o.value("--system"))
        obj["system"] = boost::json::array{{{"text", *system}}};
    if (auto type = o.value("--content-type"))
        obj["contentType"] = *type;
    if (auto accept = o.value("--accept"))
        obj["accept"] = *accept;
    return obj;
}

/// The request of operation `Op` from the command line.
template <class Op>
typename Op::input_type read_request(const options& o)
{
    using bedrock::body_kind;
    boost::json::object obj = request_object(o);
    typename Op::input_type request;
    std::apply([&](const auto&... b) { (take_binding(obj, b, request), ...); }, Op::input_bindings);
    if constexpr (requires { request.model_id; })
        if (request.model_id.empty() && o.flag("--emulator"))
            request.model_id = "emulator.echo"; // any id is the emulator's echo model
    if constexpr (Op::input_body == body_kind::json) {
        const std::string text = boost::json::serialize(obj);
        simdjson::ondemand::parser parser;
        bedrock::json::diagnostics diag;
        if (bedrock::json::parse(parser, text, request, &diag, bedrock::json::required_members::enforce))
            throw input_error(diag.path, diag.to_string());
        refuse_unknown(obj, bedrock::json::serialize(request));
    } else {
        if constexpr (Op::input_body == body_kind::blob) {
            auto& payload = request.*(Op::input_payload);
            if (auto it = obj.find("body"); it != obj.end()) {
                if (!it->value().is_string())
                    throw input_error("body", "type mismatch at body: expected a base64 string");
                if (bedrock::json::base64_decode(it->value().get_string(), payload))
                    throw input_error("body", "invalid base64 at body");
                obj.erase(it);
            }
            if (auto body = o.value("--body")) {
                const std::string raw = read_source(*body);
                payload.assign(raw.begin(), raw.end());
            }
        }
        if (!obj.empty())
            throw input_error(std::string(obj.begin()->key()), "unknown member: " + std::string(obj.begin()->key()));
    }
    return request;
}

/// One input event of a stream from its JSON, `{"<event type>": {...members...}}`.
template <class Event>
Event read_event(std::string_view line)
{
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (ec)
        throw input_error("", "an input line is not valid JSON: " + ec.message());
    if (!v.is_object() || v.as_object().size() != 1)
        throw input_error("", "an input event is an object with one member, its type: {\"chunk\":{...}}");
    const auto& [type, payload] = *v.as_object().begin();
    Event event;
    simdjson::ondemand::parser parser;
    bedrock::json::diagnostics diag;
    const std::string text = boost::json::serialize(payload);
    if (bedrock::json::parse_event(parser, type, text, event, &diag))
        throw input_error(join(type, diag.path), diag.to_string());
    std::string back;
    const auto header = bedrock::json::serialize_event(event, back);
    if (header.type != type)
        throw input_error(type, "unknown event type: " + std::string(type));
    refuse_unknown(payload, back.empty() ? "{}" : back, type);
    return event;
}

} // namespace cli

#endif

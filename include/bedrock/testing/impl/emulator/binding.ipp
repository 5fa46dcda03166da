#ifndef BEDROCK_TESTING_IMPL_EMULATOR_BINDING_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_BINDING_IPP

// The rest-json binding, server side: the reverse of what a client does. A request's body, URI
// labels, query parameters and headers into the operation's input; its output into an answer.

#include <bedrock/detail/text.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operation.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace bedrock::testing::detail::emu {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept enum_like = requires(const T& v, T& m) {
    { v.str() } -> std::convertible_to<std::string_view>;
    { v.is_known() } -> std::convertible_to<bool>;
    m.assign(std::string_view{});
};

/// Sets a bound member from its text; false (with the reason) when the text does not fit.
template <class T>
bool bound_from_text(std::string_view text, T& out, std::string& why)
{
    if constexpr (is_optional<T>::value) {
        typename T::value_type v{};
        if (!bound_from_text(text, v, why))
            return false;
        out = std::move(v);
        return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
        out.assign(text);
        return true;
    } else if constexpr (enum_like<T>) {
        out.assign(text);
        if (!out.is_known()) {
            why = "Member must satisfy enum value set: [";
            bool first = true;
            for (const auto v : T::known_values()) {
                why.append(first ? "" : ", ").append(v);
                first = false;
            }
            why.append("]");
            return false;
        }
        return true;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (text != "true" && text != "false") {
            why = "Member must be true or false";
            return false;
        }
        out = text == "true";
        return true;
    } else if constexpr (std::is_same_v<T, timestamp>) {
        if (!json::parse_date_time(text, out)) {
            why = "Member must be an ISO 8601 date-time";
            return false;
        }
        return true;
    } else {
        static_assert(std::is_integral_v<T>, "a bound member of an unexpected type");
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (ec != std::errc{} || end != text.data() + text.size()) {
            why = "Member must be an integer";
            return false;
        }
        return true;
    }
}

/// The text of a bound output member, or nothing when an optional member is absent.
template <class T>
std::optional<std::string> bound_to_text(const T& v)
{
    if constexpr (is_optional<T>::value) {
        if (!v)
            return std::nullopt;
        return bound_to_text(*v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return v;
    } else if constexpr (enum_like<T>) {
        return std::string(v.str());
    } else if constexpr (std::is_same_v<T, bool>) {
        return std::string(v ? "true" : "false");
    } else {
        static_assert(std::is_integral_v<T>, "a bound output member of an unexpected type");
        return std::to_string(v);
    }
}

/// Fills `in` from the request: the body first (a JSON reader resets the members it does not see),
/// then the URI labels, query parameters and headers. False with `problem` set when it does not fit.
template <class Op>
bool read_input(call& c, typename Op::input_type& in, std::string& problem)
{
    const std::string& body = c.req.body();
    if constexpr (Op::input_body == body_kind::json) {
        json::diagnostics diag;
        const bool blank = bedrock::detail::is_json_blank(body);
        const std::string empty_object = "{}";
        // A server checks what the client must send: required members are enforced here.
        if (auto ec = json::parse(c.parser, blank ? empty_object : body, in, &diag,
                                  json::required_members::enforce)) {
            problem = diag.to_string();
            if (problem.empty())
                problem = ec.message();
            return false;
        }
    } else if constexpr (Op::input_body == body_kind::blob) {
        (in.*Op::input_payload).assign(body.begin(), body.end());
    }
    bool ok = true;
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (!ok)
                    return;
                std::string why;
                std::string_view text;
                bool present = false;
                if (b.location == http_location::uri) {
                    text = c.label(b.name);
                    present = true;
                    if (text.empty()) {
                        problem = "1 validation error detected: Value at '" + std::string(b.name) +
                                  "' failed to satisfy constraint: Member must not be null";
                        ok = false;
                        return;
                    }
                } else if (b.location == http_location::query) {
                    if (const auto* v = c.query_value(b.name)) {
                        text = *v;
                        present = true;
                    }
                } else {
                    const auto it = c.req.find(b.name);
                    if (it != c.req.end()) {
                        text = it->value();
                        present = true;
                    }
                }
                if (present && !bound_from_text(text, in.*(b.member), why)) {
                    problem = "1 validation error detected: Value '" + std::string(text) + "' at '" +
                              std::string(b.name) + "' failed to satisfy constraint: " + why;
                    ok = false;
                }
            };
            (one(binding), ...);
        },
        Op::input_bindings);
    return ok;
}

/// A successful answer: status, the header-bound members, the JSON or raw body.
template <class Op>
void write_output(call& c, const typename Op::output_type& out)
{
    c.reply.res.result(Op::success_status);
    if constexpr (Op::output_body == body_kind::json) {
        c.reply.res.set(boost::beast::http::field::content_type, "application/json");
        c.reply.res.body() = json::serialize(out);
    } else if constexpr (Op::output_body == body_kind::blob) {
        const auto& b = out.*Op::output_payload;
        c.reply.res.body().assign(b.begin(), b.end());
    }
    std::apply(
        [&](const auto&... binding) {
            [[maybe_unused]] const auto one = [&](const auto& b) {
                if (auto text = bound_to_text(out.*(b.member)))
                    c.reply.res.set(b.name, *text);
            };
            (one(binding), ...);
        },
        Op::output_bindings);
}

} // namespace bedrock::testing::detail::emu

#endif

#ifndef BEDROCK_TEST_MODEL_JSON_COMPARE_HPP
#define BEDROCK_TEST_MODEL_JSON_COMPARE_HPP

// Helpers of the model tests: JSON equality (as JSON, not as text), and the round trips
// parse -> serialize -> compare -> parse -> compare the generated tests run for every shape.

#include <bedrock/json/parse.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace bedrock::test {

/// Equal as JSON: same structure, object members in any order, numbers equal by value (an integer
/// and a double with the same value are equal).
inline bool json_equal(const boost::json::value& a, const boost::json::value& b)
{
    if (a.is_number() && b.is_number()) {
        if (a.kind() == b.kind())
            return a == b;
        return a.to_number<double>() == b.to_number<double>();
    }
    if (a.kind() != b.kind())
        return false;
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size())
            return false;
        for (const auto& kv : x) {
            const auto* other = y.if_contains(kv.key());
            if (!other || !json_equal(kv.value(), *other))
                return false;
        }
        return true;
    }
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!json_equal(x[i], y[i]))
                return false;
        return true;
    }
    return a == b;
}

/// Parses with Boost.JSON (the independent reference), with a generous depth limit.
inline boost::json::value parse_reference(std::string_view text)
{
    boost::json::parse_options opt;
    opt.max_depth = 1000;
    return boost::json::parse(boost::json::string_view(text.data(), text.size()), {}, opt);
}

/// The same JSON text without the top-level `"p"` padding member that real Bedrock adds to events.
inline boost::json::value without_padding(std::string_view text)
{
    auto v = parse_reference(text);
    if (v.is_object())
        v.get_object().erase("p");
    return v;
}

#define BEDROCK_CHECK_JSON_EQUAL(a, b)                                                                \
    do {                                                                                           \
        const std::string bedrock_a_(a), bedrock_b_(b);                                            \
        INFO("expected: " << bedrock_a_);                                                          \
        INFO("actual:   " << bedrock_b_);                                                          \
        CHECK(::bedrock::test::json_equal(::bedrock::test::without_padding(bedrock_a_),           \
                                          ::bedrock::test::without_padding(bedrock_b_)));          \
    } while (0)

inline simdjson::ondemand::parser& test_parser()
{
    static simdjson::ondemand::parser parser;
    return parser;
}

/// parse(json) -> serialize -> equal as JSON to the input -> parse again -> equal as C++ values.
template <class T>
void check_roundtrip(std::string_view json)
{
    T first{};
    json::diagnostics diag;
    auto ec = json::parse(test_parser(), json, first, &diag);
    INFO("parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    const std::string out = json::serialize(first);
    BEDROCK_CHECK_JSON_EQUAL(json, out);
    T second{};
    ec = json::parse(test_parser(), out, second, &diag);
    INFO("re-parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    CHECK(first == second);
}

/// The same for one event-stream event: payload of the given type.
template <class T>
void check_event_roundtrip(std::string_view type, std::string_view payload)
{
    T first{};
    json::diagnostics diag;
    auto ec = json::parse_event(test_parser(), type, payload, first, &diag);
    INFO("parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    std::string out;
    const auto header = json::serialize_event(first, out);
    CHECK(header.type == type);
    BEDROCK_CHECK_JSON_EQUAL(payload, out);
    T second{};
    ec = json::parse_event(test_parser(), header.type, out, second, &diag);
    INFO("re-parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    CHECK(first == second);
}

} // namespace bedrock::test

#endif

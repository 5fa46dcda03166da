#ifndef BEDROCK_TEST_MODEL_JSON_COMPARE_HPP
#define BEDROCK_TEST_MODEL_JSON_COMPARE_HPP

// Helpers of the model tests: JSON equality (as JSON, not as text), and the round trips
// parse -> serialize -> compare -> parse -> compare the generated tests run for every shape.
// The one allowed difference: an empty optional list or map the input spelled `[]` / `{}` is absent
// from our output (the generated model's rule: absent and empty are one state), checked to be so.

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

/// `expected` without the object members our writer may leave out under the model's documented
/// rule for optional lists and maps (absent and empty are one state; an empty one is not written):
/// a member of `expected` whose value is `[]` or `{}` and that `actual` lacks at the same place.
/// Everything else is kept, so a comparison with `actual` stays exact. This says nothing about
/// whether the member IS an optional list or map (`{}` may be an empty structure or document, `[]`
/// a required list): check_roundtrip settles that by reading the pruned JSON, which must give the
/// same C++ value without error (a required list's absence is an error, and an absent optional
/// structure or document differs from an empty one).
inline boost::json::value without_omitted_empty(const boost::json::value& expected, const boost::json::value& actual)
{
    if (expected.is_object() && actual.is_object()) {
        boost::json::object out;
        const auto& theirs = actual.get_object();
        for (const auto& kv : expected.get_object()) {
            const auto* other = theirs.if_contains(kv.key());
            if (!other) {
                const auto& v = kv.value();
                const bool empty = (v.is_array() && v.get_array().empty()) || (v.is_object() && v.get_object().empty());
                if (!empty)
                    out[kv.key()] = v;
                continue;
            }
            out[kv.key()] = without_omitted_empty(kv.value(), *other);
        }
        return out;
    }
    if (expected.is_array() && actual.is_array() && expected.get_array().size() == actual.get_array().size()) {
        boost::json::array out;
        for (std::size_t i = 0; i < expected.get_array().size(); ++i)
            out.push_back(without_omitted_empty(expected.get_array()[i], actual.get_array()[i]));
        return out;
    }
    return expected;
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

/// Our serialization `out` of `first` (read from `json` by `parse(text, value, diag)`) is equal as
/// JSON to `json`, except that it may lack empty optional lists and maps (see without_omitted_empty):
/// those are checked to be absent-equivalent by reading `json` without them into `first`'s value.
template <class T, class Parse>
void check_written_equal(std::string_view json, const std::string& out, const T& first, Parse parse)
{
    INFO("expected: " << json);
    INFO("actual:   " << out);
    const auto expected = without_padding(json);
    const auto ours = without_padding(out);
    const auto pruned = without_omitted_empty(expected, ours);
    CHECK(json_equal(pruned, ours));
    if (!json_equal(pruned, expected)) {
        // Official SDKs send an empty optional list as `[]` (e.g. "stopSequences": []); we leave it
        // out. Allowed only if leaving it out reads back to the same value, without error.
        const std::string pruned_text = boost::json::serialize(pruned);
        INFO("expected, without the empty members we left out: " << pruned_text);
        T absent{};
        json::diagnostics diag;
        const auto ec = parse(pruned_text, absent, diag);
        INFO("parse: " << diag.to_string());
        REQUIRE_FALSE(ec);
        CHECK(absent == first);
    }
}

/// parse(json) -> serialize -> equal as JSON to the input (up to empty optional lists and maps, see
/// check_written_equal) -> parse again -> equal as C++ values.
template <class T>
void check_roundtrip(std::string_view json)
{
    // Enforced: every sample carries each required member, and a pruned one must not lack any.
    constexpr auto enforce = json::required_members::enforce;
    T first{};
    json::diagnostics diag;
    auto ec = json::parse(test_parser(), json, first, &diag, enforce);
    INFO("parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    const std::string out = json::serialize(first);
    check_written_equal(json, out, first, [](std::string_view text, T& value, json::diagnostics& d) {
        return json::parse(test_parser(), text, value, &d, enforce);
    });
    T second{};
    ec = json::parse(test_parser(), out, second, &diag, enforce);
    INFO("re-parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    CHECK(first == second);
}

/// `lacking` is `full` without the required member `member`. Read as a client reads the service's
/// answers, it parses (also into an object that held `full`: the member is reset) and writes back as
/// `expected`, the member's zero value in place. Read with required members enforced, it fails with
/// missing_required_member at `member`.
template <class T>
void check_required_absent(std::string_view full, std::string_view lacking, std::string_view expected,
                           std::string_view member)
{
    T fresh{}, reused{};
    json::diagnostics diag;
    REQUIRE_FALSE(json::parse(test_parser(), full, reused, &diag));
    auto ec = json::parse(test_parser(), lacking, fresh, &diag);
    INFO("parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    const std::string wanted{expected};
    BEDROCK_CHECK_JSON_EQUAL(wanted, json::serialize(fresh));
    REQUIRE_FALSE(json::parse(test_parser(), lacking, reused, &diag));
    CHECK(reused == fresh);
    T strict{};
    ec = json::parse(test_parser(), lacking, strict, &diag, json::required_members::enforce);
    CHECK(ec == json::error::missing_required_member);
    CHECK(diag.path == member);
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
    check_written_equal(payload, out, first, [&](std::string_view text, T& value, json::diagnostics& d) {
        return json::parse_event(test_parser(), type, text, value, &d);
    });
    T second{};
    ec = json::parse_event(test_parser(), header.type, out, second, &diag);
    INFO("re-parse: " << diag.to_string());
    REQUIRE_FALSE(ec);
    CHECK(first == second);
}

} // namespace bedrock::test

#endif

// The shared ASCII helpers (bedrock/detail/text.hpp) that the profile parser, the proxy and URL code,
// the credential providers, the client's query signing and the emulator all use.
#include <bedrock/detail/text.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace text_test {

using namespace std::string_view_literals;
namespace text = bedrock::detail;

TEST_CASE("text: case-insensitive comparison is ASCII only")
{
    STATIC_REQUIRE(text::iequals("Content-Type", "content-TYPE"));
    CHECK_FALSE(text::iequals("abc", "abcd"));
    CHECK_FALSE(text::iequals("\xc3\x89", "\xc3\xa9")); // É and é: not ASCII, not folded
    CHECK(text::iequals_prefix("HTTPS://host", "https://"));
    CHECK(text::iequals_prefix("https://host", "HTTPS://"));
    CHECK_FALSE(text::iequals_prefix("http", "https://"));
}

TEST_CASE("text: trim takes HTTP's optional white space by default, any set when given")
{
    CHECK(text::trim(" \t value \t") == "value");
    CHECK(text::trim("\r value\r") == "\r value\r");
    CHECK(text::trim("\r\f value \v\r", " \t\r\f\v") == "value");
    CHECK(text::trim(" \t ").empty());
    CHECK(text::trim("").empty());
}

TEST_CASE("text: percent-decoding, strict and lenient")
{
    std::string out = "kept:";
    CHECK(text::percent_decode("a%2Fb%3a+c", out));
    CHECK(out == "kept:a/b:+c"); // appends; '+' is not a space in a URI component
    for (const auto bad : {"%"sv, "%4"sv, "%zz"sv, "a%4g"sv}) {
        std::string o;
        CHECK_FALSE(text::percent_decode(bad, o));
    }
    CHECK(text::percent_decode_lenient("a%2Fb%zz%4%") == "a/b%zz%4%");
    CHECK(text::percent_decode_lenient("%41%42") == "AB");
    CHECK(text::hex_digit_value('f') == 15);
    CHECK(text::hex_digit_value('F') == 15);
    CHECK(text::hex_digit_value('g') == -1);
}

TEST_CASE("text: JSON white space and blank text")
{
    for (const char c : {' ', '\t', '\n', '\r'})
        CHECK(text::is_json_space(c));
    for (const char c : {'\f', '\v', '\0', 'x', '{'})
        CHECK_FALSE(text::is_json_space(c));
    CHECK(text::is_json_blank(""));
    CHECK(text::is_json_blank(" \t\r\n "));
    CHECK_FALSE(text::is_json_blank(" {} "));
    CHECK_FALSE(text::is_json_blank("\f")); // not JSON's white space, though isspace says so
    CHECK_FALSE(text::is_json_blank(std::string_view("  \0", 3)));
}

} // namespace text_test

// message_view::find / string_header, message::from / find, type_of, view_of / to_owned, and the
// error category.

#include "eventstream_test_support.hpp"

#include <set>

namespace message_test {

using namespace bedrock::test::es;

TEST_CASE("eventstream message: find, string_header, from", "[eventstream][message]")
{
    const message original{{{":event-type", std::string("chunk")},
                            {":content-type", std::string("application/json")},
                            {"n", std::int32_t{7}},
                            {"empty", std::string()}},
                           to_bytes("{\"bytes\":\"\"}")};
    bytes frame;
    REQUIRE_FALSE(encode(original, frame));

    message copy;
    {
        decoder d;
        REQUIRE(d.feed(view(frame)).state == decoder::status::message);
        const auto& m = d.message();
        REQUIRE(m.find(":event-type") == &m.headers[0]);
        CHECK(m.find("n") == &m.headers[2]);
        CHECK(m.find("missing") == nullptr);
        CHECK(m.find("") == nullptr);
        CHECK(m.find(":EVENT-TYPE") == nullptr); // exact, case-sensitive
        CHECK(m.string_header(":event-type") == "chunk");
        CHECK(m.string_header(":content-type") == "application/json");
        CHECK(m.string_header("n").empty()); // not a string
        CHECK(m.string_header("missing").empty());
        CHECK(m.string_header("empty").empty());
        CHECK(m.find("empty") != nullptr);
        copy = message::from(m);
    }
    // The copy owns its bytes: the frame and decoder are gone or overwritten.
    std::fill(frame.begin(), frame.end(), std::uint8_t{0});
    CHECK(copy == original);
    REQUIRE(copy.find("n") != nullptr);
    CHECK(copy.find("n")->value == header_value{std::int32_t{7}});
    CHECK(copy.find("nope") == nullptr);

    const message_view empty{};
    CHECK(empty.find("x") == nullptr);
    CHECK(message::from(empty) == message{});
}

TEST_CASE("eventstream message: type_of, view_of, to_owned", "[eventstream][message]")
{
    uuid u;
    u.bytes[15] = 1;
    const std::vector<header_value> owned = {true,
                                             false,
                                             std::int8_t{1},
                                             std::int16_t{2},
                                             std::int32_t{3},
                                             std::int64_t{4},
                                             bytes{5},
                                             std::string("6"),
                                             timestamp{std::chrono::milliseconds{7}},
                                             u};
    const header_type expected[] = {header_type::bool_true, header_type::bool_false, header_type::byte,
                                    header_type::int16,     header_type::int32,      header_type::int64,
                                    header_type::byte_array, header_type::string,    header_type::timestamp,
                                    header_type::uuid};
    for (std::size_t i = 0; i < owned.size(); ++i) {
        INFO(i);
        CHECK(type_of(owned[i]) == expected[i]);
        const header_value_view v = view_of(owned[i]);
        CHECK(type_of(v) == expected[i]);
        CHECK(to_owned(v) == owned[i]);
        CHECK(static_cast<int>(expected[i]) == static_cast<int>(i));
    }
    // Views refer to the owned bytes.
    const auto bv = std::get<byte_view>(view_of(owned[6]));
    CHECK(bv.data() == std::get<bytes>(owned[6]).data());
    const auto sv = std::get<std::string_view>(view_of(owned[7]));
    CHECK(sv.data() == std::get<std::string>(owned[7]).data());
}

TEST_CASE("eventstream error category", "[eventstream][message]")
{
    CHECK(std::string(error_category().name()) == "bedrock.eventstream");
    std::set<std::string> texts;
    for (int e = static_cast<int>(error::message_too_short); e <= static_cast<int>(error::frame_length_mismatch); ++e) {
        const boost::system::error_code ec = static_cast<error>(e);
        CHECK(ec);
        CHECK(&ec.category() == &error_category());
        CHECK_FALSE(ec.message().empty());
        texts.insert(ec.message());
    }
    CHECK(texts.size() == 15);
}

} // namespace message_test

#include <bedrock/error.hpp>
#include <bedrock/eventstream.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/protocol/errors.hpp>

#include "support/vectors.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

namespace errors_test {

using bedrock::service_errc;

namespace {

// The error results the official JS SDK produced (sdk-behaviour harness), by case name.
const boost::json::object& sdk_error(std::string_view name)
{
    static const boost::json::value results = boost::json::parse(
        bedrock::test::read_text(bedrock::test::vector_path("sdk-behaviour/sdk_harness_results.json")));
    return results.at("results").at(name).at("error").as_object();
}

void check_like_sdk(std::string_view case_name, const boost::system::error_code& ec, const bedrock::diagnostics& d)
{
    const auto& expected = sdk_error(case_name);
    INFO(case_name);
    CHECK(d.error_type == expected.at("name").as_string());
    CHECK(ec == bedrock::service_error_from_name(expected.at("name").as_string()));
    CHECK(d.service_message == expected.at("message").as_string());
    CHECK(d.http_status == expected.at("httpStatusCode").to_number<unsigned>());
    CHECK(boost::json::value(d.extra) == expected.at("extra"));
}

} // namespace

TEST_CASE("error type trimming")
{
    auto trim_error_type = [](std::string_view s) { return bedrock::json::sanitize_error_type(s); };
    CHECK(trim_error_type("ValidationException") == "ValidationException");
    CHECK(trim_error_type("com.amazonaws.bedrockruntime#ValidationException") == "ValidationException");
    CHECK(trim_error_type("ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/") ==
          "ExpiredTokenException");
    CHECK(trim_error_type("aws.protocoltests#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/") ==
          "FooError");
    CHECK(trim_error_type("") == "");
}

TEST_CASE("non-2xx answers map as the official SDK maps them")
{
    bedrock::diagnostics d;
    auto ec = bedrock::protocol::error_from_response(
        429, "ThrottlingException", "req-1", R"({"message":"Too many requests, please wait before trying again."})", d);
    check_like_sdk("Error_header_x-amzn-errortype", ec, d);
    CHECK(d.request_id == "req-1");

    d = {};
    ec = bedrock::protocol::error_from_response(
        400, "", "req-2",
        R"({"__type":"com.amazonaws.bedrockruntime#ValidationException","message":"The provided model identifier is invalid."})",
        d);
    check_like_sdk("Error_body___type", ec, d);

    d = {};
    ec = bedrock::protocol::error_from_response(
        403, "", "req-3",
        R"({"code":"AccessDeniedException","message":"You don't have access to the model with the specified model ID."})",
        d);
    check_like_sdk("Error_body_code", ec, d);

    d = {};
    ec = bedrock::protocol::error_from_response(
        403, "ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/", "req-4",
        R"({"message":"The security token included in the request is expired"})", d);
    check_like_sdk("Error_unmodeled_ExpiredToken", ec, d);
    CHECK(ec == service_errc::expired_token);

    d = {};
    ec = bedrock::protocol::error_from_response(
        424, "ModelErrorException", "req-5",
        R"({"message":"Received 500 from model","originalStatusCode":500,"resourceName":"arn:aws:bedrock:us-east-1::foundation-model/x"})",
        d);
    check_like_sdk("Error_ModelErrorException", ec, d);
}

TEST_CASE("the recorded ExpiredToken answer from real Bedrock")
{
    auto cassette = boost::json::parse(bedrock::test::read_text(
        bedrock::test::vector_path("recorded/dd-trace-py/bedrock_converse_error.decoded.json")));
    const auto& interaction = cassette.at("interactions").at(0);
    const auto status = interaction.at("status").at("code").to_number<unsigned>();
    const auto& headers = interaction.at("response_headers");
    const std::string type(headers.at("x-amzn-ErrorType").at(0).as_string());
    const std::string request_id(headers.at("x-amzn-RequestId").at(0).as_string());
    const std::string body(interaction.at("response_body").as_string());
    bedrock::diagnostics d;
    auto ec = bedrock::protocol::error_from_response(status, type, request_id, body, d);
    CHECK(status == 403);
    CHECK(ec == service_errc::expired_token);
    CHECK(d.error_type == "ExpiredTokenException");
    CHECK(d.service_message == "The security token included in the request is expired");
    CHECK(d.request_id == "402bd639-607f-433b-aa01-2852fc75287a");
}

TEST_CASE("answers without a type are named from their status")
{
    bedrock::diagnostics d;
    CHECK(bedrock::protocol::error_from_response(503, "", "", "<html>busy</html>", d) ==
          service_errc::service_unavailable);
    CHECK(d.service_message.empty());
    CHECK(bedrock::protocol::error_from_response(502, "", "", "", d) == service_errc::transient_http_error);
    CHECK(bedrock::protocol::error_from_response(500, "", "", "{}", d) == service_errc::internal_server);
    CHECK(bedrock::protocol::error_from_response(429, "", "", "not json", d) == service_errc::throttling);
    CHECK(bedrock::protocol::error_from_response(418, "", "", "", d) == service_errc::unknown);
    d = {};
    CHECK(bedrock::protocol::error_from_response(503, "SomethingNewException", "", "", d) ==
          service_errc::service_unavailable);
    CHECK(d.error_type == "SomethingNewException");
    CHECK(bedrock::protocol::error_from_response(400, "SomethingNewException", "", "", d) == service_errc::unknown);
}

TEST_CASE("exceptions inside a stream")
{
    namespace es = bedrock::eventstream;
    auto frames = bedrock::test::read_bytes(
        bedrock::test::vector_path("bedrock-streams/converse_stream_model_stream_error.bin"));
    es::decoder decoder;
    es::byte_view rest{frames};
    boost::system::error_code ec;
    bedrock::diagnostics d;
    int events = 0;
    while (!rest.empty()) {
        auto r = decoder.feed(rest);
        rest = rest.subspan(r.consumed);
        REQUIRE(r.state == es::decoder::status::message);
        ec = bedrock::protocol::error_from_stream_message(decoder.message(), d);
        if (ec)
            break;
        ++events;
    }
    // The vector (bedrock-streams/streams.json): messageStart, then the exception frame.
    CHECK(events == 1);
    CHECK(rest.size() == 0);
    CHECK(ec == service_errc::model_stream_error);
    CHECK(d.error_type == "modelStreamErrorException"); // as sent: the union member's name
    CHECK(d.service_message == "Model stream error");
    CHECK(d.extra.size() == 2);
    CHECK(d.extra.at("originalStatusCode") == 500);
    CHECK(d.extra.at("originalMessage") == "upstream model failure");

    // `:message-type error` frames carry their words in headers.
    const es::header_view headers[] = {{":message-type", std::string_view{"error"}},
                                       {":error-code", std::string_view{"InternalFailure"}},
                                       {":error-message", std::string_view{"boom"}}};
    std::vector<std::uint8_t> frame;
    REQUIRE_FALSE(es::encode(headers, {}, frame));
    es::decoder d2;
    REQUIRE(d2.feed(frame).state == es::decoder::status::message);
    bedrock::diagnostics d3;
    CHECK(bedrock::protocol::error_from_stream_message(d2.message(), d3) == service_errc::unknown);
    CHECK(d3.error_type == "InternalFailure");
    CHECK(d3.service_message == "boom");
}

TEST_CASE("protocol: the service's Date header and clock skew", "[protocol][clock]")
{
    using namespace std::chrono;
    using bedrock::protocol::clock_skew;
    using bedrock::protocol::parse_http_date;
    const auto noon = sys_days{2026y / November / 30} + 12h;
    REQUIRE(parse_http_date("Mon, 30 Nov 2026 12:00:00 GMT"));
    CHECK(*parse_http_date("Mon, 30 Nov 2026 12:00:00 GMT") == noon);
    CHECK(*parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == sys_days{1994y / November / 6} + 8h + 49min + 37s);
    CHECK(*parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT") == sys_days{2028y / February / 29} + 23h + 59min + 59s);
    for (const char* bad : {"", "Mon, 30 Nov 2026 12:00:00", "Mon, 30 Nov 2026 12:00:00 UTC", "Mon, 31 Nov 2026 12:00:00 GMT",
                            "Mon, 30 Abc 2026 12:00:00 GMT", "Mon, 30 Nov 2026 24:00:00 GMT", "Mon, 3x Nov 2026 12:00:00 GMT",
                            "Monday, 30-Nov-26 12:00:00 GMT", "Mon, 30 ovN 2026 12:00:00 GMT"}) {
        INFO(bad);
        CHECK_FALSE(parse_http_date(bad));
    }

    bedrock::diagnostics said;
    said.error_type = "InvalidSignatureException";
    said.service_message = "Signature expired: 20261130T110000Z is now earlier than 20261130T114500Z (20261130T120000Z - 15 min.)";
    const auto local = noon - 1h; // the local clock is an hour behind the service
    auto skew = clock_skew(403, "Mon, 30 Nov 2026 12:00:00 GMT", said, local);
    REQUIRE(skew);
    CHECK(*skew == milliseconds(3'600'000));
    said.service_message = "Signature not yet current: 20261130T130000Z is still later than 20261130T121500Z (20261130T120000Z + 15 min.)";
    skew = clock_skew(403, "Mon, 30 Nov 2026 12:00:00 GMT", said, noon + 1h);
    REQUIRE(skew);
    CHECK(*skew == milliseconds(-3'600'000));
    // Named by its type.
    bedrock::diagnostics typed;
    typed.error_type = "RequestTimeTooSkewed";
    CHECK(clock_skew(403, "Mon, 30 Nov 2026 12:00:00 GMT", typed, noon - 20s) == milliseconds(20'000));
    // Another signature error with a Date close to the local clock: not a clock problem.
    bedrock::diagnostics mismatch;
    mismatch.error_type = "InvalidSignatureException";
    mismatch.service_message = "The request signature we calculated does not match the signature you provided.";
    CHECK_FALSE(clock_skew(403, "Mon, 30 Nov 2026 12:00:00 GMT", mismatch, noon - 3min));
    // ... but any 4xx whose Date is more than 4 minutes away is.
    CHECK(clock_skew(403, "Mon, 30 Nov 2026 12:00:00 GMT", mismatch, noon - 5min) == milliseconds(300'000));
    CHECK(clock_skew(400, "Mon, 30 Nov 2026 12:00:00 GMT", {}, noon + 5min) == milliseconds(-300'000));
    // Not a 4xx, no Date, or a Date that cannot be read: nothing to correct.
    CHECK_FALSE(clock_skew(500, "Mon, 30 Nov 2026 12:00:00 GMT", said, local));
    CHECK_FALSE(clock_skew(200, "Mon, 30 Nov 2026 12:00:00 GMT", said, local));
    CHECK_FALSE(clock_skew(403, "", said, local));
    CHECK_FALSE(clock_skew(403, "yesterday", said, local));
}

} // namespace errors_test

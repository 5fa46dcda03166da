// The emulator without sockets: routes, authentication, validation, the echo model, scenarios and
// asynchronous jobs, checked on the planned answers of emulator_core.

#include "support/vectors.hpp"
#include "testing/emulator_test_support.hpp"

#include <bedrock/json/base64.hpp>
#include <bedrock/testing/detail/emulator_core.hpp>

#include <catch2/catch.hpp>

#include <zlib.h>

namespace emulator_core_test {

using namespace bedrock;
using testing::detail::delivery;
using testing::detail::emulator_core;

namespace {

const std::string haiku = "/model/anthropic.claude-3-haiku-20240307-v1%3A0";

std::string body_of(const testing::detail::emulator_reply& r)
{
    if (r.pieces.empty())
        return r.res.body();
    std::string all;
    for (const auto& p : r.pieces)
        all += p.bytes;
    return all;
}

std::string header(const testing::detail::emulator_reply& r, std::string_view name)
{
    const auto it = r.res.find(name);
    return it == r.res.end() ? std::string() : std::string(it->value());
}

/// Checks the AWS error shape and returns the body.
boost::json::object expect_error(const testing::detail::emulator_reply& r, unsigned status, std::string_view type,
                                 std::string_view ns = "http://internal.amazon.com/coral/com.amazon.bedrock/")
{
    INFO(r.res.body());
    CHECK(r.how == delivery::respond);
    CHECK(r.res.result_int() == status);
    CHECK(header(r, "x-amzn-ErrorType") == std::string(type) + ":" + std::string(ns));
    CHECK(header(r, "x-amzn-RequestId").size() == 36);
    CHECK(header(r, "Content-Type") == "application/json");
    auto o = test::json_body(r.res.body());
    CHECK(o.contains("message"));
    return o;
}

boost::json::object expect_ok(const testing::detail::emulator_reply& r)
{
    INFO(r.res.body());
    REQUIRE(r.res.result_int() == 200);
    CHECK(header(r, "x-amzn-RequestId").size() == 36);
    CHECK(header(r, "Content-Type") == "application/json");
    CHECK(header(r, "Date").ends_with(" GMT"));
    return test::json_body(r.res.body());
}

const char* const hello = R"({"messages":[{"role":"user","content":[{"text":"Say hello"}]}]})";

} // namespace

TEST_CASE("emulator core: converse echoes the last user message", "[testing][emulator]")
{
    emulator_core core({});
    const auto r = core.handle(test::post_json(
        haiku + "/converse",
        R"({"system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"first question"}]},)"
        R"({"role":"assistant","content":[{"text":"an answer"}]},)"
        R"({"role":"user","content":[{"text":"Say "},{"text":"hello world"}]}]})"));
    const auto o = expect_ok(r);
    const auto& msg = o.at("output").at("message").as_object();
    CHECK(msg.at("role") == "assistant");
    CHECK(msg.at("content").at(0).at("text") == "echo: Say hello world");
    CHECK(o.at("stopReason") == "end_turn");
    // input: Be brief. (2) + first question (2) + an answer (2) + Say hello world (3)
    CHECK(o.at("usage").at("inputTokens") == 9);
    CHECK(o.at("usage").at("outputTokens") == 4);
    CHECK(o.at("usage").at("totalTokens") == 13);
    CHECK(o.at("metrics").at("latencyMs").as_int64() >= 0);

    CHECK(core.operation_attempts("Converse") == 1);
    CHECK(core.model_attempts("anthropic.claude-3-haiku-20240307-v1:0") == 1);
    const auto log = core.requests();
    REQUIRE(log.size() == 1);
    CHECK(log[0].operation == "Converse");
    CHECK(log[0].model_id == "anthropic.claude-3-haiku-20240307-v1:0");
    CHECK(log[0].status == 200);
    CHECK(log[0].method == "POST");
    CHECK(log[0].header("authorization").starts_with("AWS4-HMAC-SHA256"));
}

TEST_CASE("emulator core: maxTokens truncates, toolConfig calls the first tool", "[testing][emulator]")
{
    emulator_core core({});
    auto o = expect_ok(core.handle(test::post_json(
        "/model/m/converse",
        R"({"messages":[{"role":"user","content":[{"text":"one two three four"}]}],"inferenceConfig":{"maxTokens":3}})")));
    CHECK(o.at("output").at("message").at("content").at(0).at("text") == "echo: one two");
    CHECK(o.at("stopReason") == "max_tokens");
    CHECK(o.at("usage").at("outputTokens") == 3);

    o = expect_ok(core.handle(test::post_json(
        "/model/m/converse",
        R"({"messages":[{"role":"user","content":[{"text":"use tool  find the weather"}]}],)"
        R"("toolConfig":{"tools":[{"toolSpec":{"name":"weather","inputSchema":{"json":{"type":"object"}}}}]}})")));
    CHECK(o.at("stopReason") == "tool_use");
    const auto& use = o.at("output").at("message").at("content").at(0).at("toolUse").as_object();
    CHECK(use.at("name") == "weather");
    CHECK(use.at("input") == boost::json::parse(R"({"text":"find the weather"})"));
    CHECK(use.at("toolUseId").as_string().starts_with("tooluse_"));

    // Without a toolConfig, "use tool" is just text.
    o = expect_ok(core.handle(test::post_json("/model/m/converse",
                                               R"({"messages":[{"role":"user","content":[{"text":"use tool x"}]}]})")));
    CHECK(o.at("stopReason") == "end_turn");
}

TEST_CASE("emulator core: validation errors name the member", "[testing][emulator]")
{
    emulator_core core({});
    auto o = expect_error(core.handle(test::post_json("/model/m/converse", R"({"messages":[{"role":"user","content":"x"}]})")),
                          400, "ValidationException");
    CHECK_THAT(std::string(o.at("message").as_string()), Catch::Contains("messages[0].content"));

    o = expect_error(core.handle(test::post_json("/model/m/converse", "{not json")), 400, "ValidationException");
    o = expect_error(core.handle(test::post_json("/model/m/converse", R"({"messages":[]})")), 400, "ValidationException");
    CHECK_THAT(std::string(o.at("message").as_string()), Catch::Contains("must start with a user message"));

    // A query parameter outside its enum.
    o = expect_error(core.handle(test::signed_request("GET", "/async-invoke?statusEquals=Sleeping")), 400,
                     "ValidationException");
    CHECK_THAT(std::string(o.at("message").as_string()), Catch::Contains("statusEquals"));
}

TEST_CASE("emulator core: unknown routes and authentication", "[testing][emulator][auth]")
{
    const std::string coral = "http://internal.amazon.com/coral/com.amazon.coral.service/";
    emulator_core core({});
    expect_error(core.handle(test::post_json("/model/m/chat", hello)), 404, "UnknownOperationException", coral);
    expect_error(core.handle(test::signed_request("GET", "/model/m/converse")), 404, "UnknownOperationException", coral);

    testing::request unsigned_req = test::post_json("/model/m/converse", hello);
    unsigned_req.erase("Authorization");
    auto o = expect_error(core.handle(unsigned_req), 403, "MissingAuthenticationTokenException", coral);
    CHECK(o.at("message") == "Missing Authentication Token");

    testing::request tampered = test::post_json("/model/m/converse", hello);
    tampered.body()[5] = 'X';
    o = expect_error(core.handle(tampered), 403, "InvalidSignatureException", coral);
    CHECK_THAT(std::string(o.at("message").as_string()),
               Catch::StartsWith("The request signature we calculated does not match"));

    const auto stranger = test::signed_request("POST", "/model/m/converse", hello, {},
                                               auth::credentials{"AKIDSTRANGER", "x", std::nullopt, std::nullopt});
    expect_error(core.handle(stranger), 403, "UnrecognizedClientException", coral);

    const auto old = test::signed_request("POST", "/model/m/converse", hello, {}, test::emulator_credentials,
                                          std::chrono::system_clock::now() - std::chrono::hours(1));
    o = expect_error(core.handle(old), 403, "InvalidSignatureException", coral);
    CHECK_THAT(std::string(o.at("message").as_string()), Catch::StartsWith("Signature expired"));

    testing::request bearer = unsigned_req;
    bearer.set("Authorization", "Bearer emulator-api-key");
    expect_ok(core.handle(bearer));
    bearer.set("Authorization", "Bearer wrong");
    expect_error(core.handle(bearer), 403, "UnrecognizedClientException", coral);

    testing::emulator_options open;
    open.require_auth = false;
    emulator_core lax(open);
    expect_ok(lax.handle(unsigned_req));

    CHECK(core.operation_attempts("Converse") == 6);
}

TEST_CASE("emulator core: scenarios by model id", "[testing][emulator][scenario]")
{
    emulator_core core({});
    const auto converse = [&](std::string id) {
        return core.handle(test::post_json("/model/" + auth::uri_encode(id, true) + "/converse", hello));
    };

    expect_error(converse("throttle-once:a"), 429, "ThrottlingException");
    expect_ok(converse("throttle-once:a"));
    expect_ok(converse("throttle-once:a"));
    expect_error(converse("throttle-once:b"), 429, "ThrottlingException"); // another tag, its own counter

    expect_error(converse("unavailable-once:a"), 503, "ServiceUnavailableException");
    expect_ok(converse("unavailable-once:a"));

    expect_error(converse("fail-times-2:a"), 500, "InternalServerException");
    expect_error(converse("fail-times-2:a"), 500, "InternalServerException");
    expect_ok(converse("fail-times-2:a"));

    for (int i = 0; i < 3; ++i)
        expect_error(converse("always-500"), 500, "InternalServerException");

    auto o = expect_error(converse("error:ModelErrorException"), 424, "ModelErrorException");
    CHECK(o.at("originalStatusCode") == 500);
    CHECK(o.at("resourceName") == "error:ModelErrorException");
    expect_error(converse("error:ModelTimeoutException"), 408, "ModelTimeoutException");
    expect_error(converse("error:ModelNotReadyException"), 429, "ModelNotReadyException");
    expect_error(converse("error:AccessDeniedException:t1"), 403, "AccessDeniedException");
    expect_error(converse("error:ServiceQuotaExceededException"), 400, "ServiceQuotaExceededException");
    expect_error(converse("error:ExpiredTokenException"), 403, "ExpiredTokenException",
                 "http://internal.amazon.com/coral/com.amazon.coral.service/");

    auto r = converse("slow-40:a");
    expect_ok(r);
    CHECK(r.delay == std::chrono::milliseconds(40));
    // slow-once: only the first request for the id waits.
    r = converse("slow-once-40:a");
    expect_ok(r);
    CHECK(r.delay == std::chrono::milliseconds(40));
    r = converse("slow-once-40:a");
    expect_ok(r);
    CHECK(r.delay == std::chrono::milliseconds(0));
    CHECK(converse("split-5:a").split_writes == 5);
    CHECK(converse("stall").how == delivery::stall);
    CHECK(converse("stall-body:x").how == delivery::stall_body);
    CHECK(converse("reset").how == delivery::reset);
    CHECK(converse("reset-body").how == delivery::reset_body);
    r = converse("bad-json");
    CHECK(r.res.result_int() == 200);
    CHECK_THROWS(boost::json::parse(r.res.body()));

    CHECK(core.model_attempts("throttle-once:a") == 3);
    const auto log = core.requests();
    CHECK(log.back().model_id == "bad-json");
    // Requests that were never answered are logged with status 0.
    CHECK(std::count_if(log.begin(), log.end(), [](const auto& x) { return x.status == 0; }) == 2);
}

TEST_CASE("emulator core: invoke_model on the echo model", "[testing][emulator][invoke]")
{
    emulator_core core({});
    auto r = core.handle(test::post_json(
        haiku + "/invoke",
        R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"system":"Be kind.",)"
        R"("messages":[{"role":"user","content":[{"type":"text","text":"Say hello"}]}]})",
        {{"X-Amzn-Bedrock-PerformanceConfig-Latency", "optimized"}, {"Accept", "application/json"}}));
    auto o = expect_ok(r);
    CHECK(o.at("type") == "message");
    CHECK(o.at("role") == "assistant");
    CHECK(o.at("model") == "anthropic.claude-3-haiku-20240307-v1:0");
    CHECK(o.at("content").at(0).at("type") == "text");
    CHECK(o.at("content").at(0).at("text") == "echo: Say hello");
    CHECK(o.at("stop_reason") == "end_turn");
    CHECK(o.at("usage").at("input_tokens") == 4);
    CHECK(o.at("usage").at("output_tokens") == 3);
    CHECK(header(r, "X-Amzn-Bedrock-Input-Token-Count") == "4");
    CHECK(header(r, "X-Amzn-Bedrock-Output-Token-Count") == "3");
    CHECK_FALSE(header(r, "X-Amzn-Bedrock-Invocation-Latency").empty());
    CHECK(header(r, "X-Amzn-Bedrock-PerformanceConfig-Latency") == "optimized");
    CHECK(header(r, "X-Amzn-Bedrock-Service-Tier").empty());

    // Anything else comes back as it went, with its content type.
    r = core.handle(test::post_json("/model/amazon.titan-embed-text-v2%3A0/invoke", "raw bytes here",
                                    {{"Content-Type", "text/plain"}}));
    REQUIRE(r.res.result_int() == 200);
    CHECK(r.res.body() == "raw bytes here");
    CHECK(header(r, "Content-Type") == "text/plain");
    CHECK(header(r, "X-Amzn-Bedrock-Input-Token-Count") == "3");

    expect_error(core.handle(test::post_json(haiku + "/invoke", R"({"anthropic_version":"bedrock-2023-05-31"})")), 400,
                 "ValidationException");
}

TEST_CASE("emulator core: streams are event-stream frames", "[testing][emulator][stream]")
{
    emulator_core core({});
    auto r = core.handle(test::post_json(haiku + "/converse-stream",
                                         R"({"messages":[{"role":"user","content":[{"text":"Say hello"}]}]})"));
    REQUIRE(r.res.result_int() == 200);
    CHECK(r.how == delivery::stream);
    CHECK(header(r, "Content-Type") == "application/vnd.amazon.eventstream");
    auto frames = test::decode_frames(body_of(r));
    std::vector<std::string> types;
    std::string text;
    for (const auto& f : frames) {
        CHECK(f.message_type == "event");
        CHECK(f.content_type == "application/json");
        types.push_back(f.type);
        const auto o = test::json_body(f.payload);
        CHECK(o.contains("p")); // the service's padding
        if (f.type == "contentBlockDelta")
            text += o.at("delta").at("text").as_string();
    }
    CHECK(types == std::vector<std::string>{"messageStart", "contentBlockDelta", "contentBlockDelta",
                                            "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"});
    CHECK(text == "echo: Say hello");
    const auto md = test::json_body(frames.back().payload);
    CHECK(md.at("usage").at("inputTokens") == 2);
    CHECK(md.at("usage").at("outputTokens") == 3);

    // A stream interrupted by a modeled exception.
    r = core.handle(test::post_json("/model/stream-error%3AThrottlingException/converse-stream", hello));
    frames = test::decode_frames(body_of(r));
    REQUIRE(frames.size() >= 2);
    CHECK(frames.back().message_type == "exception");
    CHECK(frames.back().type == "throttlingException");

    // invoke-with-response-stream: chunks wrapping the Anthropic stream.
    r = core.handle(test::post_json(
        haiku + "/invoke-with-response-stream",
        R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]})"));
    REQUIRE(r.res.result_int() == 200);
    CHECK(header(r, "X-Amzn-Bedrock-Content-Type") == "application/json");
    frames = test::decode_frames(body_of(r));
    text.clear();
    std::vector<std::string> inner;
    for (const auto& f : frames) {
        CHECK(f.type == "chunk");
        std::vector<std::uint8_t> raw;
        REQUIRE_FALSE(json::base64_decode(test::json_body(f.payload).at("bytes").as_string(), raw));
        const auto e = test::json_body(std::string(raw.begin(), raw.end()));
        inner.emplace_back(e.at("type").as_string());
        if (e.at("type") == "content_block_delta")
            text += e.at("delta").at("text").as_string();
    }
    CHECK(text == "echo: Say hello");
    CHECK(inner.front() == "message_start");
    CHECK(inner.back() == "message_stop");

    // slow-events: a pause before every event but the first.
    r = core.handle(test::post_json("/model/slow-events-25%3Ax/converse-stream", hello));
    REQUIRE(r.pieces.size() == 7);
    CHECK(r.pieces[0].pause.count() == 0);
    CHECK(r.pieces[6].pause == std::chrono::milliseconds(25));

    // bad-json on a stream: a frame that fails its checksum.
    r = core.handle(test::post_json("/model/bad-json/converse-stream", hello));
    CHECK_THROWS(test::decode_frames(body_of(r)));
}

TEST_CASE("emulator core: fault scenarios plan hostile frames and lying answers", "[testing][emulator][fault]")
{
    emulator_core core({});
    const auto stream = [&](std::string id) {
        return core.handle(test::post_json("/model/" + auth::uri_encode(id, true) + "/converse-stream", hello));
    };
    const auto converse = [&](std::string id) {
        return core.handle(test::post_json("/model/" + auth::uri_encode(id, true) + "/converse", hello));
    };
    // What a decoder makes of a stream body: the error it ends with, after how many frames.
    const auto decode = [](std::string_view body, std::size_t& frames) {
        eventstream::decoder d;
        frames = 0;
        auto bytes = eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
        while (!bytes.empty()) {
            const auto r = d.feed(bytes);
            if (r.state == eventstream::decoder::status::error)
                return d.error();
            frames += r.state == eventstream::decoder::status::message;
            bytes = bytes.subspan(r.consumed);
        }
        return d.finish();
    };

    // The frame faults: the first event, then one frame that the decoder refuses by name (so its
    // CRCs are right: a CRC error would come first).
    std::size_t frames = 0;
    auto r = stream("huge-frame:u");
    REQUIRE(r.pieces.size() == 2);
    CHECK(decode(body_of(r), frames) == eventstream::error::message_too_long);
    CHECK(frames == 1);
    CHECK(static_cast<unsigned char>(r.pieces[1].bytes[0]) == 0x80); // 2 GiB, big-endian
    CHECK(decode(body_of(stream("headers-overrun:u")), frames) == eventstream::error::headers_length_exceeds_message);
    CHECK(frames == 1);
    CHECK(decode(body_of(stream("header-value-overrun:u")), frames) == eventstream::error::header_value_truncated);
    CHECK(frames == 1);
    // On a unary operation they are the echo.
    expect_ok(converse("huge-frame:u"));

    // The framing faults are played out by the server; the answer itself is the echo's.
    CHECK(converse("chunk-truncated").how == delivery::chunk_truncated);
    CHECK(converse("chunk-malformed").how == delivery::chunk_malformed);
    CHECK(converse("length-short").how == delivery::length_short);
    CHECK(converse("length-long").how == delivery::length_long);
    CHECK(converse("truncate-body").how == delivery::truncated);
    r = stream("truncate-body:s");
    CHECK(r.how == delivery::truncated);
    CHECK(test::decode_frames(body_of(r)).size() == 7);

    // A web page instead of the answer, for a stream too.
    for (auto page : {converse("html"), stream("html")}) {
        CHECK(page.how == delivery::respond);
        CHECK(page.res.result_int() == 200);
        CHECK(header(page, "Content-Type") == "text/html; charset=utf-8");
        CHECK(page.res.body().starts_with("<!DOCTYPE html>"));
    }

    // gzip: a valid member holding the echo's body exactly.
    const auto gunzip = [](std::string_view in) {
        z_stream z{};
        REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
        std::string out(1 << 16, '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(in.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&z, Z_FINISH);
        out.resize(z.total_out);
        inflateEnd(&z);
        CHECK(rc == Z_STREAM_END);
        return out;
    };
    r = converse("gzip");
    CHECK(header(r, "Content-Encoding") == "gzip");
    CHECK(header(r, "Content-Type") == "application/json");
    CHECK(test::json_body(gunzip(r.res.body())).contains("output"));
    r = stream("gzip");
    CHECK(header(r, "Content-Encoding") == "gzip");
    REQUIRE(r.pieces.size() == 1);
    CHECK(test::decode_frames(gunzip(r.pieces[0].bytes)).size() == 7);

    // big-delta: one delta of exactly that many pattern bytes in place of the echo's.
    auto frames_of = test::decode_frames(body_of(stream("big-delta-100:u")));
    REQUIRE(frames_of.size() == 5);
    const auto delta = test::json_body(frames_of[1].payload);
    CHECK(frames_of[1].type == "contentBlockDelta");
    CHECK(delta.at("delta").at("text") ==
          "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqr");
    CHECK(delta.at("contentBlockIndex") == 0);
    // many-events: the deltas count 0, 1, 2, ...
    frames_of = test::decode_frames(body_of(stream("many-events-3:u")));
    REQUIRE(frames_of.size() == 7);
    for (int i = 0; i < 3; ++i)
        CHECK(test::json_body(frames_of[static_cast<std::size_t>(i) + 1].payload).at("delta").at("text").as_string() ==
              std::to_string(i));
    // Out of range: not a scenario, the echo.
    CHECK(test::decode_frames(body_of(stream("many-events-1000001:u"))).size() == 7);
}

TEST_CASE("emulator core: count_tokens, guardrails, bidirectional stream", "[testing][emulator]")
{
    emulator_core core({});
    auto o = expect_ok(core.handle(test::post_json(
        "/model/m/count-tokens",
        R"({"input":{"converse":{"messages":[{"role":"user","content":[{"text":"a b c"}]}],"system":[{"text":"d"}]}}})")));
    CHECK(o.at("inputTokens") == 4);
    const std::string invoke_body =
        R"({"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"one two"}]})";
    o = expect_ok(core.handle(test::post_json(
        "/model/m/count-tokens",
        R"({"input":{"invokeModel":{"body":")" + json::base64_encode(invoke_body) + R"("}}})")));
    CHECK(o.at("inputTokens") == 2);

    const std::string content = R"({"source":"INPUT","content":[{"text":{"text":"hello there"}}]})";
    o = expect_ok(core.handle(test::post_json("/guardrail/block/version/1/apply", content)));
    CHECK(o.at("action") == "GUARDRAIL_INTERVENED");
    CHECK(o.at("outputs") == boost::json::parse(R"([{"text":"Sorry, blocked."}])"));
    CHECK(o.at("assessments").as_array().size() == 1);
    o = expect_ok(core.handle(test::post_json("/guardrail/gr-123/version/DRAFT/apply", content)));
    CHECK(o.at("action") == "NONE");
    CHECK(o.at("outputs").as_array().empty());
    CHECK(core.model_attempts("block") == 1);

    o = expect_ok(core.handle(test::post_json(
        "/guardrail-checks/invoke",
        R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],"checks":{"promptAttack":{"categories":[]}}})")));
    CHECK(o.at("results") == boost::json::parse(R"({"promptAttack":{"results":[]}})"));
    CHECK(o.at("usage") == boost::json::parse(R"({"promptAttack":{"textUnits":1}})"));

    auto r = core.handle(test::post_json("/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream", "",
                                         {{"Content-Type", "application/vnd.amazon.eventstream"}}));
    o = expect_error(r, 400, "ValidationException");
    CHECK_THAT(std::string(o.at("message").as_string()), Catch::Contains("HTTP/2"));
}

TEST_CASE("emulator core: asynchronous invocations", "[testing][emulator][async]")
{
    using namespace std::chrono_literals;
    // Whole seconds, so that the ISO 8601 bounds below fall exactly on submission times.
    std::chrono::system_clock::time_point clock_now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    testing::emulator_options opts;
    opts.clock = [&] { return clock_now; };
    emulator_core core(opts);
    const auto start = [&](std::string token, std::string model = "amazon.nova-reel-v1:0",
                           std::string text = "a cat") {
        std::string body = R"({"modelId":")" + model + R"(","modelInput":{"text":")" + text +
                           R"("},"outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://bucket/out"}}})";
        if (!token.empty())
            body.insert(1, R"("clientRequestToken":")" + token + R"(",)");
        return core.handle(test::signed_request("POST", "/async-invoke", body, {}, test::emulator_credentials, clock_now));
    };
    const auto get = [&](std::string arn) {
        return core.handle(test::signed_request("GET", "/async-invoke/" + auth::uri_encode(arn, true), "", {},
                                                test::emulator_credentials, clock_now));
    };
    const auto list = [&](std::string query) {
        return core.handle(test::signed_request("GET", "/async-invoke" + query, "", {}, test::emulator_credentials, clock_now));
    };

    const auto first = expect_ok(start("token-1"));
    const std::string arn(first.at("invocationArn").as_string());
    CHECK(arn.starts_with("arn:aws:bedrock:us-east-1:123456789012:async-invoke/"));
    CHECK(arn.size() > std::string_view("arn:aws:bedrock:us-east-1:123456789012:async-invoke/").size());

    // Idempotent by token: same ARN, no second job; another request under the same token conflicts.
    CHECK(expect_ok(start("token-1")).at("invocationArn").as_string() == arn);
    expect_error(start("token-1", "amazon.nova-reel-v1:0", "a dog"), 400, "ConflictException");
    CHECK(core.async_jobs() == 1);
    CHECK(core.model_attempts("amazon.nova-reel-v1:0") == 3);

    auto job = expect_ok(get(arn));
    CHECK(job.at("status") == "InProgress");
    CHECK(job.at("invocationArn").as_string() == arn);
    CHECK(job.at("modelArn") == "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0");
    CHECK(job.at("clientRequestToken") == "token-1");
    CHECK(job.at("outputDataConfig") == boost::json::parse(R"({"s3OutputDataConfig":{"s3Uri":"s3://bucket/out"}})"));
    CHECK(job.at("submitTime").is_string());
    CHECK_FALSE(job.contains("endTime"));
    clock_now += 5s;
    job = expect_ok(get(arn));
    CHECK(job.at("status") == "Completed");
    CHECK(job.at("endTime").is_string());
    CHECK(job.at("lastModifiedTime") == job.at("endTime"));
    expect_error(get("arn:aws:bedrock:us-east-1:123456789012:async-invoke/nope"), 400, "ValidationException");

    // Four more jobs, a second apart.
    std::vector<std::string> arns{arn};
    for (int i = 0; i < 4; ++i) {
        clock_now += 1s;
        arns.emplace_back(expect_ok(start("")).at("invocationArn").as_string());
    }
    CHECK(arns[1] != arns[2]);

    auto page = expect_ok(list(""));
    CHECK(page.at("asyncInvokeSummaries").as_array().size() == 5);
    CHECK_FALSE(page.contains("nextToken"));
    CHECK(page.at("asyncInvokeSummaries").at(0).at("invocationArn").as_string() == arns.back()); // newest first

    // Pages of two, ascending.
    std::vector<std::string> seen;
    std::string token;
    int pages = 0;
    do {
        std::string q = "?maxResults=2&sortOrder=Ascending&sortBy=SubmissionTime";
        if (!token.empty())
            q += "&nextToken=" + auth::uri_encode(token, true);
        page = expect_ok(list(q));
        for (const auto& s : page.at("asyncInvokeSummaries").as_array())
            seen.emplace_back(s.at("invocationArn").as_string());
        token = page.contains("nextToken") ? std::string(page.at("nextToken").as_string()) : std::string();
        ++pages;
    } while (!token.empty() && pages < 10);
    CHECK(pages == 3);
    CHECK(seen == arns);

    page = expect_ok(list("?statusEquals=Completed"));
    REQUIRE(page.at("asyncInvokeSummaries").as_array().size() == 1);
    CHECK(page.at("asyncInvokeSummaries").at(0).at("invocationArn").as_string() == arn);
    page = expect_ok(list("?statusEquals=InProgress"));
    CHECK(page.at("asyncInvokeSummaries").as_array().size() == 4);

    // submitTimeAfter / Before are exclusive bounds.
    const auto iso = [](std::chrono::system_clock::time_point t) {
        char buf[32];
        const auto secs = std::chrono::floor<std::chrono::seconds>(t);
        const auto day = std::chrono::floor<std::chrono::days>(secs);
        const std::chrono::year_month_day ymd{day};
        const std::chrono::hh_mm_ss hms{secs - day};
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                      static_cast<int>(hms.seconds().count()));
        return std::string(buf);
    };
    const auto t2 = clock_now - 2s; // the third of the four later jobs
    page = expect_ok(list("?submitTimeAfter=" + auth::uri_encode(iso(t2), true)));
    CHECK(page.at("asyncInvokeSummaries").as_array().size() == 2);
    page = expect_ok(list("?submitTimeBefore=" + auth::uri_encode(iso(t2), true)));
    CHECK(page.at("asyncInvokeSummaries").as_array().size() == 2);

    expect_error(list("?nextToken=garbage"), 400, "ValidationException");
    expect_error(list("?maxResults=0"), 400, "ValidationException");
    expect_error(list("?maxResults=abc"), 400, "ValidationException");
    CHECK(core.operation_attempts("ListAsyncInvokes") == 11);
}

TEST_CASE("emulator core: every request the JS SDK sent is understood", "[testing][emulator][sdk]")
{
    const auto doc =
        boost::json::parse(test::read_text(test::vector_path("sdk-behaviour/sdk_harness_results.json"))).as_object();
    const auto& c = doc.at("credentials").as_object();
    testing::emulator_options opts;
    opts.credentials = {{std::string(c.at("accessKeyId").as_string()), std::string(c.at("secretAccessKey").as_string()),
                         std::nullopt, std::nullopt}};
    const auto pinned = std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + std::chrono::hours(12) +
                        std::chrono::minutes(30) + std::chrono::seconds(45);
    opts.clock = [pinned] { return std::chrono::system_clock::time_point(pinned); };
    emulator_core core(opts);
    for (const auto& [name, result] : doc.at("results").as_object()) {
        INFO("operation: " << std::string(name));
        const auto& rq = result.as_object().at("request").as_object();
        testing::request req;
        req.method_string(std::string(rq.at("method").as_string()));
        req.target(std::string(rq.at("path").as_string()));
        for (const auto& [hn, hv] : rq.at("headers").as_object())
            if (hn != ":authority")
                req.set(std::string(hn), std::string(hv.as_string()));
        req.set("Host", std::string(rq.at("headers").at(":authority").as_string())); // HTTP/1.1 carries it here
        if (const auto* body = rq.if_contains("body"); body && body->is_string())
            req.body() = std::string(body->as_string());
        const auto r = core.handle(req);
        INFO(r.res.body());
        if (req.target().find("bidirectional") != std::string_view::npos)
            CHECK(r.res.result_int() == 400);
        else
            CHECK(r.res.result_int() == 200);
        CHECK(header(r, "Date") == "Wed, 15 Jan 2025 12:30:45 GMT"); // the server's (pinned) clock
    }
}

} // namespace emulator_core_test

// The emulator over real TLS on loopback: raw Beast requests signed with the library's signer,
// every route, authentication, each scenario, async jobs, and the executor mode. Every wait is
// bounded by the wire client's timeouts.

#include "testing/emulator_test_support.hpp"
#include "testing/emulator_wire_client.hpp"

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <thread>

namespace emulator_test {

using namespace bedrock;
using namespace std::chrono_literals;

namespace {

const std::string hello = R"({"messages":[{"role":"user","content":[{"text":"Say hello"}]}]})";
const std::string bedrock_ns = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
const std::string coral_ns = ":http://internal.amazon.com/coral/com.amazon.coral.service/";

std::string header(const testing::response& r, std::string_view name)
{
    const auto it = r.find(name);
    return it == r.end() ? std::string() : std::string(it->value());
}

testing::request converse_to(const std::string& model_id, const std::string& body = hello)
{
    return test::post_json("/model/" + auth::uri_encode(model_id, true) + "/converse", body);
}

/// One emulator per test (own thread), and a client that trusts it.
struct fixture {
    testing::emulator emu;
    std::unique_ptr<test::wire_client> owned;
    test::wire_client& client;

    explicit fixture(testing::emulator_options o = {}) : emu(std::move(o)), owned(connect(emu)), client(*owned) {}

    static std::unique_ptr<test::wire_client> connect(testing::emulator& e)
    {
        e.start(); // before asking for the port
        return std::make_unique<test::wire_client>(e.ca_pem(), e.port());
    }
};

} // namespace

TEST_CASE("emulator: configuration for a client", "[integration][emulator]")
{
    fixture f;
    const auto cfg = f.emu.client_config();
    CHECK(cfg.region == "us-east-1");
    CHECK(cfg.endpoint_url == "https://127.0.0.1:" + std::to_string(f.emu.port()));
    CHECK(cfg.endpoint_url == f.emu.endpoint_url());
    CHECK(cfg.ca_pem == f.emu.ca_pem());
    CHECK(cfg.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    REQUIRE(cfg.credentials);
    CHECK(cfg.credentials->access_key_id == "AKIDEMULATOR");
    CHECK(cfg.credentials->secret_access_key == "emulator-secret");

    // The certificate names localhost too.
    test::wire_client by_name(f.emu.ca_pem(), f.emu.port(), "localhost");
    CHECK(by_name.connect());
}

TEST_CASE("emulator: every route answers over TLS on one keep-alive connection", "[integration][emulator]")
{
    fixture f;
    auto& c = f.client;

    auto r = c.exchange(test::post_json("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", hello));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 200);
    CHECK(header(r.res, "Content-Type") == "application/json");
    CHECK(header(r.res, "x-amzn-RequestId").size() == 36);
    CHECK(test::json_body(r.res.body()).at("output").at("message").at("content").at(0).at("text") ==
          "echo: Say hello");

    r = c.exchange(test::post_json("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", hello));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 200);
    CHECK(header(r.res, "Content-Type") == "application/vnd.amazon.eventstream");
    auto frames = test::decode_frames(r.res.body());
    REQUIRE(frames.size() == 7);
    CHECK(frames.front().type == "messageStart");
    CHECK(frames.back().type == "metadata");

    const std::string anthropic =
        R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]})";
    r = c.exchange(test::post_json("/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke", anthropic,
                                   {{"X-Amzn-Bedrock-Service-Tier", "priority"}}));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 200);
    CHECK(test::json_body(r.res.body()).at("content").at(0).at("text") == "echo: Say hello");
    CHECK(header(r.res, "X-Amzn-Bedrock-Input-Token-Count") == "2");
    CHECK(header(r.res, "X-Amzn-Bedrock-Output-Token-Count") == "3");
    CHECK(header(r.res, "X-Amzn-Bedrock-Service-Tier") == "priority");

    r = c.exchange(test::post_json("/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream",
                                   anthropic));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 200);
    frames = test::decode_frames(r.res.body());
    CHECK(frames.size() == 8); // message_start, block start, 3 deltas, block stop, message_delta, message_stop
    for (const auto& fr : frames)
        CHECK(fr.type == "chunk");

    r = c.exchange(test::post_json("/model/m/count-tokens",
                                   R"({"input":{"converse":{"messages":[{"role":"user","content":[{"text":"a b"}]}]}}})"));
    CHECK(r.res.result_int() == 200);
    CHECK(test::json_body(r.res.body()).at("inputTokens") == 2);

    r = c.exchange(test::post_json("/guardrail/block/version/DRAFT/apply",
                                   R"({"source":"OUTPUT","content":[{"text":{"text":"x"}}]})"));
    CHECK(r.res.result_int() == 200);
    CHECK(test::json_body(r.res.body()).at("action") == "GUARDRAIL_INTERVENED");

    r = c.exchange(test::post_json("/async-invoke",
                                   R"({"modelId":"amazon.nova-reel-v1:0","modelInput":{},"outputDataConfig":)"
                                   R"({"s3OutputDataConfig":{"s3Uri":"s3://b/o"}}})"));
    REQUIRE(r.res.result_int() == 200);
    const std::string arn(test::json_body(r.res.body()).at("invocationArn").as_string());
    r = c.exchange(test::signed_request("GET", "/async-invoke/" + auth::uri_encode(arn, true)));
    CHECK(r.res.result_int() == 200);
    CHECK(test::json_body(r.res.body()).at("status") == "InProgress");
    r = c.exchange(test::signed_request("GET", "/async-invoke?maxResults=10&statusEquals=InProgress"));
    CHECK(r.res.result_int() == 200);
    CHECK(test::json_body(r.res.body()).at("asyncInvokeSummaries").as_array().size() == 1);

    r = c.exchange(test::post_json("/model/amazon.nova-sonic-v1%3A0/invoke-with-bidirectional-stream", "{}"));
    CHECK(r.res.result_int() == 400);
    CHECK(header(r.res, "x-amzn-ErrorType") == "ValidationException" + bedrock_ns);

    r = c.exchange(test::post_json("/model/m/unknown-thing", hello));
    CHECK(r.res.result_int() == 404);
    CHECK(header(r.res, "x-amzn-ErrorType") == "UnknownOperationException" + coral_ns);

    CHECK(c.connected());
    CHECK(f.emu.operation_attempts("Converse") == 1);
    CHECK(f.emu.operation_attempts("InvokeModel") == 1);
    CHECK(f.emu.model_attempts("anthropic.claude-3-haiku-20240307-v1:0") == 4);
    CHECK(f.emu.requests().size() == 11);
}

TEST_CASE("emulator: signatures and bearer tokens over the wire", "[integration][emulator][auth]")
{
    fixture f;
    auto req = converse_to("m");
    req.body()[3] = 'X'; // after signing
    auto r = f.client.exchange(req);
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 403);
    CHECK(header(r.res, "x-amzn-ErrorType") == "InvalidSignatureException" + coral_ns);
    CHECK(header(r.res, "x-amzn-RequestId").size() == 36);
    CHECK_THAT(std::string(test::json_body(r.res.body()).at("message").as_string()),
               Catch::StartsWith("The request signature we calculated does not match the signature you provided."));

    testing::request bearer;
    bearer.method(boost::beast::http::verb::post);
    bearer.target("/model/m/converse");
    bearer.set("Host", "127.0.0.1");
    bearer.set("Content-Type", "application/json");
    bearer.set("Authorization", "Bearer emulator-api-key");
    bearer.body() = hello;
    bearer.prepare_payload();
    r = f.client.exchange(bearer);
    CHECK(r.res.result_int() == 200);

    bearer.erase("Authorization");
    r = f.client.exchange(bearer);
    CHECK(r.res.result_int() == 403);
    CHECK(header(r.res, "x-amzn-ErrorType") == "MissingAuthenticationTokenException" + coral_ns);

    // The signed Host carries the port, as a client sends it.
    r = f.client.exchange(test::signed_request("POST", "/model/m/converse", hello, {}, test::emulator_credentials,
                                               std::chrono::system_clock::now(),
                                               "127.0.0.1:" + std::to_string(f.emu.port())));
    CHECK(r.res.result_int() == 200);
}

TEST_CASE("emulator: error scenarios answer as the service does", "[integration][emulator][scenario]")
{
    fixture f;
    auto& c = f.client;
    auto r = c.exchange(converse_to("throttle-once:wire"));
    CHECK(r.res.result_int() == 429);
    CHECK(header(r.res, "x-amzn-ErrorType") == "ThrottlingException" + bedrock_ns);
    CHECK(c.exchange(converse_to("throttle-once:wire")).res.result_int() == 200);

    r = c.exchange(converse_to("unavailable-once:wire"));
    CHECK(r.res.result_int() == 503);
    CHECK(header(r.res, "x-amzn-ErrorType") == "ServiceUnavailableException" + bedrock_ns);
    CHECK(c.exchange(converse_to("unavailable-once:wire")).res.result_int() == 200);

    CHECK(c.exchange(converse_to("fail-times-2:wire")).res.result_int() == 500);
    CHECK(c.exchange(converse_to("fail-times-2:wire")).res.result_int() == 500);
    CHECK(c.exchange(converse_to("fail-times-2:wire")).res.result_int() == 200);
    CHECK(c.exchange(converse_to("always-500")).res.result_int() == 500);

    r = c.exchange(test::post_json("/model/error%3AModelErrorException/invoke", "{}"));
    CHECK(r.res.result_int() == 424);
    CHECK(header(r.res, "x-amzn-ErrorType") == "ModelErrorException" + bedrock_ns);
    const auto body = test::json_body(r.res.body());
    CHECK(body.at("message").is_string());
    CHECK(body.at("originalStatusCode") == 500);
    CHECK(body.at("resourceName") == "error:ModelErrorException");

    r = c.exchange(converse_to("bad-json"));
    CHECK(r.res.result_int() == 200);
    CHECK_THROWS(boost::json::parse(r.res.body()));
    CHECK(c.connected()); // errors keep the connection
    CHECK(f.emu.model_attempts("fail-times-2:wire") == 3);
}

TEST_CASE("emulator: transport scenarios over the wire", "[integration][emulator][scenario]")
{
    fixture f;
    auto& c = f.client;

    auto r = c.exchange(converse_to("slow-150:wire"));
    CHECK(r.res.result_int() == 200);
    CHECK(r.elapsed >= 150ms);

    r = c.exchange(converse_to("stall"), 300ms);
    CHECK(r.ec == boost::beast::error::timeout);
    CHECK_FALSE(r.head_received);
    CHECK(r.elapsed >= 300ms);

    r = c.exchange(converse_to("stall-body:wire"), 300ms);
    CHECK(r.ec == boost::beast::error::timeout);
    CHECK(r.head_received);
    CHECK(r.res.result_int() == 200);

    r = c.exchange(test::post_json("/model/stall-body/converse-stream", hello), 300ms);
    CHECK(r.ec == boost::beast::error::timeout);
    CHECK(r.head_received);

    r = c.exchange(converse_to("reset"));
    CHECK(r.ec);
    CHECK_FALSE(r.head_received);

    r = c.exchange(converse_to("reset-body:wire"));
    CHECK(r.ec);
    CHECK(r.head_received);
    CHECK(r.res.result_int() == 200);

    // Streams cut into tiny socket writes, and streams with pauses between events.
    r = c.exchange(test::post_json("/model/split-7%3Awire/converse-stream", hello));
    REQUIRE_FALSE(r.ec);
    CHECK(test::decode_frames(r.res.body()).size() == 7);
    r = c.exchange(test::post_json("/model/slow-events-30%3Awire/converse-stream", hello));
    REQUIRE_FALSE(r.ec);
    CHECK(test::decode_frames(r.res.body()).size() == 7);
    CHECK(r.elapsed >= 180ms);

    // The emulator still serves new connections afterwards.
    CHECK(c.exchange(converse_to("m")).res.result_int() == 200);
    const auto log = f.emu.requests();
    CHECK(std::count_if(log.begin(), log.end(), [](const auto& x) { return x.status == 0; }) == 2);
}

TEST_CASE("emulator: async invocations are idempotent and paged", "[integration][emulator][async]")
{
    fixture f;
    auto& c = f.client;
    const auto start = [&](std::string token, std::string prompt) {
        return c.exchange(test::post_json(
            "/async-invoke", R"({"clientRequestToken":")" + token + R"(","modelId":"amazon.nova-reel-v1:0",)"
                             R"("modelInput":{"text":")" + prompt +
                                 R"("},"outputDataConfig":{"s3OutputDataConfig":{"s3Uri":"s3://b/o"}}})"));
    };
    auto r = start("t-1", "a");
    REQUIRE(r.res.result_int() == 200);
    const auto arn = test::json_body(r.res.body()).at("invocationArn");
    r = start("t-1", "a");
    CHECK(test::json_body(r.res.body()).at("invocationArn") == arn);
    r = start("t-1", "b");
    CHECK(r.res.result_int() == 400);
    CHECK(header(r.res, "x-amzn-ErrorType") == "ConflictException" + bedrock_ns);
    for (int i = 2; i <= 5; ++i)
        REQUIRE(start("t-" + std::to_string(i), "a").res.result_int() == 200);

    std::size_t total = 0, pages = 0;
    std::string token;
    do {
        std::string target = "/async-invoke?maxResults=2";
        if (!token.empty())
            target += "&nextToken=" + auth::uri_encode(token, true);
        r = c.exchange(test::signed_request("GET", target));
        REQUIRE(r.res.result_int() == 200);
        const auto page = test::json_body(r.res.body());
        total += page.at("asyncInvokeSummaries").as_array().size();
        token = page.contains("nextToken") ? std::string(page.at("nextToken").as_string()) : std::string();
    } while (!token.empty() && ++pages < 10);
    CHECK(total == 5);
    CHECK(pages == 2);
}

TEST_CASE("emulator: runs on the caller's executor, restarts, and binds a given port",
          "[integration][emulator]")
{
    boost::asio::io_context ioc;
    testing::emulator emu(ioc.get_executor());
    emu.start();
    const auto port = emu.port();
    REQUIRE(port != 0);
    std::thread runner([&] { ioc.run_for(5s); });
    {
        test::wire_client c(emu.ca_pem(), port);
        CHECK(c.exchange(converse_to("m")).res.result_int() == 200);
    }
    emu.stop();
    runner.join();
    CHECK(emu.endpoint_url().empty());

    // Another emulator on that (now free) port, with its own thread.
    testing::emulator_options o;
    o.port = port;
    testing::emulator fixed(o);
    fixed.start();
    CHECK(fixed.port() == port);
    test::wire_client c(fixed.ca_pem(), port);
    CHECK(c.exchange(converse_to("m")).res.result_int() == 200);
    fixed.stop();
    fixed.start(); // the same CA after a restart
    test::wire_client again(fixed.ca_pem(), fixed.port());
    CHECK(again.exchange(converse_to("m")).res.result_int() == 200);
}

} // namespace emulator_test

// The attempt machine without sockets, timers or a credentials round trip: each test plays the
// driver's part step by step and checks what the machine asks for next, what it signs, what it
// tells the caller and what it takes from and gives back to the client's shared state.

#include <bedrock/detail/client_state.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/engine/attempt.hpp>
#include <bedrock/error.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

namespace attempt_machine_test {

using bedrock::client_errc;
using bedrock::service_errc;
using bedrock::engine::action;
using bedrock::engine::attempt_machine;
using bedrock::engine::call_state;

namespace {

bedrock::config test_config()
{
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "https://bedrock.test:8443/base";
    cfg.credentials = bedrock::auth::credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt};
    cfg.max_attempts = 3;
    return cfg;
}

// A built request, as protocol::build_request leaves it.
void build(call_state& call)
{
    call.base.method = "POST";
    call.base.path = "/base/model/m%3A1/converse";
    call.base.query = {{"a b", "c/d"}};
    call.base.headers = {{"Content-Type", "application/json"}, {"Content-Length", "2"}};
    call.base.body = "{}";
}

// A client without keys of its own: each attempt asks its credentials provider (IMDS off), so a
// test hands the machine the credentials it wants through credentials_ready().
std::shared_ptr<bedrock::detail::client_state> client_asking_for_credentials(boost::asio::io_context& io)
{
    auto cfg = test_config();
    cfg.credentials.reset();
    cfg.env = bedrock::map_environment({{"AWS_EC2_METADATA_DISABLED", "true"}});
    return std::make_shared<bedrock::detail::client_state>(io.get_executor(), cfg);
}

bedrock::transport::response_head head(unsigned status, std::string_view error_type = {})
{
    bedrock::transport::response_head h;
    h.result(status);
    h.set("x-amzn-RequestId", "req-" + std::to_string(status));
    if (!error_type.empty())
        h.set("x-amzn-ErrorType", error_type);
    return h;
}

} // namespace

TEST_CASE("attempt machine: static credentials sign at once, the request carries the attempt headers")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    REQUIRE_FALSE(client->config_error);
    call_state call("Converse");
    build(call);
    attempt_machine m(*client, call);

    const auto a = m.start();
    REQUIRE(a.kind == action::transmit); // no rate limit (standard mode), no credentials round trip
    CHECK(call.attempt == 1);
    CHECK(call.invocation_id().size() == 36);
    const auto& r = call.request;
    CHECK(r.method == "POST");
    CHECK(r.target() == "/base/model/m%3A1/converse?a%20b=c%2Fd");
    CHECK(r.body == "{}");
    CHECK(*r.find("amz-sdk-request") == "attempt=1; max=3");
    CHECK(*r.find("amz-sdk-invocation-id") == call.invocation_id());
    CHECK(r.find("host") == nullptr); // the transport's to write; signed nonetheless
    REQUIRE(r.find("authorization"));
    CHECK(r.find("authorization")->starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    CHECK(call.signature.signed_headers ==
          "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date");
    CHECK(call.signature.canonical_request.find("\nhost:bedrock.test:8443\n") != std::string::npos);
    CHECK(call.signature.canonical_request.starts_with("POST\n/base/model/m%253A1/converse\na%20b=c%2Fd\n"));
    CHECK(r.find("authorization")->ends_with("Signature=" + call.signature.signature));

    // A 2xx answer: the diagnostics say so; the success refunds the quota's first-try token.
    m.answered(head(200));
    CHECK(call.diag->http_status == 200);
    CHECK(call.diag->request_id == "req-200");
    CHECK(call.diag->attempts == 1);
    const int before = client->retry.available_tokens();
    m.succeeded();
    CHECK(client->retry.available_tokens() == std::min(500, before + 1));
}

TEST_CASE("attempt machine: a retryable failure backs off, the next attempt is signed again under the same id")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    call_state call("Converse");
    build(call);
    attempt_machine m(*client, call);
    REQUIRE(m.start().kind == action::transmit);
    const std::string id(call.invocation_id());
    const std::string first_signature = call.signature.signature;

    auto a = m.error_answer(head(503, "ServiceUnavailableException"), R"({"message":"busy"})");
    REQUIRE(a.kind == action::backoff);
    CHECK(a.delay <= std::chrono::milliseconds(100)); // full jitter under the first ceiling
    CHECK(call.diag->service_message == "busy");
    CHECK(call.diag->http_status == 503);
    CHECK(call.retry.last_cost == bedrock::retry_strategy::retry_cost);
    CHECK(client->retry.available_tokens() == 500 - 5);

    a = m.backed_off();
    REQUIRE(a.kind == action::transmit);
    CHECK(call.attempt == 2);
    CHECK(call.invocation_id() == id);
    CHECK(*call.request.find("amz-sdk-request") == "attempt=2; max=3");
    CHECK(call.signature.signature != first_signature); // the attempt header is signed

    a = m.transport_failed(bedrock::http::error::first_byte_timeout);
    REQUIRE(a.kind == action::backoff);
    CHECK(call.retry.last_cost == bedrock::retry_strategy::timeout_retry_cost);
    CHECK(client->retry.available_tokens() == 500 - 5 - 10);
    CHECK(call.diag->attempts == 2);
    CHECK(call.diag->http_status == 0); // no answer this time: the 503's words are gone

    REQUIRE(m.backed_off().kind == action::transmit);
    m.answered(head(200));
    m.succeeded(); // refunds what this call's last retry took
    CHECK(client->retry.available_tokens() == 500 - 5);
}

TEST_CASE("attempt machine: final errors, the last attempt, cancellation")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    {
        call_state call("Converse");
        build(call);
        attempt_machine m(*client, call);
        REQUIRE(m.start().kind == action::transmit);
        const auto a = m.error_answer(head(400, "ValidationException"), R"({"message":"bad"})");
        CHECK(a.kind == action::done);
        CHECK(a.ec == service_errc::validation);
        CHECK(call.diag->service_message == "bad");
        CHECK(call.diag->attempts == 1);
    }
    {
        call_state call("Converse");
        build(call);
        attempt_machine m(*client, call);
        REQUIRE(m.start().kind == action::transmit);
        for (int i = 1; i < 3; ++i) {
            REQUIRE(m.transport_failed(boost::asio::error::connection_reset).kind == action::backoff);
            REQUIRE(m.backed_off().kind == action::transmit);
        }
        const auto a = m.transport_failed(boost::asio::error::connection_reset);
        CHECK(a.kind == action::done);
        CHECK(a.ec == boost::asio::error::connection_reset);
        CHECK(call.attempt == 3);
        CHECK(call.diag->attempts == 3);
    }
    {
        call_state call("Converse");
        build(call);
        attempt_machine m(*client, call);
        REQUIRE(m.start().kind == action::transmit);
        auto a = m.cancelled();
        CHECK(a.kind == action::done);
        CHECK(a.ec == boost::asio::error::operation_aborted);
        // A transport that gave up (operation_aborted) is a cancellation too: never retried.
        call_state again("Converse");
        build(again);
        attempt_machine m2(*client, again);
        REQUIRE(m2.start().kind == action::transmit);
        a = m2.transport_failed(boost::asio::error::operation_aborted);
        CHECK(a.kind == action::done);
        CHECK(a.ec == boost::asio::error::operation_aborted);
    }
}

TEST_CASE("attempt machine: a stream's failure before its first event is retried like a failed attempt")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    call_state call("ConverseStream");
    build(call);
    attempt_machine m(*client, call);
    REQUIRE(m.start().kind == action::transmit);
    m.answered(head(200));
    auto a = m.failed_after_answer(service_errc::throttling); // an exception frame first
    REQUIRE(a.kind == action::backoff);
    CHECK(a.delay <= std::chrono::milliseconds(500));
    REQUIRE(m.backed_off().kind == action::transmit);
    a = m.failed_after_answer(service_errc::validation);
    CHECK(a.kind == action::done);
    CHECK(a.ec == service_errc::validation);
}

TEST_CASE("attempt machine: a configuration error, a bearer token, the credentials step")
{
    boost::asio::io_context io;
    {
        auto cfg = test_config();
        cfg.endpoint_url = "ftp://nowhere";
        auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), cfg);
        REQUIRE(client->config_error);
        call_state call("Converse");
        const auto a = attempt_machine(*client, call).start();
        CHECK(a.kind == action::done);
        CHECK(a.ec == client->config_error);
        CHECK(call.attempt == 0);
    }
    {
        auto cfg = test_config();
        cfg.credentials.reset();
        cfg.bearer_token = "bedrock-api-key-xyz";
        auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), cfg);
        call_state call("Converse");
        build(call);
        REQUIRE(attempt_machine(*client, call).start().kind == action::transmit);
        CHECK(*call.request.find("Authorization") == "Bearer bedrock-api-key-xyz");
        CHECK(call.request.find("x-amz-date") == nullptr);
    }
    {
        auto client = client_asking_for_credentials(io);
        call_state call("Converse");
        build(call);
        attempt_machine m(*client, call);
        REQUIRE(m.start().kind == action::credentials);
        const auto a = m.credentials_ready(client_errc::no_credentials, {});
        CHECK(a.kind == action::done);
        CHECK(a.ec == client_errc::no_credentials);
        CHECK_FALSE(call.diag->client_message.empty());
        CHECK(call.diag->attempts == 1);

        call_state ok("Converse");
        build(ok);
        attempt_machine m2(*client, ok);
        REQUIRE(m2.start().kind == action::credentials);
        const auto b = m2.credentials_ready({}, bedrock::auth::credentials{"AKIDTEMP", "secret", "session-token", std::nullopt});
        REQUIRE(b.kind == action::transmit);
        CHECK(*ok.request.find("x-amz-security-token") == "session-token");
        CHECK(ok.signature.signed_headers.find("x-amz-security-token") != std::string::npos);
    }
}

TEST_CASE("attempt machine: each attempt sends the built request and its own headers, none of the last one's")
{
    // Without interceptors the attempts rebuild one request in place (no copy per call): what an
    // attempt added (its amz-sdk headers, its signature, a session token) must not reach the next.
    boost::asio::io_context io;
    auto client = client_asking_for_credentials(io);
    call_state call("Converse");
    build(call);
    attempt_machine m(*client, call);
    REQUIRE(m.start().kind == action::credentials);
    REQUIRE(m.credentials_ready({}, bedrock::auth::credentials{"AKIDTEMP", "secret", "session-token", std::nullopt})
                .kind == action::transmit);
    CHECK(*call.request.find("x-amz-security-token") == "session-token");
    const auto first_headers = call.request.headers.size();

    REQUIRE(m.error_answer(head(503, "ServiceUnavailableException"), "{}").kind == action::backoff);
    REQUIRE(m.backed_off().kind == action::credentials);
    // Refreshed credentials without a session token: the last attempt's token is not sent again.
    REQUIRE(m.credentials_ready({}, bedrock::auth::credentials{"AKIDLONG", "secret2", "", std::nullopt}).kind ==
            action::transmit);
    const auto& r = call.request;
    CHECK(r.find("x-amz-security-token") == nullptr);
    CHECK(r.headers.size() == first_headers - 1);
    CHECK(*r.find("amz-sdk-request") == "attempt=2; max=3");
    CHECK(r.find("authorization")->starts_with("AWS4-HMAC-SHA256 Credential=AKIDLONG/"));
    CHECK(r.body == "{}");
    CHECK(r.target() == "/base/model/m%3A1/converse?a%20b=c%2Fd");
    for (const auto& h : r.headers) { // each header once
        int n = 0;
        for (const auto& other : r.headers)
            n += bedrock::detail::iequals(h.name, other.name) ? 1 : 0;
        CHECK(n == 1);
    }
    CHECK(call.signature.signed_headers ==
          "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date");
}

TEST_CASE("attempt machine: a finished call's signature is signed into again, with nothing of it left")
{
    boost::asio::io_context io;
    auto client = client_asking_for_credentials(io);

    call_state first("Converse");
    build(first);
    first.base.path = "/base/model/first/converse";
    attempt_machine m1(*client, first);
    REQUIRE(m1.start().kind == action::credentials);
    REQUIRE(m1.credentials_ready({}, bedrock::auth::credentials{"AKIDTEMP", "secret", "session-token", std::nullopt})
                .kind == action::transmit);
    client->recycle(std::move(first.signature));
    REQUIRE(client->spare_signatures.size() == 1);
    client->recycle(bedrock::auth::signing_result{}); // never signed: not kept
    CHECK(client->spare_signatures.size() == 1);

    call_state second("Converse");
    build(second);
    second.base.path = "/base/model/second/converse";
    attempt_machine m2(*client, second);
    REQUIRE(m2.start().kind == action::credentials);
    REQUIRE(m2.credentials_ready({}, bedrock::auth::credentials{"AKIDLONG", "secret2", "", std::nullopt}).kind ==
            action::transmit);
    CHECK(client->spare_signatures.empty()); // taken
    const auto& sig = second.signature;
    CHECK(sig.security_token.empty());
    CHECK(sig.signed_headers ==
          "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date");
    CHECK(sig.canonical_request.starts_with("POST\n/base/model/second/converse\n"));
    CHECK(sig.canonical_request.find("session-token") == std::string::npos);
    CHECK(sig.canonical_request.ends_with(sig.payload_hash));
    CHECK(sig.string_to_sign.find("/us-east-1/bedrock/aws4_request\n") != std::string::npos);
    CHECK(sig.authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDLONG/"));
    CHECK(sig.authorization.ends_with("Signature=" + sig.signature));
    CHECK(sig.signature.size() == 64);
    CHECK(*second.request.find("authorization") == sig.authorization);
}

TEST_CASE("attempt machine: a clock-skew answer corrects the clock and is retried at once, once")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    call_state call("Converse");
    build(call);
    attempt_machine m(*client, call);
    REQUIRE(m.start().kind == action::transmit);
    auto skewed = head(403, "InvalidSignatureException");
    // An hour ahead of the local clock.
    const auto later = std::chrono::system_clock::now() + std::chrono::hours(1);
    const std::time_t t = std::chrono::system_clock::to_time_t(later);
    char date[64];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    skewed.set("Date", date);
    const std::string_view body = R"({"message":"Signature expired: 20250101T000000Z is now earlier than 20250101T010000Z"})";
    auto a = m.error_answer(skewed, body);
    REQUIRE(a.kind == action::backoff);
    CHECK(a.delay == std::chrono::milliseconds(0));
    CHECK(call.diag->clock_correction_ms > 3'500'000);
    CHECK(client->clock_offset_ms.load() > 3'500'000);
    REQUIRE(m.backed_off().kind == action::transmit);
    // The same answer again: not a second immediate retry (the error itself is not retryable).
    a = m.error_answer(skewed, body);
    CHECK(a.kind == action::done);
}

TEST_CASE("attempt machine: two calls of one client keep their own retry cost")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config());
    call_state a("Converse"), b("Converse");
    build(a);
    build(b);
    attempt_machine ma(*client, a), mb(*client, b);
    REQUIRE(ma.start().kind == action::transmit);
    REQUIRE(mb.start().kind == action::transmit);
    REQUIRE(ma.transport_failed(bedrock::http::error::connect_timeout).kind == action::backoff);     // costs 10
    REQUIRE(mb.transport_failed(boost::asio::error::connection_reset).kind == action::backoff); // costs 5
    CHECK(client->retry.available_tokens() == 500 - 15);
    REQUIRE(ma.backed_off().kind == action::transmit);
    ma.answered(head(200));
    ma.succeeded(); // gives back its own 10, not b's 5
    CHECK(client->retry.available_tokens() == 500 - 5);
}

} // namespace attempt_machine_test

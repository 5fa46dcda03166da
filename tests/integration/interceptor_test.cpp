// Interceptors (bedrock/interceptor.hpp): every hook in order, per attempt on retries, on a unary
// call and on the openings of a response stream and of a bidirectional stream (scripted transport);
// what a hook sees and may change; a hook's error ends the call and the later hooks still see it;
// and against the emulator, which verifies SigV4: a header added before signing is signed, one
// added before transmit is sent unsigned and breaks nothing.

#include <bedrock/client.hpp>
#include <bedrock/interceptor.hpp>
#include <bedrock/testing/emulator.hpp>

#include "coroutine_support.hpp"
#include "emulator_support.hpp"
#include "scripted_transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace interceptor_test {

namespace asio = boost::asio;
using boost::system::error_code;
using bedrock::test::event_frame;
using bedrock::test::scripted_answer;
using bedrock::test::scripted_transport;

namespace {

// Records every hook as "name@attempt", and what the hooks could see; fails at one hook if asked.
struct recorder : bedrock::interceptor {
    std::vector<std::string> calls;
    std::vector<unsigned> statuses;          ///< read_after_transmit: the raw status
    std::vector<std::string> request_ids;    ///< read_after_transmit: the raw x-amzn-RequestId
    std::vector<std::string> bodies;         ///< read_after_transmit
    std::vector<error_code> attempt_errors;  ///< read_after_attempt
    error_code completion_error, execution_error;
    bool typed_input = false;   ///< modify_before_serialization found a converse request
    bool signed_after = false;  ///< read_after_signing saw Authorization, read_before_signing did not
    bool typed_output = false;  ///< read_after_deserialization found a converse response
    std::string fail_at;        ///< "read_before_transmit@1": fail there
    error_code failure = make_error_code(boost::system::errc::permission_denied);

    error_code note(std::string name, const context& c)
    {
        name += "@" + std::to_string(c.attempt);
        calls.push_back(name);
        return name == fail_at ? failure : error_code{};
    }

    error_code read_before_execution(const context& c) override { return note("read_before_execution", c); }
    error_code modify_before_serialization(const context& c, bedrock::erased_ref in) override
    {
        typed_input = in.get<bedrock::converse_request>() != nullptr || in.get<bedrock::converse_stream_request>() ||
                      in.get<bedrock::invoke_model_with_bidirectional_stream_request>();
        return note("modify_before_serialization", c);
    }
    error_code read_before_serialization(const context& c) override { return note("read_before_serialization", c); }
    error_code read_after_serialization(const context& c) override { return note("read_after_serialization", c); }
    error_code modify_before_retry_loop(const context& c, bedrock::transport::request&) override
    {
        return note("modify_before_retry_loop", c);
    }
    error_code read_before_attempt(const context& c) override { return note("read_before_attempt", c); }
    error_code modify_before_signing(const context& c, bedrock::transport::request&) override
    {
        return note("modify_before_signing", c);
    }
    error_code read_before_signing(const context& c) override
    {
        signed_after = c.request && !c.request->find("Authorization");
        return note("read_before_signing", c);
    }
    error_code read_after_signing(const context& c) override
    {
        signed_after = signed_after && c.request->find("Authorization");
        return note("read_after_signing", c);
    }
    error_code modify_before_transmit(const context& c, bedrock::transport::request&) override
    {
        return note("modify_before_transmit", c);
    }
    error_code read_before_transmit(const context& c) override { return note("read_before_transmit", c); }
    error_code read_after_transmit(const context& c) override
    {
        statuses.push_back(c.response->result_int());
        auto id = c.response->find("x-amzn-RequestId");
        request_ids.push_back(id == c.response->end() ? "" : std::string(id->value()));
        bodies.emplace_back(c.response_body);
        return note("read_after_transmit", c);
    }
    error_code read_before_deserialization(const context& c) override
    {
        return note("read_before_deserialization", c);
    }
    error_code read_after_deserialization(const context& c) override
    {
        typed_output = c.output.get<bedrock::converse_response>() != nullptr;
        return note("read_after_deserialization", c);
    }
    error_code read_after_attempt(const context& c) override
    {
        attempt_errors.push_back(c.error);
        return note("read_after_attempt", c);
    }
    error_code modify_before_completion(const context& c, bedrock::erased_ref) override
    {
        completion_error = c.error;
        return note("modify_before_completion", c);
    }
    error_code read_after_execution(const context& c) override
    {
        execution_error = c.error;
        return note("read_after_execution", c);
    }
};

std::vector<std::string> before_loop()
{
    return {"read_before_execution@0", "modify_before_serialization@0", "read_before_serialization@0",
            "read_after_serialization@0", "modify_before_retry_loop@0"};
}

void add_attempt(std::vector<std::string>& out, int n)
{
    for (const char* phase : {"read_before_attempt", "modify_before_signing", "read_before_signing",
                              "read_after_signing", "modify_before_transmit", "read_before_transmit",
                              "read_after_transmit", "read_before_deserialization", "read_after_deserialization",
                              "read_after_attempt"})
        out.push_back(std::string(phase) + "@" + std::to_string(n));
}

void add_completion(std::vector<std::string>& out, int last_attempt)
{
    out.push_back("modify_before_completion@" + std::to_string(last_attempt));
    out.push_back("read_after_execution@" + std::to_string(last_attempt));
}

bedrock::config scripted_config(std::vector<std::shared_ptr<bedrock::interceptor>> interceptors)
{
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "https://bedrock.test";
    cfg.credentials = bedrock::auth::credentials{"AKIDEXAMPLE", "secret", "", std::nullopt};
    cfg.max_attempts = 3;
    cfg.interceptors = std::move(interceptors);
    return cfg;
}

struct fixture {
    explicit fixture(std::vector<std::shared_ptr<bedrock::interceptor>> interceptors)
        : client(io.get_executor(), scripted_config(std::move(interceptors)), wire)
    {
    }
    asio::io_context io;
    std::shared_ptr<scripted_transport> wire = std::make_shared<scripted_transport>(io.get_executor());
    bedrock::client client;
};

const std::string converse_answer =
    R"({"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn",)"
    R"("usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3},"metrics":{"latencyMs":5}})";

template <class Request>
Request hello(std::string model = "m")
{
    Request r;
    r.model_id = std::move(model);
    r.messages = std::vector{bedrock::user_text("hello")};
    return r;
}

scripted_answer busy()
{
    return scripted_answer::json(503, R"({"message":"busy"})", "ServiceUnavailableException");
}

struct emulator_tag {};

} // namespace

TEST_CASE("interceptors: every hook in order, per attempt, on a unary call retried after a 503")
{
    auto rec = std::make_shared<recorder>();
    fixture f({rec});
    f.wire->script = {busy(), scripted_answer::json(200, converse_answer)};
    error_code result = asio::error::fault;
    f.client.converse(hello<bedrock::converse_request>(), [&](error_code ec, bedrock::converse_response) { result = ec; });
    f.io.run();
    CHECK_FALSE(result);

    auto expected = before_loop();
    add_attempt(expected, 1);
    add_attempt(expected, 2);
    add_completion(expected, 2);
    CHECK(rec->calls == expected);
    // After transmit: the raw status, headers and body of each answer.
    CHECK(rec->statuses == std::vector<unsigned>{503, 200});
    CHECK(rec->request_ids == std::vector<std::string>{"req-503", "req-200"});
    REQUIRE(rec->bodies.size() == 2);
    CHECK(rec->bodies[0] == R"({"message":"busy"})");
    CHECK(rec->bodies[1] == converse_answer);
    REQUIRE(rec->attempt_errors.size() == 2);
    CHECK(rec->attempt_errors[0] == bedrock::service_errc::service_unavailable);
    CHECK_FALSE(rec->attempt_errors[1]);
    CHECK(rec->typed_input);
    CHECK(rec->signed_after);
    CHECK(rec->typed_output);
    CHECK_FALSE(rec->completion_error);
    CHECK_FALSE(rec->execution_error);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("interceptors: every hook in order on a stream open, retried after a 503, then events")
{
    auto rec = std::make_shared<recorder>();
    fixture f({rec});
    f.wire->script = {busy(), scripted_answer::events({event_frame("messageStart", R"({"role":"assistant"})"),
                                                       event_frame("messageStop", R"({"stopReason":"end_turn"})")})};
    int events = 0;
    asio::co_spawn(f.io, [&]() -> asio::awaitable<void> {
        auto stream = co_await f.client.converse_stream(hello<bedrock::converse_stream_request>());
        while (auto ev = co_await stream.next())
            ++events;
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    f.io.run();
    CHECK(events == 2);

    auto expected = before_loop();
    add_attempt(expected, 1);
    add_attempt(expected, 2);
    add_completion(expected, 2); // at the open: the events read later are not intercepted
    CHECK(rec->calls == expected);
    CHECK(rec->statuses == std::vector<unsigned>{503, 200});
    REQUIRE(rec->bodies.size() == 2);
    CHECK(rec->bodies[1].empty()); // a stream's body is read by next(), not by the attempt
    CHECK_FALSE(rec->typed_output);
    CHECK(rec->typed_input);
    CHECK(f.wire->nothing_left_behind());
}

TEST_CASE("interceptors: every hook in order on the bidirectional stream's open")
{
    auto rec = std::make_shared<recorder>();
    fixture f({rec});
    auto open = scripted_answer::events({});
    open.hang_after_pieces = true; // the stream stays open
    f.wire->script = {open};
    bedrock::invoke_model_with_bidirectional_stream_request r;
    r.model_id = "amazon.nova-sonic-v1:0";
    std::optional<bedrock::bidirectional_stream> stream;
    f.client.invoke_model_with_bidirectional_stream(r, [&](error_code ec, bedrock::bidirectional_stream s) {
        REQUIRE_FALSE(ec);
        stream.emplace(std::move(s));
    });
    f.io.run();
    f.io.restart();
    REQUIRE(stream);
    auto expected = before_loop();
    add_attempt(expected, 1);
    add_completion(expected, 1);
    CHECK(rec->calls == expected);
    CHECK(rec->typed_input);
    CHECK(rec->signed_after);
    stream->close();
    f.io.run();
}

TEST_CASE("interceptors: a hook's error ends the call, untried, and the later hooks see it")
{
    auto first = std::make_shared<recorder>();
    auto second = std::make_shared<recorder>();
    first->fail_at = "read_before_transmit@1";
    fixture f({first, second});
    f.wire->script = {scripted_answer::json(200, converse_answer)};
    bedrock::diagnostics diag;
    error_code result;
    f.client.converse(hello<bedrock::converse_request>(), diag,
                      [&](error_code ec, bedrock::converse_response) { result = ec; });
    f.io.run();
    CHECK(result == boost::system::errc::permission_denied);
    CHECK(f.wire->sent.empty()); // never transmitted, never retried
    CHECK(diag.attempts == 1);

    auto expected = before_loop();
    for (const char* phase : {"read_before_attempt", "modify_before_signing", "read_before_signing",
                              "read_after_signing", "modify_before_transmit", "read_before_transmit",
                              "read_after_attempt"})
        expected.push_back(std::string(phase) + "@1");
    add_completion(expected, 1);
    CHECK(first->calls == expected);
    // The second interceptor's read_before_transmit did not run (the phase stopped at the first's
    // error); its after-attempt and completion hooks did, and saw the error.
    auto without = expected;
    std::erase(without, "read_before_transmit@1");
    CHECK(second->calls == without);
    for (auto* r : {first.get(), second.get()}) {
        REQUIRE(r->attempt_errors.size() == 1);
        CHECK(r->attempt_errors[0] == boost::system::errc::permission_denied);
        CHECK(r->completion_error == boost::system::errc::permission_denied);
        CHECK(r->execution_error == boost::system::errc::permission_denied);
    }
}

TEST_CASE("interceptors: a completion hook's error fails a call that succeeded")
{
    auto rec = std::make_shared<recorder>();
    rec->fail_at = "modify_before_completion@1";
    fixture f({rec});
    f.wire->script = {scripted_answer::json(200, converse_answer)};
    error_code result;
    bool called = false;
    f.client.converse(hello<bedrock::converse_request>(), [&](error_code ec, bedrock::converse_response out) {
        result = ec;
        called = true;
        CHECK(out.output.index() == bedrock::converse_response{}.output.index());
    });
    f.io.run();
    CHECK(called);
    CHECK(result == boost::system::errc::permission_denied);
    CHECK(f.wire->sent.size() == 1);
    CHECK(rec->execution_error == boost::system::errc::permission_denied);
    CHECK(rec->calls.back() == "read_after_execution@1");
}

namespace {

// Adds one header before signing (signed) and one before transmit (sent as is, unsigned).
struct header_adder : bedrock::interceptor {
    error_code modify_before_signing(const context&, bedrock::transport::request& r) override
    {
        r.set("x-trace-signed", "before-signing");
        return {};
    }
    error_code modify_before_transmit(const context& c, bedrock::transport::request& r) override
    {
        // Each modifying hook sees the earlier ones' change, signed by now.
        if (!c.request->find("x-trace-signed") || !r.find("Authorization"))
            return make_error_code(boost::system::errc::protocol_error);
        r.set("x-trace-unsigned", "before-transmit");
        return {};
    }
};

} // namespace

TEST_CASE("interceptors: a header added before signing is signed, one added before transmit is sent unsigned")
{
    auto& emu = bedrock::test::started_emulator<emulator_tag>();
    emu.reset_state();
    bedrock::test::run([&](asio::io_context& io) -> asio::awaitable<void> {
        auto cfg = emu.client_config();
        cfg.interceptors = {std::make_shared<header_adder>()};
        bedrock::client client{io.get_executor(), cfg};
        const auto out = co_await client.converse(hello<bedrock::converse_request>("icpt-model"));
        CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) == "echo: hello");
    });
    const auto log = emu.requests();
    REQUIRE(log.size() == 1);
    CHECK(log[0].status == 200); // the emulator verified the signature
    CHECK(log[0].header("x-trace-signed") == "before-signing");
    CHECK(log[0].header("x-trace-unsigned") == "before-transmit");
    CHECK(bedrock::test::is_emulator_sigv4(log[0].header("authorization"), log[0].header("x-amz-date"),
                                           "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;"
                                           "x-amz-content-sha256;x-amz-date;x-trace-signed"));
}

} // namespace interceptor_test

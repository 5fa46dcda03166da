// The interceptors' hooks in the attempt machine, without I/O: which fire at each step, what an
// error returned from one does to the attempts, and that a client without interceptors never arms
// them.

#include <bedrock/detail/client_state.hpp>
#include <bedrock/engine/attempt.hpp>
#include <bedrock/engine/intercept.hpp>
#include <bedrock/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/interceptor.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace interceptor_hooks_test {

using bedrock::engine::action;
using bedrock::engine::attempt_machine;
using bedrock::engine::call_state;
using boost::system::error_code;

namespace {

struct log_hooks : bedrock::interceptor {
    std::vector<std::string> calls;
    std::vector<error_code> attempt_errors;
    std::string fail_at;
    error_code failure = make_error_code(boost::system::errc::operation_not_permitted);

    error_code note(const char* name, const context& c)
    {
        calls.push_back(std::string(name) + "@" + std::to_string(c.attempt));
        return calls.back() == fail_at ? failure : error_code{};
    }
    error_code read_before_attempt(const context& c) override { return note("before_attempt", c); }
    error_code modify_before_signing(const context& c, bedrock::transport::request& r) override
    {
        r.set("x-added", "1");
        return note("modify_before_signing", c);
    }
    error_code read_after_signing(const context& c) override { return note("after_signing", c); }
    error_code read_before_transmit(const context& c) override { return note("before_transmit", c); }
    error_code read_after_transmit(const context& c) override { return note("after_transmit", c); }
    error_code read_after_attempt(const context& c) override
    {
        attempt_errors.push_back(c.error);
        return note("after_attempt", c);
    }
};

bedrock::config test_config(std::shared_ptr<bedrock::interceptor> i)
{
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "https://bedrock.test";
    cfg.credentials = bedrock::auth::credentials{"AKIDEXAMPLE", "secret", "", std::nullopt};
    cfg.max_attempts = 3;
    if (i)
        cfg.interceptors.push_back(std::move(i));
    return cfg;
}

void build(call_state& call)
{
    call.base.method = "POST";
    call.base.path = "/model/m/converse";
    call.base.headers = {{"Content-Type", "application/json"}};
    call.base.body = "{}";
}

bedrock::transport::response_head head(unsigned status)
{
    bedrock::transport::response_head h;
    h.result(status);
    return h;
}

struct armed {
    explicit armed(std::shared_ptr<log_hooks> h = std::make_shared<log_hooks>())
        : hooks(h), client(std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config(h)))
    {
        build(call);
        int input = 0;
        REQUIRE_FALSE(bedrock::engine::intercept_before_serialization(client->cfg, call, bedrock::erased_ref(input)));
        REQUIRE_FALSE(bedrock::engine::intercept_after_serialization(call));
    }
    boost::asio::io_context io;
    std::shared_ptr<log_hooks> hooks;
    std::shared_ptr<bedrock::detail::client_state> client;
    call_state call{"Converse"};
};

} // namespace

TEST_CASE("interceptor hooks: a client without interceptors never arms them")
{
    boost::asio::io_context io;
    auto client = std::make_shared<bedrock::detail::client_state>(io.get_executor(), test_config(nullptr));
    call_state call("Converse");
    build(call);
    int input = 0;
    CHECK_FALSE(bedrock::engine::intercept_before_serialization(client->cfg, call, bedrock::erased_ref(input)));
    CHECK(call.interceptors == nullptr);
    attempt_machine m(*client, call);
    CHECK(m.start().kind == action::transmit);
    CHECK_FALSE(call.attempt_open);
    const auto ec = make_error_code(boost::system::errc::io_error);
    CHECK(bedrock::engine::intercept_completion(call, ec) == ec);
}

TEST_CASE("interceptor hooks: per attempt, a header added before signing is signed")
{
    armed t;
    attempt_machine m(*t.client, t.call);
    REQUIRE(m.start().kind == action::transmit);
    CHECK(t.call.attempt_open);
    CHECK(t.call.signature.signed_headers.find("x-added") != std::string::npos);
    REQUIRE(m.transport_failed(boost::asio::error::connection_reset).kind == action::backoff);
    CHECK_FALSE(t.call.attempt_open);
    REQUIRE(m.backed_off().kind == action::transmit);
    const auto ok = head(200);
    m.answered(ok);
    CHECK(m.intercept_answer(ok, "{}").kind == action::done);
    CHECK_FALSE(bedrock::engine::end_attempt(t.call, {}));
    CHECK(t.hooks->calls == std::vector<std::string>{
                                "before_attempt@1", "modify_before_signing@1", "after_signing@1", "before_transmit@1",
                                "after_attempt@1", "before_attempt@2", "modify_before_signing@2", "after_signing@2",
                                "before_transmit@2", "after_transmit@2", "after_attempt@2"});
    REQUIRE(t.hooks->attempt_errors.size() == 2);
    CHECK(t.hooks->attempt_errors[0] == boost::asio::error::connection_reset);
    CHECK_FALSE(t.hooks->attempt_errors[1]);
    CHECK_FALSE(bedrock::engine::intercept_completion(t.call, {}));
    CHECK(t.call.interceptors == nullptr); // once per call
}

TEST_CASE("interceptor hooks: an error from a hook is final, not retried")
{
    auto hooks = std::make_shared<log_hooks>();
    hooks->fail_at = "after_attempt@1"; // on a retryable failure
    armed t(hooks);
    attempt_machine m(*t.client, t.call);
    REQUIRE(m.start().kind == action::transmit);
    const auto a = m.error_answer(head(503), R"({"message":"busy"})");
    CHECK(a.kind == action::done);
    CHECK(a.ec == boost::system::errc::operation_not_permitted);
    CHECK(t.call.diag->attempts == 1);
}

TEST_CASE("interceptor hooks: an attempt cancelled in flight ends with operation_aborted")
{
    armed t;
    attempt_machine m(*t.client, t.call);
    REQUIRE(m.start().kind == action::transmit);
    CHECK(m.cancelled().ec == boost::asio::error::operation_aborted);
    REQUIRE(t.hooks->attempt_errors.size() == 1);
    CHECK(t.hooks->attempt_errors[0] == boost::asio::error::operation_aborted);
}

TEST_CASE("interceptor hooks: an erased_ref copied stays typed, an empty one stays empty")
{
    int value = 1;
    bedrock::erased_ref ref(value);
    bedrock::erased_ref empty;
    const bool pick = value == 1;
    const bedrock::erased_ref copied = pick ? ref : bedrock::erased_ref{}; // (once wrapped itself)
    const bedrock::erased_ref none = pick ? empty : bedrock::erased_ref{};
    CHECK(copied.get<int>() == &value);
    CHECK_FALSE(none);
    CHECK(ref.get<long>() == nullptr);
}

} // namespace interceptor_hooks_test

// An interceptor that measures every call: its latency, its attempts, the HTTP status and the
// tokens it used, printed as one line per call. It is configured once (config::interceptors) and
// sees every operation; the calls here overlap, so its per-call state is keyed by the call's id.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region in the environment it talks to
// Amazon Bedrock; without them it starts the local Bedrock emulator in-process, as chat.cpp does.
//
//   metrics_interceptor [model-id]

#include <bedrock/client.hpp>
#include <bedrock/http/message.hpp> // to read the answer's headers
#include <bedrock/interceptor.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;

namespace {

class metrics : public bedrock::interceptor {
public:
    error_code read_before_execution(const context& c) override
    {
        calls_[c.call_id].start = std::chrono::steady_clock::now();
        return {};
    }

    // InvokeModel reports its usage in headers, whatever the model's body looks like.
    error_code read_after_transmit(const context& c) override
    {
        auto& call = calls_[c.call_id];
        call.status = c.response->result_int();
        call.input_tokens = header_number(c, "X-Amzn-Bedrock-Input-Token-Count");
        call.output_tokens = header_number(c, "X-Amzn-Bedrock-Output-Token-Count");
        return {};
    }

    // Converse reports it in its response.
    error_code read_after_deserialization(const context& c) override
    {
        if (const auto* out = c.output.get<bedrock::converse_response>()) {
            auto& call = calls_[c.call_id];
            call.input_tokens = out->usage.input_tokens;
            call.output_tokens = out->usage.output_tokens;
        }
        return {};
    }

    error_code read_after_execution(const context& c) override
    {
        const auto it = calls_.find(c.call_id);
        if (it == calls_.end())
            return {};
        const auto& call = it->second;
        const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - call.start);
        std::printf("[metrics] %-22s %7.1f ms  attempts %d  HTTP %3u  tokens %s in / %s out  %s\n",
                    std::string(c.operation).c_str(), ms.count(), c.attempt, call.status,
                    count(call.input_tokens).c_str(), count(call.output_tokens).c_str(),
                    c.error ? c.error.message().c_str() : "ok");
        calls_.erase(it);
        return {};
    }

private:
    struct call_metrics {
        std::chrono::steady_clock::time_point start;
        unsigned status = 0;
        std::optional<long long> input_tokens, output_tokens;
    };

    static std::optional<long long> header_number(const context& c, std::string_view name)
    {
        const auto it = c.response->find(name);
        if (it == c.response->end())
            return std::nullopt;
        long long v = 0;
        const auto text = it->value();
        if (std::from_chars(text.data(), text.data() + text.size(), v).ec != std::errc{})
            return std::nullopt;
        return v;
    }
    static std::string count(const std::optional<long long>& n) { return n ? std::to_string(*n) : "-"; }

    // Hooks run on the client's executor: one thread here, so no lock.
    std::map<std::uint64_t, call_metrics> calls_;
};

asio::awaitable<void> ask(bedrock::client& client, std::string model_id, std::string text)
{
    bedrock::converse_request request;
    request.model_id = std::move(model_id);
    request.messages = {bedrock::user_text(std::move(text))};
    request.inference_config = bedrock::inference_configuration{.max_tokens = 100};
    auto out = co_await client.converse(request);
    std::printf("model> %s\n", bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value).c_str());
}

asio::awaitable<void> check(bedrock::client& client)
{
    bedrock::invoke_guardrail_checks_request request;
    request.messages = {bedrock::guardrail_checks_message{
        .role = bedrock::guardrail_checks_role::user,
        .content = {bedrock::guardrail_checks_content_block{
            bedrock::guardrail_checks_content_block_text{"Is this a friendly sentence?"}}}}};
    request.checks.prompt_attack.emplace().categories = {{bedrock::guardrail_checks_prompt_attack_category::jailbreak}};
    auto out = co_await client.invoke_guardrail_checks(request);
    std::printf("guardrail checks: %zu prompt-attack findings\n",
                out.results.prompt_attack ? out.results.prompt_attack->results.size() : std::size_t{0});
}

} // namespace

int main(int argc, char** argv)
{
    std::optional<bedrock::testing::emulator> emulator;
    bedrock::config cfg = examples::aws_or_emulator(emulator);
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());
    cfg.interceptors = {std::make_shared<metrics>()};
    const std::string model_id = argc > 1 ? argv[1] : "anthropic.claude-3-haiku-20240307-v1:0";

    asio::io_context io;
    bedrock::client client{io.get_executor(), cfg};
    int status = 0;
    auto report = [&](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::fprintf(stderr, "error: %s\n", x.what());
            status = 1;
        }
    };
    // Three calls at once, and a call of another operation: one metrics line each.
    asio::co_spawn(io, ask(client, model_id, "Hello there"), report);
    asio::co_spawn(io, ask(client, model_id, "What is an interceptor?"), report);
    asio::co_spawn(io, ask(client, model_id, "Say something short"), report);
    asio::co_spawn(io, check(client), report);
    io.run();
    return status;
}

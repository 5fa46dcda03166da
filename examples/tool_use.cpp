// An agent loop over ConverseStream: the model asks for a tool (a toolUse block, stopReason
// tool_use), the program runs it and answers with a toolResult, and so on until the model ends its
// turn. Each answer streams (its text printed as it comes) into a converse_stream_accumulator, which
// joins the text and parses the tool's input JSON when its block stops.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region it talks to Amazon Bedrock;
// without them to the local emulator, whose echo model calls the first tool when the last user text
// starts with "use tool" (with {"text": <the rest>}), then ends its turn once it has the result.
//
//   tool_use [model-id] [prompt]

#include <bedrock/client.hpp>
#include <bedrock/model/json.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <optional>
#include <sstream>
#include <string>

namespace asio = boost::asio;

namespace {

/// The tool: counts the words of {"text": ...}.
boost::json::value word_count(const boost::json::value& input)
{
    const auto* text = input.is_object() ? input.as_object().if_contains("text") : nullptr;
    if (!text || !text->is_string())
        throw std::invalid_argument("word_count needs {\"text\": string}");
    std::istringstream in{std::string(text->get_string())};
    std::size_t words = 0;
    for (std::string w; in >> w;)
        ++words;
    return {{"words", words}};
}

bedrock::tool_configuration tools()
{
    bedrock::tool_specification spec;
    spec.name = "word_count";
    spec.description = "Counts the words of a text.";
    spec.input_schema = bedrock::tool_input_schema_json{boost::json::parse(
        R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})")};
    bedrock::tool_configuration config;
    config.tools.push_back(bedrock::tool_tool_spec{std::move(spec)});
    return config;
}

/// Runs the tool a toolUse block asks for; a failure goes back to the model as an error result.
bedrock::content_block run_tool(const bedrock::tool_use_block& use)
{
    bedrock::tool_result_block result;
    result.tool_use_id = use.tool_use_id;
    try {
        if (use.name != "word_count")
            throw std::invalid_argument("no tool named " + use.name);
        result.content.push_back(bedrock::tool_result_content_block_json{word_count(use.input)});
        result.status = bedrock::tool_result_status::success;
    } catch (const std::exception& e) {
        result.content.push_back(bedrock::tool_result_content_block_text{e.what()});
        result.status = bedrock::tool_result_status::error;
    }
    std::printf("\n[tool %s(%s) -> %s]\n", use.name.c_str(), boost::json::serialize(use.input).c_str(),
                bedrock::json::serialize(result).c_str());
    return bedrock::content_block_tool_result{std::move(result)};
}

asio::awaitable<int> agent(bedrock::client& client, std::string model_id, std::string prompt)
{
    bedrock::converse_stream_request request;
    request.model_id = std::move(model_id);
    request.tool_config = tools();
    request.messages.push_back(bedrock::user_text(prompt));
    std::printf("you> %s\n", prompt.c_str());
    int tool_calls = 0;
    for (int turn = 0; turn < 8; ++turn) {
        auto stream = co_await client.converse_stream(request);
        bedrock::converse_stream_accumulator answer;
        std::printf("model> ");
        while (auto event = co_await stream.next()) {
            if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*event))
                if (auto* text = std::get_if<bedrock::content_block_delta_text>(&d->value.delta))
                    std::printf("%s", text->value.c_str());
            std::fflush(stdout);
            if (auto ec = answer.add(*event))
                throw boost::system::system_error(ec, "tool input");
        }
        auto out = answer.response();
        auto& reply = std::get<bedrock::converse_output_message>(out.output).value;
        request.messages.push_back(reply);
        if (out.stop_reason != bedrock::stop_reason::tool_use) {
            std::printf("\n[%s after %d tool call(s)]\n", std::string(out.stop_reason.str()).c_str(), tool_calls);
            co_return out.stop_reason == bedrock::stop_reason::end_turn ? 0 : 1;
        }
        // Every toolUse of the reply gets its toolResult, in one user message.
        bedrock::message results{.role = bedrock::conversation_role::user, .content = {}};
        for (const auto& block : reply.content)
            if (auto* use = std::get_if<bedrock::content_block_tool_use>(&block)) {
                results.content.push_back(run_tool(use->value));
                ++tool_calls;
            }
        request.messages.push_back(std::move(results));
    }
    std::printf("\n[no end of turn after 8 turns]\n");
    co_return 1;
}

} // namespace

int main(int argc, char** argv)
{
    std::optional<bedrock::testing::emulator> emulator;
    const bedrock::config cfg = examples::aws_or_emulator(emulator);
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());
    const std::string model_id = argc > 1 ? argv[1] : "anthropic.claude-3-haiku-20240307-v1:0";
    const std::string prompt = argc > 2 ? argv[2] : "use tool how many words are in this sentence?";

    asio::io_context io;
    bedrock::client client{io.get_executor(), cfg};
    int status = 1;
    asio::co_spawn(io, agent(client, model_id, prompt), [&](std::exception_ptr e, int result) {
        status = result;
        if (!e)
            return;
        status = 1;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::fprintf(stderr, "error: %s\n", x.what());
        }
    });
    io.run();
    return status;
}

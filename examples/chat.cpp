// A short conversation with a model through ConverseStream, with co_await on an io_context: the
// answer is printed as it is generated.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region in the environment it talks to
// Amazon Bedrock; without them it starts the local Bedrock emulator in-process and talks to that
// over TLS on loopback, so the example runs anywhere.
//
//   chat [model-id] [first message...]

#include <bedrock/client.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

namespace asio = boost::asio;

namespace {

asio::awaitable<void> chat(bedrock::client& client, std::string model_id, std::vector<std::string> turns)
{
    bedrock::converse_stream_request request;
    request.model_id = std::move(model_id);
    request.inference_config = bedrock::inference_configuration{.max_tokens = 200};
    for (auto& turn : turns) {
        std::printf("you> %s\n", turn.c_str());
        request.messages.push_back(bedrock::user_text(std::move(turn)));
        // The answer streams: each text delta is printed as the model produces it.
        auto stream = co_await client.converse_stream(request);
        bedrock::converse_stream_accumulator answer;
        std::printf("model> ");
        while (auto event = co_await stream.next()) {
            if (auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*event))
                if (auto* text = std::get_if<bedrock::content_block_delta_text>(&d->value.delta))
                    std::printf("%s", text->value.c_str());
            std::fflush(stdout);
            answer.add(*event);
        }
        auto out = answer.response();
        std::printf("\n       [%s, %d tokens in, %d out, request %s]\n", std::string(out.stop_reason.str()).c_str(),
                    out.usage.input_tokens, out.usage.output_tokens, stream.diagnostics().request_id.c_str());
        // The conversation goes on with the whole reply.
        request.messages.push_back(std::move(std::get<bedrock::converse_output_message>(out.output).value));
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> turns;
    for (int i = 2; i < argc; ++i)
        turns.emplace_back(argv[i]);
    if (turns.empty())
        turns = {"Hello! What can you do?", "Tell me about event streams in one sentence."};

    std::optional<bedrock::testing::emulator> emulator;
    const bedrock::config cfg = examples::aws_or_emulator(emulator);
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());
    const std::string model_id = argc > 1 ? argv[1] : "anthropic.claude-3-haiku-20240307-v1:0";

    asio::io_context io;
    bedrock::client client{io.get_executor(), cfg};
    int status = 0;
    asio::co_spawn(io, chat(client, model_id, std::move(turns)), [&](std::exception_ptr e) {
        if (!e)
            return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            std::fprintf(stderr, "error: %s\n", x.what());
            status = 1;
        }
    });
    io.run();
    return status;
}

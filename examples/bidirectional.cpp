// Speech to speech with Amazon Nova Sonic through InvokeModelWithBidirectionalStream: a PCM
// recording (16 kHz, 16-bit, mono) is streamed to the model in 32 ms pieces, as a microphone would
// deliver it, while the model's events are read in a second coroutine: its transcripts and text are
// printed, its speech (24 kHz, 16-bit, mono PCM) written to a file.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region in the environment it talks to
// Amazon Bedrock; without them it starts the local Bedrock emulator in-process, like chat.cpp.
// The operation needs HTTP/2.
//
//   bidirectional [input.pcm] [output.pcm] [model-id]
//
// Without an input file, two seconds of a 440 Hz tone stand in for speech.

#include <bedrock/client.hpp>
#include <bedrock/json/base64.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

constexpr int input_rate = 16'000;                                  // what Nova Sonic listens to
constexpr std::size_t piece_bytes = input_rate * 2 * 32 / 1000;     // 32 ms of 16-bit mono: 1024 bytes
const std::string prompt_name = "prompt-1";
const std::string system_content = "system-1";
const std::string audio_content = "audio-1";

std::vector<std::uint8_t> tone(double seconds, double hz)
{
    const auto samples = static_cast<std::size_t>(seconds * input_rate);
    std::vector<std::uint8_t> pcm;
    pcm.reserve(samples * 2);
    for (std::size_t i = 0; i < samples; ++i) {
        const auto s = static_cast<std::int16_t>(0.3 * 32767 * std::sin(2 * std::numbers::pi * hz * double(i) / input_rate));
        pcm.push_back(static_cast<std::uint8_t>(s & 0xff)); // little-endian, as audio/lpcm is sent
        pcm.push_back(static_cast<std::uint8_t>((s >> 8) & 0xff));
    }
    return pcm;
}

// One Nova Sonic event: {"event": {<name>: <body>}}, as the chunk the stream carries.
bedrock::invoke_model_with_bidirectional_stream_input event(std::string_view name, bj::object body)
{
    bj::object e;
    e[name] = std::move(body);
    const std::string json = bj::serialize(bj::object{{"event", std::move(e)}});
    bedrock::invoke_model_with_bidirectional_stream_input_chunk chunk;
    chunk.value.bytes = bedrock::bytes(json.begin(), json.end());
    return bedrock::invoke_model_with_bidirectional_stream_input{std::move(chunk)};
}

bj::object audio_format(int rate)
{
    return {{"mediaType", "audio/lpcm"}, {"sampleRateHertz", rate}, {"sampleSizeBits", 16},
            {"channelCount", 1},         {"audioType", "SPEECH"},   {"encoding", "base64"}};
}

// The model's side: prints text, writes speech, until the answer ends. Then wakes the writer.
asio::awaitable<void> listen(bedrock::bidirectional_stream& stream, std::ofstream& speech, asio::steady_timer& done)
{
    std::size_t audio_bytes = 0;
    try {
        while (auto out = co_await stream.next()) {
            const auto* chunk = std::get_if<bedrock::invoke_model_with_bidirectional_stream_output_chunk>(&*out);
            if (!chunk || !chunk->value.bytes)
                continue; // an event type this version does not know
            const std::string_view text(reinterpret_cast<const char*>(chunk->value.bytes->data()),
                                        chunk->value.bytes->size());
            bj::error_code ec;
            const bj::value v = bj::parse(text, ec);
            if (ec || !v.is_object() || !v.as_object().contains("event"))
                continue;
            for (const auto& [name, body] : v.at("event").as_object()) {
                if (name == "textOutput") {
                    const auto* role = body.as_object().if_contains("role");
                    const auto* content = body.as_object().if_contains("content");
                    std::printf("%s> %s\n", role && role->is_string() ? role->as_string().c_str() : "?",
                                content && content->is_string() ? content->as_string().c_str() : "");
                } else if (name == "audioOutput") {
                    const auto* content = body.as_object().if_contains("content");
                    std::vector<std::uint8_t> pcm;
                    if (content && content->is_string() &&
                        !bedrock::json::base64_decode(std::string_view(content->as_string()), pcm)) {
                        speech.write(reinterpret_cast<const char*>(pcm.data()), static_cast<std::streamsize>(pcm.size()));
                        audio_bytes += pcm.size();
                    }
                } else if (name == "completionEnd" || name == "contentEnd" || name == "usageEvent") {
                    std::printf("[%s]\n", std::string(name).c_str());
                }
            }
        }
        std::printf("(answer ended: %zu events, %zu bytes of speech)\n", stream.events(), audio_bytes);
    } catch (const bedrock::error_with_diagnostics& e) {
        std::fprintf(stderr, "answer failed: %s\n", e.what());
    }
    // Not cancel(): the writer may not be waiting yet (the answer can end while it still sends),
    // and a cancel reaches only a wait already pending. An expiry in the past also ends a later wait.
    done.expires_at(asio::steady_timer::time_point::min());
}

asio::awaitable<void> speak(bedrock::bidirectional_stream& stream, const std::vector<std::uint8_t>& pcm);

asio::awaitable<void> converse(bedrock::client& client, std::string model_id, std::vector<std::uint8_t> pcm,
                               std::string output_path)
{
    bedrock::invoke_model_with_bidirectional_stream_request request;
    request.model_id = std::move(model_id);
    auto stream = co_await client.invoke_model_with_bidirectional_stream(request);
    std::printf("(stream open, request id %s)\n", stream.diagnostics().request_id.c_str());

    // The reader runs beside the writer; the timer tells the writer when it is done (the stream
    // must outlive both).
    std::ofstream speech(output_path, std::ios::binary);
    asio::steady_timer listening(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    asio::co_spawn(co_await asio::this_coro::executor, listen(stream, speech, listening), asio::detached);

    // If sending fails, the stream is closed (the reader then ends too) before the error goes on:
    // the reader refers to this frame's stream.
    std::exception_ptr failure;
    try {
        co_await speak(stream, pcm);
    } catch (...) {
        failure = std::current_exception();
        stream.close();
    }
    co_await listening.async_wait(asio::as_tuple(asio::use_awaitable));
    if (failure)
        std::rethrow_exception(failure);
    std::printf("(speech written to %s)\n", output_path.c_str());
}

// The events around the audio. (Built outside the coroutine: gcc 12 rejects braced lists inside
// a coroutine's co_await expressions.)
std::vector<bedrock::invoke_model_with_bidirectional_stream_input> opening_events()
{
    bj::object speech_format = audio_format(24'000);
    speech_format["voiceId"] = "matthew";
    return {
        // The session, and a prompt answered with text and 24 kHz speech.
        event("sessionStart", {{"inferenceConfiguration", {{"maxTokens", 1024}, {"topP", 0.9}, {"temperature", 0.7}}}}),
        event("promptStart", {{"promptName", prompt_name},
                              {"textOutputConfiguration", {{"mediaType", "text/plain"}}},
                              {"audioOutputConfiguration", std::move(speech_format)}}),
        // A system prompt: contentStart, textInput, contentEnd.
        event("contentStart", {{"promptName", prompt_name},
                               {"contentName", system_content},
                               {"type", "TEXT"},
                               {"interactive", false},
                               {"role", "SYSTEM"},
                               {"textInputConfiguration", {{"mediaType", "text/plain"}}}}),
        event("textInput", {{"promptName", prompt_name},
                            {"contentName", system_content},
                            {"content", "You are a friendly assistant. Keep your answers short."}}),
        event("contentEnd", {{"promptName", prompt_name}, {"contentName", system_content}}),
        // The user's audio follows in this content.
        event("contentStart", {{"promptName", prompt_name},
                               {"contentName", audio_content},
                               {"type", "AUDIO"},
                               {"interactive", true},
                               {"role", "USER"},
                               {"audioInputConfiguration", audio_format(input_rate)}}),
    };
}

bedrock::invoke_model_with_bidirectional_stream_input audio_event(std::span<const std::uint8_t> piece)
{
    return event("audioInput",
                 {{"promptName", prompt_name}, {"contentName", audio_content}, {"content", bedrock::json::base64_encode(piece)}});
}

std::vector<bedrock::invoke_model_with_bidirectional_stream_input> closing_events()
{
    return {
        event("contentEnd", {{"promptName", prompt_name}, {"contentName", audio_content}}),
        event("promptEnd", {{"promptName", prompt_name}}),
        event("sessionEnd", bj::object()),
    };
}

// The user's side: the session, a system prompt, the audio, the end of everything.
asio::awaitable<void> speak(bedrock::bidirectional_stream& stream, const std::vector<std::uint8_t>& pcm)
{
    for (auto& e : opening_events())
        co_await stream.send(std::move(e));
    // The audio, one 32 ms piece at a time, paced as a microphone would deliver it.
    asio::steady_timer pace(co_await asio::this_coro::executor);
    auto next_piece = std::chrono::steady_clock::now();
    for (std::size_t at = 0; at < pcm.size(); at += piece_bytes) {
        const std::span<const std::uint8_t> piece(pcm.data() + at, std::min(piece_bytes, pcm.size() - at));
        co_await stream.send(audio_event(piece));
        next_piece += std::chrono::milliseconds(32);
        pace.expires_at(next_piece);
        co_await pace.async_wait(asio::use_awaitable);
    }
    for (auto& e : closing_events())
        co_await stream.send(std::move(e));
    co_await stream.finish(); // the signed end frame, then the end of the request body
    std::printf("(sent %zu events; waiting for the rest of the answer)\n", stream.sent());
}

} // namespace

int main(int argc, char** argv)
{
    std::vector<std::uint8_t> pcm;
    if (argc > 1) {
        std::ifstream in(argv[1], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot open %s\n", argv[1]);
            return 1;
        }
        pcm.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } else {
        pcm = tone(2.0, 440.0);
    }
    const std::string output_path = argc > 2 ? argv[2] : "bidirectional_output.pcm";
    const std::string model_id = argc > 3 ? argv[3] : "amazon.nova-sonic-v1:0";

    std::optional<bedrock::testing::emulator> emulator;
    const bedrock::config cfg = examples::aws_or_emulator(emulator);
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());

    asio::io_context io;
    bedrock::client client{io.get_executor(), cfg};
    int status = 0;
    asio::co_spawn(io, converse(client, model_id, std::move(pcm), output_path), [&](std::exception_ptr e) {
        // The HTTP/2 connection stays open for the next stream, with a read pending, so run() would
        // only return once it idles out (50 s): the conversation is over, stop here.
        io.stop();
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

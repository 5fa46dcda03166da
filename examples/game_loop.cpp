// A game's frame loop at 60 Hz that talks to Bedrock without ever blocking a frame. Three
// characters ask a model for a line of dialogue at once; each frame calls io.poll() once (it runs
// whatever I/O is ready and returns), then "renders": every character's speech bubble grows as the
// model's tokens arrive. Completion handlers only, no coroutines; every error arrives as an
// error_code. Built with -fno-exceptions -fno-rtti, as game engines build (see CMakeLists.txt).
//
// It reads the usual AWS environment. To run it without an AWS account, start the local emulator
// in another terminal and export what it prints:
//
//   eval "$(bedrock-emulator)" &   # or: bedrock-emulator > env.txt & ... export $(grep -v '#' env.txt)
//   game_loop [model-id] [--frames N]
//
// The example test does exactly that (examples/with_emulator.py).

#include <bedrock/client.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#ifdef BOOST_NO_EXCEPTIONS
// Without exceptions Boost calls this where it would throw: one of the few places where Asio has
// no error_code to give (e.g. a failed allocation inside it). An engine would write a crash report;
// nothing of the library's own API needs it, every bedrock call below reports through error_code.
namespace boost {
void throw_exception(const std::exception& e)
{
    std::fprintf(stderr, "fatal: %s\n", e.what());
    std::abort();
}
void throw_exception(const std::exception& e, const boost::source_location&)
{
    throw_exception(e);
}
} // namespace boost
#endif

namespace {

using namespace std::chrono_literals;

/// One character on screen: what the model has said so far, and whether it has finished.
struct speaker {
    std::string name;
    std::string prompt;
    std::string bubble;
    bool done = false;
    bool failed = false;
    std::size_t shown = 0; // how much of the bubble has been drawn already
};

/// Reads one character's stream: each event's handler asks for the next, so the chain of
/// handlers keeps exactly one next() pending, and each runs inside some frame's io.poll().
class dialogue : public std::enable_shared_from_this<dialogue> {
public:
    dialogue(bedrock::client& client, speaker& who) : client_(client), who_(who) {}

    void start(const std::string& model_id)
    {
        bedrock::converse_stream_request request;
        request.model_id = model_id;
        request.inference_config = bedrock::inference_configuration{.max_tokens = 40};
        request.system = {bedrock::system_content_block_text{"You are " + who_.name + ", a character in a game. "
                                                             "Answer in one short line."}};
        request.messages.push_back(bedrock::user_text(who_.prompt));
        client_.converse_stream(std::move(request), diag_,
                                [self = shared_from_this()](boost::system::error_code ec,
                                                            bedrock::converse_event_stream stream) {
                                    if (ec)
                                        return self->fail(ec);
                                    self->stream_ = std::move(stream);
                                    self->read();
                                });
    }

private:
    void read()
    {
        stream_.next([self = shared_from_this()](boost::system::error_code ec,
                                                 std::optional<bedrock::converse_stream_output> event) {
            if (ec)
                return self->fail(ec);
            if (!event) { // the stream has ended cleanly
                self->who_.done = true;
                return;
            }
            if (auto* delta = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*event))
                if (auto* text = std::get_if<bedrock::content_block_delta_text>(&delta->value.delta))
                    self->who_.bubble += text->value;
            self->read();
        });
    }

    void fail(boost::system::error_code ec)
    {
        // The service's own words, when it sent any, are in the diagnostics.
        const std::string& words = stream_.diagnostics().service_message.empty() ? diag_.service_message
                                                                               : stream_.diagnostics().service_message;
        who_.bubble = "[" + ec.message() + (words.empty() ? "" : ": " + words) + "]";
        who_.failed = who_.done = true;
    }

    bedrock::client& client_;
    speaker& who_;
    bedrock::diagnostics diag_;
    bedrock::converse_event_stream stream_;
};

} // namespace

int main(int argc, char** argv)
{
    std::string model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    int max_frames = 60 * 60; // a minute at most
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--frames" && i + 1 < argc)
            max_frames = std::atoi(argv[++i]);
        else
            model_id = arg;
    }

    boost::system::error_code ec;
    bedrock::config cfg = bedrock::config::from_environment(bedrock::process_environment(), ec);
    if (!ec && !cfg.credentials && !cfg.bearer_token)
        ec = bedrock::client_errc::no_credentials;
    if (ec) {
        std::fprintf(stderr, "no usable AWS configuration (%s).\nRun `bedrock-emulator` and export what it prints "
                             "to try this example without an AWS account.\n",
                     ec.message().c_str());
        return 2;
    }

    boost::asio::io_context io;
    // A poll() that finds no work stops the io_context, and later polls then do nothing: a game
    // asks for dialogue now and then, so the context must stay ready between requests.
    auto keep_ready = boost::asio::make_work_guard(io);
    bedrock::client client{io.get_executor(), cfg, ec};
    if (ec) {
        std::fprintf(stderr, "client: %s\n", ec.message().c_str());
        return 2;
    }

    std::vector<speaker> cast{
        {.name = "Guard", .prompt = "Halt! Who goes there?", .bubble = {}},
        {.name = "Merchant", .prompt = "Fine wares for sale, traveller?", .bubble = {}},
        {.name = "Bard", .prompt = "Sing us the song of the dragon", .bubble = {}},
    };
    for (auto& who : cast)
        std::make_shared<dialogue>(client, who)->start(model_id);

    // The frame loop: poll, render, sleep until the next frame. Nothing in it waits for the network.
    const auto frame = std::chrono::nanoseconds(1s) / 60;
    auto next_frame = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration longest_poll{};
    int frames = 0;
    int frames_with_text = 0;
    bool all_done = false;
    for (; frames < max_frames && !all_done; ++frames) {
        const auto poll_start = std::chrono::steady_clock::now();
        io.poll(); // runs the handlers that are ready: reads, TLS, the next() chain
        longest_poll = std::max(longest_poll, std::chrono::steady_clock::now() - poll_start);

        all_done = true;
        bool new_text = false;
        for (auto& who : cast) {
            if (who.bubble.size() > who.shown) { // "render": draw what is new in the bubble
                std::printf("frame %4d  %-8s| %s\n", frames, who.name.c_str(), who.bubble.substr(who.shown).c_str());
                who.shown = who.bubble.size();
                new_text = true;
            }
            all_done = all_done && who.done;
        }
        frames_with_text += new_text;
        next_frame += frame;
        std::this_thread::sleep_until(next_frame);
    }

    int failures = 0;
    for (auto& who : cast) {
        std::printf("%-8s: %s%s\n", who.name.c_str(), who.bubble.c_str(), who.done ? "" : " [unfinished]");
        failures += who.failed || !who.done;
    }
    std::printf("%d frames, text arrived in %d frames; the longest io.poll() took %.2f ms of a %.2f ms frame; "
                "%d of %zu dialogues failed\n",
                frames, frames_with_text, std::chrono::duration<double, std::milli>(longest_poll).count(),
                std::chrono::duration<double, std::milli>(frame).count(), failures, cast.size());
    return failures == 0 ? 0 : 1;
}

// A chat page in the browser with the answer streamed in as the model writes it: a small HTTP server
// (Boost.Beast, one thread) that relays ConverseStream to each browser tab as Server-Sent Events.
//
// With AWS credentials (or AWS_BEARER_TOKEN_BEDROCK) and a region in the environment it talks to
// Amazon Bedrock; without them it starts the local Bedrock emulator in-process, as examples/chat.cpp
// does, and then also answers GET /emulator/stats with the emulator's counters (for the browser test).
//
//   sse_server [--port N] [--model ID]      --port 0 (the default) takes a free port
//
// The first line on stdout is the page's URL. Every tab's EventSource is its own HTTP connection and
// its own Bedrock stream. When the tab closes, the browser closes that connection; a read kept
// pending on it completes at once and cancels the relay, which closes the Bedrock stream: a tab
// nobody looks at stops costing tokens there and then, not at the end of the answer.

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include "aws_or_emulator.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

// The page: a prompt, a button, and the reply growing in a div as the events arrive.
constexpr std::string_view page = R"html(<!doctype html>
<html><head><meta charset="utf-8"><title>bedrock-asio chat</title>
<style>body{font:16px sans-serif;max-width:40em;margin:2em auto}
#reply{white-space:pre-wrap;border:1px solid #aaa;min-height:4em;padding:.5em;margin-top:1em}</style></head>
<body><h1>Chat</h1>
<textarea id="prompt" rows="3" cols="60">Hello! What can you do?</textarea><br>
<button id="send">Send</button>
<div id="reply"></div>
<script>
const reply = document.getElementById('reply');
let source;
document.getElementById('send').onclick = () => {
  if (source) source.close();
  reply.textContent = '';
  reply.dataset.state = 'streaming';
  source = new EventSource('/chat?prompt=' + encodeURIComponent(document.getElementById('prompt').value));
  source.onmessage = e => { reply.textContent += e.data; };
  // Without an explicit end, EventSource would reconnect and ask the same question again.
  const end = state => { source.close(); reply.dataset.state = state; };
  source.addEventListener('done', () => end('done'));
  source.addEventListener('failed', e => { reply.textContent += '\n[' + e.data + ']'; end('failed'); });
  source.onerror = () => end('failed');
};
</script></body></html>
)html";

struct app {
    bedrock::client& client;
    std::string model_id;
    const bedrock::testing::emulator* emulator; // null when on Bedrock
};

/// The value of `name` in the target's query string, percent-decoded ('+' is a space).
std::string query_param(std::string_view target, std::string_view name)
{
    const auto q = target.find('?');
    std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    while (!query.empty()) {
        const std::string_view pair = query.substr(0, query.find('&'));
        query.remove_prefix(std::min(query.size(), pair.size() + 1));
        if (!pair.starts_with(name) || pair.size() <= name.size() || pair[name.size()] != '=')
            continue;
        std::string out;
        for (std::size_t i = name.size() + 1; i < pair.size(); ++i) {
            unsigned char c = 0;
            if (pair[i] == '%' && i + 2 < pair.size() &&
                std::from_chars(pair.data() + i + 1, pair.data() + i + 3, c, 16).ptr == pair.data() + i + 3) {
                out += static_cast<char>(c);
                i += 2;
            } else {
                out += pair[i] == '+' ? ' ' : pair[i];
            }
        }
        return out;
    }
    return {};
}

/// One Server-Sent Event. Each line of the text is a `data:` line of its own; the browser joins them
/// with '\n' again (a bare '\r' would end a line too, so it goes).
std::string sse_event(std::string text, std::string_view event = {})
{
    std::erase(text, '\r');
    std::string out;
    if (!event.empty())
        out.append("event: ").append(event).append("\n");
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find('\n', start);
        out.append("data: ").append(text, start, end - start).append("\n");
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return out + "\n";
}

/// The model's answer to `prompt`, each text delta sent on as an event as soon as it arrives.
asio::awaitable<void> relay(app& a, tcp::socket& browser, std::string prompt)
{
    bedrock::converse_stream_request request;
    request.model_id = a.model_id;
    request.inference_config = bedrock::inference_configuration{.max_tokens = 512};
    request.messages.push_back(bedrock::user_text(std::move(prompt)));
    std::string failure;
    try {
        auto stream = co_await a.client.converse_stream(request);
        while (auto event = co_await stream.next()) {
            auto* d = std::get_if<bedrock::converse_stream_output_content_block_delta>(&*event);
            auto* text = d ? std::get_if<bedrock::content_block_delta_text>(&d->value.delta) : nullptr;
            if (!text)
                continue;
            const std::string message = sse_event(text->value);
            co_await asio::async_write(browser, asio::buffer(message), asio::use_awaitable);
        }
    } catch (const bedrock::error_with_diagnostics& e) {
        failure = e.what(); // the service's refusal or a broken stream: the page shows it
    }
    // Named, not a ?: of temporaries inside the co_await: gcc 12 destroys that temporary twice.
    const std::string last = failure.empty() ? sse_event("", "done") : sse_event(failure, "failed");
    co_await asio::async_write(browser, asio::buffer(last), asio::use_awaitable);
}

/// Completes when the browser closes the connection: an EventSource sends nothing after its request,
/// so the read returns only with the end of the connection.
asio::awaitable<void> browser_gone(tcp::socket& browser)
{
    char byte;
    co_await browser.async_read_some(asio::buffer(&byte, 1), asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> serve_events(app& a, tcp::socket& browser, std::string prompt)
{
    // The body runs until the connection closes: no Content-Length, no chunking.
    http::response<http::empty_body> head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.keep_alive(false);
    http::response_serializer<http::empty_body> serializer{head};
    co_await http::async_write_header(browser, serializer, asio::use_awaitable);
    // Whichever ends first cancels the other: a closed tab cancels the pending next() (or the
    // opening of the stream), which closes the Bedrock stream and its connection.
    co_await (relay(a, browser, std::move(prompt)) || browser_gone(browser));
    boost::system::error_code ignored;
    browser.shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> session(app& a, tcp::socket browser)
{
    boost::beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(browser, buffer, req, asio::as_tuple(asio::use_awaitable));
        if (ec)
            co_return;
        const std::string_view target = req.target();
        const std::string_view path = target.substr(0, target.find('?'));
        if (path == "/chat") {
            co_await serve_events(a, browser, query_param(target, "prompt"));
            co_return;
        }
        http::response<http::string_body> res{http::status::ok, req.version()};
        if (path == "/") {
            res.set(http::field::content_type, "text/html; charset=utf-8");
            res.body() = page;
        } else if (path == "/emulator/stats" && a.emulator) {
            res.set(http::field::content_type, "application/json");
            res.body() = "{\"converse_stream_requests\": " +
                         std::to_string(a.emulator->operation_attempts("ConverseStream")) +
                         ", \"streams_abandoned_by_client\": " +
                         std::to_string(a.emulator->streams_abandoned_by_client()) + "}";
        } else {
            res.result(http::status::not_found);
        }
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_await http::async_write(browser, res, asio::use_awaitable);
        if (!res.keep_alive())
            co_return;
    }
}

asio::awaitable<void> listen(app& a, tcp::acceptor& acceptor)
{
    for (;;) {
        tcp::socket browser = co_await acceptor.async_accept(asio::use_awaitable);
        // A browser that goes away mid-write ends its session with an exception: nothing to report.
        asio::co_spawn(acceptor.get_executor(), session(a, std::move(browser)), asio::detached);
    }
}

} // namespace

int main(int argc, char** argv)
{
    unsigned short port = 0;
    std::string model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view option = argv[i];
        if (option == "--port")
            port = static_cast<unsigned short>(std::stoi(argv[i + 1]));
        else if (option == "--model")
            model_id = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: sse_server [--port N] [--model ID]\n");
            return 2;
        }
    }

    std::optional<bedrock::testing::emulator> emulator;
    const bedrock::config cfg = examples::aws_or_emulator(emulator);

    asio::io_context io;
    bedrock::client client{io.get_executor(), cfg};
    app a{client, model_id, emulator ? &*emulator : nullptr};
    tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), port}};
    std::printf("http://127.0.0.1:%u/\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
    if (emulator)
        std::printf("(no AWS credentials found: talking to the local Bedrock emulator at %s)\n",
                    emulator->endpoint_url().c_str());
    std::fflush(stdout);

    asio::co_spawn(io, listen(a, acceptor), asio::detached);
    asio::signal_set stop{io, SIGINT, SIGTERM};
    stop.async_wait([&](auto, int) { io.stop(); });
    io.run();
}

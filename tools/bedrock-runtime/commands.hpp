// bedrock-runtime: the sub-commands. Every unary operation runs through client.call<Op>, both
// response streams through client.open_stream<Op>; the bidirectional stream reads its input events
// from standard input while it prints the output events.

#ifndef BEDROCK_RUNTIME_COMMANDS_HPP
#define BEDROCK_RUNTIME_COMMANDS_HPP

#include "input.hpp"
#include "options.hpp"
#include "output.hpp"

#include <bedrock/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <cstddef>
#include <istream>
#include <type_traits>

namespace cli {

namespace asio = boost::asio;
namespace ops = bedrock::operations;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

template <class Op>
asio::awaitable<int> run_unary(bedrock::client& client, const options& o)
{
    auto request = read_request<Op>(o);
    bedrock::diagnostics diag;
    auto [ec, out] = co_await client.call<Op>(std::move(request), &diag, use_tuple);
    if (ec) {
        print_error(ec, diag);
        co_return 1;
    }
    if constexpr (std::is_same_v<Op, ops::converse>) {
        if (o.flag("--text")) {
            if (auto* m = std::get_if<bedrock::converse_output_message>(&out.output))
                print_line(bedrock::message_text(m->value));
            co_return 0;
        }
    }
    if constexpr (std::is_same_v<Op, ops::invoke_model>) {
        if (o.flag("--text")) {
            print_text({reinterpret_cast<const char*>(out.body.data()), out.body.size()});
            co_return 0;
        }
    }
    print_line(response_json<Op>(out));
    co_return 0;
}

template <class Op>
asio::awaitable<int> run_stream(bedrock::client& client, const options& o)
{
    auto request = read_request<Op>(o);
    bedrock::diagnostics diag;
    auto [ec, stream] = co_await client.open_stream<Op>(std::move(request), &diag, use_tuple);
    if (ec) {
        print_error(ec, diag);
        co_return 1;
    }
    const bool text = o.flag("--text");
    for (;;) {
        auto [e, event] = co_await stream.next(use_tuple);
        if (e) {
            if (text)
                print_text("\n");
            print_error(e, stream.diagnostics());
            co_return 1;
        }
        if (!event)
            break;
        if (text)
            print_text(event_text(*event));
        else
            print_line(event_json(*event));
    }
    if (text)
        print_text("\n");
    co_return 0;
}

/// Every page of ListAsyncInvokes (at most --max-items summaries), as one response.
inline asio::awaitable<int> run_list_async_invokes(bedrock::client& client, const options& o)
{
    auto pages = client.paginate_async_invokes(read_request<ops::list_async_invokes>(o));
    const auto max_items = o.value("--max-items");
    const std::size_t limit = max_items ? std::stoul(*max_items) : SIZE_MAX;
    bedrock::list_async_invokes_response all;
    while (all.async_invoke_summaries.size() < limit) {
        auto [ec, page] = co_await pages.next(use_tuple);
        if (ec) {
            print_error(ec, bedrock::diagnostics{});
            co_return 1;
        }
        if (!page)
            break;
        for (auto& summary : page->async_invoke_summaries)
            if (all.async_invoke_summaries.size() < limit)
                all.async_invoke_summaries.push_back(std::move(summary));
    }
    print_line(response_json<ops::list_async_invokes>(all));
    co_return 0;
}

/// Standard input, one event per line, sent as each line is read; finish() at end of file.
inline asio::awaitable<void> send_input(bedrock::bidirectional_stream& stream, int& status)
{
    asio::posix::stream_descriptor in(co_await asio::this_coro::executor, ::dup(STDIN_FILENO));
    asio::streambuf buffer;
    for (;;) {
        auto [ec, n] = co_await asio::async_read_until(in, buffer, '\n', use_tuple);
        if (ec && buffer.size() == 0)
            break; // end of file (or an unreadable standard input: the input ends there)
        std::string line(asio::buffers_begin(buffer.data()),
                         asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(ec ? buffer.size() : n));
        buffer.consume(line.size());
        if (line.find_first_not_of(" \t\r\n") == std::string::npos)
            continue;
        bedrock::invoke_model_with_bidirectional_stream_input event;
        try {
            event = read_event<bedrock::invoke_model_with_bidirectional_stream_input>(line);
        } catch (const input_error& e) {
            print_input_error(e);
            status = 2;
            stream.close(); // ends the output side too
            co_return;
        }
        auto [send_ec] = co_await stream.send(std::move(event), use_tuple);
        if (send_ec)
            co_return; // the stream has failed: next() reports it
    }
    co_await stream.finish(use_tuple);
}

inline asio::awaitable<void> print_output(bedrock::bidirectional_stream& stream, int& status)
{
    for (;;) {
        auto [ec, event] = co_await stream.next(use_tuple);
        if (ec) {
            if (status == 0) {
                print_error(ec, stream.diagnostics());
                status = 1;
            }
            co_return;
        }
        if (!event)
            co_return;
        print_line(event_json(*event));
    }
}

inline asio::awaitable<int> run_bidirectional(bedrock::client& client, const options& o)
{
    auto request = read_request<ops::invoke_model_with_bidirectional_stream>(o);
    bedrock::diagnostics diag;
    auto [ec, stream] = co_await client.invoke_model_with_bidirectional_stream(std::move(request), diag, use_tuple);
    if (ec) {
        print_error(ec, diag);
        co_return 1;
    }
    int status = 0;
    using namespace asio::experimental::awaitable_operators;
    co_await (send_input(stream, status) && print_output(stream, status));
    co_return status;
}

/// The command's coroutine; the command name has been checked (options.hpp, command_usage).
inline asio::awaitable<int> run(bedrock::client& client, const options& o)
{
    const std::string& c = o.command;
    if (c == "converse")
        return run_unary<ops::converse>(client, o);
    if (c == "converse-stream")
        return run_stream<ops::converse_stream>(client, o);
    if (c == "invoke-model")
        return run_unary<ops::invoke_model>(client, o);
    if (c == "invoke-model-with-response-stream")
        return run_stream<ops::invoke_model_with_response_stream>(client, o);
    if (c == "invoke-model-with-bidirectional-stream")
        return run_bidirectional(client, o);
    if (c == "apply-guardrail")
        return run_unary<ops::apply_guardrail>(client, o);
    if (c == "count-tokens")
        return run_unary<ops::count_tokens>(client, o);
    if (c == "invoke-guardrail-checks")
        return run_unary<ops::invoke_guardrail_checks>(client, o);
    if (c == "start-async-invoke")
        return run_unary<ops::start_async_invoke>(client, o);
    if (c == "get-async-invoke")
        return run_unary<ops::get_async_invoke>(client, o);
    return run_list_async_invokes(client, o);
}

} // namespace cli

#endif

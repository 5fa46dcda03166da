// A user's translation unit: includes the client and calls converse_stream once.
#include <bedrock/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

boost::asio::awaitable<void> ask(bedrock::client& client)
{
    bedrock::converse_stream_request request;
    request.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    request.messages = std::vector{bedrock::user_text("Hello")};
    auto stream = co_await client.converse_stream(request);
    while (auto event = co_await stream.next())
        (void)event;
}

int main()
{
    boost::asio::io_context io;
    bedrock::client client{io.get_executor(), bedrock::config::from_environment()};
    boost::asio::co_spawn(io, ask(client), boost::asio::detached);
    io.run();
}

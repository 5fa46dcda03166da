// An installed bedrock::testing: the emulator, compiled once in its own library on top of
// bedrock::compiled, answering a client over TLS on loopback. Checks that the target is exported
// with what it needs (its link to bedrock::compiled, the separate-compilation definitions).
#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int main()
{
    bedrock::testing::emulator emu;
    emu.start();
    boost::asio::io_context io;
    bedrock::client client{io.get_executor(), emu.client_config()};

    bedrock::converse_request request;
    request.model_id = "consumer-echo";
    request.messages = {bedrock::user_text("hello from an installed bedrock::testing")};
    std::string reply;
    boost::system::error_code result = boost::asio::error::timed_out;
    client.converse(request, [&](boost::system::error_code ec, bedrock::converse_response out) {
        result = ec;
        if (!ec)
            if (auto* m = std::get_if<bedrock::converse_output_message>(&out.output))
                reply = bedrock::message_text(m->value);
    });
    io.run_for(std::chrono::seconds(20));
    if (result || reply != "echo: hello from an installed bedrock::testing") {
        std::printf("consumer_testing: ec=%s, reply=\"%s\"\n", result.message().c_str(), reply.c_str());
        return 1;
    }
    std::puts("consumer_testing: installed bedrock::testing serves the client");
}

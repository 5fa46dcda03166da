#include <bedrock/eventstream.hpp>

#include <cstdio>
#include <string_view>

int main()
{
    namespace es = bedrock::eventstream;
    const es::header_view headers[] = {{":event-type", std::string_view{"chunk"}}};
    std::vector<std::uint8_t> frame;
    if (es::encode(headers, {}, frame))
        return 1;
    es::decoder decoder;
    auto [consumed, state] = decoder.feed(frame);
    if (state != es::decoder::status::message || consumed != frame.size() ||
        decoder.message().string_header(":event-type") != "chunk")
        return 1;
    std::puts("consumer: bedrock-asio found and working");
}

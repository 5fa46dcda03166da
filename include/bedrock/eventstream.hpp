#ifndef BEDROCK_EVENTSTREAM_HPP
#define BEDROCK_EVENTSTREAM_HPP

// The application/vnd.amazon.eventstream codec: no Asio, no JSON, no HTTP.
#include <bedrock/eventstream/crc32.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/eventstream/error.hpp>
#include <bedrock/eventstream/message.hpp>

#endif

#ifndef BEDROCK_SRC_HPP
#define BEDROCK_SRC_HPP

// Every non-template body of the library. Include this in exactly one translation unit of a program
// that defines BEDROCK_SEPARATE_COMPILATION everywhere (CMake: link bedrock::compiled). The emulator
// (bedrock/testing/) is not part of it: its bodies are in <bedrock/testing/src.hpp> (bedrock::testing).

#ifndef BEDROCK_SEPARATE_COMPILATION
#error "bedrock/src.hpp is for BEDROCK_SEPARATE_COMPILATION builds only"
#endif

#include <bedrock/auth/impl/crypto.ipp>
#include <bedrock/auth/impl/error.ipp>
#include <bedrock/auth/impl/event_signer.ipp>
#include <bedrock/auth/impl/sigv4.ipp>
#include <bedrock/auth/impl/profile.ipp>
#include <bedrock/core/impl/environment.ipp>
#include <bedrock/credentials/impl/process_provider.ipp>
#include <bedrock/credentials/impl/profile_provider.ipp>
#include <bedrock/credentials/impl/remote_providers.ipp>
#include <bedrock/credentials/impl/sso_provider.ipp>
#include <bedrock/credentials/impl/sts_providers.ipp>
#include <bedrock/eventstream/impl/crc32.ipp>
#include <bedrock/eventstream/impl/decoder.ipp>
#include <bedrock/eventstream/impl/encoder.ipp>
#include <bedrock/eventstream/impl/error.ipp>
#include <bedrock/engine/impl/attempt.ipp>
#include <bedrock/engine/impl/intercept.ipp>
#include <bedrock/engine/impl/run.ipp>
#include <bedrock/impl/bidirectional_stream.ipp>
#include <bedrock/impl/client.ipp>
#include <bedrock/impl/stream_core.ipp>
#include <bedrock/impl/stream_accumulator.ipp>
#include <bedrock/impl/config.ipp>
#include <bedrock/impl/error.ipp>
#include <bedrock/impl/retry.ipp>
#include <bedrock/protocol/impl/bindings.ipp>
#include <bedrock/protocol/impl/codec.ipp>
#include <bedrock/protocol/impl/errors.ipp>
#include <bedrock/protocol/impl/input_stream.ipp>
#include <bedrock/http/impl/connect_op.ipp>
#include <bedrock/http/impl/connection.ipp>
#include <bedrock/http/impl/connection_pool.ipp>
#include <bedrock/http/impl/endpoint.ipp>
#include <bedrock/http/impl/error.ipp>
#include <bedrock/http/impl/pool.ipp>
#include <bedrock/http/impl/proxy.ipp>
#include <bedrock/http/impl/response_stream.ipp>
#include <bedrock/http/impl/tls.ipp>
#include <bedrock/transport/impl/http1.ipp>
#include <bedrock/transport/impl/http2.ipp>
#include <bedrock/transport/impl/request.ipp>
#include <bedrock/json/impl/base64.ipp>
#include <bedrock/json/impl/error.ipp>
#include <bedrock/json/impl/parse.ipp>
#include <bedrock/json/impl/reader.ipp>
#include <bedrock/json/impl/writer.ipp>
#include <bedrock/model/impl/errors.ipp>
#include <bedrock/model/json/impl/async_invoke.ipp>
#include <bedrock/model/json/impl/bidirectional_stream.ipp>
#include <bedrock/model/json/impl/common.ipp>
#include <bedrock/model/json/impl/converse.ipp>
#include <bedrock/model/json/impl/converse_stream.ipp>
#include <bedrock/model/json/impl/count_tokens.ipp>
#include <bedrock/model/json/impl/errors.ipp>
#include <bedrock/model/json/impl/guardrail.ipp>
#include <bedrock/model/json/impl/guardrail_checks.ipp>
#include <bedrock/model/json/impl/invoke_model.ipp>

#endif

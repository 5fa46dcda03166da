#ifndef BEDROCK_SRC_HPP
#define BEDROCK_SRC_HPP

// Every non-template body of the library. Include this in exactly one translation unit of a program
// that defines BEDROCK_SEPARATE_COMPILATION everywhere (CMake: link bedrock::compiled).

#ifndef BEDROCK_SEPARATE_COMPILATION
#error "bedrock/src.hpp is for BEDROCK_SEPARATE_COMPILATION builds only"
#endif

#include <bedrock/auth/impl/crypto.ipp>
#include <bedrock/auth/impl/error.ipp>
#include <bedrock/auth/impl/event_signer.ipp>
#include <bedrock/auth/impl/sigv4.ipp>
#include <bedrock/auth/impl/profile.ipp>
#include <bedrock/eventstream/impl/crc32.ipp>
#include <bedrock/eventstream/impl/decoder.ipp>
#include <bedrock/eventstream/impl/encoder.ipp>
#include <bedrock/eventstream/impl/error.ipp>
#include <bedrock/impl/config.ipp>
#include <bedrock/impl/error.ipp>
#include <bedrock/impl/retry.ipp>
#include <bedrock/protocol/impl/errors.ipp>

#endif

#ifndef BEDROCK_TESTING_SRC_HPP
#define BEDROCK_TESTING_SRC_HPP

// Every non-template body of the emulator and its HTTPS server (bedrock/testing/), kept apart from
// <bedrock/src.hpp> so that a program that only talks to Bedrock does not carry a Bedrock emulator.
// Include this in exactly one translation unit of a BEDROCK_SEPARATE_COMPILATION program that also
// compiles <bedrock/src.hpp> (CMake: link bedrock::testing, which links bedrock::compiled).

#ifndef BEDROCK_SEPARATE_COMPILATION
#error "bedrock/testing/src.hpp is for BEDROCK_SEPARATE_COMPILATION builds only"
#endif

#include <bedrock/testing/impl/signature_verifier.ipp>
#include <bedrock/testing/impl/event_chain_verifier.ipp>
#include <bedrock/testing/impl/emulator_core.ipp>
#include <bedrock/testing/impl/emulator.ipp>
#include <bedrock/testing/impl/certificate.ipp>
#include <bedrock/testing/impl/https_server.ipp>

#endif

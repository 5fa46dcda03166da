// The one translation unit of the bedrock::testing library: the emulator, its HTTPS server and
// signature verifier (BEDROCK_SEPARATE_COMPILATION; the library's own bodies are in bedrock::compiled).
#include <bedrock/testing/src.hpp>

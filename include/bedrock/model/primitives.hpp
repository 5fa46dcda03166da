#ifndef BEDROCK_MODEL_PRIMITIVES_HPP
#define BEDROCK_MODEL_PRIMITIVES_HPP

// The model's primitive types (bedrock::bytes, timestamp, document, model_enum) live in
// <bedrock/core/primitives.hpp>, below both model/ and json/. This path keeps working.

#include <bedrock/core/primitives.hpp>

#endif

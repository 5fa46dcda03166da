// The one translation unit of the bedrock::compiled library (BEDROCK_SEPARATE_COMPILATION).
#include <bedrock/src.hpp>

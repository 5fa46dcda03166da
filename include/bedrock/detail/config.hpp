#ifndef BEDROCK_DETAIL_CONFIG_HPP
#define BEDROCK_DETAIL_CONFIG_HPP

// Header-only by default: every non-template function is `inline` and its body (an impl/*.ipp file)
// is included by the header that declares it. With BEDROCK_SEPARATE_COMPILATION defined in every
// translation unit, the bodies are compiled once, in the one file that includes <bedrock/src.hpp>.
#if defined(BEDROCK_SEPARATE_COMPILATION)
#define BEDROCK_DECL
#else
#define BEDROCK_DECL inline
#define BEDROCK_HEADER_ONLY 1
#endif

#endif

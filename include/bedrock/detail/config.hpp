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

// For a few small functions on a hot path that the compiler would otherwise call out of line
// (measured: a member name's scan, once per member of every event).
#if defined(__GNUC__) || defined(__clang__)
#define BEDROCK_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define BEDROCK_ALWAYS_INLINE inline
#endif

#endif

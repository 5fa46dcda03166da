#ifndef BEDROCK_ENGINE_INTERCEPT_HPP
#define BEDROCK_ENGINE_INTERCEPT_HPP

// Where the interceptors' hooks (bedrock/interceptor.hpp) are called from: the operations (around
// their build and parse, and at completion) and the attempt machine (each attempt's phases). Each
// entry point is an inline test of call.interceptors, null unless the client has interceptors, so a
// client without any pays no call, no virtual call and no allocation; the loops are compiled once.
//
// Each returns the first error a hook returned (empty: go on). end_attempt() and
// intercept_completion() run every interceptor's hook even after one failed, as the SDKs do, so the
// later ones see the error.

#include <bedrock/config.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/engine/attempt.hpp>
#include <bedrock/interceptor.hpp>

#include <boost/system/error_code.hpp>

#include <string_view>

namespace bedrock::engine {
namespace hooks {
BEDROCK_DECL boost::system::error_code before_serialization(call_state& call, erased_ref input);
BEDROCK_DECL boost::system::error_code after_serialization(call_state& call);
BEDROCK_DECL boost::system::error_code before_attempt(call_state& call);
BEDROCK_DECL boost::system::error_code before_signing(call_state& call);
BEDROCK_DECL boost::system::error_code after_signing(call_state& call);
BEDROCK_DECL boost::system::error_code after_transmit(call_state& call, const transport::response_head& head,
                                                      std::string_view body);
BEDROCK_DECL boost::system::error_code end_attempt(call_state& call, boost::system::error_code ec, erased_ref output);
BEDROCK_DECL boost::system::error_code completion(call_state& call, boost::system::error_code ec, erased_ref output);
} // namespace hooks

/// Before the build: the one emptiness test of the call (it arms the other entry points); then
/// read_before_execution, modify_before_serialization, read_before_serialization.
inline boost::system::error_code intercept_before_serialization(const config& cfg, call_state& call, erased_ref input)
{
    if (cfg.interceptors.empty())
        return {};
    call.interceptors = &cfg.interceptors;
    return hooks::before_serialization(call, input);
}

/// call.base built: read_after_serialization, modify_before_retry_loop.
inline boost::system::error_code intercept_after_serialization(call_state& call)
{
    return call.interceptors ? hooks::after_serialization(call) : boost::system::error_code{};
}

/// An attempt begins (after the rate limit's wait): read_before_attempt.
inline boost::system::error_code intercept_before_attempt(call_state& call)
{
    return call.interceptors ? hooks::before_attempt(call) : boost::system::error_code{};
}

/// call.request prepared, not signed: modify_before_signing, read_before_signing.
inline boost::system::error_code intercept_before_signing(call_state& call)
{
    return call.interceptors ? hooks::before_signing(call) : boost::system::error_code{};
}

/// call.request signed: read_after_signing, modify_before_transmit, read_before_transmit.
inline boost::system::error_code intercept_after_signing(call_state& call)
{
    return call.interceptors ? hooks::after_signing(call) : boost::system::error_code{};
}

/// An answer's head (and a unary or error answer's body): read_after_transmit,
/// read_before_deserialization.
inline boost::system::error_code intercept_after_transmit(call_state& call, const transport::response_head& head,
                                                          std::string_view body)
{
    return call.interceptors ? hooks::after_transmit(call, head, body) : boost::system::error_code{};
}

/// The attempt's end with its outcome `ec` (and a unary call's parsed `output`):
/// read_after_deserialization when there was an answer, then read_after_attempt. Once per attempt.
inline boost::system::error_code end_attempt(call_state& call, boost::system::error_code ec, erased_ref output = {})
{
    return call.interceptors && call.attempt_open ? hooks::end_attempt(call, ec, output) : boost::system::error_code{};
}

/// The call's end: an attempt still open ends first; then modify_before_completion and
/// read_after_execution. Returns the call's result: `ec`, or the first hook's error. The hooks are
/// disarmed after it (a stream re-opened by next() is not intercepted).
inline boost::system::error_code intercept_completion(call_state& call, boost::system::error_code ec,
                                                      erased_ref output = {})
{
    return call.interceptors ? hooks::completion(call, ec, output) : ec;
}

} // namespace bedrock::engine

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/engine/impl/attempt.ipp>
#include <bedrock/engine/impl/intercept.ipp>
#endif

#endif

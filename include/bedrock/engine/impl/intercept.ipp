#ifndef BEDROCK_ENGINE_IMPL_INTERCEPT_IPP
#define BEDROCK_ENGINE_IMPL_INTERCEPT_IPP

#include <bedrock/engine/intercept.hpp>

#include <atomic>
#include <cstdint>

namespace bedrock::engine::hooks {
namespace phase {

// One phase: each interceptor's hook in order; the first error stops the phase.
template <class Hook>
boost::system::error_code each(call_state& call, Hook hook)
{
    for (const auto& i : *call.interceptors)
        if (i)
            if (auto e = hook(*i))
                return e;
    return {};
}

// One phase that always runs whole (the attempt's end, completion): every hook runs; the first error
// is the result and, from then on, what context::error says.
template <class Hook>
boost::system::error_code every(call_state& call, Hook hook)
{
    boost::system::error_code first;
    for (const auto& i : *call.interceptors)
        if (i)
            if (auto e = hook(*i); e && !first) {
                first = e;
                call.seen.error = e;
            }
    return first;
}

} // namespace phase

BEDROCK_DECL boost::system::error_code before_serialization(call_state& call, erased_ref input)
{
    call.seen = {};
    call.seen.operation = call.operation;
    static std::atomic<std::uint64_t> calls{0};
    call.seen.call_id = calls.fetch_add(1, std::memory_order_relaxed) + 1;
    call.seen.input = input;
    auto& c = call.seen;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.read_before_execution(c); }))
        return e;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.modify_before_serialization(c, input); }))
        return e;
    return phase::each(call, [&](interceptor& i) { return i.read_before_serialization(c); });
}

BEDROCK_DECL boost::system::error_code after_serialization(call_state& call)
{
    auto& c = call.seen;
    c.request = &call.base;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.read_after_serialization(c); }))
        return e;
    return phase::each(call, [&](interceptor& i) { return i.modify_before_retry_loop(c, call.base); });
}

BEDROCK_DECL boost::system::error_code before_attempt(call_state& call)
{
    auto& c = call.seen;
    c.attempt = call.attempt;
    c.request = &call.base; // the attempt's own request is made just before signing
    c.response = nullptr;
    c.response_body = {};
    c.output = {};
    c.error = {};
    call.attempt_open = true;
    return phase::each(call, [&](interceptor& i) { return i.read_before_attempt(c); });
}

BEDROCK_DECL boost::system::error_code before_signing(call_state& call)
{
    auto& c = call.seen;
    c.request = &call.request;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.modify_before_signing(c, call.request); }))
        return e;
    return phase::each(call, [&](interceptor& i) { return i.read_before_signing(c); });
}

BEDROCK_DECL boost::system::error_code after_signing(call_state& call)
{
    auto& c = call.seen;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.read_after_signing(c); }))
        return e;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.modify_before_transmit(c, call.request); }))
        return e;
    return phase::each(call, [&](interceptor& i) { return i.read_before_transmit(c); });
}

BEDROCK_DECL boost::system::error_code after_transmit(call_state& call, const transport::response_head& head,
                                                      std::string_view body)
{
    auto& c = call.seen;
    c.response = &head;
    c.response_body = body;
    if (auto e = phase::each(call, [&](interceptor& i) { return i.read_after_transmit(c); }))
        return e;
    return phase::each(call, [&](interceptor& i) { return i.read_before_deserialization(c); });
}

BEDROCK_DECL boost::system::error_code end_attempt(call_state& call, boost::system::error_code ec, erased_ref output)
{
    auto& c = call.seen;
    call.attempt_open = false;
    c.error = ec;
    c.output = ec ? erased_ref{} : output;
    boost::system::error_code first;
    if (c.response) { // deserialized (or refused) an answer
        first = phase::each(call, [&](interceptor& i) { return i.read_after_deserialization(c); });
        if (first) {
            c.error = first;
            c.output = {};
        }
    }
    const auto after = phase::every(call, [&](interceptor& i) { return i.read_after_attempt(c); });
    // The answer's head and body belong to the attempt: the next one (or the end) releases them.
    c.response = nullptr;
    c.response_body = {};
    return first ? first : after;
}

BEDROCK_DECL boost::system::error_code completion(call_state& call, boost::system::error_code ec, erased_ref output)
{
    if (call.attempt_open) // ended by cancellation or by the operation
        if (auto e = hooks::end_attempt(call, ec, output))
            ec = e;
    auto& c = call.seen;
    c.request = &call.base;
    c.error = ec;
    c.output = ec ? erased_ref{} : output;
    const auto out = ec ? erased_ref{} : output;
    if (auto e = phase::every(call, [&](interceptor& i) { return i.modify_before_completion(c, out); })) {
        ec = e;
        c.output = {};
    }
    if (auto e = phase::every(call, [&](interceptor& i) { return i.read_after_execution(c); }))
        ec = e;
    call.interceptors = nullptr; // once per call
    return ec;
}

} // namespace bedrock::engine::hooks

#endif

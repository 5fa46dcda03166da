#ifndef BEDROCK_INTERCEPTOR_HPP
#define BEDROCK_INTERCEPTOR_HPP

// Interceptors: code of the caller's that runs at each phase of every call, as the AWS SDKs'
// interceptors do (metrics, tracing, an extra header, a request policy). Configured once per client
// (config::interceptors); a client with none pays one emptiness check per call.
//
// The phases, in order (every hook of every interceptor, in the vector's order):
//   read_before_execution, modify_before_serialization, read_before_serialization,
//   read_after_serialization, modify_before_retry_loop,
//   then for each attempt: read_before_attempt, modify_before_signing, read_before_signing,
//     read_after_signing, modify_before_transmit, read_before_transmit, read_after_transmit,
//     read_before_deserialization, read_after_deserialization, read_after_attempt,
//   then modify_before_completion, read_after_execution.
//
// A hook fails the call by returning an error_code: the phase stops there, nothing is retried, and
// the call completes with that error; read_after_attempt (if an attempt had begun),
// modify_before_completion and read_after_execution still run, each interceptor's, and see it in
// context::error. Transmit failures skip the after-transmit and deserialization hooks.
//
// Signing: a header added by modify_before_signing is signed like the request's own. What
// modify_before_transmit changes is sent as it is, unsigned: an added header does not disturb the
// signature (SigV4 covers the headers it lists in SignedHeaders only), but changing a signed header
// or the body makes the service refuse the request (403).
//
// Streams (converse_stream, invoke_model_with_response_stream, the bidirectional stream): the call
// is the opening. Its attempt ends with the response head (no body in the context, no output);
// completion runs when the open completes. Events read with next() are not intercepted.
//
// Hooks are synchronous and run on the client's executor (so, with a strand, never two at once for
// one client); an interceptor shared by several clients on several threads must lock its own state.

#include <bedrock/http/message_fwd.hpp>
#include <bedrock/transport/request.hpp>

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace bedrock {

/// A pointer to one of the operation's objects (its request, its response) without its type:
/// `get<bedrock::converse_request>()` is null for any other operation's.
class erased_ref {
public:
    erased_ref() = default;
    template <class T>
        requires(!std::is_same_v<std::remove_cv_t<T>, erased_ref>) // (never wraps itself: copies copy)
    explicit erased_ref(T& object) noexcept : object_(&object), type_(&type_tag<std::remove_cv_t<T>>)
    {
    }

    template <class T>
    T* get() noexcept
    {
        return type_ == &type_tag<std::remove_cv_t<T>> ? static_cast<T*>(object_) : nullptr;
    }
    template <class T>
    const T* get() const noexcept
    {
        return type_ == &type_tag<std::remove_cv_t<T>> ? static_cast<const T*>(object_) : nullptr;
    }
    explicit operator bool() const noexcept { return object_ != nullptr; }

private:
    // One object per type, whose address names the type: no typeid, so that programs built
    // without RTTI (-fno-rtti, as game engines build) can use interceptors too.
    template <class T>
    static constexpr char type_tag = 0;

    void* object_ = nullptr;
    const char* type_ = nullptr;
};

/// What exists at a phase. Members not yet known are empty (null, 0).
struct interceptor_context {
    std::string_view operation;   ///< "Converse", "InvokeGuardrailChecks", ...
    /// Distinct for each call of the process: the key of an interceptor's per-call state (calls
    /// of one client overlap).
    std::uint64_t call_id = 0;
    erased_ref input;             ///< the operation's request (`input.get<bedrock::converse_request>()`)
    /// The attempt, 1 for the first; 0 before the retry loop and after the last attempt's end.
    int attempt = 0;
    /// The serialized request: from read_after_serialization, the one the attempts start from; from
    /// modify_before_signing, the attempt's (with its amz-sdk-* headers, then its signature).
    const transport::request* request = nullptr;
    /// The answer's status line and headers (Beast's response_header<>), from read_after_transmit
    /// to the attempt's end (null when the attempt failed before an answer). Declared only: include
    /// <bedrock/http/message.hpp> to read it (kept out of this header so that <bedrock/client.hpp>
    /// does not bring in Beast, see http/message_fwd.hpp).
    const http::response_head* response = nullptr;
    /// The answer's body as received, with its head (a non-2xx answer's too); empty for a stream.
    std::string_view response_body;
    /// A unary call's parsed response, from read_after_deserialization (null for a stream or an error).
    erased_ref output;
    /// read_after_attempt: the attempt's outcome; completion hooks: the call's so far.
    boost::system::error_code error;
};

/// Every hook does nothing by default: override the phases of interest. A non-empty return fails
/// the call (see above). Read hooks see the context only; modifying hooks are handed what they may
/// change, and each sees the changes of the hooks before it.
class interceptor {
public:
    using error_code = boost::system::error_code;
    using context = interceptor_context;

    virtual ~interceptor() = default;

    virtual error_code read_before_execution(const context&) { return {}; }
    /// `input`: the request object, before it is serialized (`input.get<converse_request>()`).
    virtual error_code modify_before_serialization(const context&, erased_ref /*input*/) { return {}; }
    virtual error_code read_before_serialization(const context&) { return {}; }
    virtual error_code read_after_serialization(const context&) { return {}; }
    /// `request`: what every attempt starts from.
    virtual error_code modify_before_retry_loop(const context&, transport::request&) { return {}; }

    virtual error_code read_before_attempt(const context&) { return {}; }
    /// `request`: this attempt's, about to be signed (what is added here is signed).
    virtual error_code modify_before_signing(const context&, transport::request&) { return {}; }
    virtual error_code read_before_signing(const context&) { return {}; }
    virtual error_code read_after_signing(const context&) { return {}; }
    /// `request`: this attempt's, signed; what changes here is not (see above).
    virtual error_code modify_before_transmit(const context&, transport::request&) { return {}; }
    virtual error_code read_before_transmit(const context&) { return {}; }
    virtual error_code read_after_transmit(const context&) { return {}; }
    virtual error_code read_before_deserialization(const context&) { return {}; }
    virtual error_code read_after_deserialization(const context&) { return {}; }
    virtual error_code read_after_attempt(const context&) { return {}; }

    /// `output`: a unary call's response, which the caller receives (empty for a stream or an error).
    virtual error_code modify_before_completion(const context&, erased_ref /*output*/) { return {}; }
    virtual error_code read_after_execution(const context&) { return {}; }
};

} // namespace bedrock

#endif

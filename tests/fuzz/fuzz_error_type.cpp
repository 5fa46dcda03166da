// libFuzzer: how a failed answer becomes an error code (protocol::error_from_response) and how an
// error type is reduced to its name (json::sanitize_error_type), on arbitrary status, headers and
// body. Properties:
//  - sanitize_error_type returns a piece of its input (same memory), with no ':' or '#' and no
//    surrounding blanks, and is idempotent;
//  - error_from_response never throws, is deterministic, always returns a service_category code
//    of a known service_errc, names it (diag.error_type non-empty), records status and request id,
//    and follows its rules: a type named by the header (or else the body) is the name kept, a known
//    name gives its code, no name gives the status's code;
//  - error_from_stream_message, given the same strings as `:exception-type`/`:error-code` headers,
//    also stays in the service category (or gives no code for other message types).

#include <bedrock/error.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/protocol/errors.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

void check_sanitized(std::string_view raw)
{
    const std::string_view name = bedrock::json::sanitize_error_type(raw);
    if (!name.empty() && (name.data() < raw.data() || name.data() + name.size() > raw.data() + raw.size()))
        __builtin_trap(); // not a piece of its input
    if (name.find_first_of(":#") != std::string_view::npos)
        __builtin_trap();
    if (!name.empty() && (name.front() == ' ' || name.front() == '\t' || name.back() == ' ' || name.back() == '\t'))
        __builtin_trap();
    if (bedrock::json::sanitize_error_type(name) != name)
        __builtin_trap();
}

bool is_service_code(const boost::system::error_code& ec)
{
    return ec.category() == bedrock::service_category() && ec.value() >= 1 &&
           ec.value() <= static_cast<int>(bedrock::service_errc::unknown);
}

bedrock::service_errc from_status(unsigned status)
{
    switch (status) {
    case 429: return bedrock::service_errc::throttling;
    case 500: return bedrock::service_errc::internal_server;
    case 503: return bedrock::service_errc::service_unavailable;
    case 502:
    case 504: return bedrock::service_errc::transient_http_error;
    default: return bedrock::service_errc::unknown;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    // Mostly HTTP-like statuses, sometimes anything.
    const unsigned status = in.ConsumeBool() ? in.ConsumeIntegral<unsigned>() : in.ConsumeIntegralInRange(100u, 599u);
    const std::string header = in.ConsumeRandomLengthString(512);
    const std::string request_id = in.ConsumeRandomLengthString(64);
    const std::string body = in.ConsumeRemainingBytesAsString();

    check_sanitized(header);
    check_sanitized(body);

    try {
        bedrock::diagnostics diag, diag_again;
        const auto ec = bedrock::protocol::error_from_response(status, header, request_id, body, diag);
        const auto again = bedrock::protocol::error_from_response(status, header, request_id, body, diag_again);
        if (ec != again || diag.error_type != diag_again.error_type ||
            diag.service_message != diag_again.service_message || diag.extra != diag_again.extra)
            __builtin_trap();
        if (!is_service_code(ec) || diag.error_type.empty() || diag.http_status != status ||
            diag.request_id != request_id)
            __builtin_trap();
        const auto code = static_cast<bedrock::service_errc>(ec.value());

        const std::string_view header_name = bedrock::json::sanitize_error_type(header);
        if (!header.empty() && !header_name.empty()) {
            // The header names the error: that name is kept, and a known one decides the code.
            if (diag.error_type != header_name)
                __builtin_trap();
            const auto named = bedrock::service_error_from_name(header_name);
            if (named != bedrock::service_errc::unknown && code != named)
                __builtin_trap();
            if (named == bedrock::service_errc::unknown && code != from_status(status))
                __builtin_trap();
        }
        if (header.empty() && bedrock::service_error_from_name(diag.error_type) != code &&
            code != from_status(status))
            __builtin_trap();

        // The same strings as a stream's exception or error frame.
        const std::string_view kinds[] = {"exception", "error", "event"};
        for (std::string_view kind : kinds) {
            const bedrock::eventstream::header_view headers[] = {{":message-type", kind},
                                                                 {":exception-type", std::string_view{header}},
                                                                 {":error-code", std::string_view{header}},
                                                                 {":error-message", std::string_view{request_id}}};
            bedrock::eventstream::message_view m;
            m.headers = headers;
            m.payload = {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()};
            bedrock::diagnostics sd;
            const auto sec = bedrock::protocol::error_from_stream_message(m, sd);
            if (kind == "event" ? bool(sec) : !is_service_code(sec))
                __builtin_trap();
            if (kind != "event" && sd.error_type != bedrock::json::sanitize_error_type(header))
                __builtin_trap();
        }
    } catch (...) {
        __builtin_trap(); // "never fails": no exception on any input
    }
    return 0;
}

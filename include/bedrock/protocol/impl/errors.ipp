#ifndef BEDROCK_PROTOCOL_IMPL_ERRORS_IPP
#define BEDROCK_PROTOCOL_IMPL_ERRORS_IPP

#include <bedrock/error.hpp>
#include <bedrock/json/parse.hpp>
#include <bedrock/protocol/errors.hpp>

#include <boost/json/parse.hpp>

namespace bedrock::protocol {
namespace detail {

inline service_errc error_from_status(unsigned status) noexcept
{
    switch (status) {
    case 429: return service_errc::throttling;
    case 500: return service_errc::internal_server;
    case 503: return service_errc::service_unavailable;
    case 502:
    case 504: return service_errc::transient_http_error;
    default: return service_errc::unknown;
    }
}

// Reads the JSON members of an error body: the message into diag, every other member into
// diag.extra (as the SDKs keep them), and returns the type the body names: `__type`, else `code`.
inline std::string read_error_body(std::string_view body, diagnostics& diag)
{
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object())
        return {};
    std::string dunder_type, code;
    for (auto& [key, value] : v.as_object()) {
        if ((key == "message" || key == "Message") && value.is_string()) {
            diag.service_message = value.as_string();
            continue;
        }
        if (key == "__type" && value.is_string())
            dunder_type = value.as_string();
        else if (key == "code" && value.is_string())
            code = value.as_string();
        diag.extra[key] = value;
    }
    return dunder_type.empty() ? code : dunder_type;
}

} // namespace detail

BEDROCK_DECL boost::system::error_code error_from_response(unsigned status, std::string_view error_type_header,
                                                           std::string_view request_id, std::string_view body,
                                                           diagnostics& diag)
{
    diag.http_status = status;
    diag.request_id = std::string(request_id);
    const std::string body_type = detail::read_error_body(body, diag);
    std::string name{json::sanitize_error_type(error_type_header.empty() ? std::string_view{body_type} : error_type_header)};
    diag.error_type = name;
    service_errc code = name.empty() ? detail::error_from_status(status) : service_error_from_name(name);
    if (code == service_errc::unknown && !name.empty())
        if (auto by_status = detail::error_from_status(status); by_status != service_errc::unknown)
            code = by_status; // an unnamed 503 stays retryable whatever it calls itself
    if (diag.error_type.empty())
        diag.error_type = std::string(service_error_name(code));
    return code;
}

BEDROCK_DECL boost::system::error_code error_from_stream_message(const eventstream::message_view& m,
                                                                 diagnostics& diag)
{
    const std::string_view kind = m.string_header(":message-type");
    if (kind == "exception") {
        std::string_view type = json::sanitize_error_type(m.string_header(":exception-type"));
        (void)detail::read_error_body({reinterpret_cast<const char*>(m.payload.data()), m.payload.size()}, diag);
        // The stream names an exception by its union member ("throttlingException"), the shape
        // name with a lower-case first letter; keep it as sent, map it by the shape name.
        diag.error_type = std::string(type);
        std::string shape{type};
        if (!shape.empty() && shape[0] >= 'a' && shape[0] <= 'z')
            shape[0] = static_cast<char>(shape[0] - 'a' + 'A');
        return service_error_from_name(shape);
    }
    if (kind == "error") {
        diag.error_type = std::string(json::sanitize_error_type(m.string_header(":error-code")));
        diag.service_message = std::string(m.string_header(":error-message"));
        return service_error_from_name(diag.error_type);
    }
    return {};
}

} // namespace bedrock::protocol

#endif

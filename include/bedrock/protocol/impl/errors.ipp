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

BEDROCK_DECL std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view t) noexcept
{
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions, 29 characters.
    static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (t.size() != 29 || t[3] != ',' || t[4] != ' ' || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
        t[19] != ':' || t[22] != ':' || t.substr(25) != " GMT")
        return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t len, int& out) {
        out = 0;
        for (std::size_t i = at; i < at + len; ++i) {
            if (t[i] < '0' || t[i] > '9')
                return false;
            out = out * 10 + (t[i] - '0');
        }
        return true;
    };
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    const auto month = months.find(t.substr(8, 3));
    if (month == std::string_view::npos || month % 3 != 0 || !number(5, 2, day) || !number(12, 4, year) ||
        !number(17, 2, hour) || !number(20, 2, minute) || !number(23, 2, second) || hour > 23 || minute > 59 ||
        second > 60)
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month / 3 + 1)},
                             std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok())
        return std::nullopt;
    return time_point_cast<system_clock::duration>(sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second});
}

BEDROCK_DECL std::optional<std::chrono::milliseconds> clock_skew(unsigned status, std::string_view date_header,
                                                                 const diagnostics& diag,
                                                                 std::chrono::system_clock::time_point local_now)
{
    if (status < 400 || status > 499)
        return std::nullopt;
    const auto server_now = parse_http_date(date_header);
    if (!server_now)
        return std::nullopt;
    const auto skew = std::chrono::duration_cast<std::chrono::milliseconds>(*server_now - local_now);
    const std::string_view type = diag.error_type;
    const std::string_view message = diag.service_message;
    const bool said = type == "RequestTimeTooSkewed" || type == "RequestExpired" || type == "RequestInTheFuture" ||
                      (type == "InvalidSignatureException" &&
                       (message.find("Signature expired") != std::string_view::npos ||
                        message.find("Signature not yet current") != std::string_view::npos));
    // The Date header has whole seconds: a skew the service named is corrected from 1 s on; one it
    // did not name only when it is beyond what slow networks and coarse dates explain.
    const auto threshold = said ? std::chrono::milliseconds(1'000) : std::chrono::milliseconds(4 * 60'000);
    if (skew >= threshold || skew <= -threshold)
        return skew;
    return std::nullopt;
}

} // namespace bedrock::protocol

#endif

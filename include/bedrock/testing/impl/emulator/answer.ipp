#ifndef BEDROCK_TESTING_IMPL_EMULATOR_ANSWER_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_ANSWER_IPP

// The emulator's helpers (namespace detail::emu, so that their short names meet no one else's):
// one request being answered (`call`), and the answers every route shares: errors in the shape
// Bedrock's front end writes them, and the Date header.

#include <bedrock/model/errors.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/testing/detail/emulator_core.hpp>

#include <boost/beast/http/field.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bedrock::testing::detail::emu {

inline constexpr std::string_view bedrock_error_namespace = "http://internal.amazon.com/coral/com.amazon.bedrock/";
// Errors of the AWS front end (authentication) carry the generic coral namespace, as recorded.
inline constexpr std::string_view coral_error_namespace = "http://internal.amazon.com/coral/com.amazon.coral.service/";

/// One request being answered: what routing found in it, and the reply being built.
struct call {
    emulator_core& core;
    const request& req;
    std::vector<std::pair<std::string, std::string>> labels; // decoded URI labels
    std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters
    std::string request_id;
    std::string model_id; // the subject of scenarios and counters
    emulator_reply reply;
    simdjson::ondemand::parser& parser;
    std::size_t scenario_count = 0; // this request's number among the valid ones for model_id

    std::string_view label(std::string_view name) const
    {
        for (const auto& [n, v] : labels)
            if (n == name)
                return v;
        return {};
    }
    const std::string* query_value(std::string_view name) const
    {
        for (const auto& [n, v] : query)
            if (n == name)
                return &v;
        return nullptr;
    }
};

inline void json_head(call& c, unsigned status)
{
    c.reply.res.result(status);
    c.reply.res.set(boost::beast::http::field::content_type, "application/json");
}

/// An error answer as Bedrock's front end writes it.
inline void send_error(call& c, service_error e)
{
    const std::string_view name = e.name();
    // Bedrock's own errors carry its namespace; the front end's (unmodeled) ones the generic one.
    const std::string_view ns =
        std::holds_alternative<unknown_service_error>(e) ? coral_error_namespace : bedrock_error_namespace;
    unsigned status = e.http_status();
    if (status == 0)
        status = 400;
    c.reply = emulator_reply{};
    json_head(c, status);
    c.reply.res.set("x-amzn-ErrorType", std::string(name) + ":" + std::string(ns));
    c.reply.res.body() = json::serialize(e);
}

inline service_error named_error(std::string_view name, std::string message)
{
    service_error e = make_service_error(name);
    std::visit([&](auto& x) { x.message = std::move(message); }, e);
    if (auto* u = std::get_if<unknown_service_error>(&e)) {
        u->error_name = std::string(name);
        // The front end's unmodeled errors are authentication failures.
        u->http_status = 403;
    }
    return e;
}

inline void validation_error(call& c, std::string message)
{
    send_error(c, named_error("ValidationException", std::move(message)));
}

/// RFC 7231 IMF-fixdate ("Wed, 27 Mar 2024 23:08:09 GMT"), the Date header AWS sends and SDKs
/// read to correct their clock skew.
inline std::string http_date(std::chrono::system_clock::time_point t)
{
    using namespace std::chrono;
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto secs = floor<seconds>(t);
    const auto day = floor<std::chrono::days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{secs - day};
    const weekday wd{day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", days[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

} // namespace bedrock::testing::detail::emu

#endif

#ifndef BEDROCK_TESTS_UNIT_TESTING_EMULATOR_TEST_SUPPORT_HPP
#define BEDROCK_TESTS_UNIT_TESTING_EMULATOR_TEST_SUPPORT_HPP

// Building signed requests for the emulator (unit tests call its core directly; the integration
// tests send the same requests over TLS), and reading what it answers.

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::test {

inline const auth::credentials emulator_credentials{"AKIDEMULATOR", "emulator-secret", std::nullopt, std::nullopt};

/// %XX decoding of a query component.
inline std::string query_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

/// A request with Host, Content-Type (for a body) and a SigV4 signature over every header it holds.
inline testing::request signed_request(std::string method, std::string target, std::string body = {},
                                       std::vector<std::pair<std::string, std::string>> extra_headers = {},
                                       const auth::credentials& creds = emulator_credentials,
                                       std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
                                       std::string host = "127.0.0.1", std::string region = "us-east-1")
{
    testing::request req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set("Host", host);
    if (!body.empty() && std::none_of(extra_headers.begin(), extra_headers.end(),
                                      [](const auto& h) { return h.first == "Content-Type"; }))
        req.set("Content-Type", "application/json");
    for (const auto& [n, v] : extra_headers)
        req.set(n, v);
    req.body() = std::move(body);
    req.prepare_payload();

    std::vector<std::string> names, values;
    for (const auto& f : req) {
        names.emplace_back(f.name_string());
        values.emplace_back(f.value());
    }
    std::vector<auth::http_header> headers;
    for (std::size_t i = 0; i < names.size(); ++i)
        headers.push_back({names[i], values[i]});
    const std::string_view t = target;
    const auto q = t.find('?');
    std::vector<std::string> qs;
    if (q != std::string_view::npos) {
        for (std::string_view rest = t.substr(q + 1); !rest.empty();) {
            const auto amp = rest.find('&');
            const auto pair = rest.substr(0, amp);
            rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
            const auto eq = pair.find('=');
            qs.push_back(query_decode(pair.substr(0, eq)));
            qs.push_back(eq == std::string_view::npos ? std::string() : query_decode(pair.substr(eq + 1)));
        }
    }
    std::vector<auth::query_parameter> query;
    for (std::size_t i = 0; i + 1 < qs.size(); i += 2)
        query.push_back({qs[i], qs[i + 1]});

    auth::signing_options o;
    o.region = region;
    auth::signer s(o);
    auth::request r;
    r.method = method;
    r.path = t.substr(0, q);
    r.query = query;
    r.headers = headers;
    r.body = req.body();
    auth::signing_result out;
    if (s.sign(r, creds, now, out))
        throw std::runtime_error("signing failed");
    for (const auto& h : out.headers())
        req.set(h.name, h.value);
    return req;
}

/// A JSON POST to the emulator, signed.
inline testing::request post_json(std::string target, std::string body,
                                  std::vector<std::pair<std::string, std::string>> extra = {})
{
    return signed_request("POST", std::move(target), std::move(body), std::move(extra));
}

inline boost::json::object json_body(std::string_view body)
{
    const auto v = boost::json::parse(body);
    if (!v.is_object())
        throw std::runtime_error("not a JSON object: " + std::string(body));
    return v.as_object();
}

/// One decoded event-stream frame.
struct frame {
    std::string message_type; ///< :message-type
    std::string type;         ///< :event-type or :exception-type
    std::string content_type; ///< :content-type
    std::string payload;
};

/// Every frame of an event-stream body; throws on a framing error.
inline std::vector<frame> decode_frames(std::string_view body)
{
    std::vector<frame> out;
    eventstream::decoder d;
    auto bytes = eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
    while (!bytes.empty()) {
        const auto r = d.feed(bytes);
        if (r.state == eventstream::decoder::status::error)
            throw std::runtime_error("event-stream error: " + d.error().message());
        bytes = bytes.subspan(r.consumed);
        if (r.state == eventstream::decoder::status::message) {
            const auto& m = d.message();
            frame f;
            f.message_type = std::string(m.string_header(":message-type"));
            f.type = std::string(f.message_type == "exception" ? m.string_header(":exception-type")
                                                                : m.string_header(":event-type"));
            f.content_type = std::string(m.string_header(":content-type"));
            f.payload.assign(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
            out.push_back(std::move(f));
        }
    }
    if (d.finish())
        throw std::runtime_error("event stream truncated");
    return out;
}

} // namespace bedrock::test

#endif

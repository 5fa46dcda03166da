// The test server and the emulator over HTTP/2: ALPN, streams side by side on one connection, resets
// of one stream, flow control that follows the handler's reads, and the bidirectional stream's
// echo with its chunk-signature chain. Driven by a bare nghttp2 client (h2_test_client.hpp).

#include "h2_test_client.hpp"
#include "testing/emulator_wire_client.hpp"

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/eventstream/decoder.hpp>
#include <bedrock/eventstream/encoder.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/testing/emulator.hpp>
#include <bedrock/testing/https_server.hpp>

#include <catch2/catch.hpp>

#include <atomic>

namespace h2_server_test {

using namespace bedrock;
using namespace std::chrono_literals;

namespace {

/// The output frames of a body: event-stream messages, owned.
std::vector<eventstream::message> frames_of(std::string_view body)
{
    std::vector<eventstream::message> out;
    eventstream::decoder d;
    eventstream::byte_view in(reinterpret_cast<const std::uint8_t*>(body.data()), body.size());
    while (!in.empty()) {
        const auto r = d.feed(in);
        REQUIRE(r.state != eventstream::decoder::status::error);
        in = in.subspan(r.consumed);
        if (r.state == eventstream::decoder::status::message)
            out.push_back(eventstream::message::from(d.message()));
        else
            break;
    }
    return out;
}

std::string header_of(const eventstream::message& m, std::string_view name)
{
    if (const auto* h = m.find(name))
        if (const auto* s = std::get_if<std::string>(&h->value))
            return *s;
    return {};
}

std::string payload_of(const eventstream::message& m) { return std::string(m.payload.begin(), m.payload.end()); }

/// An input event of the bidirectional stream, the inner message: a chunk of `json`.
std::vector<std::uint8_t> input_chunk(std::string_view json)
{
    const std::array<eventstream::header_view, 3> headers{{{":event-type", std::string_view("chunk")},
                                                           {":message-type", std::string_view("event")},
                                                           {":content-type", std::string_view("application/json")}}};
    const std::string payload = "{\"bytes\":\"" + json::base64_encode(json) + "\"}";
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(eventstream::encode(headers, eventstream::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), out));
    return out;
}

std::string as_string(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }

std::string bidi_path(std::string_view model_id)
{
    std::string encoded;
    for (const char c : model_id)
        encoded += c == ':' ? std::string("%3A") : std::string(1, c);
    return "/model/" + encoded + "/invoke-with-bidirectional-stream";
}

/// A SigV4-signed bidirectional request (HTTP/2: :authority signed) and the signer of its frames.
struct signed_bidi {
    test::h2_client::fields headers;
    std::optional<auth::event_signer> frames;
};

std::unique_ptr<signed_bidi> sign_bidi(const testing::emulator& emu, const std::string& path)
{
    const auth::credentials creds = emu.options().credentials.front();
    const std::vector<auth::http_header> signed_headers{{":authority", "127.0.0.1"},
                                                       {"content-type", "application/vnd.amazon.eventstream"},
                                                       {"x-amz-content-sha256", auth::streaming_events_payload}};
    auth::signing_options o;
    o.region = emu.options().region;
    auth::signer signer(o);
    auth::request r;
    r.method = "POST";
    r.path = path;
    r.headers = signed_headers;
    r.payload_hash = auth::streaming_events_payload;
    auth::signing_result res;
    REQUIRE_FALSE(signer.sign(r, creds, std::chrono::system_clock::now(), res));
    auto out = std::make_unique<signed_bidi>();
    out->headers = {{"content-type", "application/vnd.amazon.eventstream"},
                   {"x-amz-content-sha256", std::string(auth::streaming_events_payload)}};
    for (const auto& h : res.headers())
        out->headers.emplace_back(std::string(h.name), std::string(h.value));
    out->frames.emplace(res.signature, creds, o.region);
    return out;
}

std::string signed_frame(auth::event_signer& signer, const std::vector<std::uint8_t>& inner)
{
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(signer.sign_frame(inner, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()), out));
    return as_string(out);
}

std::string end_frame(auth::event_signer& signer)
{
    std::vector<std::uint8_t> out;
    REQUIRE_FALSE(signer.sign_end_frame(std::chrono::system_clock::now(), out));
    return as_string(out);
}

testing::emulator& shared_emulator()
{
    static testing::emulator emu;
    static const bool started = [] {
        emu.start();
        return true;
    }();
    (void)started;
    return emu;
}

} // namespace

TEST_CASE("h2 server: ALPN picks h2 when offered, HTTP/1.1 otherwise or when h2 is off", "[h2]")
{
    testing::https_server server([](const testing::request& req, testing::response_writer& w) -> boost::asio::awaitable<void> {
        testing::response res(boost::beast::http::status::ok, 11);
        res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + " " +
                     std::string(req[boost::beast::http::field::host]) + " v" + std::to_string(req.version()) +
                     (w.http2() ? " h2 " : " h1 ") + req.body() + " #" + std::to_string(w.request_index());
        co_await w.respond(std::move(res));
    });
    {
        test::h2_client c(server.ca_pem(), server.port());
        CHECK(c.alpn() == "h2");
        const auto a = c.submit("POST", "/a?x=1", {{"x-custom", "1"}}, std::string("body-a"));
        const auto b = c.submit("GET", "/b", {});
        REQUIRE(c.run_until([&] { return c.stream(a).closed && c.stream(b).closed; }));
        CHECK(c.stream(a).status == 200);
        CHECK(c.stream(a).body.starts_with("POST /a?x=1 127.0.0.1 v20 h2 body-a #"));
        CHECK(c.stream(b).body.starts_with("GET /b 127.0.0.1 v20 h2  #"));
        CHECK(c.stream(a).header("content-length") == std::to_string(c.stream(a).body.size()));
    }
    {
        test::h2_client c(server.ca_pem(), server.port(), "http/1.1");
        CHECK(c.alpn() == "http/1.1");
    }
    testing::server_options no_h2;
    no_h2.http2 = false;
    testing::https_server h1_only([](const testing::request&, testing::response_writer& w) -> boost::asio::awaitable<void> {
        co_await w.respond(testing::response(boost::beast::http::status::ok, 11));
    }, no_h2);
    test::h2_client c(h1_only.ca_pem(), h1_only.port(), "h2");
    CHECK(c.alpn().empty());
    CHECK(server.connections_accepted() == 2);
    CHECK(server.requests_served() == 2);
}

TEST_CASE("h2 server: RST_STREAM of one stream leaves the other streams of the connection working", "[h2]")
{
    testing::https_server server([](const testing::request& req, testing::response_writer& w) -> boost::asio::awaitable<void> {
        if (req.target() == "/reset") {
            testing::response_head head;
            head.result(200);
            co_await w.write_head(head);
            co_await w.write_body("partial");
            w.reset();
            co_return;
        }
        if (req.target() == "/slow")
            co_await w.sleep(100ms);
        testing::response res(boost::beast::http::status::ok, 11);
        res.body() = "ok " + std::string(req.target());
        co_await w.respond(std::move(res));
    });
    test::h2_client c(server.ca_pem(), server.port());
    const auto slow = c.submit("GET", "/slow", {});
    const auto reset = c.submit("GET", "/reset", {});
    REQUIRE(c.run_until([&] { return c.stream(reset).closed && c.stream(slow).closed; }));
    CHECK(c.stream(reset).error_code == NGHTTP2_INTERNAL_ERROR);
    CHECK(c.stream(slow).error_code == NGHTTP2_NO_ERROR);
    CHECK(c.stream(slow).body == "ok /slow");
    const auto after = c.submit("GET", "/after", {});
    REQUIRE(c.run_until([&] { return c.stream(after).closed; }));
    CHECK(c.stream(after).body == "ok /after");
    CHECK_FALSE(c.goaway_received());
    CHECK(server.connections_accepted() == 1);
    CHECK(server.open_connections() == 1);
}

TEST_CASE("h2 server: a streamed body reaches the handler as it arrives, its window follows the reads", "[h2]")
{
    std::atomic<bool> read_now{false};
    testing::https_server server([&](const testing::request& req, testing::response_writer& w) -> boost::asio::awaitable<void> {
        testing::response_head head;
        head.result(200);
        co_await w.write_head(head);
        if (req.target() == "/echo") { // every piece back as it comes
            for (std::string piece = co_await w.read_body_some(); !piece.empty(); piece = co_await w.read_body_some())
                co_await w.write_body(piece);
            co_return;
        }
        while (!read_now) // stops reading until told
            co_await w.sleep(5ms);
        std::size_t total = 0;
        for (std::string piece = co_await w.read_body_some(); !piece.empty(); piece = co_await w.read_body_some())
            total += piece.size();
        co_await w.write_body(std::to_string(total));
    });
    const test::h2_client::fields streaming{{"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS"}};
    test::h2_client c(server.ca_pem(), server.port());

    const auto echo = c.submit("POST", "/echo", streaming, std::string("first"), true);
    REQUIRE(c.run_until([&] { return c.stream(echo).body == "first"; }));
    c.send(echo, "second");
    REQUIRE(c.run_until([&] { return c.stream(echo).body == "firstsecond"; }));
    CHECK_FALSE(c.stream(echo).ended);
    c.end(echo);
    REQUIRE(c.run_until([&] { return c.stream(echo).closed; }));
    CHECK(c.stream(echo).ended);

    const std::size_t size = 300 * 1024;
    const auto held = c.submit("POST", "/held", streaming, std::string(size, 'x'), false);
    REQUIRE(c.run_until([&] { return c.send_window(held) == 0; }));
    c.run_for(100ms);
    CHECK(c.send_window(held) == 0);
    CHECK(c.stream(held).outgoing.size() >= size - 65535); // the rest waits on the client's side
    // Other streams of the connection are not held up by it.
    const auto other = c.submit("POST", "/echo", streaming, std::string("other"));
    REQUIRE(c.run_until([&] { return c.stream(other).closed; }));
    CHECK(c.stream(other).body == "other");
    read_now = true;
    REQUIRE(c.run_until([&] { return c.stream(held).closed; }, 10s));
    CHECK(c.stream(held).body == std::to_string(size));
}

TEST_CASE("h2 server: close_connection sends GOAWAY, a handler that throws resets only its stream", "[h2]")
{
    testing::https_server server([](const testing::request& req, testing::response_writer& w) -> boost::asio::awaitable<void> {
        if (req.target() == "/throw")
            throw std::runtime_error("handler failed");
        testing::response res(boost::beast::http::status::ok, 11);
        res.body() = "ok";
        co_await w.respond(std::move(res));
        if (req.target() == "/bye")
            co_await w.close_connection();
    });
    test::h2_client c(server.ca_pem(), server.port());
    const auto thrown = c.submit("GET", "/throw", {});
    REQUIRE(c.run_until([&] { return c.stream(thrown).closed; }));
    CHECK(c.stream(thrown).error_code == NGHTTP2_INTERNAL_ERROR);
    const auto bye = c.submit("GET", "/bye", {});
    REQUIRE(c.run_until([&] { return c.connection_closed(); }));
    CHECK(c.goaway_received());
    CHECK(c.stream(bye).body == "ok");
}

TEST_CASE("emulator over h2: Converse and ConverseStream answer as over HTTP/1.1", "[h2][emulator]")
{
    testing::emulator& emu = shared_emulator();
    const std::string body = R"({"messages":[{"role":"user","content":[{"text":"hello over two protocols"}]}]})";
    for (const std::string path : {"/model/m-h2/converse", "/model/m-h2/converse-stream", "/model/error%3AThrottlingException/converse"}) {
        INFO(path);
        test::wire_client h1(emu.ca_pem(), emu.port());
        testing::request req(boost::beast::http::verb::post, path, 11);
        req.set(boost::beast::http::field::host, "127.0.0.1");
        req.set(boost::beast::http::field::content_type, "application/json");
        req.set(boost::beast::http::field::authorization, "Bearer emulator-api-key");
        req.body() = body;
        req.prepare_payload();
        const auto one = h1.exchange(req);
        REQUIRE_FALSE(one.ec);

        test::h2_client c(emu.ca_pem(), emu.port());
        const auto id = c.submit("POST", path, {{"content-type", "application/json"}, {"authorization", "Bearer emulator-api-key"}}, body);
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
        const auto& two = c.stream(id);
        CHECK(two.status == static_cast<int>(one.res.result_int()));
        CHECK(two.header("content-type") == std::string(one.res[boost::beast::http::field::content_type]));
        CHECK(two.header("x-amzn-errortype") == std::string(one.res["x-amzn-ErrorType"]));
        CHECK(two.body == one.res.body());
        CHECK(two.header("transfer-encoding").empty());
    }
}

TEST_CASE("emulator over h2: the bidirectional stream echoes each signed chunk as it arrives, in order", "[h2][emulator][bidi]")
{
    testing::emulator& emu = shared_emulator();
    const std::string path = bidi_path("amazon.nova-sonic-v1:0");
    auto sig = sign_bidi(emu, path);
    test::h2_client c(emu.ca_pem(), emu.port());
    const auto id = c.submit("POST", path, sig->headers, std::string(), true);
    REQUIRE(c.run_until([&] { return c.stream(id).status != 0; }));
    CHECK(c.stream(id).status == 200);
    CHECK(c.stream(id).header("content-type") == "application/vnd.amazon.eventstream");
    const std::vector<std::string> events{R"({"event":{"sessionStart":{}}})", R"({"event":{"promptStart":{"promptName":"p-1"}}})",
                                          R"({"event":{"sessionEnd":{}}})"};
    for (std::size_t i = 0; i < events.size(); ++i) {
        c.send(id, signed_frame(*sig->frames, input_chunk(events[i])));
        // Each echo comes before the next event is sent: the route answers as input arrives.
        REQUIRE(c.run_until([&] { return frames_of(c.stream(id).body).size() == i + 1; }));
    }
    c.send(id, end_frame(*sig->frames));
    c.end(id);
    REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
    CHECK(c.stream(id).ended);
    CHECK(c.stream(id).error_code == NGHTTP2_NO_ERROR);
    const auto out = frames_of(c.stream(id).body);
    REQUIRE(out.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        CHECK(header_of(out[i], ":message-type") == "event");
        CHECK(header_of(out[i], ":event-type") == "chunk");
        CHECK(header_of(out[i], ":content-type") == "application/json");
        CHECK(payload_of(out[i]) == "{\"bytes\":\"" + json::base64_encode(events[i]) + "\"}");
    }
}

TEST_CASE("emulator over h2: a tampered chunk signature gets a validationException frame and the end", "[h2][emulator][bidi]")
{
    testing::emulator& emu = shared_emulator();
    const std::string path = bidi_path("amazon.nova-sonic-v1:0");
    auto sig = sign_bidi(emu, path);
    test::h2_client c(emu.ca_pem(), emu.port());
    const auto id = c.submit("POST", path, sig->headers, std::string(), true);
    c.send(id, signed_frame(*sig->frames, input_chunk(R"({"n":1})")));
    std::string second = signed_frame(*sig->frames, input_chunk(R"({"n":2})"));
    // Flip a bit of the :chunk-signature value (after the :date header, 15 bytes, and the
    // signature's name and type): the frame stays well formed, its CRCs are recomputed.
    {
        std::vector<std::uint8_t> bytes(second.begin(), second.end());
        std::vector<eventstream::header_view> headers;
        eventstream::message_view view{};
        REQUIRE_FALSE(eventstream::parse_message(bytes, headers, view));
        std::array<std::uint8_t, 32> s{};
        eventstream::timestamp date{};
        for (const auto& h : headers) {
            if (h.name == ":chunk-signature")
                std::copy_n(std::get<eventstream::byte_view>(h.value).begin(), 32, s.begin());
            else
                date = std::get<eventstream::timestamp>(h.value);
        }
        s[0] ^= 1;
        const std::array<eventstream::header_view, 2> hs{{{":date", date}, {":chunk-signature", eventstream::byte_view(s)}}};
        std::vector<std::uint8_t> out;
        REQUIRE_FALSE(eventstream::encode(hs, view.payload, out));
        second = as_string(out);
    }
    c.send(id, second);
    REQUIRE(c.run_until([&] { return c.stream(id).ended; }));
    const auto out = frames_of(c.stream(id).body);
    REQUIRE(out.size() == 2);
    CHECK(header_of(out[0], ":event-type") == "chunk");
    CHECK(header_of(out[1], ":message-type") == "exception");
    CHECK(header_of(out[1], ":exception-type") == "validationException");
    CHECK(payload_of(out[1]).find("\"message\"") != std::string::npos);
    // The client may still end its side cleanly.
    c.end(id);
    REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
    CHECK(c.stream(id).error_code == NGHTTP2_NO_ERROR);
}

TEST_CASE("emulator over h2: bidirectional scenarios", "[h2][emulator][bidi]")
{
    testing::emulator& emu = shared_emulator();
    test::h2_client c(emu.ca_pem(), emu.port());
    std::unique_ptr<signed_bidi> sig;
    const auto open = [&](const std::string& model) {
        sig = sign_bidi(emu, bidi_path(model));
        return c.submit("POST", bidi_path(model), sig->headers, std::string(), true);
    };

    SECTION("bidi-speak-first: three chunks before any input, then the echo")
    {
        const auto id = open("bidi-speak-first:t");
        REQUIRE(c.run_until([&] { return frames_of(c.stream(id).body).size() == 3; }));
        c.send(id, signed_frame(*sig->frames, input_chunk("{}")));
        c.send(id, end_frame(*sig->frames));
        c.end(id);
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
        const auto out = frames_of(c.stream(id).body);
        REQUIRE(out.size() == 4);
        for (int i = 0; i < 3; ++i)
            CHECK(payload_of(out[i]) == "{\"bytes\":\"" + json::base64_encode("hello " + std::to_string(i + 1)) + "\"}");
    }
    SECTION("stream-error:<Name>: two echoes, then the exception frame and the end")
    {
        const auto id = open("stream-error:modelTimeoutException");
        for (int i = 0; i < 3; ++i)
            c.send(id, signed_frame(*sig->frames, input_chunk("{}")));
        REQUIRE(c.run_until([&] { return c.stream(id).ended; }));
        const auto out = frames_of(c.stream(id).body);
        REQUIRE(out.size() == 3);
        CHECK(header_of(out[2], ":exception-type") == "modelTimeoutException");
    }
    SECTION("reset-stream: two echoes, then RST_STREAM")
    {
        const auto id = open("reset-stream:t");
        for (int i = 0; i < 3; ++i)
            c.send(id, signed_frame(*sig->frames, input_chunk("{}")));
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
        CHECK(c.stream(id).error_code == NGHTTP2_INTERNAL_ERROR);
        CHECK(frames_of(c.stream(id).body).size() == 2);
    }
    SECTION("stop-reading: the head, then the client's window runs out")
    {
        const auto id = open("stop-reading:t");
        REQUIRE(c.run_until([&] { return c.stream(id).status == 200; }));
        c.send(id, std::string(200 * 1024, 'x'));
        REQUIRE(c.run_until([&] { return c.send_window(id) == 0; }));
        c.reset(id);
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
    }
    SECTION("throttle-once: an error status before the head, as on the other routes")
    {
        const auto id = open("throttle-once:bidi");
        // The answer ends the server's side; the stream closes once the client ends its own.
        REQUIRE(c.run_until([&] { return c.stream(id).ended; }));
        c.end(id);
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
        CHECK(c.stream(id).error_code == NGHTTP2_NO_ERROR);
        CHECK(c.stream(id).status == 429);
        CHECK(c.stream(id).header("x-amzn-errortype").starts_with("ThrottlingException:"));
    }
    SECTION("bearer token: the inner messages unsigned, ended by END_STREAM")
    {
        const std::string path = bidi_path("amazon.nova-sonic-v1:0");
        const auto id = c.submit("POST", path,
                                 {{"content-type", "application/vnd.amazon.eventstream"},
                                  {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-EVENTS"},
                                  {"authorization", "Bearer emulator-api-key"}},
                                 as_string(input_chunk(R"({"a":1})")), true);
        REQUIRE(c.run_until([&] { return frames_of(c.stream(id).body).size() == 1; }));
        c.send(id, as_string(input_chunk(R"({"a":2})")));
        c.end(id);
        REQUIRE(c.run_until([&] { return c.stream(id).closed; }));
        CHECK(c.stream(id).ended);
        CHECK(frames_of(c.stream(id).body).size() == 2);
    }
    // The connection carried every one of them.
    CHECK_FALSE(c.connection_closed());
}

} // namespace h2_server_test

// JSON of the model: parsing one real contentBlockDelta event payload and one real Converse
// response (both from the dd-trace-py cassettes) into the model types, next to a plain simdjson
// on-demand parse that pulls the same fields out of the same bytes, in the same run. Both reuse
// their parser and output object, as a stream does from one event to the next.

#include <bedrock/model/json/converse.hpp>
#include <bedrock/model/json/converse_stream.hpp>

#include <benchmark/benchmark.h>
#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace {

std::string vectors_dir()
{
    if (const char* dir = std::getenv("BEDROCK_VECTORS_DIR"); dir && *dir)
        return dir;
#ifdef BEDROCK_VECTORS_DIR
    return BEDROCK_VECTORS_DIR;
#else
    throw std::runtime_error("set BEDROCK_VECTORS_DIR to shared/vectors");
#endif
}

boost::json::value load_cassette(const char* name)
{
    std::ifstream in(vectors_dir() + "/recorded/dd-trace-py/" + name, std::ios::binary);
    if (!in)
        throw std::runtime_error(std::string("missing vector ") + name);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return boost::json::parse(text);
}

/// The first contentBlockDelta frame's payload (with its "p" padding, as real Bedrock sends it).
const simdjson::padded_string& delta_payload()
{
    static const simdjson::padded_string payload = [] {
        const auto doc = load_cassette("bedrock_converse_stream.decoded.json");
        for (const auto& f : doc.at("interactions").at(0).at("frames").as_array())
            if (f.at("headers").at(":event-type").at("value") == "contentBlockDelta")
                return simdjson::padded_string(std::string(f.at("payload_utf8").as_string()));
        throw std::runtime_error("no contentBlockDelta frame");
    }();
    return payload;
}

const simdjson::padded_string& converse_body()
{
    static const simdjson::padded_string body = [] {
        const auto doc = load_cassette("bedrock_converse.decoded.json");
        return simdjson::padded_string(std::string(doc.at("interactions").at(0).at("response_body").as_string()));
    }();
    return body;
}

void BM_model_parse_content_block_delta(benchmark::State& state)
{
    simdjson::ondemand::parser parser;
    bedrock::converse_stream_output event;
    const auto& payload = delta_payload();
    for (auto _ : state) {
        if (bedrock::json::parse_event(parser, "contentBlockDelta", payload, event))
            state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(event);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_model_parse_content_block_delta);

// The floor: simdjson on-demand, the same bytes, the same fields copied out, nothing checked.
void BM_simdjson_parse_content_block_delta(benchmark::State& state)
{
    simdjson::ondemand::parser parser;
    std::int64_t index = 0;
    std::string text;
    const auto& payload = delta_payload();
    for (auto _ : state) {
        auto doc = parser.iterate(payload);
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj))
            state.SkipWithError("parse failed");
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key))
                state.SkipWithError("parse failed");
            if (key == "contentBlockIndex") {
                if (field.value().get_int64().get(index))
                    state.SkipWithError("parse failed");
            } else if (key == "delta") {
                simdjson::ondemand::object delta;
                if (field.value().get_object().get(delta))
                    state.SkipWithError("parse failed");
                for (auto d : delta) {
                    std::string_view k, v;
                    if (d.unescaped_key().get(k) || k != "text" || d.value().get_string().get(v))
                        state.SkipWithError("parse failed");
                    text.assign(v);
                }
            }
        }
        benchmark::DoNotOptimize(index);
        benchmark::DoNotOptimize(text);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * payload.size()));
}
BENCHMARK(BM_simdjson_parse_content_block_delta);

void BM_model_parse_converse_response(benchmark::State& state)
{
    simdjson::ondemand::parser parser;
    bedrock::converse_response response;
    const auto& body = converse_body();
    for (auto _ : state) {
        if (bedrock::json::parse(parser, body, response))
            state.SkipWithError("parse failed");
        benchmark::DoNotOptimize(response);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_model_parse_converse_response);

// The floor for the converse response: walk every value on demand, copy strings and numbers out,
// and the tool input into a boost::json::value, the type the model gives a document (copying its
// raw text only, as this floor first did, left out work that any reader of the model must do).
void BM_simdjson_parse_converse_response(benchmark::State& state)
{
    simdjson::ondemand::parser parser;
    std::string strings[8];
    std::int64_t numbers[4] = {};
    boost::json::value input_document;
    const auto& body = converse_body();
    auto walk = [&](auto& self, simdjson::ondemand::value v, int& s, int& n) -> void {
        simdjson::ondemand::json_type t;
        if (v.type().get(t))
            return state.SkipWithError("parse failed");
        switch (t) {
        case simdjson::ondemand::json_type::object: {
            simdjson::ondemand::object o;
            if (v.get_object().get(o))
                return state.SkipWithError("parse failed");
            for (auto f : o) {
                std::string_view key;
                if (f.unescaped_key().get(key))
                    return state.SkipWithError("parse failed");
                if (key == "input") {
                    simdjson::ondemand::object input;
                    std::string_view raw;
                    if (f.value().get_object().get(input) || input.raw_json().get(raw))
                        return state.SkipWithError("parse failed");
                    boost::system::error_code ec;
                    input_document = boost::json::parse(boost::json::string_view(raw.data(), raw.size()), ec);
                    if (ec)
                        return state.SkipWithError("parse failed");
                } else {
                    self(self, f.value(), s, n);
                }
            }
            break;
        }
        case simdjson::ondemand::json_type::array: {
            simdjson::ondemand::array a;
            if (v.get_array().get(a))
                return state.SkipWithError("parse failed");
            for (auto e : a)
                self(self, e.value_unsafe(), s, n);
            break;
        }
        case simdjson::ondemand::json_type::string: {
            std::string_view sv;
            if (v.get_string().get(sv))
                return state.SkipWithError("parse failed");
            strings[s++ % 8].assign(sv);
            break;
        }
        case simdjson::ondemand::json_type::number:
            if (v.get_int64().get(numbers[n++ % 4]))
                return state.SkipWithError("parse failed");
            break;
        default: break;
        }
    };
    for (auto _ : state) {
        auto doc = parser.iterate(body);
        simdjson::ondemand::value root;
        if (doc.get_value().get(root))
            state.SkipWithError("parse failed");
        int s = 0, n = 0;
        walk(walk, root, s, n);
        benchmark::DoNotOptimize(strings);
        benchmark::DoNotOptimize(numbers);
        benchmark::DoNotOptimize(input_document);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_simdjson_parse_converse_response);

void BM_model_serialize_converse_request(benchmark::State& state)
{
    bedrock::converse_request req;
    req.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    req.messages = {bedrock::message{
        .role = bedrock::conversation_role::user,
        .content = {bedrock::content_block_text{"Explain the concept of distributed tracing in a simple way"}}}};
    req.system = {bedrock::system_content_block_text{"You are an expert swe that is to use the tool fetch_concept"}};
    req.inference_config = bedrock::inference_configuration{.max_tokens = 1000, .temperature = 0.7f, .top_p = 0.9f};
    std::string out;
    for (auto _ : state) {
        out.clear();
        bedrock::json::serialize(req, out);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_model_serialize_converse_request);

} // namespace

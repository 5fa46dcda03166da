#ifndef BEDROCK_TESTING_IMPL_EMULATOR_CORE_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_CORE_IPP

// The emulator_core: its state, and handle(), which logs, routes, authenticates and answers one
// request. The answer itself is built by the helpers of bedrock/testing/impl/emulator/:
//   answer.ipp         one request being answered (`call`); AWS error shapes; the Date header
//   routing.ipp        the route table and what every route does around its handler
//   binding.ipp        the rest-json binding, server side (request into input, output into answer)
//   scenario.ipp       the scenario language of model ids
//   faults.ipp         what scenarios do: errors, hostile frames and bodies, delivery
//   echo_model.ipp     the echo model
//   frames.ipp         event-stream frames of streamed answers
//   model_formats.ipp  providers' body formats for InvokeModel (Anthropic Messages)
//   recording.ipp      recorded answers played back
//   handlers.ipp       the model and guardrail operations
//   async_jobs.ipp     StartAsyncInvoke, GetAsyncInvoke, ListAsyncInvokes

#include <bedrock/testing/detail/emulator_core.hpp>

#include <bedrock/detail/random.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/recording.ipp>
#include <bedrock/testing/impl/emulator/routing.ipp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <boost/beast/http/field.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail {

BEDROCK_DECL emulator_core::emulator_core(emulator_options options)
    : options_(std::move(options)), verifier_([&] {
          verifier_options v;
          v.region = options_.region;
          v.credentials = credentials_list(options_.credentials);
          v.bearer_tokens = options_.bearer_tokens;
          return v;
      }())
{
    if (!options_.clock)
        options_.clock = [] { return std::chrono::system_clock::now(); };
}

BEDROCK_DECL emulator_reply emulator_core::handle(const request& req)
{
    std::lock_guard lock(mutex_);
    recorded_request rec;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req)
        rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    rec.body = req.body();

    emu::call c{*this, req, {}, {}, ::bedrock::detail::random_uuid(), {}, {}, parser_, 0};

    const std::string_view target = req.target();
    const auto qmark = target.find('?');
    const std::string_view path = target.substr(0, qmark);
    if (qmark != std::string_view::npos) {
        for (std::string_view q = target.substr(qmark + 1); !q.empty();) {
            const auto amp = q.find('&');
            const std::string_view pair = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
            if (pair.empty())
                continue;
            const auto eq = pair.find('=');
            using ::bedrock::detail::percent_decode_lenient;
            c.query.emplace_back(percent_decode_lenient(pair.substr(0, eq)),
                                 eq == std::string_view::npos ? std::string() : percent_decode_lenient(pair.substr(eq + 1)));
        }
    }

    const emu::route* matched = nullptr;
    for (const auto& r : emu::routes()) {
        if (r.method == req.method_string() && emu::match_uri(r.uri, path, c.labels)) {
            matched = &r;
            break;
        }
    }
    if (matched) {
        rec.operation = std::string(matched->name);
        ++operation_counts_[rec.operation];
        if (auto id = c.label("modelId"); !id.empty())
            c.model_id = std::string(id);
        else if (auto g = c.label("guardrailIdentifier"); !g.empty())
            c.model_id = std::string(g);
    }

    const auto server_now = now() + emu::clock_offset_of(c.model_id);
    verification_result auth;
    if (options_.require_auth) {
        std::vector<auth::http_header> headers;
        headers.reserve(rec.headers.size());
        for (const auto& [n, v] : rec.headers)
            headers.push_back({n, v});
        received_request rr;
        rr.method = req.method_string();
        rr.target = target;
        rr.headers = headers;
        rr.body = req.body();
        auth = verifier_.verify(rr, server_now);
    }
    if (!auth.ok()) {
        unknown_service_error e;
        e.error_name = std::string(error_type_name(auth.failure));
        e.message = auth.message;
        e.http_status = http_status(auth.failure);
        emu::send_error(c, e);
    } else if (!matched) {
        unknown_service_error e;
        e.error_name = "UnknownOperationException";
        e.message = "No operation matches " + std::string(req.method_string()) + " " + std::string(path) + ".";
        e.http_status = 404;
        emu::send_error(c, e);
    } else if (auto played = recordings_.find(c.model_id); played != recordings_.end()) {
        emu::play_recording(c, played->second, ids_++);
    } else {
        matched->fn(c);
    }

    c.reply.res.set("x-amzn-RequestId", c.request_id);
    c.reply.res.set(boost::beast::http::field::date, emu::http_date(server_now));
    c.reply.res.version(11);
    rec.model_id = c.model_id;
    if (!c.model_id.empty()) // from the URI, or from the body (StartAsyncInvoke)
        ++model_counts_[c.model_id];
    rec.status = (c.reply.how == delivery::stall || c.reply.how == delivery::reset) ? 0 : c.reply.res.result_int();
    log_.push_back(std::move(rec));
    while (log_.size() > options_.log_capacity)
        log_.pop_front();
    return std::move(c.reply);
}

BEDROCK_DECL std::vector<recorded_request> emulator_core::requests() const
{
    std::lock_guard lock(mutex_);
    return {log_.begin(), log_.end()};
}

BEDROCK_DECL std::size_t emulator_core::operation_attempts(std::string_view operation) const
{
    std::lock_guard lock(mutex_);
    const auto it = operation_counts_.find(operation);
    return it == operation_counts_.end() ? 0 : it->second;
}

BEDROCK_DECL std::size_t emulator_core::model_attempts(std::string_view model_id) const
{
    std::lock_guard lock(mutex_);
    const auto it = model_counts_.find(model_id);
    return it == model_counts_.end() ? 0 : it->second;
}

BEDROCK_DECL std::size_t emulator_core::async_jobs() const
{
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

BEDROCK_DECL void emulator_core::note_stream_abandoned()
{
    std::lock_guard lock(mutex_);
    ++abandoned_streams_;
}

BEDROCK_DECL std::size_t emulator_core::streams_abandoned_by_client() const
{
    std::lock_guard lock(mutex_);
    return abandoned_streams_;
}

BEDROCK_DECL void emulator_core::reset_state()
{
    std::lock_guard lock(mutex_);
    log_.clear();
    abandoned_streams_ = 0;
    operation_counts_.clear();
    model_counts_.clear();
    scenario_counts_.clear();
    jobs_.clear();
    tokens_.clear();
}

} // namespace bedrock::testing::detail

#endif

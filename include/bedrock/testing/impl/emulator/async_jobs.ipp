#ifndef BEDROCK_TESTING_IMPL_EMULATOR_ASYNC_JOBS_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_ASYNC_JOBS_IPP

// The asynchronous invocations: StartAsyncInvoke (idempotent by clientRequestToken),
// GetAsyncInvoke and ListAsyncInvokes over the jobs the emulator_core keeps.

#include <bedrock/detail/random.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/binding.ipp>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::testing::detail::emu {

inline std::string random_job_id()
{
    static constexpr std::string_view chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id;
    for (int i = 0; i < 12; ++i)
        id.push_back(chars[::bedrock::detail::random_engine()() % chars.size()]);
    return id;
}

inline async_invoke_status status_of(const async_job& j)
{
    return j.completed ? async_invoke_status::completed : async_invoke_status::in_progress;
}

inline void serve_start_async(call& c, const start_async_invoke_request& in)
{
    auto& core = c.core;
    std::string identity = json::serialize(in);
    if (in.client_request_token) {
        const auto it = core.tokens().find(*in.client_request_token);
        if (it != core.tokens().end()) {
            const async_job& job = core.jobs().at(it->second);
            if (job.request_json != identity)
                return send_error(c, named_error("ConflictException",
                                                 "The clientRequestToken " + *in.client_request_token +
                                                     " was already used with a different request."));
            return write_output<operations::start_async_invoke>(c, start_async_invoke_response{job.arn});
        }
    }
    async_job job;
    job.arn = "arn:aws:bedrock:" + core.options().region + ":123456789012:async-invoke/" + random_job_id();
    job.model_arn = in.model_id.starts_with("arn:")
                        ? in.model_id
                        : "arn:aws:bedrock:" + core.options().region + "::foundation-model/" + in.model_id;
    job.client_request_token = in.client_request_token.value_or("");
    job.request_json = std::move(identity);
    job.output_data_config = in.output_data_config;
    job.submit_time = core.now();
    job.sequence = core.next_id();
    if (in.client_request_token)
        core.tokens()[*in.client_request_token] = job.arn;
    const std::string arn = job.arn;
    core.jobs().emplace(arn, std::move(job));
    write_output<operations::start_async_invoke>(c, start_async_invoke_response{arn});
}

inline void serve_get_async(call& c, const get_async_invoke_request& in)
{
    const auto it = c.core.jobs().find(in.invocation_arn);
    if (it == c.core.jobs().end())
        return validation_error(c, "The specified invocation " + in.invocation_arn + " does not exist.");
    async_job& job = it->second;
    // The first look finds the job running; any later one finds it done.
    if (job.gets++ > 0 && !job.completed) {
        job.completed = true;
        job.end_time = c.core.now();
    }
    get_async_invoke_response out;
    out.invocation_arn = job.arn;
    out.model_arn = job.model_arn;
    if (!job.client_request_token.empty())
        out.client_request_token = job.client_request_token;
    out.status = status_of(job);
    out.submit_time = job.submit_time;
    out.last_modified_time = job.completed ? job.end_time : job.submit_time;
    if (job.completed)
        out.end_time = job.end_time;
    out.output_data_config = job.output_data_config;
    write_output<operations::get_async_invoke>(c, out);
}

inline void serve_list_async(call& c, const list_async_invokes_request& in)
{
    const std::int32_t max = in.max_results.value_or(1000);
    if (max < 1 || max > 1000)
        return validation_error(c, "1 validation error detected: Value '" + std::to_string(max) +
                                       "' at 'maxResults' failed to satisfy constraint: Member must have value "
                                       "less than or equal to 1000 and greater than or equal to 1");
    std::size_t offset = 0;
    if (in.next_token) {
        // The token is the base64 of "emulator:<offset>": opaque to clients, checked here.
        std::vector<std::uint8_t> raw;
        std::string_view text;
        if (!json::base64_decode(*in.next_token, raw))
            text = std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size());
        long n = -1;
        if (text.starts_with("emulator:")) {
            auto [end, ec] = std::from_chars(text.data() + 9, text.data() + text.size(), n);
            if (ec != std::errc{} || end != text.data() + text.size())
                n = -1;
        }
        if (n < 0)
            return validation_error(c, "The pagination token is invalid.");
        offset = static_cast<std::size_t>(n);
    }
    std::vector<const async_job*> found;
    for (const auto& [arn, job] : c.core.jobs()) {
        if (in.status_equals && !(status_of(job) == *in.status_equals))
            continue;
        if (in.submit_time_after && !(job.submit_time > *in.submit_time_after))
            continue;
        if (in.submit_time_before && !(job.submit_time < *in.submit_time_before))
            continue;
        found.push_back(&job);
    }
    const bool ascending = in.sort_order && *in.sort_order == sort_order::ascending;
    std::sort(found.begin(), found.end(), [&](const async_job* a, const async_job* b) {
        if (a->submit_time != b->submit_time)
            return ascending ? a->submit_time < b->submit_time : a->submit_time > b->submit_time;
        return ascending ? a->sequence < b->sequence : a->sequence > b->sequence;
    });
    list_async_invokes_response out;
    for (std::size_t i = offset; i < found.size() && i < offset + static_cast<std::size_t>(max); ++i) {
        const async_job& job = *found[i];
        async_invoke_summary s;
        s.invocation_arn = job.arn;
        s.model_arn = job.model_arn;
        if (!job.client_request_token.empty())
            s.client_request_token = job.client_request_token;
        s.status = status_of(job);
        s.submit_time = job.submit_time;
        s.last_modified_time = job.completed ? job.end_time : job.submit_time;
        if (job.completed)
            s.end_time = job.end_time;
        s.output_data_config = job.output_data_config;
        out.async_invoke_summaries.push_back(std::move(s));
    }
    if (offset + static_cast<std::size_t>(max) < found.size())
        out.next_token = json::base64_encode("emulator:" + std::to_string(offset + static_cast<std::size_t>(max)));
    write_output<operations::list_async_invokes>(c, out);
}

} // namespace bedrock::testing::detail::emu

#endif

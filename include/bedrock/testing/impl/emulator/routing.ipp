#ifndef BEDROCK_TESTING_IMPL_EMULATOR_ROUTING_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_ROUTING_IPP

// Routing: every operation of the model at its modeled method and URI, and what every route does
// before its handler (read the input, pick the scenario, answer its error) and after it (shape
// the delivery of a successful answer).

#include <bedrock/detail/text.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/testing/impl/emulator/answer.ipp>
#include <bedrock/testing/impl/emulator/async_jobs.ipp>
#include <bedrock/testing/impl/emulator/bidirectional.ipp>
#include <bedrock/testing/impl/emulator/binding.ipp>
#include <bedrock/testing/impl/emulator/faults.ipp>
#include <bedrock/testing/impl/emulator/handlers.ipp>
#include <bedrock/testing/impl/emulator/scenario.ipp>

#include <array>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace bedrock::testing::detail::emu {

/// The id scenarios and counters key on: the model id, or the guardrail id.
template <class In>
std::string subject_of(const In& in)
{
    if constexpr (requires { in.model_id; })
        return in.model_id;
    else if constexpr (requires { in.guardrail_identifier; })
        return in.guardrail_identifier;
    else
        return {};
}

template <class Op>
void serve(call& c)
{
    using input = typename Op::input_type;
    if constexpr (std::is_same_v<Op, operations::invoke_model_with_bidirectional_stream>) {
        if (c.req.version() != 20)
            return validation_error(c, "InvokeModelWithBidirectionalStream requires HTTP/2; this request came "
                                       "over HTTP/1.1.");
        c.model_id = std::string(c.label("modelId"));
        const scenario s = parse_scenario(c.model_id);
        if (auto e = scenario_failure(c, s))
            return send_error(c, std::move(*e));
        serve_bidirectional(c, s);
    } else {
        input in{};
        std::string problem;
        if (!read_input<Op>(c, in, problem))
            return validation_error(c, std::move(problem));
        c.model_id = subject_of(in);
        scenario s;
        if (!c.model_id.empty()) {
            s = parse_scenario(c.model_id);
            if (auto e = scenario_failure(c, s))
                return send_error(c, std::move(*e));
        }
        if constexpr (std::is_same_v<Op, operations::converse>)
            serve_converse(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::converse_stream>)
            serve_converse_stream(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::invoke_model>)
            serve_invoke(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::invoke_model_with_response_stream>)
            serve_invoke_stream(c, in, s);
        else if constexpr (std::is_same_v<Op, operations::count_tokens>)
            serve_count_tokens(c, in);
        else if constexpr (std::is_same_v<Op, operations::apply_guardrail>)
            serve_apply_guardrail(c, in);
        else if constexpr (std::is_same_v<Op, operations::invoke_guardrail_checks>)
            serve_guardrail_checks(c, in);
        else if constexpr (std::is_same_v<Op, operations::start_async_invoke>)
            serve_start_async(c, in);
        else if constexpr (std::is_same_v<Op, operations::get_async_invoke>)
            serve_get_async(c, in);
        else if constexpr (std::is_same_v<Op, operations::list_async_invokes>)
            serve_list_async(c, in);
        else
            static_assert(sizeof(Op) == 0, "an operation the emulator does not serve");
        // An error is an error: only successful answers get the transport scenarios.
        if (c.reply.res.result_int() < 300 && s.what != scenario::stream_error)
            shape_delivery(c, s);
    }
}

struct route {
    std::string_view name;
    std::string_view method;
    std::string_view uri;
    void (*fn)(call&);
};

template <class... Ops>
constexpr std::array<route, sizeof...(Ops)> make_routes(std::tuple<Ops...>*)
{
    return {route{Ops::name, Ops::method, Ops::uri, &serve<Ops>}...};
}

inline const auto& routes()
{
    static constexpr auto table = make_routes(static_cast<operations::all*>(nullptr));
    return table;
}

/// Matches the path against a URI template; fills the decoded labels.
inline bool match_uri(std::string_view uri, std::string_view path,
                      std::vector<std::pair<std::string, std::string>>& labels)
{
    labels.clear();
    while (true) {
        if (uri.empty() || path.empty())
            return uri.empty() && path.empty();
        if (uri.front() != '/' || path.front() != '/')
            return false;
        uri.remove_prefix(1);
        path.remove_prefix(1);
        const std::string_view useg = uri.substr(0, uri.find('/'));
        const std::string_view pseg = path.substr(0, path.find('/'));
        uri.remove_prefix(useg.size());
        path.remove_prefix(pseg.size());
        if (useg.size() > 2 && useg.front() == '{' && useg.back() == '}') {
            if (pseg.empty())
                return false;
            labels.emplace_back(std::string(useg.substr(1, useg.size() - 2)),
                                ::bedrock::detail::percent_decode_lenient(pseg));
        } else if (useg != pseg) {
            return false;
        }
    }
}

} // namespace bedrock::testing::detail::emu

#endif

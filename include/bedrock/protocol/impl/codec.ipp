#ifndef BEDROCK_PROTOCOL_IMPL_CODEC_IPP
#define BEDROCK_PROTOCOL_IMPL_CODEC_IPP

#include <bedrock/detail/json_parser.hpp>
#include <bedrock/model/json.hpp>
#include <bedrock/model/operations.hpp>
#include <bedrock/protocol/bindings.hpp>
#include <bedrock/protocol/codec.hpp>

namespace bedrock::protocol {

template <class Operation>
boost::system::error_code codec<Operation>::build(const input_type& in, std::string_view base_path,
                                                  transport::request& out, diagnostics* diag)
{
    return build_request<Operation>(in, base_path, out, diag);
}

template <class Operation>
boost::system::error_code codec<Operation>::parse(transport::response& in, output_type& out, diagnostics& diag)
{
    return parse_response<Operation>(in, bedrock::detail::thread_json_parser(), out, diag);
}

template <class Operation>
boost::system::error_code stream_codec<Operation>::parse_head(const transport::response_head& in, output_type& out,
                                                              diagnostics& diag)
{
    if (auto ec = check_answer_head<Operation>(in, diag))
        return ec;
    return parse_response_headers<Operation>(in, out, diag);
}

template <class Operation>
boost::system::error_code stream_codec<Operation>::parse_event(std::string_view type, std::string_view payload,
                                                               std::size_t readable, event_type& out,
                                                               diagnostics& diag)
{
    json::diagnostics jd;
    if (json::parse_event(bedrock::detail::thread_json_parser(), type, json::source(payload, readable), out, &jd)) {
        diag.client_message = "event stream: " + std::string(type) + " event: " + jd.to_string();
        return client_errc::invalid_response;
    }
    return {};
}

// bedrock::compiled: every operation's codec is compiled here, once (src.hpp includes this file);
// user translation units see the declarations only.
#ifndef BEDROCK_HEADER_ONLY
template struct codec<operations::apply_guardrail>;
template struct codec<operations::converse>;
template struct codec<operations::converse_stream>;
template struct codec<operations::count_tokens>;
template struct codec<operations::get_async_invoke>;
template struct codec<operations::invoke_guardrail_checks>;
template struct codec<operations::invoke_model>;
template struct codec<operations::invoke_model_with_bidirectional_stream>;
template struct codec<operations::invoke_model_with_response_stream>;
template struct codec<operations::list_async_invokes>;
template struct codec<operations::start_async_invoke>;
template struct stream_codec<operations::converse_stream>;
template struct stream_codec<operations::invoke_model_with_bidirectional_stream>;
template struct stream_codec<operations::invoke_model_with_response_stream>;
#endif

} // namespace bedrock::protocol

#endif

#ifndef BEDROCK_PROTOCOL_CODEC_HPP
#define BEDROCK_PROTOCOL_CODEC_HPP

// Each operation's binding behind a declaration: what the client's per-operation code calls. The
// bodies (bindings.hpp's templates, the generated JSON readers and writers, simdjson) are compiled
// with the library — in bedrock::compiled, once, for every operation of the model — so that a
// user's translation unit that calls an operation includes and instantiates none of them.

#include <bedrock/detail/config.hpp>
#include <bedrock/diagnostics.hpp>
#include <bedrock/transport/request.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string_view>

namespace bedrock::protocol {

template <class Operation>
struct codec {
    using input_type = typename Operation::input_type;
    using output_type = typename Operation::output_type;

    /// protocol::build_request.
    static boost::system::error_code build(const input_type& in, std::string_view base_path, transport::request& out,
                                           diagnostics* diag);
    /// protocol::parse_response of a whole 2xx answer.
    static boost::system::error_code parse(transport::response& in, output_type& out, diagnostics& diag);
};

template <class Operation>
struct stream_codec {
    using output_type = typename Operation::output_type;
    using event_type = typename Operation::output_event_type;

    /// A 2xx head of a streamed answer: check_answer_head, then the members bound to headers.
    static boost::system::error_code parse_head(const transport::response_head& in, output_type& out,
                                                diagnostics& diag);
    /// One event (its `:event-type` and payload, of which `readable` bytes from its start may be
    /// read: simdjson's padding); the JSON path at fault in diag.client_message.
    static boost::system::error_code parse_event(std::string_view type, std::string_view payload,
                                                 std::size_t readable, event_type& out, diagnostics& diag);
};

} // namespace bedrock::protocol

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/protocol/impl/codec.ipp>
#endif

#endif

#ifndef BEDROCK_BENCHMARKS_EVENT_FORWARDING_HPP
#define BEDROCK_BENCHMARKS_EVENT_FORWARDING_HPP

// How the benchmarks chain a ConverseStream's next() from each event's handler: the callback lives
// in the benchmark, and each next() gets a handler that only points at it, cheap to move, so the
// measurement does not include copying a std::function per event.

#include <bedrock/client.hpp>

#include <functional>
#include <optional>
#include <utility>

namespace bench {

using event_callback =
    std::function<void(boost::system::error_code, std::optional<bedrock::converse_stream_output>)>;

/// A handler that calls a callback kept elsewhere.
struct forward_to {
    event_callback* f;
    void operator()(boost::system::error_code ec, std::optional<bedrock::converse_stream_output> ev) const
    {
        (*f)(ec, std::move(ev));
    }
};

} // namespace bench

#endif

// Feeds arbitrary bytes to the event-stream decoder in slices chosen by the input itself, and checks
// that every message it accepts re-encodes to the very bytes it came from.

#include <bedrock/eventstream.hpp>

#include <cstdlib>
#include <vector>

namespace es = bedrock::eventstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the slice size (1..64, or whole when 0), the rest is the stream.
    const std::size_t slice = data[0] % 65;
    es::byte_view rest{data + 1, size - 1};
    es::decoder decoder{64 * 1024};
    std::vector<std::uint8_t> reencoded;
    while (!rest.empty()) {
        const std::size_t n = slice == 0 ? rest.size() : std::min(slice, rest.size());
        auto [consumed, state] = decoder.feed(rest.first(n));
        if (consumed > n)
            std::abort();
        rest = rest.subspan(consumed);
        if (state == es::decoder::status::error)
            return 0;
        if (state == es::decoder::status::message) {
            const auto& m = decoder.message();
            reencoded.clear();
            if (es::encode(m.headers, m.payload, reencoded))
                std::abort();
            if (reencoded.size() != m.frame.size() ||
                !std::equal(reencoded.begin(), reencoded.end(), m.frame.begin()))
                std::abort();
            auto owned = es::message::from(m);
            (void)owned;
        } else if (consumed == 0) {
            std::abort(); // need_more must take what it was given
        }
    }
    (void)decoder.finish();
    return 0;
}

// Feeds arbitrary bytes to the event-stream decoder in slices chosen by the input itself, and checks
// that every message it accepts re-encodes to the very bytes it came from, and that the slicing
// changes nothing: the same frames and the same error as one feed of the whole input.

#include <bedrock/eventstream.hpp>

#include <cstdlib>
#include <vector>

namespace es = bedrock::eventstream;

namespace {

struct outcome {
    std::vector<std::vector<std::uint8_t>> frames;
    boost::system::error_code ec;
};

outcome decode(es::byte_view rest, std::size_t slice, bool check_reencoding)
{
    outcome out;
    es::decoder decoder{64 * 1024};
    std::vector<std::uint8_t> reencoded;
    while (!rest.empty()) {
        const std::size_t n = slice == 0 ? rest.size() : std::min(slice, rest.size());
        auto [consumed, state] = decoder.feed(rest.first(n));
        if (consumed > n)
            std::abort();
        rest = rest.subspan(consumed);
        if (state == es::decoder::status::error) {
            out.ec = decoder.error();
            return out;
        }
        if (state == es::decoder::status::message) {
            const auto& m = decoder.message();
            out.frames.emplace_back(m.frame.begin(), m.frame.end());
            if (!check_reencoding)
                continue;
            reencoded.clear();
            if (es::encode(m.headers, m.payload, reencoded))
                std::abort(); // the decoder accepted what the encoder refuses to write
            if (reencoded.size() != m.frame.size() ||
                !std::equal(reencoded.begin(), reencoded.end(), m.frame.begin()))
                std::abort();
            auto owned = es::message::from(m);
            (void)owned;
        } else if (consumed == 0) {
            std::abort(); // need_more must take what it was given
        }
    }
    out.ec = decoder.finish();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    // The first byte picks the slice size (1..64, or whole when 0), the rest is the stream.
    const std::size_t slice = data[0] % 65;
    const es::byte_view rest{data + 1, size - 1};
    const outcome sliced = decode(rest, slice, true);
    if (slice != 0) {
        const outcome whole = decode(rest, 0, false);
        if (whole.frames != sliced.frames || whole.ec != sliced.ec)
            std::abort();
    }
    return 0;
}

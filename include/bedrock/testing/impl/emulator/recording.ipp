#ifndef BEDROCK_TESTING_IMPL_EMULATOR_RECORDING_IPP
#define BEDROCK_TESTING_IMPL_EMULATOR_RECORDING_IPP

// Recorded answers (emulator::add_recording), played back byte for byte.

#include <bedrock/testing/impl/emulator/answer.ipp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace bedrock::testing::detail::emu {

/// A recorded answer, byte for byte: its status and headers, and its body in random pieces (each
/// its own chunk and socket write) when the recording asks for that.
inline void play_recording(call& c, const recorded_answer& a, std::uint64_t seed)
{
    c.reply.res.result(a.status);
    for (const auto& [name, value] : a.headers)
        c.reply.res.set(name, value);
    if (a.max_piece == 0) {
        c.reply.how = delivery::stream;
        c.reply.pieces.push_back({std::chrono::milliseconds(0), a.body});
        return;
    }
    c.reply.how = delivery::stream;
    c.reply.pieces_together = a.pieces_together;
    std::minstd_rand random(static_cast<std::uint_fast32_t>(seed + 1));
    std::uniform_int_distribution<std::size_t> size(1, a.max_piece);
    for (std::size_t at = 0; at < a.body.size();) {
        const std::size_t n = std::min(size(random), a.body.size() - at);
        c.reply.pieces.push_back({std::chrono::milliseconds(0), a.body.substr(at, n)});
        at += n;
    }
}

} // namespace bedrock::testing::detail::emu

#endif

#ifndef BEDROCK_TEST_EMULATOR_SUPPORT_HPP
#define BEDROCK_TEST_EMULATOR_SUPPORT_HPP

// One emulator per test file, started on its own thread at first use and shared by the file's tests
// (each test keeps to its own model ids). `Tag` is a type of the file's own, so files do not share.

#include <bedrock/testing/emulator.hpp>

namespace bedrock::test {

template <class Tag>
bedrock::testing::emulator& started_emulator()
{
    static bedrock::testing::emulator emu;
    static const bool once = [] {
        emu.start();
        return true;
    }();
    (void)once;
    return emu;
}

} // namespace bedrock::test

#endif

#ifndef BEDROCK_TEST_EMULATOR_SUPPORT_HPP
#define BEDROCK_TEST_EMULATOR_SUPPORT_HPP

// One emulator per test file, started on its own thread at first use and shared by the file's tests
// (each test keeps to its own model ids). `Tag` is a type of the file's own, so files do not share.

#include <bedrock/testing/emulator.hpp>

#include <string>
#include <string_view>

// Never write `co_await` inside CHECK or REQUIRE: with gcc, Catch2's macros evaluate their expression
// more than once (once inside __builtin_constant_p, once more in the while condition), and every
// evaluation of a co_await runs the operation again: a request sent three times, or three events
// read where one was meant. Await into a variable, then check it.

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

/// A version 4 UUID as the client and the emulator make them: 8-4-4-4-12 lowercase hex digits, the
/// version digit 4 and the variant 8, 9, a or b.
inline bool is_uuid_v4(std::string_view s)
{
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return s[14] == '4' && std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

/// The Authorization header of a request the client signed with the emulator's key, checked whole:
/// the credential scope of the request's own X-Amz-Date, the headers signed, and a signature of 64
/// lowercase hex digits (the emulator, which answered 200, has verified it).
inline bool is_emulator_sigv4(std::string_view authorization, std::string_view amz_date, std::string_view signed_headers)
{
    const std::string prefix = "AWS4-HMAC-SHA256 Credential=AKIDEMULATOR/" + std::string(amz_date.substr(0, 8)) +
                               "/us-east-1/bedrock/aws4_request, SignedHeaders=" + std::string(signed_headers) +
                               ", Signature=";
    if (amz_date.size() != 16 || authorization.size() != prefix.size() + 64 || !authorization.starts_with(prefix))
        return false;
    for (const char c : authorization.substr(prefix.size()))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace bedrock::test

#endif

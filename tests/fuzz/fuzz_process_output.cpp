// libFuzzer: a credential_process document (auth::parse_process_output) and a command line
// (auth::split_command_line). The document either fails with a reason and `out` untouched, or gives
// credentials with a non-empty key id and secret; splitting either fails with a reason or gives
// words none of which is empty unless quoted so. Both are deterministic.

#include <bedrock/credentials/process_provider.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bedrock::auth::credentials sentinel{"sentinel-id", "sentinel-secret", std::nullopt, std::nullopt};
    bedrock::auth::credentials out = sentinel, again = sentinel;
    std::string why, why_again;
    const auto ec = bedrock::auth::parse_process_output(text, out, &why);
    const auto ec_again = bedrock::auth::parse_process_output(text, again, &why_again);
    if (ec != ec_again || why != why_again || out != again)
        __builtin_trap();
    if (ec ? (why.empty() || out != sentinel) : (out.access_key_id.empty() || out.secret_access_key.empty()))
        __builtin_trap();

    std::vector<std::string> words, words_again;
    std::string split_why, split_why_again;
    const bool ok = bedrock::auth::split_command_line(text, words, &split_why);
    const bool ok_again = bedrock::auth::split_command_line(text, words_again, &split_why_again);
    if (ok != ok_again || words != words_again || split_why != split_why_again || (!ok && split_why.empty()))
        __builtin_trap();
    return 0;
}

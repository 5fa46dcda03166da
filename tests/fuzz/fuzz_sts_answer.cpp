// libFuzzer: an STS answer (auth::parse_sts_credentials, XML through expat). Any input either fails
// with client_errc::credentials_provider_failed (an ErrorResponse) or invalid_credentials_response,
// a reason and `out` untouched, or gives credentials with a non-empty key id, secret and session
// token. Parsing is deterministic.

#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const bedrock::auth::credentials sentinel{"sentinel-id", "sentinel-secret", std::nullopt, std::nullopt};
    bedrock::auth::credentials out = sentinel, again = sentinel;
    std::string why, why_again;
    const auto ec = bedrock::auth::parse_sts_credentials(text, out, &why);
    const auto ec_again = bedrock::auth::parse_sts_credentials(text, again, &why_again);
    if (ec != ec_again || why != why_again || out != again)
        __builtin_trap();
    if (ec) {
        if ((ec != bedrock::client_errc::invalid_credentials_response &&
             ec != bedrock::client_errc::credentials_provider_failed) ||
            why.empty() || out != sentinel)
            __builtin_trap();
        return 0;
    }
    if (out.access_key_id.empty() || out.secret_access_key.empty() || !out.session_token || out.session_token->empty())
        __builtin_trap();
    return 0;
}

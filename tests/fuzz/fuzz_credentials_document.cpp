// libFuzzer: the JSON document the container (ECS/EKS) and instance metadata (IMDS) credential
// endpoints answer with (auth::parse_credentials_document). Any input either fails with
// client_errc::invalid_credentials_response, a reason and `out` untouched, or gives credentials with
// a non-empty key id, secret and session token and an expiration; then the input is valid JSON
// (Boost.JSON agrees), whose members say the same. Parsing is deterministic.

#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/error.hpp>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// The last string value of `key` in a JSON object, as a reader that keeps the last duplicate sees it.
std::string member(const boost::json::object& o, std::string_view key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string("\x01");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    bedrock::auth::credentials sentinel{"sentinel-id", "sentinel-secret", std::nullopt, std::nullopt};
    bedrock::auth::credentials out = sentinel, again = sentinel;
    std::string why, why_again;
    const auto ec = bedrock::auth::parse_credentials_document(text, out, &why);
    const auto ec_again = bedrock::auth::parse_credentials_document(text, again, &why_again);
    if (ec != ec_again || why != why_again || out != again)
        __builtin_trap();

    if (ec) {
        if (ec != bedrock::client_errc::invalid_credentials_response || why.empty() || out != sentinel)
            __builtin_trap();
        return 0;
    }
    if (out.access_key_id.empty() || out.secret_access_key.empty() || !out.session_token ||
        out.session_token->empty() || !out.expiration)
        __builtin_trap();

    boost::system::error_code jec;
    const boost::json::value doc = boost::json::parse(text, jec);
    if (jec || !doc.is_object())
        __builtin_trap(); // accepted something that is not a JSON object
    const auto& o = doc.as_object();
    if (member(o, "AccessKeyId") != out.access_key_id || member(o, "SecretAccessKey") != out.secret_access_key ||
        member(o, "Token") != *out.session_token)
        __builtin_trap();
    if (auto code = o.find("Code"); code != o.end() && !(code->value().is_string() && code->value().as_string() == "Success"))
        __builtin_trap();
    return 0;
}

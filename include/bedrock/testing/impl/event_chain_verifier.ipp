#ifndef BEDROCK_TESTING_IMPL_EVENT_CHAIN_VERIFIER_IPP
#define BEDROCK_TESTING_IMPL_EVENT_CHAIN_VERIFIER_IPP

#include <bedrock/testing/event_chain_verifier.hpp>

#include <openssl/crypto.h>

#include <utility>
#include <variant>

namespace bedrock::testing {

BEDROCK_DECL event_chain_verifier::event_chain_verifier(const auth::signature_bytes& seed, auth::credentials creds,
                                                        std::string region, std::string service,
                                                        std::chrono::seconds max_skew)
    : signer_(seed, std::move(creds), std::move(region), std::move(service)), max_skew_(max_skew)
{
}

BEDROCK_DECL chain_step event_chain_verifier::verify(const eventstream::message_view& outer,
                                                     std::chrono::system_clock::time_point now)
{
    if (!failed_.ok())
        return failed_;
    const auto fail = [&](chain_failure f, std::string message) {
        failed_.failure = f;
        failed_.message = std::move(message);
        return failed_;
    };
    if (ended_)
        return fail(chain_failure::after_end, "An event arrived after the end of the input stream.");
    const auto* date_header = outer.find(":date");
    const auto* signature_header = outer.find(":chunk-signature");
    const auto* date = date_header ? std::get_if<eventstream::timestamp>(&date_header->value) : nullptr;
    const auto* signature = signature_header ? std::get_if<eventstream::byte_view>(&signature_header->value) : nullptr;
    if (!date || !signature || signature->size() != 32)
        return fail(chain_failure::unsigned_frame,
                    "Each event must be signed: a :date timestamp and a 32-byte :chunk-signature header.");
    const auto sent = std::chrono::time_point_cast<std::chrono::system_clock::duration>(*date);
    if (sent > now + max_skew_ || sent < now - max_skew_)
        return fail(chain_failure::date_skew, "The event's :date is more than 5 minutes from the server's time.");
    const auto encoded_date = auth::encode_date_header(*date);
    auth::signature_bytes expected{};
    if (signer_.sign_raw(encoded_date, outer.payload, sent, expected))
        return fail(chain_failure::bad_signature, "The event signature could not be computed.");
    // Constant time, as a server comparing secrets-derived values should.
    if (CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0)
        return fail(chain_failure::bad_signature,
                    "The event signature we calculated does not match the signature you provided.");
    ++frames_;
    chain_step ok;
    ok.inner = outer.payload;
    ok.end_of_stream = outer.payload.empty();
    ended_ = ok.end_of_stream;
    return ok;
}

} // namespace bedrock::testing

#endif

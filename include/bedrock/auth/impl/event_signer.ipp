#ifndef BEDROCK_AUTH_IMPL_EVENT_SIGNER_IPP
#define BEDROCK_AUTH_IMPL_EVENT_SIGNER_IPP

#include <bedrock/auth/event_signer.hpp>
#include <bedrock/auth/sigv4.hpp>
#include <bedrock/detail/exceptions.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/eventstream/encoder.hpp>

#include <boost/system/system_error.hpp>

namespace bedrock::auth {

BEDROCK_DECL boost::system::error_code parse_signature(std::string_view hex,
                                                       signature_bytes& out) noexcept
{
    if (hex.size() != 2 * out.size())
        return error::invalid_signature;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = bedrock::detail::hex_digit_value(hex[2 * i]);
        const int lo = bedrock::detail::hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return error::invalid_signature;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return {};
}

BEDROCK_DECL std::array<std::uint8_t, 15> encode_date_header(eventstream::timestamp t) noexcept
{
    // A timestamp value has no length prefix: name length, name, type 8, then the 8 value bytes.
    std::array<std::uint8_t, 15> b{5, ':', 'd', 'a', 't', 'e', 8};
    auto ms = static_cast<std::uint64_t>(t.time_since_epoch().count());
    for (int i = 14; i >= 7; --i) {
        b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms & 0xff);
        ms >>= 8;
    }
    return b;
}

BEDROCK_DECL event_signer::event_signer(std::string_view seed, credentials creds, std::string region,
                                        std::string service)
    : creds_(std::move(creds)), region_(std::move(region)), service_(std::move(service))
{
    signature_bytes bytes;
    if (auto ec = parse_signature(seed, bytes))
        boost::throw_exception(boost::system::system_error(ec));
    // Kept as lowercase hex: that is how it enters the next string to sign.
    detail::write_hex(bytes.data(), bytes.size(), prior_.data());
}

BEDROCK_DECL event_signer::event_signer(const signature_bytes& seed, credentials creds,
                                        std::string region, std::string service)
    : creds_(std::move(creds)), region_(std::move(region)), service_(std::move(service))
{
    detail::write_hex(seed.data(), seed.size(), prior_.data());
}

BEDROCK_DECL void event_signer::set_credentials(credentials creds) { creds_ = std::move(creds); }

BEDROCK_DECL boost::system::error_code
event_signer::sign_raw(eventstream::byte_view encoded_headers, eventstream::byte_view payload,
                       std::chrono::system_clock::time_point signing_time, signature_bytes& out)
{
    if (!creds_.complete())
        return error::missing_credentials;
    if (region_.empty() || service_.empty())
        return error::missing_scope;

    char amz_date[16];
    format_amz_date(signing_time, amz_date);
    const std::string_view date_time{amz_date, 16};
    const std::string_view date = date_time.substr(0, 8);

    std::string& sts = string_to_sign_;
    sts.clear();
    sts.append("AWS4-HMAC-SHA256-PAYLOAD\n");
    sts.append(date_time).push_back('\n');
    sts.append(date).push_back('/');
    sts.append(region_).push_back('/');
    sts.append(service_).append("/aws4_request\n");
    sts.append(prior_.data(), prior_.size()).push_back('\n');
    detail::digest d;
    if (!sha_.hash(encoded_headers.data(), encoded_headers.size(), d))
        return error::crypto_failure;
    detail::append_hex(d.data(), d.size(), sts);
    sts.push_back('\n');
    if (!sha_.hash(payload.data(), payload.size(), d))
        return error::crypto_failure;
    detail::append_hex(d.data(), d.size(), sts);

    if (!keys_.prepare(creds_.secret_access_key, date, region_, service_) ||
        !keys_.mac().mac(sts.data(), sts.size(), out))
        return error::crypto_failure;
    detail::write_hex(out.data(), out.size(), prior_.data());
    return {};
}

BEDROCK_DECL boost::system::error_code event_signer::sign(eventstream::byte_view payload,
                                                          std::chrono::system_clock::time_point now,
                                                          event_signature& out)
{
    out.date = std::chrono::floor<std::chrono::milliseconds>(now);
    const auto date_header = encode_date_header(out.date);
    return sign_raw(date_header, payload, now, out.signature);
}

BEDROCK_DECL boost::system::error_code
event_signer::sign_frame(eventstream::byte_view payload, std::chrono::system_clock::time_point now,
                         std::vector<std::uint8_t>& out)
{
    const auto saved = prior_;
    event_signature sig;
    if (auto ec = sign(payload, now, sig))
        return ec;
    const eventstream::header_view headers[] = {
        {":date", sig.date},
        {":chunk-signature", eventstream::byte_view{sig.signature}},
    };
    if (auto ec = eventstream::encode(headers, payload, out)) {
        prior_ = saved; // this message is never sent, so the next one chains on the previous
        return ec;
    }
    return {};
}

} // namespace bedrock::auth

#endif

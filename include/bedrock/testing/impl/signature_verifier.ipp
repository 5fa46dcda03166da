#ifndef BEDROCK_TESTING_IMPL_SIGNATURE_VERIFIER_IPP
#define BEDROCK_TESTING_IMPL_SIGNATURE_VERIFIER_IPP

#include <bedrock/testing/signature_verifier.hpp>

#include <bedrock/detail/text.hpp>

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

namespace bedrock::testing {
namespace verifier_detail {

inline const auth::http_header* find_header(std::span<const auth::http_header> headers,
                                            std::string_view name) noexcept
{
    for (const auto& h : headers)
        if (::bedrock::detail::iequals(h.name, name))
            return &h;
    return nullptr;
}

/// YYYYMMDD'T'HHMMSS'Z' (x-amz-date); nullopt when malformed.
inline std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view s)
{
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z')
        return std::nullopt;
    const auto num = [&](std::size_t pos, std::size_t n, int& out) {
        out = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!num(0, 4, y) || !num(4, 2, mo) || !num(6, 2, d) || !num(9, 2, h) || !num(11, 2, mi) ||
        !num(13, 2, se))
        return std::nullopt;
    using namespace std::chrono;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60)
        return std::nullopt;
    return time_point_cast<system_clock::duration>(sys_days{ymd} + hours{h} + minutes{mi} + seconds{se});
}

inline std::string amz_date_string(std::chrono::system_clock::time_point t)
{
    std::string s(16, '\0');
    auth::format_amz_date(t, s.data());
    return s;
}

inline verification_result refuse(auth_failure f, std::string message, std::string access_key_id = {})
{
    verification_result r;
    r.failure = f;
    r.message = std::move(message);
    r.access_key_id = std::move(access_key_id);
    return r;
}

inline constexpr std::string_view invalid_token_message = "The security token included in the request is invalid.";

} // namespace verifier_detail

BEDROCK_DECL std::string_view error_type_name(auth_failure f) noexcept
{
    switch (f) {
    case auth_failure::none:
        return {};
    case auth_failure::missing_authentication_token:
        return "MissingAuthenticationTokenException";
    case auth_failure::incomplete_signature:
        return "IncompleteSignatureException";
    case auth_failure::invalid_signature:
    case auth_failure::signature_expired:
        return "InvalidSignatureException";
    case auth_failure::unrecognized_client:
        return "UnrecognizedClientException";
    }
    return "InvalidSignatureException";
}

BEDROCK_DECL credentials_lookup credentials_list(std::vector<auth::credentials> accepted)
{
    return [list = std::move(accepted)](std::string_view id) -> std::optional<auth::credentials> {
        for (const auto& c : list)
            if (c.access_key_id == id)
                return c;
        return std::nullopt;
    };
}

BEDROCK_DECL signature_verifier::signature_verifier(verifier_options options)
    : options_(std::move(options)), signer_([&] {
          auth::signing_options o;
          o.region = options_.region;
          o.service = options_.service;
          // Bedrock is signed as every service but S3: path normalized, then encoded once more.
          o.double_encode_path = true;
          o.normalize_path = true;
          o.add_content_sha256 = false; // a received x-amz-content-sha256 is signed as any other header
          return o;
      }())
{
}

BEDROCK_DECL verification_result signature_verifier::verify(const received_request& req,
                                                            std::chrono::system_clock::time_point now)
{
    using verifier_detail::refuse;
    const auto* authz_header = verifier_detail::find_header(req.headers, "authorization");
    if (!authz_header)
        return refuse(auth_failure::missing_authentication_token, "Missing Authentication Token");
    const std::string_view authz = ::bedrock::detail::trim(authz_header->value);

    // Bedrock API keys.
    if (::bedrock::detail::iequals(authz.substr(0, 6), "Bearer") && (authz.size() == 6 || authz[6] == ' ')) {
        const std::string_view token = ::bedrock::detail::trim(authz.substr(6));
        const bool known = !token.empty() && std::any_of(options_.bearer_tokens.begin(),
                                                         options_.bearer_tokens.end(),
                                                         [&](const std::string& t) { return t == token; });
        verification_result r = known ? verification_result{}
                                      : refuse(auth_failure::unrecognized_client,
                                               std::string(verifier_detail::invalid_token_message));
        r.bearer = true;
        return r;
    }

    constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
    if (authz.substr(0, algorithm.size()) != algorithm ||
        (authz.size() > algorithm.size() && authz[algorithm.size()] != ' '))
        return refuse(auth_failure::incomplete_signature,
                      "Unsupported Authorization Type. Authorization=" + std::string(authz));

    // Credential=..., SignedHeaders=..., Signature=...
    std::string_view credential, signed_headers, signature;
    bool has_credential = false, has_signed_headers = false, has_signature = false;
    std::string_view rest = authz.substr(algorithm.size());
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view part = ::bedrock::detail::trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const auto eq = part.find('=');
        if (part.empty())
            continue;
        if (eq == std::string_view::npos)
            return refuse(auth_failure::incomplete_signature,
                          "Invalid key=value pair (missing equal-sign) in Authorization header: '" +
                              std::string(part) + "'.");
        const std::string_view key = part.substr(0, eq);
        const std::string_view value = part.substr(eq + 1);
        if (key == "Credential")
            credential = value, has_credential = true;
        else if (key == "SignedHeaders")
            signed_headers = value, has_signed_headers = true;
        else if (key == "Signature")
            signature = value, has_signature = true;
    }
    const auto* date_header = verifier_detail::find_header(req.headers, "x-amz-date");
    {
        // AWS lists every missing piece in one message, then the header it got.
        std::string missing;
        if (!has_credential)
            missing += "Authorization header requires 'Credential' parameter. ";
        if (!has_signature)
            missing += "Authorization header requires 'Signature' parameter. ";
        if (!has_signed_headers)
            missing += "Authorization header requires 'SignedHeaders' parameter. ";
        if (!date_header)
            missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
        if (!missing.empty())
            return refuse(auth_failure::incomplete_signature, missing + "Authorization=" + std::string(authz));
    }

    const std::string_view amz_date = ::bedrock::detail::trim(date_header->value);
    const auto signed_at = verifier_detail::parse_amz_date(amz_date);
    if (!signed_at)
        return refuse(auth_failure::incomplete_signature,
                      "Date must be in ISO-8601 'basic format'. Got '" + std::string(amz_date) +
                          "'. See http://en.wikipedia.org/wiki/ISO_8601");

    // The signed header names, as listed.
    std::vector<std::string_view> names;
    for (std::string_view s = signed_headers; !s.empty();) {
        const auto semi = s.find(';');
        names.push_back(s.substr(0, semi));
        s = semi == std::string_view::npos ? std::string_view{} : s.substr(semi + 1);
    }
    if (std::none_of(names.begin(), names.end(),
                     [](std::string_view n) { return n == "host" || n == ":authority"; }))
        return refuse(auth_failure::incomplete_signature,
                      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

    // Credential scope: key/date/region/service/aws4_request.
    std::string_view scope[5];
    std::size_t parts = 0;
    for (std::string_view s = credential;; ++parts) {
        const auto slash = s.find('/');
        if (parts < 5)
            scope[parts] = s.substr(0, slash);
        if (slash == std::string_view::npos) {
            ++parts;
            break;
        }
        s = s.substr(slash + 1);
    }
    if (parts != 5)
        return refuse(auth_failure::incomplete_signature,
                      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" +
                          std::string(credential) + "'");
    const std::string access_key(scope[0]);

    std::optional<auth::credentials> creds;
    if (options_.credentials)
        creds = options_.credentials(access_key);
    if (!creds || creds->secret_access_key.empty())
        return refuse(auth_failure::unrecognized_client, std::string(verifier_detail::invalid_token_message), access_key);
    const auto* token_header = verifier_detail::find_header(req.headers, "x-amz-security-token");
    const bool wants_token = creds->session_token && !creds->session_token->empty();
    if (wants_token != (token_header != nullptr) ||
        (wants_token && ::bedrock::detail::trim(token_header->value) != *creds->session_token))
        return refuse(auth_failure::unrecognized_client, std::string(verifier_detail::invalid_token_message), access_key);

    if (scope[1] != amz_date.substr(0, 8))
        return refuse(auth_failure::invalid_signature,
                      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                          std::string(scope[1]) + "' != '" + std::string(amz_date.substr(0, 8)) +
                          "', from 'x-amz-date'.",
                      access_key);
    if (scope[2] != options_.region)
        return refuse(auth_failure::invalid_signature,
                      "Credential should be scoped to a valid region, not '" + std::string(scope[2]) + "'. ",
                      access_key);
    if (scope[3] != options_.service)
        return refuse(auth_failure::invalid_signature,
                      "Credential should be scoped to correct service: '" + options_.service + "'. ", access_key);
    if (scope[4] != "aws4_request")
        return refuse(auth_failure::invalid_signature,
                      "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                          std::string(scope[4]) + "'. ",
                      access_key);

    if (*signed_at + options_.max_skew < now) {
        const auto minutes = std::to_string(options_.max_skew.count() / 60);
        return refuse(auth_failure::signature_expired,
                      "Signature expired: " + std::string(amz_date) + " is now earlier than " +
                          verifier_detail::amz_date_string(now - options_.max_skew) + " (" +
                          verifier_detail::amz_date_string(now) + " - " + minutes + " min.)",
                      access_key);
    }
    if (*signed_at - options_.max_skew > now) {
        const auto minutes = std::to_string(options_.max_skew.count() / 60);
        return refuse(auth_failure::signature_expired,
                      "Signature not yet current: " + std::string(amz_date) + " is still later than " +
                          verifier_detail::amz_date_string(now + options_.max_skew) + " (" +
                          verifier_detail::amz_date_string(now) + " + " + minutes + " min.)",
                      access_key);
    }

    // The payload hash that was signed: x-amz-content-sha256 when sent (it must then be the truth,
    // unless it declares an unsigned or streamed body), else the body's hash.
    auth::request sreq;
    std::string body_hash;
    if (const auto* sha = verifier_detail::find_header(req.headers, "x-amz-content-sha256")) {
        const std::string_view declared = ::bedrock::detail::trim(sha->value);
        const bool opaque = declared == auth::unsigned_payload || declared.substr(0, 10) == "STREAMING-";
        if (!opaque) {
            auth::detail::sha256 h;
            auth::detail::digest d;
            if (!h.hash(req.body, d))
                return refuse(auth_failure::invalid_signature, "Internal error hashing the body.", access_key);
            auth::detail::append_hex(d.data(), d.size(), body_hash);
            if (!::bedrock::detail::iequals(declared, body_hash))
                return refuse(auth_failure::invalid_signature,
                              "The provided 'x-amz-content-sha256' header does not match what was computed.",
                              access_key);
        }
        sreq.payload_hash = declared;
    }

    // The signed headers with their received values. x-amz-date is left out: the signer writes it
    // from the signing time, which is the received date.
    headers_.clear();
    for (const auto name : names) {
        if (name == "x-amz-date")
            continue;
        bool found = false;
        for (const auto& h : req.headers)
            if (::bedrock::detail::iequals(h.name, name)) {
                headers_.push_back({name, h.value});
                found = true;
            }
        if (!found && (name == "host" || name == ":authority")) {
            const auto* alt = verifier_detail::find_header(req.headers, name == "host" ? ":authority" : "host");
            if (alt)
                headers_.push_back({name, alt->value});
        }
        // A signed header that is absent simply is not in the canonical request: the signatures
        // then differ, as they would at AWS.
    }

    const std::string_view target = req.target.empty() ? std::string_view("/") : req.target;
    const auto qmark = target.find('?');
    sreq.method = req.method;
    sreq.path = target.substr(0, qmark);
    query_storage_.clear();
    query_.clear();
    if (qmark != std::string_view::npos) {
        for (std::string_view q = target.substr(qmark + 1); !q.empty();) {
            const auto amp = q.find('&');
            const std::string_view pair = q.substr(0, amp);
            q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
            if (pair.empty())
                continue;
            const auto eq = pair.find('=');
            query_storage_.push_back(::bedrock::detail::percent_decode_lenient(pair.substr(0, eq)));
            query_storage_.push_back(eq == std::string_view::npos ? std::string()
                                                                  : ::bedrock::detail::percent_decode_lenient(pair.substr(eq + 1)));
        }
        // Views only once the storage no longer moves.
        for (std::size_t i = 0; i + 1 < query_storage_.size(); i += 2)
            query_.push_back({query_storage_[i], query_storage_[i + 1]});
    }
    sreq.query = query_;
    sreq.headers = headers_;
    sreq.body = req.body;

    auth::credentials signing_creds{creds->access_key_id, creds->secret_access_key, std::nullopt, std::nullopt};
    if (signer_.sign(sreq, signing_creds, *signed_at, signed_))
        return refuse(auth_failure::invalid_signature, "Internal error computing the signature.", access_key);

    const bool equal = signature.size() == signed_.signature.size() &&
                       CRYPTO_memcmp(signature.data(), signed_.signature.data(), signature.size()) == 0;
    if (!equal)
        return refuse(auth_failure::invalid_signature,
                      "The request signature we calculated does not match the signature you provided. "
                      "Check your AWS Secret Access Key and signing method. Consult the service "
                      "documentation for details.\n\nThe Canonical String for this request should have been\n'" +
                          signed_.canonical_request + "'\n\nThe String-to-Sign should have been\n'" +
                          signed_.string_to_sign + "'\n",
                      access_key);

    verification_result ok;
    ok.access_key_id = access_key;
    return ok;
}

} // namespace bedrock::testing

#endif

#ifndef BEDROCK_AUTH_IMPL_SIGV4_IPP
#define BEDROCK_AUTH_IMPL_SIGV4_IPP

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/detail/text.hpp>

#include <algorithm>
#include <cstring>

namespace bedrock::auth {
// Private helpers, in their own namespace so that other auth files' detail helpers cannot collide.
namespace detail::sigv4_impl {

inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

inline bool is_unreserved(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

inline bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

} // namespace detail::sigv4_impl

BEDROCK_DECL std::vector<http_header> signing_result::headers() const
{
    std::vector<http_header> h;
    h.reserve(4);
    h.push_back({"x-amz-date", amz_date});
    if (!security_token.empty())
        h.push_back({"x-amz-security-token", security_token});
    if (content_sha256_header)
        h.push_back({"x-amz-content-sha256", payload_hash});
    h.push_back({"authorization", authorization});
    return h;
}

BEDROCK_DECL void uri_encode(std::string_view in, bool encode_slash, std::string& out)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    // One resize for the worst case, then a pointer walk: this runs on every path and query value.
    const std::size_t at = out.size();
    out.resize(at + 3 * in.size());
    char* p = out.data() + at;
    for (const char ch : in) {
        const auto c = static_cast<unsigned char>(ch);
        if (detail::sigv4_impl::is_unreserved(c) || (c == '/' && !encode_slash)) {
            *p++ = ch;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0x0f];
        }
    }
    out.resize(static_cast<std::size_t>(p - out.data()));
}

BEDROCK_DECL void normalize_path(std::string_view path, std::string& out)
{
    // Segments are kept as views on a small stack; ".." pops one. Same rules as the JS SDK (which
    // signs Bedrock requests) and botocore's test suite: a trailing slash survives, a leading one
    // always starts the result.
    const std::size_t start = out.size();
    out.push_back('/');
    std::size_t kept = 0; // segments currently in out
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos)
            end = path.size();
        const std::string_view seg = path.substr(pos, end - pos);
        pos = end + 1;
        if (seg.empty() || seg == ".")
            continue;
        if (seg == "..") {
            if (kept > 0) {
                // Drop the last segment and the slash before it.
                const std::size_t slash = out.rfind('/', out.size() - 1);
                out.resize(slash == start ? start + 1 : slash);
                --kept;
            }
            continue;
        }
        if (kept > 0)
            out.push_back('/');
        out.append(seg);
        ++kept;
    }
    if (kept > 0 && !path.empty() && path.back() == '/')
        out.push_back('/');
}

BEDROCK_DECL void append_canonical_header_value(std::string_view value, std::string& out)
{
    // Every whitespace character is <= ' ', so one comparison rejects nearly every byte.
    const auto space = [](char c) {
        return static_cast<unsigned char>(c) <= ' ' && detail::sigv4_impl::is_space(c);
    };
    const char* b = value.data();
    const char* e = b + value.size();
    while (b < e && space(*b))
        ++b;
    while (e > b && space(e[-1]))
        --e;
    // Most values hold no whitespace but single spaces: append them in one piece.
    const char* p = b;
    for (; p < e; ++p)
        if (static_cast<unsigned char>(*p) <= ' ' && (*p != ' ' || space(p[1])) && space(*p))
            break; // (p[1] exists: the value does not end with whitespace)
    out.append(b, p);
    bool pending_space = false;
    for (; p < e; ++p) {
        if (space(*p)) {
            pending_space = true;
            continue;
        }
        if (pending_space)
            out.push_back(' ');
        pending_space = false;
        out.push_back(*p);
    }
}

BEDROCK_DECL void format_amz_date(std::chrono::system_clock::time_point t, char* out) noexcept
{
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{secs - day};
    const auto put = [](char* p, unsigned v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
    };
    put(out, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
    put(out + 4, static_cast<unsigned>(ymd.month()), 2);
    put(out + 6, static_cast<unsigned>(ymd.day()), 2);
    out[8] = 'T';
    put(out + 9, static_cast<unsigned>(hms.hours().count()), 2);
    put(out + 11, static_cast<unsigned>(hms.minutes().count()), 2);
    put(out + 13, static_cast<unsigned>(hms.seconds().count()), 2);
    out[15] = 'Z';
}

BEDROCK_DECL void signer::append_canonical_query(const request& req, std::string& out)
{
    if (req.query.empty())
        return;
    query_.clear();
    query_buffer_.clear();
    for (const auto& q : req.query) {
        const auto offset = static_cast<std::uint32_t>(query_buffer_.size());
        uri_encode(q.name, true, query_buffer_);
        const auto name_size = static_cast<std::uint32_t>(query_buffer_.size() - offset);
        uri_encode(q.value, true, query_buffer_);
        const auto value_size = static_cast<std::uint32_t>(query_buffer_.size() - offset - name_size);
        query_.push_back({offset, name_size, value_size});
    }
    const std::string_view buf = query_buffer_;
    const auto name = [buf](const query_entry& e) { return buf.substr(e.offset, e.name_size); };
    const auto value = [buf](const query_entry& e) {
        return buf.substr(e.offset + e.name_size, e.value_size);
    };
    // Sorted by encoded name, then by encoded value (repeated names).
    std::sort(query_.begin(), query_.end(), [&](const query_entry& a, const query_entry& b) {
        const int c = name(a).compare(name(b));
        return c != 0 ? c < 0 : value(a) < value(b);
    });
    bool first = true;
    for (const auto& e : query_) {
        if (!first)
            out.push_back('&');
        first = false;
        out.append(name(e));
        out.push_back('=');
        out.append(value(e));
    }
}

BEDROCK_DECL void signer::append_canonical_headers(const request& req, const credentials& creds,
                                                   signing_result& out)
{
    headers_.clear();
    names_.clear();
    // Names with uppercase letters are lowercased into names_, reserved up front so that the views
    // into it stay valid.
    std::size_t names_size = 0;
    for (const auto& h : req.headers)
        names_size += h.name.size();
    names_.reserve(names_size);
    const bool sign_token = !out.security_token.empty() && !options_.omit_session_token;
    std::uint32_t order = 0;
    const auto add = [&](std::string_view name, std::string_view value) {
        if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            const std::size_t offset = names_.size();
            for (const char c : name)
                names_.push_back(bedrock::detail::ascii_lower(c));
            name = std::string_view(names_).substr(offset);
        }
        headers_.push_back({name, value, order++});
    };
    for (const auto& h : req.headers) {
        // The signer writes these itself; a stale copy from the caller would be signed twice.
        if (bedrock::detail::iequals(h.name, "authorization") || bedrock::detail::iequals(h.name, "x-amz-date") ||
            (creds.session_token && !creds.session_token->empty() &&
             bedrock::detail::iequals(h.name, "x-amz-security-token")) ||
            (options_.add_content_sha256 && bedrock::detail::iequals(h.name, "x-amz-content-sha256")))
            continue;
        add(h.name, h.value);
    }
    add("x-amz-date", out.amz_date);
    if (sign_token)
        add("x-amz-security-token", out.security_token);
    if (options_.add_content_sha256)
        add("x-amz-content-sha256", out.payload_hash);

    std::sort(headers_.begin(), headers_.end(), [](const header_entry& a, const header_entry& b) {
        const int c = a.name.compare(b.name);
        return c != 0 ? c < 0 : a.order < b.order;
    });

    std::string& creq = out.canonical_request;
    out.signed_headers.clear();
    for (std::size_t i = 0; i < headers_.size();) {
        const std::string_view n = headers_[i].name;
        if (!out.signed_headers.empty())
            out.signed_headers.push_back(';');
        out.signed_headers.append(n);
        creq.append(n);
        creq.push_back(':');
        // A repeated header is signed once, its values joined by commas in request order.
        append_canonical_header_value(headers_[i].value, creq);
        for (++i; i < headers_.size() && headers_[i].name == n; ++i) {
            creq.push_back(',');
            append_canonical_header_value(headers_[i].value, creq);
        }
        creq.push_back('\n');
    }
}

BEDROCK_DECL boost::system::error_code signer::sign(const request& req, const credentials& creds,
                                                    std::chrono::system_clock::time_point now,
                                                    signing_result& out)
{
    if (!creds.complete())
        return error::missing_credentials;
    if (options_.region.empty() || options_.service.empty())
        return error::missing_scope;

    char amz_date[16];
    format_amz_date(now, amz_date);
    const std::string_view date_time{amz_date, 16};
    const std::string_view date = date_time.substr(0, 8);
    out.amz_date.assign(date_time);

    if (creds.session_token)
        out.security_token.assign(*creds.session_token);
    else
        out.security_token.clear();
    out.content_sha256_header = options_.add_content_sha256;

    detail::digest d;
    out.payload_hash.clear();
    if (!req.payload_hash.empty()) {
        out.payload_hash.assign(req.payload_hash);
    } else {
        if (!sha_.hash(req.body, d))
            return error::crypto_failure;
        detail::append_hex(d.data(), d.size(), out.payload_hash);
    }

    // Canonical request.
    std::string& creq = out.canonical_request;
    creq.clear();
    creq.append(req.method).push_back('\n');
    std::string_view path = req.path.empty() ? std::string_view("/") : req.path;
    if (options_.normalize_path) {
        path_buffer_.clear();
        normalize_path(path, path_buffer_);
        path = path_buffer_;
    }
    if (options_.double_encode_path)
        uri_encode(path, false, creq);
    else
        creq.append(path);
    creq.push_back('\n');
    append_canonical_query(req, creq);
    creq.push_back('\n');
    append_canonical_headers(req, creds, out);
    creq.push_back('\n');
    creq.append(out.signed_headers).push_back('\n');
    creq.append(out.payload_hash);

    // String to sign.
    if (!sha_.hash(creq, d))
        return error::crypto_failure;
    std::string& sts = out.string_to_sign;
    sts.clear();
    sts.append(detail::sigv4_impl::algorithm).push_back('\n');
    sts.append(date_time).push_back('\n');
    const std::size_t scope_at = sts.size();
    sts.append(date).push_back('/');
    sts.append(options_.region).push_back('/');
    sts.append(options_.service).append("/aws4_request");
    const std::size_t scope_end = sts.size();
    sts.push_back('\n');
    detail::append_hex(d.data(), d.size(), sts);

    // Signature.
    if (!keys_.prepare(creds.secret_access_key, date, options_.region, options_.service) ||
        !keys_.mac().mac(sts.data(), sts.size(), d))
        return error::crypto_failure;
    out.signature.clear();
    detail::append_hex(d.data(), d.size(), out.signature);

    std::string& authz = out.authorization;
    authz.clear();
    authz.append(detail::sigv4_impl::algorithm).append(" Credential=").append(creds.access_key_id).push_back('/');
    authz.append(std::string_view(sts).substr(scope_at, scope_end - scope_at));
    authz.append(", SignedHeaders=").append(out.signed_headers);
    authz.append(", Signature=").append(out.signature);
    return {};
}

} // namespace bedrock::auth

#endif

#ifndef BEDROCK_AUTH_IMPL_SIGV4_IPP
#define BEDROCK_AUTH_IMPL_SIGV4_IPP

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/detail/text.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace bedrock::auth {
// Private helpers, in their own namespace so that other auth files' detail helpers cannot collide.
namespace detail::sigv4_impl {

inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

// The bytes SigV4's URI encoding keeps: A-Z a-z 0-9 - _ . ~ (a table: every byte of every path
// and query value goes through it).
struct byte_set {
    bool has[256];
};
inline constexpr byte_set make_unreserved() noexcept
{
    byte_set t{};
    for (int c = 0; c < 256; ++c)
        t.has[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '_' || c == '.' || c == '~';
    return t;
}
inline constexpr byte_set unreserved = make_unreserved();

inline bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Every whitespace character is <= ' ', so one comparison rejects nearly every byte.
inline bool is_header_space(char c) noexcept
{
    return static_cast<unsigned char>(c) <= ' ' && is_space(c);
}

// The offset of the first byte of `s` (trimmed: it neither starts nor ends with whitespace) that
// canonicalizing changes, a whitespace byte other than a lone space; n if there is none. Eight bytes
// at a time: most values hold no whitespace, or single spaces only.
inline std::size_t first_collapsible(const char* s, std::size_t n) noexcept
{
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    std::size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            std::uint64_t w;
            std::memcpy(&w, s + i, 8);
            // Nonzero exactly when one of the eight bytes is below 0x21 (the classic "has less").
            if (((w - ones * 0x21) & ~w & highs) == 0) {
                i += 8;
                continue;
            }
        }
        const std::size_t end = i + 8 <= n ? i + 8 : n;
        for (; i < end; ++i) {
            const char c = s[i];
            // s[i + 1] exists after a space: the last byte is not whitespace.
            if (is_header_space(c) && (c != ' ' || is_header_space(s[i + 1])))
                return i;
        }
    }
    return n;
}

// Writes the canonical form of a header value (trimmed, each whitespace run one space) at `p`, at
// most value.size() bytes, and returns the end. The signer writes straight into its buffer with it.
inline char* write_canonical_header_value(std::string_view value, char* p) noexcept
{
    const char* b = value.data();
    const char* e = b + value.size();
    while (b < e && is_header_space(*b))
        ++b;
    while (e > b && is_header_space(e[-1]))
        --e;
    // Copy it whole, then redo from the first byte that canonicalizing changes, if any.
    const auto n = static_cast<std::size_t>(e - b);
    std::memcpy(p, b, n);
    const std::size_t same = first_collapsible(b, n);
    if (same == n)
        return p + n;
    p += same;
    b += same;
    // The value now starts and ends with non-space, so a space run always has a byte after it.
    while (b < e) {
        const char c = *b++;
        if (is_header_space(c)) {
            *p++ = ' ';
            while (is_header_space(*b))
                ++b;
        } else {
            *p++ = c;
        }
    }
    return p;
}

inline char* put(char* p, std::string_view s) noexcept
{
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

// The 8 first bytes of `name` as a big-endian number, zero-padded: ordering these orders the names
// the way std::string_view::compare does, except when they are equal (then compare the rest).
inline std::uint64_t name_prefix(std::string_view name) noexcept
{
    if constexpr (std::endian::native == std::endian::little) {
        if (name.size() >= 8) {
            std::uint64_t key;
            std::memcpy(&key, name.data(), 8);
            return __builtin_bswap64(key);
        }
    }
    std::uint64_t key = 0;
    const std::size_t n = name.size() < 8 ? name.size() : 8;
    for (std::size_t i = 0; i < n; ++i)
        key = key << 8 | static_cast<unsigned char>(name[i]);
    return n == 8 ? key : key << (8 * (8 - n));
}

} // namespace detail::sigv4_impl

BEDROCK_DECL std::vector<http_header> signing_result::headers() const
{
    std::vector<http_header> h;
    h.reserve(4);
    for_each_header([&](std::string_view name, std::string_view value) { h.push_back({name, value}); });
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
        if (detail::sigv4_impl::unreserved.has[c] || (c == '/' && !encode_slash)) {
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
    const std::size_t at = out.size();
    out.resize(at + value.size()); // canonicalizing never lengthens a value
    char* end = detail::sigv4_impl::write_canonical_header_value(value, out.data() + at);
    out.resize(static_cast<std::size_t>(end - out.data()));
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
    using bedrock::detail::iequals;
    headers_.clear();
    names_.clear();
    // Names with uppercase letters are lowercased into names_, reserved up front so that the views
    // into it stay valid.
    std::size_t names_size = 0;
    for (const auto& h : req.headers)
        names_size += h.name.size();
    names_.reserve(names_size);
    const bool sign_token = !out.security_token.empty() && !options_.omit_session_token;
    const bool caller_token_replaced = creds.session_token && !creds.session_token->empty();
    std::uint32_t order = 0;
    const auto add = [&](std::string_view name, std::string_view value) {
        bool upper = false;
        for (const char c : name)
            upper |= c >= 'A' && c <= 'Z';
        if (upper) { // written through a pointer: the room was reserved above
            const std::size_t offset = names_.size();
            names_.resize(offset + name.size());
            char* p = names_.data() + offset;
            for (const char c : name)
                *p++ = bedrock::detail::ascii_lower(c);
            name = std::string_view(names_).substr(offset);
        }
        headers_.push_back({name, value, detail::sigv4_impl::name_prefix(name), order++});
    };
    for (const auto& h : req.headers) {
        // The signer writes these itself; a stale copy from the caller would be signed twice.
        // (Switching on the length first spares the case-insensitive comparisons for nearly all.)
        bool replaced = false;
        switch (h.name.size()) {
        case 13: replaced = iequals(h.name, "authorization"); break;
        case 10: replaced = iequals(h.name, "x-amz-date"); break;
        case 20:
            replaced = (caller_token_replaced && iequals(h.name, "x-amz-security-token")) ||
                       (options_.add_content_sha256 && iequals(h.name, "x-amz-content-sha256"));
            break;
        default: break;
        }
        if (!replaced)
            add(h.name, h.value);
    }
    add("x-amz-date", out.amz_date);
    if (sign_token)
        add("x-amz-security-token", out.security_token);
    if (options_.add_content_sha256)
        add("x-amz-content-sha256", out.payload_hash);

    // An insertion sort: a request has about ten headers, mostly in order already.
    const auto before = [](const header_entry& a, const header_entry& b) {
        if (a.prefix != b.prefix)
            return a.prefix < b.prefix;
        const int c = a.name.compare(b.name);
        return c != 0 ? c < 0 : a.order < b.order;
    };
    for (std::size_t i = 1; i < headers_.size(); ++i) {
        const header_entry e = headers_[i];
        std::size_t j = i;
        for (; j > 0 && before(e, headers_[j - 1]); --j)
            headers_[j] = headers_[j - 1];
        headers_[j] = e;
    }

    // The rest of the canonical request, "name:value\n" per header, "\n", the signed headers, "\n"
    // and the payload hash, is written through pointers into buffers sized once for the worst case
    // (canonical values are never longer than the originals).
    std::size_t lines_size = 0, names_total = 0;
    for (const auto& h : headers_) {
        lines_size += h.name.size() + h.value.size() + 2;
        names_total += h.name.size() + 1;
    }
    std::string& creq = out.canonical_request;
    const std::size_t at = creq.size();
    creq.resize(at + lines_size + 1 + names_total + 1 + out.payload_hash.size());
    out.signed_headers.resize(names_total);
    char* p = creq.data() + at;
    char* sh = out.signed_headers.data();
    for (std::size_t i = 0; i < headers_.size();) {
        const std::string_view n = headers_[i].name;
        if (sh != out.signed_headers.data()) // (as the joined names read: none before an empty first name)
            *sh++ = ';';
        sh = detail::sigv4_impl::put(sh, n);
        p = detail::sigv4_impl::put(p, n);
        *p++ = ':';
        // A repeated header is signed once, its values joined by commas in request order.
        p = detail::sigv4_impl::write_canonical_header_value(headers_[i].value, p);
        for (++i; i < headers_.size() && headers_[i].name == n; ++i) {
            *p++ = ',';
            p = detail::sigv4_impl::write_canonical_header_value(headers_[i].value, p);
        }
        *p++ = '\n';
    }
    out.signed_headers.resize(static_cast<std::size_t>(sh - out.signed_headers.data()));
    *p++ = '\n';
    p = detail::sigv4_impl::put(p, out.signed_headers);
    *p++ = '\n';
    p = detail::sigv4_impl::put(p, out.payload_hash);
    creq.resize(static_cast<std::size_t>(p - creq.data()));
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
    if (!req.payload_hash.empty()) {
        out.payload_hash.assign(req.payload_hash);
    } else {
        if (!sha_.hash(req.body, d))
            return error::crypto_failure;
        out.payload_hash.resize(2 * d.size());
        detail::write_hex(d.data(), d.size(), out.payload_hash.data());
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

    // String to sign: "AWS4-HMAC-SHA256\n" date_time "\n" scope "\n" hex(SHA-256(creq)), written at
    // its exact size.
    namespace impl = detail::sigv4_impl;
    if (!sha_.hash(creq, d))
        return error::crypto_failure;
    constexpr std::string_view scope_end = "/aws4_request";
    const std::size_t scope_size = date.size() + 1 + options_.region.size() + 1 + options_.service.size() +
                                   scope_end.size();
    const std::size_t scope_at = impl::algorithm.size() + 1 + date_time.size() + 1;
    std::string& sts = out.string_to_sign;
    sts.resize(scope_at + scope_size + 1 + 2 * d.size());
    char* p = impl::put(sts.data(), impl::algorithm);
    *p++ = '\n';
    p = impl::put(p, date_time);
    *p++ = '\n';
    p = impl::put(p, date);
    *p++ = '/';
    p = impl::put(p, options_.region);
    *p++ = '/';
    p = impl::put(p, options_.service);
    p = impl::put(p, scope_end);
    *p++ = '\n';
    detail::write_hex(d.data(), d.size(), p);

    // Signature.
    if (!keys_.prepare(creds.secret_access_key, date, options_.region, options_.service) ||
        !keys_.mac().mac(sts.data(), sts.size(), d))
        return error::crypto_failure;
    out.signature.resize(2 * d.size());
    detail::write_hex(d.data(), d.size(), out.signature.data());

    // "AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=<names>, Signature=<hex>"
    constexpr std::string_view credential = " Credential=", signed_headers = ", SignedHeaders=",
                               signature = ", Signature=";
    const std::string_view scope = std::string_view(sts).substr(scope_at, scope_size);
    std::string& authz = out.authorization;
    authz.resize(impl::algorithm.size() + credential.size() + creds.access_key_id.size() + 1 + scope.size() +
                 signed_headers.size() + out.signed_headers.size() + signature.size() + out.signature.size());
    p = impl::put(authz.data(), impl::algorithm);
    p = impl::put(p, credential);
    p = impl::put(p, creds.access_key_id);
    *p++ = '/';
    p = impl::put(p, scope);
    p = impl::put(p, signed_headers);
    p = impl::put(p, out.signed_headers);
    p = impl::put(p, signature);
    impl::put(p, out.signature);
    return {};
}

} // namespace bedrock::auth

#endif

#ifndef BEDROCK_JSON_IMPL_WRITER_IPP
#define BEDROCK_JSON_IMPL_WRITER_IPP

#include <bedrock/json/writer.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cmath>

namespace bedrock::json {
namespace detail {

// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
inline constexpr std::array<char, 256> escape_table = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c)
        t[c] = 'u';
    t['\b'] = 'b';
    t['\f'] = 'f';
    t['\n'] = 'n';
    t['\r'] = 'r';
    t['\t'] = 't';
    t['"'] = '"';
    t['\\'] = '\\';
    return t;
}();

inline void append_fraction(std::string& out, std::uint32_t nanos)
{
    if (nanos == 0)
        return;
    char digits[10] = {'.'};
    for (int i = 9; i >= 1; --i, nanos /= 10)
        digits[i] = static_cast<char>('0' + nanos % 10);
    std::size_t n = 10;
    while (digits[n - 1] == '0')
        --n;
    out.append(digits, n);
}

inline void append_2(std::string& out, unsigned v, char after)
{
    out.push_back(static_cast<char>('0' + v / 10 % 10));
    out.push_back(static_cast<char>('0' + v % 10));
    if (after)
        out.push_back(after);
}

} // namespace detail

BEDROCK_DECL void writer::append_escaped(std::string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    const char* run = s.data();
    const char* end = s.data() + s.size();
    for (const char* p = run; p != end; ++p) {
        const char e = detail::escape_table[static_cast<unsigned char>(*p)];
        if (e == 0)
            continue;
        out.append(run, static_cast<std::size_t>(p - run));
        run = p + 1;
        out.push_back('\\');
        out.push_back(e);
        if (e == 'u') {
            const auto c = static_cast<unsigned char>(*p);
            out.append("00", 2);
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    out.append(run, static_cast<std::size_t>(end - run));
    out.push_back('"');
}

BEDROCK_DECL void writer::number(double v)
{
    if (!std::isfinite(v))
        return null();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    scalar(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

BEDROCK_DECL void writer::number(float v)
{
    if (!std::isfinite(v))
        return null();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    scalar(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

BEDROCK_DECL void writer::timestamp_date_time(timestamp t)
{
    using namespace std::chrono;
    const auto ns = time_point_cast<nanoseconds>(t);
    const auto day = floor<days>(ns);
    const year_month_day ymd{day};
    const hh_mm_ss<nanoseconds> tod{ns - day};
    separate();
    std::string& out = *out_;
    out.push_back('"');
    int y = static_cast<int>(ymd.year());
    if (y < 0) {
        out.push_back('-');
        y = -y;
    }
    char buf[12];
    auto r = std::to_chars(buf, buf + sizeof buf, y);
    for (auto n = r.ptr - buf; n < 4; ++n)
        out.push_back('0');
    out.append(buf, r.ptr);
    out.push_back('-');
    detail::append_2(out, static_cast<unsigned>(ymd.month()), '-');
    detail::append_2(out, static_cast<unsigned>(ymd.day()), 'T');
    detail::append_2(out, static_cast<unsigned>(tod.hours().count()), ':');
    detail::append_2(out, static_cast<unsigned>(tod.minutes().count()), ':');
    detail::append_2(out, static_cast<unsigned>(tod.seconds().count()), 0);
    detail::append_fraction(out, static_cast<std::uint32_t>(tod.subseconds().count()));
    out.append("Z\"", 2);
    comma_ = true;
}

BEDROCK_DECL void writer::timestamp_epoch_seconds(timestamp t)
{
    using namespace std::chrono;
    const auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
    separate();
    std::string& out = *out_;
    const auto mag = ns < 0 ? -static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    if (ns < 0)
        out.push_back('-');
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, mag / 1000000000u);
    out.append(buf, r.ptr);
    detail::append_fraction(out, static_cast<std::uint32_t>(mag % 1000000000u));
    comma_ = true;
}

BEDROCK_DECL void writer::document(const boost::json::value& v)
{
    switch (v.kind()) {
    case boost::json::kind::null: return null();
    case boost::json::kind::bool_: return boolean(v.get_bool());
    case boost::json::kind::int64: return integer(v.get_int64());
    case boost::json::kind::uint64: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
        return scalar(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    case boost::json::kind::double_: {
        const double d = v.get_double();
        if (!std::isfinite(d))
            return null();
        char buf[40];
        auto r = std::to_chars(buf, buf + sizeof buf - 2, d);
        std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
        if (text.find_first_of(".eE") == std::string_view::npos) {
            *r.ptr++ = '.';
            *r.ptr++ = '0';
        }
        return scalar(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    case boost::json::kind::string: return string(v.get_string());
    case boost::json::kind::array:
        begin_array();
        for (const auto& e : v.get_array())
            document(e);
        return end_array();
    case boost::json::kind::object:
        begin_object();
        for (const auto& kv : v.get_object()) {
            key(kv.key());
            document(kv.value());
        }
        return end_object();
    }
}

} // namespace bedrock::json

#endif

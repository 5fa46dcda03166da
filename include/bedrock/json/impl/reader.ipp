#ifndef BEDROCK_JSON_IMPL_READER_IPP
#define BEDROCK_JSON_IMPL_READER_IPP

#include <bedrock/json/reader.hpp>
#include <bedrock/json/writer.hpp>

#include <boost/json/parse.hpp>

#include <charconv>
#include <chrono>

namespace bedrock::json {
namespace detail {

inline const char* json_type_name(simdjson::ondemand::json_type t) noexcept
{
    switch (t) {
    case simdjson::ondemand::json_type::array: return "array";
    case simdjson::ondemand::json_type::object: return "object";
    case simdjson::ondemand::json_type::number: return "number";
    case simdjson::ondemand::json_type::string: return "string";
    case simdjson::ondemand::json_type::boolean: return "boolean";
    case simdjson::ondemand::json_type::null: return "null";
    }
    return "unknown";
}

} // namespace detail

BEDROCK_DECL bool read_context::fail(error e, std::string_view detail)
{
    if (!ec_) {
        ec_ = e;
        if (diag_)
            diag_->detail.assign(detail);
    }
    return false;
}

BEDROCK_DECL bool read_context::fail(simdjson::error_code e)
{
    switch (e) {
    case simdjson::INCORRECT_TYPE: return fail(error::type_mismatch);
    case simdjson::NUMBER_OUT_OF_RANGE: return fail(error::number_out_of_range);
    default: return fail(error::invalid_json, simdjson::error_message(e));
    }
}

BEDROCK_DECL bool read_context::fail_type(simdjson::ondemand::value& v, simdjson::error_code e,
                                          const char* expected)
{
    if (e != simdjson::INCORRECT_TYPE)
        return fail(e);
    std::string detail = "expected ";
    detail += expected;
    simdjson::ondemand::json_type t{};
    if (!v.type().get(t)) {
        detail += ", found ";
        detail += detail::json_type_name(t);
    }
    return fail(error::type_mismatch, detail);
}

BEDROCK_DECL bool read_context::at(std::string_view member)
{
    if (diag_) {
        std::string s(".");
        s += member;
        path_.push_back(std::move(s));
    }
    return false;
}

BEDROCK_DECL bool read_context::at(std::size_t index)
{
    if (diag_) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, index);
        std::string s("[");
        s.append(buf, r.ptr);
        s += ']';
        path_.push_back(std::move(s));
    }
    return false;
}

BEDROCK_DECL bool read_context::at_key(std::string_view key)
{
    if (diag_) {
        std::string s("[");
        writer::append_escaped(s, key);
        s += ']';
        path_.push_back(std::move(s));
    }
    return false;
}

BEDROCK_DECL boost::system::error_code read_context::finish()
{
    if (diag_) {
        diag_->ec = ec_;
        diag_->path.clear();
        if (ec_) {
            for (auto it = path_.rbegin(); it != path_.rend(); ++it)
                diag_->path += *it;
            if (!diag_->path.empty() && diag_->path.front() == '.')
                diag_->path.erase(0, 1);
        } else {
            diag_->detail.clear();
        }
    }
    return ec_;
}

namespace detail {

BEDROCK_DECL bool read_map(read_context& ctx, simdjson::ondemand::value& v, void* out, entry_fn fn)
{
    simdjson::ondemand::object obj;
    if (auto e = v.get_object().get(obj))
        return ctx.fail_type(v, e, "object (a map)");
    for (auto item : obj) {
        if (auto e = item.error())
            return ctx.fail(e);
        auto&& field = std::move(item).value_unsafe(); // in place (see for_each_member)
        std::string_view key;
        if (auto e = detail::field_key(field, key))
            return ctx.fail(e);
        simdjson::ondemand::value& value = field.value();
        bool null = false;
        if (auto e = value.is_null().get(null))
            return ctx.fail(e) || ctx.at_key(key);
        if (!null && !fn(ctx, key, value, out))
            return ctx.at_key(key);
    }
    return true;
}

BEDROCK_DECL bool missing(read_context& ctx, std::string_view member)
{
    return ctx.fail(error::missing_required_member) || ctx.at(member);
}

BEDROCK_DECL bool raw_json(read_context& ctx, simdjson::ondemand::value& v, std::string_view& out)
{
    simdjson::ondemand::json_type t{};
    if (auto e = v.type().get(t))
        return ctx.fail(e);
    if (t == simdjson::ondemand::json_type::object) {
        simdjson::ondemand::object o;
        if (auto e = v.get_object().get(o))
            return ctx.fail(e);
        if (auto e = o.raw_json().get(out))
            return ctx.fail(e);
    } else if (t == simdjson::ondemand::json_type::array) {
        simdjson::ondemand::array a;
        if (auto e = v.get_array().get(a))
            return ctx.fail(e);
        if (auto e = a.raw_json().get(out))
            return ctx.fail(e);
    } else {
        out = v.raw_json_token();
    }
    while (!out.empty() && bedrock::detail::is_json_space(out.back()))
        out.remove_suffix(1);
    // On-demand skips over what it is not asked to read without checking every byte: check this
    // text completely, so that what is kept (and written back later) is JSON.
    boost::system::error_code ec;
    boost::json::parse_options opt;
    opt.max_depth = max_document_depth;
    boost::json::parse(boost::json::string_view(out.data(), out.size()), ec, {}, opt);
    if (ec)
        return ctx.fail(error::invalid_json, ec.message());
    return true;
}

} // namespace detail

BEDROCK_DECL bool read(read_context& ctx, simdjson::ondemand::value& v, document& out)
{
    using simdjson::ondemand::json_type;
    json_type t{};
    if (auto e = v.type().get(t))
        return ctx.fail(e);
    switch (t) {
    case json_type::object: {
        simdjson::ondemand::object o;
        if (auto e = v.get_object().get(o))
            return ctx.fail(e);
        if (++ctx.depth > max_document_depth)
            return ctx.fail(error::invalid_json, "document nested too deeply");
        // Reuse the object (and its table) that a previous parse left here: a stream of tool-use
        // events reads into the same document again and again.
        auto& obj = out.is_object() ? out.get_object() : out.emplace_object();
        obj.clear();
        for (auto item : o) {
            if (auto e = item.error())
                return ctx.fail(e);
            auto&& field = std::move(item).value_unsafe(); // in place (see for_each_member)
            std::string_view key;
            if (auto e = detail::field_key(field, key))
                return ctx.fail(e);
            if (!read(ctx, field.value(), obj[boost::json::string_view(key.data(), key.size())]))
                return ctx.at_key(key);
        }
        --ctx.depth;
        return true;
    }
    case json_type::array: {
        simdjson::ondemand::array a;
        if (auto e = v.get_array().get(a))
            return ctx.fail(e);
        if (++ctx.depth > max_document_depth)
            return ctx.fail(error::invalid_json, "document nested too deeply");
        auto& arr = out.is_array() ? out.get_array() : out.emplace_array();
        arr.clear();
        std::size_t index = 0;
        for (auto item : a) {
            if (auto e = item.error())
                return ctx.fail(e) || ctx.at(index);
            auto&& value = std::move(item).value_unsafe(); // in place (see for_each_member)
            if (!read(ctx, value, arr.emplace_back(nullptr)))
                return ctx.at(index);
            ++index;
        }
        --ctx.depth;
        return true;
    }
    case json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s))
            return ctx.fail(e);
        (out.is_string() ? out.get_string() : out.emplace_string()).assign(boost::json::string_view(s.data(), s.size()));
        return true;
    }
    case json_type::number: {
        simdjson::ondemand::number_type nt{};
        if (!v.get_number_type().get(nt)) {
            std::int64_t i = 0;
            std::uint64_t u = 0;
            if (nt == simdjson::ondemand::number_type::signed_integer && !v.get_int64().get(i)) {
                out = i;
                return true;
            }
            if (nt == simdjson::ondemand::number_type::unsigned_integer && !v.get_uint64().get(u)) {
                out = u;
                return true;
            }
        }
        double d = 0; // a fraction or exponent, or an integer beyond 64 bits
        if (auto e = v.get_double().get(d))
            return ctx.fail(e);
        out = d;
        return true;
    }
    case json_type::boolean: {
        bool b = false;
        if (auto e = v.get_bool().get(b))
            return ctx.fail(e);
        out = b;
        return true;
    }
    case json_type::null: {
        bool null = false;
        if (auto e = v.is_null().get(null))
            return ctx.fail(e);
        if (!null)
            return ctx.fail(error::invalid_json, "bad literal");
        out = nullptr;
        return true;
    }
    }
    return ctx.fail(error::invalid_json);
}

namespace detail {

inline bool parse_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) noexcept
{
    if (pos + n > s.size())
        return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

} // namespace detail

BEDROCK_DECL bool parse_date_time(std::string_view s, timestamp& out) noexcept
{
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!detail::parse_digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' ||
        !detail::parse_digits(s, 5, 2, mo) || s[7] != '-' || !detail::parse_digits(s, 8, 2, d) ||
        (s[10] != 'T' && s[10] != 't') || !detail::parse_digits(s, 11, 2, h) || s[13] != ':' ||
        !detail::parse_digits(s, 14, 2, mi) || s[16] != ':' || !detail::parse_digits(s, 17, 2, sec))
        return false;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60)
        return false;
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        std::int64_t scale = 100000000;
        for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10)
            nanos += (s[pos] - '0') * scale; // digits past nanoseconds add 0
        if (pos == start)
            return false;
    }
    if (pos >= s.size())
        return false;
    minutes offset{0};
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (!detail::parse_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !detail::parse_digits(s, pos + 4, 2, om) || oh > 23 || om > 59)
            return false;
        offset = hours{oh} + minutes{om};
        if (s[pos] == '-')
            offset = -offset;
        pos += 6;
    } else {
        return false;
    }
    if (pos != s.size())
        return false;
    const sys_seconds t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - offset;
    // The clock counts nanoseconds in 64 bits: about 1678 to 2261.
    if (t.time_since_epoch().count() > 9000000000LL || t.time_since_epoch().count() < -9000000000LL)
        return false;
    out = timestamp{duration_cast<timestamp::duration>(t.time_since_epoch() + nanoseconds{nanos})};
    return true;
}

BEDROCK_DECL bool read_date_time(read_context& ctx, simdjson::ondemand::value& v, timestamp& out)
{
    std::string_view s;
    if (auto e = v.get_string().get(s))
        return ctx.fail_type(v, e, "date-time string");
    if (!parse_date_time(s, out))
        return ctx.fail(error::invalid_timestamp, "expected an RFC 3339 date-time");
    return true;
}

BEDROCK_DECL bool read_epoch_seconds(read_context& ctx, simdjson::ondemand::value& v, timestamp& out)
{
    using namespace std::chrono;
    simdjson::ondemand::number_type nt{};
    if (auto e = v.get_number_type().get(nt))
        return ctx.fail_type(v, e, "epoch seconds");
    if (nt == simdjson::ondemand::number_type::signed_integer) {
        std::int64_t i = 0;
        if (auto e = v.get_int64().get(i))
            return ctx.fail(e);
        if (i > 9000000000LL || i < -9000000000LL) // keeps nanoseconds within 64 bits
            return ctx.fail(error::invalid_timestamp, "out of range");
        out = timestamp{duration_cast<timestamp::duration>(seconds{i})};
        return true;
    }
    double d = 0;
    if (auto e = v.get_double().get(d))
        return ctx.fail(e);
    if (!(d < 9.0e9 && d > -9.0e9))
        return ctx.fail(error::invalid_timestamp, "out of range");
    out = timestamp{duration_cast<timestamp::duration>(duration<double>{d})};
    return true;
}

} // namespace bedrock::json

#endif

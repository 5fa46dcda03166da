#ifndef BEDROCK_JSON_READER_HPP
#define BEDROCK_JSON_READER_HPP

// Reading model types with simdjson on-demand: the context that records an error and its member
// path, the readers of scalar members, and the loops over arrays, maps, objects and unions that the
// generated readers (model/json/*.hpp) are made of. Users call <bedrock/json/parse.hpp> instead.
//
// Conventions: every reader returns false on error after recording it in the context; a caller
// that passes a member down adds that member's name to the path (`ctx.at(name)`) on the way back.
// Readers reuse what `out` already holds (string and vector capacity), so parsing event after event
// into the same object allocates nothing once warm. JSON null counts as absent; unknown object
// members are skipped.

#include <bedrock/detail/config.hpp>
#include <bedrock/detail/text.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/json/error.hpp>
#include <bedrock/core/primitives.hpp>

#include <simdjson.h>

#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bedrock::json {

/// What a reader does when a member the model marks required is absent (or null).
enum class required_members {
    /// Read it as its zero value (empty string, 0, empty list or map, null document, the union's
    /// unknown member) and go on: Smithy's "client error correction". The service omits "required"
    /// members in practice, and an answer must not be lost to a check that is not the client's to
    /// make. The default, for everything a client reads.
    zero_fill,
    /// Fail with missing_required_member and the member's path: for a server reading requests
    /// (the emulator), where the check is the reader's to make.
    enforce,
};

class read_context {
public:
    explicit read_context(diagnostics* diag = nullptr,
                          required_members required = required_members::zero_fill) noexcept
        : diag_(diag), required_(required)
    {
    }

    required_members required() const noexcept { return required_; }

    boost::system::error_code ec() const noexcept { return ec_; }

    /// Records an error (the first one wins). Always returns false.
    BEDROCK_DECL bool fail(error e, std::string_view detail = {});
    /// Records a simdjson error: INCORRECT_TYPE is a type mismatch, range errors number_out_of_range,
    /// anything else invalid_json with simdjson's message.
    BEDROCK_DECL bool fail(simdjson::error_code e);
    /// A value of the wrong type: "expected <expected>, found <what v is>".
    BEDROCK_DECL bool fail_type(simdjson::ondemand::value& v, simdjson::error_code e, const char* expected);

    /// Prepend `.member`, `[index]` or `["key"]` to the error path. Always return false.
    BEDROCK_DECL bool at(std::string_view member);
    BEDROCK_DECL bool at(std::size_t index);
    BEDROCK_DECL bool at_key(std::string_view key);

    /// Writes the error and its path into the diagnostics given at construction.
    BEDROCK_DECL boost::system::error_code finish();

    int depth = 0; ///< document nesting, bounded by max_document_depth

private:
    boost::system::error_code ec_;
    diagnostics* diag_;
    required_members required_;
    std::vector<std::string> path_; ///< innermost segment first
};

/// Deepest nesting accepted inside a document member.
inline constexpr int max_document_depth = 512;

namespace detail {
template <class T>
concept exactly_read_context = std::same_as<T, read_context>;
} // namespace detail

// The context parameter of the generated readers (model/json/): function templates of it in
// header-only mode, plain functions with BEDROCK_SEPARATE_COMPILATION (see BEDROCK_JSON_WRITER).
#ifdef BEDROCK_HEADER_ONLY
#define BEDROCK_JSON_CONTEXT ::bedrock::json::detail::exactly_read_context auto
#else
#define BEDROCK_JSON_CONTEXT ::bedrock::json::read_context
#endif

namespace detail {

template <class T>
T& ensure(std::optional<T>& o)
{
    if (!o)
        o.emplace();
    return *o;
}

/// The alternative T of a union, reusing it if it is the one held already.
template <class T, class Variant>
T& alternative(Variant& v)
{
    if (auto* p = std::get_if<T>(&v))
        return *p;
    return v.template emplace<T>();
}

/// The exact JSON text of `v` (validated), for unknown union members and event types.
BEDROCK_DECL bool raw_json(read_context& ctx, simdjson::ondemand::value& v, std::string_view& out);

/// A member's name. Names without escapes (all of the model's) are read in place, without copying
/// or unescaping; one with a backslash is unescaped by simdjson.
BEDROCK_ALWAYS_INLINE simdjson::error_code field_key(simdjson::ondemand::field& field, std::string_view& key) noexcept
{
    const char* begin = field.key().raw(); // just after the opening quote, in the padded input
    // Eight bytes at a time: the input is padded (SIMDJSON_PADDING) past its end, and the closing
    // quote comes before that. The lowest byte flagged by the "has zero byte" test is exact.
    constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    for (const char* p = begin;; p += 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        const std::uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
        const std::uint64_t found = ((quote - ones) & ~quote & highs) | ((backslash - ones) & ~backslash & highs);
        if (found == 0)
            continue;
        const char* at = p;
        if constexpr (std::endian::native == std::endian::little)
            at += std::countr_zero(found) / 8;
        else
            while (*at != '"' && *at != '\\')
                ++at;
        if (*at == '"') {
            key = std::string_view(begin, static_cast<std::size_t>(at - begin));
            return simdjson::SUCCESS;
        }
        return field.unescaped_key().get(key);
    }
}

/// `k` is `name` (a string literal): the lengths first, then a comparison of known size that the
/// compiler inlines. The generated readers dispatch on member names with it.
template <std::size_t N>
inline bool key_is(std::string_view k, const char (&name)[N]) noexcept
{
    return k.size() == N - 1 && std::memcmp(k.data(), name, N - 1) == 0;
}

// The loops below are templates on purpose: the generated reader of each structure, union and list
// passes its member dispatch as a lambda, which is then compiled into the loop instead of being
// called through a function pointer at every member (about 6% of a stream event's parse).

/// Calls `fn(key, value, is_null)` for each member of an object, in order, until it returns false
/// (an error, already recorded).
template <class Fn>
bool for_each_member(read_context& ctx, simdjson::ondemand::object& obj, Fn fn)
{
    for (auto item : obj) {
        if (auto e = item.error())
            return ctx.fail(e);
        // Used in place: moved into a field of its own, it was copied through a store the
        // following load could not take whole (a store-forwarding stall per member).
        auto&& field = std::move(item).value_unsafe();
        std::string_view key;
        if (auto e = field_key(field, key))
            return ctx.fail(e);
        simdjson::ondemand::value& value = field.value();
        bool null = false;
        if (auto e = value.is_null().get(null))
            return ctx.fail(e) || ctx.at(key);
        if (!fn(key, value, null))
            return false;
    }
    return true;
}

/// Calls `fn(ctx, key, value, out, seen)` for each non-null member of an object: false is an error
/// (already recorded), unknown keys return true (skipped).
template <class MemberFn>
bool read_object(read_context& ctx, simdjson::ondemand::value& v, void* out, std::uint64_t& seen, MemberFn fn)
{
    simdjson::ondemand::object obj;
    if (auto e = v.get_object().get(obj))
        return ctx.fail_type(v, e, "object");
    return for_each_member(ctx, obj, [&](std::string_view key, simdjson::ondemand::value& value, bool null) {
        return null || fn(ctx, key, value, out, seen);
    });
}

/// `member(ctx, key, value or null, out)` for each non-null member of a union object: 1 a member of
/// the model (read into `out` unless the value is null: then only the answer is wanted), 0 not a
/// member, -1 error. `unknown(out, tag, json)` stores an unknown member (the first one seen) when no
/// known member is present.
template <class MemberFn, class UnknownFn>
bool read_union(read_context& ctx, simdjson::ondemand::value& v, void* out, MemberFn member, UnknownFn unknown)
{
    simdjson::ondemand::object obj;
    if (auto e = v.get_object().get(obj))
        return ctx.fail_type(v, e, "object (a union)");
    bool known = false;
    bool have_unknown = false;
    // Views into the input or into the parser's string buffer, both stable for the whole parse.
    std::string_view unknown_tag;
    std::string_view unknown_json;
    const bool read = for_each_member(ctx, obj, [&](std::string_view key, simdjson::ondemand::value& value, bool null) {
        if (null)
            return true;
        // Read the first known member at once; after it, only ask whether a key is one (a conflict).
        const int r = member(ctx, key, known ? nullptr : &value, out);
        if (r < 0)
            return false;
        if (r == 1) {
            if (known)
                return ctx.fail(error::union_member_conflict, "a second member") || ctx.at(key);
            known = true;
        } else if (!known && !have_unknown) {
            if (!raw_json(ctx, value, unknown_json))
                return ctx.at(key);
            have_unknown = true;
            unknown_tag = key;
        }
        return true;
    });
    if (!read)
        return false;
    if (known)
        return true;
    // A union with no member set: an error for a server reading requests; what the service sends
    // reads as the unknown member with an empty tag, as an absent required union does.
    if (!have_unknown && ctx.required() == required_members::enforce)
        return ctx.fail(error::empty_union);
    unknown(out, unknown_tag, unknown_json);
    return true;
}

/// Calls `fn(ctx, value, out, n)` for each non-null element with its position n among them; `count`
/// receives their number.
template <class ElementFn>
bool read_array(read_context& ctx, simdjson::ondemand::value& v, void* out, std::size_t& count, ElementFn fn)
{
    simdjson::ondemand::array arr;
    if (auto e = v.get_array().get(arr))
        return ctx.fail_type(v, e, "array");
    std::size_t index = 0;
    std::size_t n = 0;
    for (auto item : arr) {
        if (auto e = item.error())
            return ctx.fail(e) || ctx.at(index);
        auto&& value = std::move(item).value_unsafe(); // in place (see for_each_member)
        bool null = false;
        if (auto e = value.is_null().get(null))
            return ctx.fail(e) || ctx.at(index);
        if (!null) {
            if (!fn(ctx, value, out, n))
                return ctx.at(index);
            ++n;
        }
        ++index;
    }
    count = n;
    return true;
}

using entry_fn = bool (*)(read_context&, std::string_view key, simdjson::ondemand::value&, void* out);
BEDROCK_DECL bool read_map(read_context& ctx, simdjson::ondemand::value& v, void* out, entry_fn fn);

/// A required member was absent: error with the member's name as the last path segment.
BEDROCK_DECL bool missing(read_context& ctx, std::string_view member);

/// A required member was absent: under required_members::enforce an error (see missing()),
/// otherwise `out` becomes `zero` (a value-initialized T; for a union, its unknown member).
template <class T, class Zero = T>
bool absent_required(read_context& ctx, std::string_view member, T& out, Zero zero = Zero{})
{
    if (ctx.required() == required_members::enforce)
        return missing(ctx, member);
    out = std::move(zero);
    return true;
}

/// A required union that holds nothing: its unknown member with no tag (what an absent one reads as).
template <class Unknown, class Union>
bool unset_union(const Union& u) noexcept
{
    const auto* unknown = std::get_if<Unknown>(&u);
    return unknown && unknown->tag.empty();
}

/// Reads union member `key` into the alternative `Alternative` (a struct with `value`) of `u`;
/// with `m` null, only says that `key` is a member (1).
template <class Alternative, class Union>
int read_alternative(read_context& ctx, simdjson::ondemand::value* m, Union& u, std::string_view key)
{
    if (!m)
        return 1;
    if (read(ctx, *m, alternative<Alternative>(u).value))
        return 1;
    ctx.at(key);
    return -1;
}

template <class Unknown, class Union>
void set_unknown(void* out, std::string_view tag, std::string_view json)
{
    auto& u = alternative<Unknown>(*static_cast<Union*>(out));
    u.tag.assign(tag);
    u.json.assign(json);
}

/// An event whose type the model does not know: keep its type and payload text.
template <class Unknown>
bool read_unknown(read_context& ctx, std::string_view type, simdjson::ondemand::value& v, Unknown& out)
{
    std::string_view raw;
    if (!raw_json(ctx, v, raw))
        return false;
    out.tag.assign(type);
    out.json.assign(raw);
    return true;
}

} // namespace detail

/// The model's requests, before they are sent: every element of a list, every value of a map
/// (the generated check_required overloads cover structures and unions).
template <class T>
bool check_required(read_context& ctx, const std::vector<T>& v)
{
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!check_required(ctx, v[i]))
            return ctx.at(i);
    return true;
}

template <class T>
bool check_required(read_context& ctx, const std::map<std::string, T>& v)
{
    for (const auto& [key, value] : v)
        if (!check_required(ctx, value))
            return ctx.at_key(key);
    return true;
}

// Scalars.

inline bool read(read_context& ctx, simdjson::ondemand::value& v, std::string& out)
{
    std::string_view s;
    if (auto e = v.get_string().get(s))
        return ctx.fail_type(v, e, "string");
    out.assign(s.data(), s.size());
    return true;
}

inline bool read(read_context& ctx, simdjson::ondemand::value& v, bool& out)
{
    if (auto e = v.get_bool().get(out))
        return ctx.fail_type(v, e, "boolean");
    return true;
}

inline bool read(read_context& ctx, simdjson::ondemand::value& v, std::int64_t& out)
{
    if (auto e = v.get_int64().get(out))
        return ctx.fail_type(v, e, "integer");
    return true;
}

inline bool read(read_context& ctx, simdjson::ondemand::value& v, std::int32_t& out)
{
    std::int64_t i = 0;
    if (auto e = v.get_int64().get(i))
        return ctx.fail_type(v, e, "integer");
    if (i < std::numeric_limits<std::int32_t>::min() || i > std::numeric_limits<std::int32_t>::max())
        return ctx.fail(error::number_out_of_range, "does not fit a 32-bit integer");
    out = static_cast<std::int32_t>(i);
    return true;
}

inline bool read(read_context& ctx, simdjson::ondemand::value& v, double& out)
{
    if (auto e = v.get_double().get(out))
        return ctx.fail_type(v, e, "number");
    return true;
}

inline bool read(read_context& ctx, simdjson::ondemand::value& v, float& out)
{
    double d = 0;
    if (auto e = v.get_double().get(d))
        return ctx.fail_type(v, e, "number");
    if (d > std::numeric_limits<float>::max() || d < -std::numeric_limits<float>::max())
        return ctx.fail(error::number_out_of_range, "does not fit a float");
    out = static_cast<float>(d);
    return true;
}

/// A blob: base64 text.
inline bool read(read_context& ctx, simdjson::ondemand::value& v, bytes& out)
{
    std::string_view s;
    if (auto e = v.get_string().get(s))
        return ctx.fail_type(v, e, "base64 string");
    if (auto ec = base64_decode(s, out))
        return ctx.fail(error::invalid_base64);
    return true;
}

/// A document member: any JSON value, copied into a boost::json::value.
BEDROCK_DECL bool read(read_context& ctx, simdjson::ondemand::value& v, document& out);

/// Timestamps, by the format the model gives the member.
BEDROCK_DECL bool read_date_time(read_context& ctx, simdjson::ondemand::value& v, timestamp& out);
BEDROCK_DECL bool read_epoch_seconds(read_context& ctx, simdjson::ondemand::value& v, timestamp& out);

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; false if `s` is anything else.
BEDROCK_DECL bool parse_date_time(std::string_view s, timestamp& out) noexcept;

template <class Values>
bool read(read_context& ctx, simdjson::ondemand::value& v, model_enum<Values>& out)
{
    std::string_view s;
    if (auto e = v.get_string().get(s))
        return ctx.fail_type(v, e, "string");
    out.assign(s);
    return true;
}

// Containers (null elements are skipped, as the AWS SDKs do for non-sparse collections).

template <class T>
bool read(read_context& ctx, simdjson::ondemand::value& v, std::vector<T>& out)
{
    std::size_t n = 0;
    if (!detail::read_array(ctx, v, &out, n,
                            [](read_context& c, simdjson::ondemand::value& e, void* p, std::size_t i) {
                                auto& vec = *static_cast<std::vector<T>*>(p);
                                return read(c, e, i < vec.size() ? vec[i] : vec.emplace_back());
                            }))
        return false;
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(n), out.end());
    return true;
}

template <class T>
bool read(read_context& ctx, simdjson::ondemand::value& v, std::map<std::string, T>& out)
{
    out.clear();
    return detail::read_map(ctx, v, &out,
                            [](read_context& c, std::string_view k, simdjson::ondemand::value& e, void* p) {
                                auto& m = *static_cast<std::map<std::string, T>*>(p);
                                return read(c, e, m[std::string(k)]);
                            });
}

} // namespace bedrock::json

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/json/impl/reader.ipp>
#endif

#endif

#ifndef BEDROCK_JSON_WRITER_HPP
#define BEDROCK_JSON_WRITER_HPP

// A small JSON writer that appends to a std::string: RFC 8259 string escaping, std::to_chars
// numbers (shortest form that reads back to the same value), base64 blobs, date-time timestamps and
// boost::json documents. It writes what it is told; keeping objects balanced is the caller's job.

#include <bedrock/detail/config.hpp>
#include <bedrock/json/base64.hpp>
#include <bedrock/core/primitives.hpp>

#include <charconv>
#include <concepts>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::json {

class writer {
public:
    /// Appends to `out`.
    explicit writer(std::string& out) noexcept : out_(&out) {}

    std::string& buffer() noexcept { return *out_; }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    /// An object key, escaped.
    void key(std::string_view k)
    {
        separate();
        append_escaped(*out_, k);
        out_->push_back(':');
        comma_ = false;
    }

    /// An object key known to need no escaping (the model's member names).
    void member(std::string_view name)
    {
        separate();
        out_->push_back('"');
        out_->append(name);
        out_->append("\":", 2);
        comma_ = false;
    }

    void string(std::string_view s)
    {
        separate();
        append_escaped(*out_, s);
        comma_ = true;
    }

    void boolean(bool b) { scalar(b ? std::string_view("true") : std::string_view("false")); }
    void null() { scalar("null"); }

    void integer(std::int64_t v)
    {
        char buf[24];
        scalar(std::string_view(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf)));
    }

    /// Shortest round-trip form; non-finite values (not representable in JSON) become null.
    BEDROCK_DECL void number(double v);
    BEDROCK_DECL void number(float v);

    /// A blob: a base64 string.
    void base64(std::span<const std::uint8_t> b)
    {
        separate();
        out_->push_back('"');
        base64_encode(b, *out_);
        out_->push_back('"');
        comma_ = true;
    }

    /// `2025-01-15T12:30:45Z`, with as many fraction digits as needed (up to the clock's precision).
    BEDROCK_DECL void timestamp_date_time(timestamp t);
    /// Seconds since the Unix epoch, a number with a fraction when there is one.
    BEDROCK_DECL void timestamp_epoch_seconds(timestamp t);

    /// A document value. Doubles keep a fraction or exponent (1.0, not 1) so they read back as
    /// doubles; strings are escaped like any other.
    BEDROCK_DECL void document(const boost::json::value& v);

    /// A complete JSON value, written verbatim (an unknown union member's raw text).
    void raw(std::string_view json) { scalar(json); }

    /// Appends `s` as a quoted JSON string, escaping per RFC 8259.
    BEDROCK_DECL static void append_escaped(std::string& out, std::string_view s);

private:
    void separate()
    {
        if (comma_)
            out_->push_back(',');
    }
    void open(char c)
    {
        separate();
        out_->push_back(c);
        comma_ = false;
    }
    void close(char c)
    {
        out_->push_back(c);
        comma_ = true;
    }
    void scalar(std::string_view text)
    {
        separate();
        out_->append(text);
        comma_ = true;
    }

    std::string* out_;
    bool comma_ = false;
};

namespace detail {
template <class T>
concept exactly_writer = std::same_as<T, writer>;
} // namespace detail

// The writer parameter of the generated writers (model/json/). Header-only they are function
// templates of it, always deduced as json::writer: a translation unit then compiles the bodies its
// calls reach, not every shape's. With BEDROCK_SEPARATE_COMPILATION they are plain functions,
// compiled once in the library.
#ifdef BEDROCK_HEADER_ONLY
#define BEDROCK_JSON_WRITER ::bedrock::json::detail::exactly_writer auto
#else
#define BEDROCK_JSON_WRITER ::bedrock::json::writer
#endif

// Overloads the generated serializers and the container templates below call.
inline void write(writer& w, const std::string& v) { w.string(v); }
inline void write(writer& w, bool v) { w.boolean(v); }
inline void write(writer& w, std::int32_t v) { w.integer(v); }
inline void write(writer& w, std::int64_t v) { w.integer(v); }
inline void write(writer& w, float v) { w.number(v); }
inline void write(writer& w, double v) { w.number(v); }
inline void write(writer& w, const bytes& v) { w.base64(v); }
inline void write(writer& w, const document& v) { w.document(v); }

template <class Values>
void write(writer& w, const model_enum<Values>& v)
{
    w.string(v.str());
}

template <class T>
void write(writer& w, const std::vector<T>& v)
{
    w.begin_array();
    for (const auto& e : v)
        write(w, e);
    w.end_array();
}

template <class T>
void write(writer& w, const std::map<std::string, T>& v)
{
    w.begin_object();
    for (const auto& [k, e] : v) {
        w.key(k);
        write(w, e);
    }
    w.end_object();
}

} // namespace bedrock::json

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/json/impl/writer.ipp>
#endif

#endif

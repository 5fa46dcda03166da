#ifndef BEDROCK_JSON_IMPL_PARSE_IPP
#define BEDROCK_JSON_IMPL_PARSE_IPP

#include <bedrock/json/parse.hpp>

#include <cstdint>
#include <cstring>

namespace bedrock::json {
namespace detail {

inline bool only_space(const char* p, const char* end) noexcept
{
    for (; p != end; ++p)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
    return true;
}

} // namespace detail

BEDROCK_DECL boost::system::error_code detail::parse_root(simdjson::ondemand::parser& parser,
                                                          const source& json, root_fn fn, void* out,
                                                          std::string_view arg, diagnostics* diag,
                                                          required_members required)
{
    read_context ctx(diag, required);
    const std::string_view text = json.text();
    simdjson::padded_string_view view;
    if (json.padded()) {
        view = simdjson::padded_string_view(text.data(), text.size(), json.capacity());
    } else {
        thread_local std::string buffer;
        if (buffer.size() < text.size() + simdjson::SIMDJSON_PADDING)
            buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
        if (!text.empty())
            std::memcpy(buffer.data(), text.data(), text.size());
        view = simdjson::padded_string_view(buffer.data(), text.size(), buffer.size());
    }
    simdjson::ondemand::document doc;
    if (auto e = parser.iterate(view).get(doc)) {
        ctx.fail(e);
        return ctx.finish();
    }
    simdjson::ondemand::value root;
    if (auto e = doc.get_value().get(root)) {
        if (e == simdjson::SCALAR_DOCUMENT_AS_VALUE)
            ctx.fail(error::type_mismatch, "expected object, found a scalar");
        else
            ctx.fail(e);
        return ctx.finish();
    }
    if (fn(ctx, root, out, arg)) {
        // The root has been read to its end: what raw_json() now spans ends where the next token
        // starts, which must be the end of the input.
        std::string_view root_text;
        if (auto e = doc.raw_json().get(root_text)) {
            ctx.fail(e);
        } else {
            // On a malformed document (an object cut short) the span may not lie inside the
            // input: check with integers before forming any pointer from it.
            const auto base = reinterpret_cast<std::uintptr_t>(view.data());
            const auto at = reinterpret_cast<std::uintptr_t>(root_text.data());
            const std::size_t offset = at - base;
            if (at < base || offset > view.size() || root_text.size() > view.size() - offset)
                ctx.fail(simdjson::TAPE_ERROR);
            else if (!only_space(view.data() + offset + root_text.size(), view.data() + view.size()))
                ctx.fail(error::trailing_content);
        }
    }
    return ctx.finish();
}

BEDROCK_DECL std::string_view sanitize_error_type(std::string_view raw) noexcept
{
    if (auto colon = raw.find(':'); colon != std::string_view::npos)
        raw = raw.substr(0, colon);
    if (auto hash = raw.rfind('#'); hash != std::string_view::npos)
        raw = raw.substr(hash + 1);
    while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t'))
        raw.remove_prefix(1);
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t'))
        raw.remove_suffix(1);
    return raw;
}

} // namespace bedrock::json

#endif

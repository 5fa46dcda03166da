#ifndef BEDROCK_TRANSPORT_IMPL_REQUEST_IPP
#define BEDROCK_TRANSPORT_IMPL_REQUEST_IPP

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/transport/request.hpp>

#include <bedrock/detail/text.hpp>

namespace bedrock::transport {

BEDROCK_DECL const std::string* request::find(std::string_view name) const noexcept
{
    for (const auto& h : headers)
        if (bedrock::detail::iequals(h.name, name))
            return &h.value;
    return nullptr;
}

BEDROCK_DECL void request::set(std::string_view name, std::string_view value)
{
    for (auto& h : headers)
        if (bedrock::detail::iequals(h.name, name)) {
            h.value.assign(value);
            return;
        }
    if (spare_headers_.empty()) {
        headers.push_back({std::string(name), std::string(value)});
        return;
    }
    // Written before it joins `headers`: `value` may be another header's, whose characters move
    // when the vector grows.
    header h = std::move(spare_headers_.back());
    spare_headers_.pop_back();
    h.name.assign(name);
    h.value.assign(value);
    headers.push_back(std::move(h));
}

BEDROCK_DECL void request::clear()
{
    path.clear();
    query.clear();
    body.clear();
    // Last to first, so that the next request's first header reuses this one's first header's
    // storage: requests of one operation set the same headers in the same order, and then fit.
    spare_headers_.reserve(spare_headers_.size() + headers.size());
    for (auto h = headers.rbegin(); h != headers.rend(); ++h)
        spare_headers_.push_back(std::move(*h));
    headers.clear();
}

BEDROCK_DECL std::string request::target() const
{
    std::string out;
    append_target(out);
    return out;
}

BEDROCK_DECL void request::append_target(std::string& out) const
{
    out.append(path);
    char separator = '?';
    for (const auto& [name, value] : query) {
        out += separator;
        separator = '&';
        auth::uri_encode(name, true, out);
        out += '=';
        auth::uri_encode(value, true, out);
    }
}

} // namespace bedrock::transport

#endif

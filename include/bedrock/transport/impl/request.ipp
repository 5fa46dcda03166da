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

BEDROCK_DECL void request::set(std::string_view name, std::string value)
{
    for (auto& h : headers)
        if (bedrock::detail::iequals(h.name, name)) {
            h.value = std::move(value);
            return;
        }
    headers.push_back({std::string(name), std::move(value)});
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

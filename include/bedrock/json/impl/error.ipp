#ifndef BEDROCK_JSON_IMPL_ERROR_IPP
#define BEDROCK_JSON_IMPL_ERROR_IPP

#include <bedrock/json/error.hpp>

namespace bedrock::json {
namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.json"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<error>(ev)) {
        case error::invalid_json: return "invalid JSON";
        case error::trailing_content: return "content after the JSON value";
        case error::type_mismatch: return "JSON type mismatch";
        case error::missing_required_member: return "required member missing";
        case error::number_out_of_range: return "number out of range";
        case error::invalid_base64: return "invalid base64";
        case error::invalid_timestamp: return "invalid timestamp";
        case error::empty_union: return "union with no member set";
        case error::union_member_conflict: return "union with more than one member set";
        }
        return "unknown bedrock.json error";
    }
};

} // namespace detail

BEDROCK_DECL const boost::system::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

BEDROCK_DECL std::string diagnostics::to_string() const
{
    std::string s = ec.message();
    if (!path.empty()) {
        s += " at ";
        s += path;
    }
    if (!detail.empty()) {
        s += ": ";
        s += detail;
    }
    return s;
}

} // namespace bedrock::json

#endif

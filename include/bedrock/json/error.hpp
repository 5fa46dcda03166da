#ifndef BEDROCK_JSON_ERROR_HPP
#define BEDROCK_JSON_ERROR_HPP

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace bedrock::json {

/// Why a JSON body could not be read into a model type (category "bedrock.json").
/// `diagnostics::path` says where, `diagnostics::detail` adds what the parser saw.
enum class error {
    invalid_json = 1,        ///< not JSON (syntax, bad UTF-8, empty input, too deep)
    trailing_content,        ///< something follows the top-level value
    type_mismatch,           ///< a member has the wrong JSON type (e.g. a number where a string goes)
    missing_required_member, ///< a member the model requires is absent (or null)
    number_out_of_range,     ///< an integer that does not fit the member's type
    invalid_base64,          ///< a blob member is not canonical, padded base64
    invalid_timestamp,       ///< a timestamp member is not a date-time / epoch-seconds value
    empty_union,             ///< a union object with no member set
    union_member_conflict,   ///< a union object with two known members set
};

/// The category of json::error ("bedrock.json").
BEDROCK_DECL const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// Where and why a parse failed. The functions of <bedrock/json/parse.hpp> fill it when given one.
struct diagnostics {
    boost::system::error_code ec;
    std::string path;   ///< wire member path, e.g. `output.message.content[2].toolUse.input`
    std::string detail; ///< what was found, e.g. "expected string" or simdjson's message

    /// "type mismatch at output.message.content[2].toolUse.input: expected object".
    BEDROCK_DECL std::string to_string() const;
};

} // namespace bedrock::json

template <>
struct boost::system::is_error_code_enum<bedrock::json::error> : std::true_type {};

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/json/impl/error.ipp>
#endif

#endif

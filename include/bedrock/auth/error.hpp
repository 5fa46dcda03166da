#ifndef BEDROCK_AUTH_ERROR_HPP
#define BEDROCK_AUTH_ERROR_HPP

#include <bedrock/detail/config.hpp>

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace bedrock::auth {

/// Why a request or an event could not be signed. Signing never throws on these; it reports them.
enum class error {
    missing_credentials = 1, ///< the access key id or the secret access key is empty
    missing_scope,           ///< the region or the service is empty
    invalid_signature,       ///< a seed signature that is not 64 hexadecimal digits
    crypto_failure,          ///< OpenSSL could not allocate or run SHA-256 / HMAC
};

/// The category of auth::error ("bedrock.auth").
BEDROCK_DECL const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

} // namespace bedrock::auth

template <>
struct boost::system::is_error_code_enum<bedrock::auth::error> : std::true_type {};

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/auth/impl/error.ipp>
#endif

#endif

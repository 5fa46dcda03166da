#ifndef BEDROCK_AUTH_IMPL_ERROR_IPP
#define BEDROCK_AUTH_IMPL_ERROR_IPP

#include <bedrock/auth/error.hpp>

#include <string>

namespace bedrock::auth {
namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "bedrock.auth"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override
    {
        switch (static_cast<error>(ev)) {
        case error::missing_credentials: return "access key id or secret access key is empty";
        case error::missing_scope: return "signing region or service is empty";
        case error::invalid_signature: return "signature is not 64 hexadecimal digits";
        case error::crypto_failure: return "OpenSSL SHA-256/HMAC operation failed";
        }
        return "unknown bedrock.auth error";
    }
};

} // namespace detail

BEDROCK_DECL const boost::system::error_category& error_category() noexcept
{
    static const detail::error_category_impl instance;
    return instance;
}

} // namespace bedrock::auth

#endif

#ifndef BEDROCK_WITH_DIAGNOSTICS_HPP
#define BEDROCK_WITH_DIAGNOSTICS_HPP

// Errors that keep the service's words when they are thrown. Every operation's default completion
// token is bedrock::default_token, asio::use_awaitable wrapped in with_diagnostics_t: inside a
// coroutine,
//
//     try { auto out = co_await client.converse(request); }
//     catch (const bedrock::error_with_diagnostics& e) {
//         e.code();                          // service_errc::throttling, ...
//         e.diagnostics().service_message;   // "Too many requests, please wait before trying again."
//         e.diagnostics().request_id;
//     }
//
// and since error_with_diagnostics derives from boost::system::system_error, code that catches
// that goes on working. With any other token (a callback, asio::as_tuple, asio::use_future, ...)
// nothing changes: the handler gets the error_code, and the `diagnostics&` overloads the words.
// with_diagnostics(token) adds the same to any token whose completion takes `(error_code, T)` or
// `(error_code)`.

#include <bedrock/diagnostics.hpp>

#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <utility>

namespace bedrock {

class error_with_diagnostics : public boost::system::system_error {
public:
    error_with_diagnostics(const boost::system::error_code& ec, bedrock::diagnostics diag)
        : boost::system::system_error(ec, summary(diag)), diag_(std::move(diag))
    {
    }

    const bedrock::diagnostics& diagnostics() const noexcept { return diag_; }

private:
    // what() reads "<the service's or the library's words> [request id ...]: <the code's message>".
    static std::string summary(const bedrock::diagnostics& d)
    {
        std::string s;
        if (!d.error_type.empty())
            s += d.error_type;
        if (!d.service_message.empty())
            s += (s.empty() ? "" : ": ") + d.service_message;
        if (!d.client_message.empty())
            s += (s.empty() ? "" : "; ") + d.client_message;
        if (!d.request_id.empty())
            s += (s.empty() ? "request id " : " (request id ") + d.request_id + (s.empty() ? "" : ")");
        return s.empty() ? "bedrock" : s;
    }

    bedrock::diagnostics diag_;
};

/// A completion token adapter: the operation's `void(error_code, T)` becomes
/// `void(std::exception_ptr, T)`, an error arriving as an error_with_diagnostics.
template <class Token>
struct with_diagnostics_t {
    Token token;
};

template <class Token>
with_diagnostics_t<std::decay_t<Token>> with_diagnostics(Token&& token)
{
    return {std::forward<Token>(token)};
}

/// Every operation's default token: `co_await client.converse(request)` throws error_with_diagnostics.
/// (use_awaitable rather than deferred: Boost 1.81's co_await of a deferred operation whose
/// completion starts with an exception_ptr does not compile, a defect fixed in later Boost.)
using default_token = with_diagnostics_t<boost::asio::use_awaitable_t<>>;

} // namespace bedrock

#include <bedrock/impl/with_diagnostics.hpp>

#endif

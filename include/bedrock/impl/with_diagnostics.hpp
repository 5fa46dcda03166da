#ifndef BEDROCK_IMPL_WITH_DIAGNOSTICS_HPP
#define BEDROCK_IMPL_WITH_DIAGNOSTICS_HPP

#include <bedrock/with_diagnostics.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>

#include <exception>
#include <memory>

namespace bedrock::detail {

// The handler handed to the operation: turns `(error_code, T)` into `(exception_ptr, T)` with the
// diagnostics the operation filled (the caller's, or its own when the caller passed none).
template <class Handler>
struct diagnostics_handler {
    Handler handler;
    std::unique_ptr<diagnostics> own; // stable while the operation writes through `diag`
    diagnostics* diag;

    template <class T>
    void operator()(boost::system::error_code ec, T&& value)
    {
        std::exception_ptr error;
        if (ec)
            error = std::make_exception_ptr(error_with_diagnostics(ec, diag ? *diag : diagnostics{}));
        own.reset();
        std::move(handler)(std::move(error), std::forward<T>(value));
    }

    // Operations that complete with nothing but an error (a bidirectional stream's send, finish).
    void operator()(boost::system::error_code ec)
    {
        std::exception_ptr error;
        if (ec)
            error = std::make_exception_ptr(error_with_diagnostics(ec, diag ? *diag : diagnostics{}));
        own.reset();
        std::move(handler)(std::move(error));
    }
};

// Initiations of the library's operations take `diagnostics*` as their first argument (null: none
// asked for), so that this wrapper can give them one of its own.
template <class Initiation>
struct diagnostics_initiation {
    Initiation initiation;

    template <class Handler, class... Args>
    void operator()(Handler&& handler, diagnostics* diag, Args&&... args)
    {
        auto own = diag ? nullptr : std::make_unique<diagnostics>();
        diagnostics* where = diag ? diag : own.get();
        std::move(initiation)(
            diagnostics_handler<std::decay_t<Handler>>{std::forward<Handler>(handler), std::move(own), where}, where,
            std::forward<Args>(args)...);
    }
};

} // namespace bedrock::detail

namespace boost::asio {

template <class Token, class T>
struct async_result<bedrock::with_diagnostics_t<Token>, void(boost::system::error_code, T)> {
    template <class Initiation, class RawToken, class... Args>
    static auto initiate(Initiation&& initiation, RawToken&& token, Args&&... args)
    {
        return boost::asio::async_initiate<Token, void(std::exception_ptr, T)>(
            bedrock::detail::diagnostics_initiation<std::decay_t<Initiation>>{std::forward<Initiation>(initiation)},
            token.token, std::forward<Args>(args)...);
    }
};

template <class Token>
struct async_result<bedrock::with_diagnostics_t<Token>, void(boost::system::error_code)> {
    template <class Initiation, class RawToken, class... Args>
    static auto initiate(Initiation&& initiation, RawToken&& token, Args&&... args)
    {
        return boost::asio::async_initiate<Token, void(std::exception_ptr)>(
            bedrock::detail::diagnostics_initiation<std::decay_t<Initiation>>{std::forward<Initiation>(initiation)},
            token.token, std::forward<Args>(args)...);
    }
};

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct associator<Associator, bedrock::detail::diagnostics_handler<Handler>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
    static typename Associator<Handler, DefaultCandidate>::type
    get(const bedrock::detail::diagnostics_handler<Handler>& h,
        const DefaultCandidate& c = DefaultCandidate()) noexcept
    {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

} // namespace boost::asio

#endif

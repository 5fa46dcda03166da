#ifndef BEDROCK_DETAIL_EXCEPTIONS_HPP
#define BEDROCK_DETAIL_EXCEPTIONS_HPP

// The library reports through error_code; it throws only where a constructor or a convenience
// overload has no other way, and always through boost::throw_exception. A program built without
// exceptions (-fno-exceptions, as game engines build) then decides what happens instead, as it does
// for Asio and the rest of Boost: it defines boost::throw_exception itself.

#include <boost/throw_exception.hpp>

#include <exception>
#include <string>

namespace bedrock::detail {

/// What an exception that escaped a coroutine says, for a diagnostic: its what(), or nothing when
/// it is not a std::exception (or exceptions are off, where none can escape).
inline std::string exception_message(const std::exception_ptr& e)
{
#ifndef BOOST_NO_EXCEPTIONS
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
    }
#else
    (void)e;
#endif
    return {};
}

} // namespace bedrock::detail

#endif

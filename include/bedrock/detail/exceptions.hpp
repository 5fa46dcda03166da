#ifndef BEDROCK_DETAIL_EXCEPTIONS_HPP
#define BEDROCK_DETAIL_EXCEPTIONS_HPP

// The library reports through error_code; it throws only where a constructor or a convenience
// overload has no other way, and always through boost::throw_exception. A program built without
// exceptions (-fno-exceptions, as game engines build) then decides what happens instead, as it does
// for Asio and the rest of Boost: it defines boost::throw_exception itself.

#include <boost/throw_exception.hpp>

#endif

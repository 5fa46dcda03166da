// The one translation unit of the bedrock::compiled library (BEDROCK_SEPARATE_COMPILATION).
#include <bedrock/src.hpp>

#ifdef BEDROCK_COMPILE_ASIO
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#endif

#ifndef BEDROCK_TEST_COROUTINE_SUPPORT_HPP
#define BEDROCK_TEST_COROUTINE_SUPPORT_HPP

// Runs one test coroutine to completion on a fresh io_context and rethrows what it throws, so that
// Catch's assertions inside it count and an exception fails the test.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>

namespace bedrock::test {

template <class F>
void run(F f)
{
    boost::asio::io_context io;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, f(io), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure)
        std::rethrow_exception(failure);
}

} // namespace bedrock::test

#endif

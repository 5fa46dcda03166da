// The floor: a coroutine HTTPS client written directly on Asio + Beast + OpenSSL (connect, TLS
// handshake, write one request, read one response).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace http = boost::beast::http;

asio::awaitable<void> fetch(asio::ssl::context& tls)
{
    auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(ex);
    asio::ssl::stream<boost::beast::tcp_stream> stream(ex, tls);
    auto endpoints = co_await resolver.async_resolve("localhost", "8443", asio::use_awaitable);
    co_await boost::beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    http::request<http::string_body> req{http::verb::post, "/model/m/converse", 11};
    req.set(http::field::host, "localhost");
    req.body() = "{}";
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
}

int main()
{
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    asio::co_spawn(io, fetch(tls), asio::detached);
    io.run();
}

#ifndef BEDROCK_TESTS_UNIT_TESTING_EMULATOR_WIRE_CLIENT_HPP
#define BEDROCK_TESTS_UNIT_TESTING_EMULATOR_WIRE_CLIENT_HPP

// A bare Beast HTTPS client for the emulator's integration tests: it trusts the emulator's CA,
// verifies the host name, keeps its connection alive, and bounds every step by a timeout, so a test
// never hangs (stall scenarios end in beast::error::timeout).

#include <bedrock/testing/https_server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace bedrock::test {

class wire_client {
public:
    struct result {
        boost::system::error_code ec;     ///< the first failure, if any
        bool head_received = false;       ///< the status line and headers arrived
        testing::response res;            ///< what arrived (the body only when complete)
        std::chrono::milliseconds elapsed{0};
    };

    wire_client(const std::string& ca_pem, unsigned short port, std::string verify_host = "127.0.0.1")
        : port_(port), host_(std::move(verify_host))
    {
        tls_.add_certificate_authority(boost::asio::buffer(ca_pem));
        tls_.set_verify_mode(boost::asio::ssl::verify_peer);
    }

    /// Connects (TCP + TLS handshake) if not connected; false on failure (see last_error()).
    bool connect(std::chrono::milliseconds timeout = std::chrono::seconds(3))
    {
        if (stream_)
            return true;
        stream_.emplace(ioc_, tls_);
        stream_->set_verify_callback(boost::asio::ssl::host_name_verification(host_));
        error_ = {};
        run([&]() -> boost::asio::awaitable<void> {
            auto& tcp = boost::beast::get_lowest_layer(*stream_);
            tcp.expires_after(timeout);
            const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port_);
            co_await tcp.async_connect(ep, boost::asio::redirect_error(boost::asio::use_awaitable, error_));
            if (!error_)
                co_await stream_->async_handshake(boost::asio::ssl::stream_base::client,
                                                  boost::asio::redirect_error(boost::asio::use_awaitable, error_));
        });
        if (error_)
            stream_.reset();
        return !error_;
    }

    boost::system::error_code last_error() const noexcept { return error_; }

    /// Writes `req` and reads the answer, each step bounded by `timeout`. Connects first if needed;
    /// after a failure the connection is dropped (the next call opens another).
    result exchange(const testing::request& req, std::chrono::milliseconds timeout = std::chrono::seconds(3))
    {
        result r;
        const auto start = std::chrono::steady_clock::now();
        if (!connect(timeout)) {
            r.ec = error_;
            return r;
        }
        run([&]() -> boost::asio::awaitable<void> {
            namespace http = boost::beast::http;
            auto& tcp = boost::beast::get_lowest_layer(*stream_);
            tcp.expires_after(timeout);
            co_await http::async_write(*stream_, req, boost::asio::redirect_error(boost::asio::use_awaitable, r.ec));
            if (r.ec)
                co_return;
            http::response_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            tcp.expires_after(timeout);
            co_await http::async_read_header(*stream_, buffer_, parser,
                                             boost::asio::redirect_error(boost::asio::use_awaitable, r.ec));
            if (r.ec)
                co_return;
            r.head_received = true;
            r.res.base() = parser.get().base();
            tcp.expires_after(timeout);
            co_await http::async_read(*stream_, buffer_, parser,
                                      boost::asio::redirect_error(boost::asio::use_awaitable, r.ec));
            if (!r.ec)
                r.res = parser.release();
        });
        r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        if (r.ec || !r.res.keep_alive())
            close();
        return r;
    }

    void close()
    {
        if (stream_) {
            boost::system::error_code ignored;
            boost::beast::get_lowest_layer(*stream_).socket().close(ignored);
            stream_.reset();
        }
        buffer_.clear();
    }

    bool connected() const noexcept { return stream_.has_value(); }

private:
    template <class F>
    void run(F f)
    {
        boost::asio::co_spawn(ioc_, f(), boost::asio::detached);
        ioc_.restart();
        ioc_.run(); // every step above is bounded by the stream's timeout
    }

    boost::asio::io_context ioc_;
    boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
    boost::beast::flat_buffer buffer_;
    unsigned short port_;
    std::string host_;
    boost::system::error_code error_;
};

} // namespace bedrock::test

#endif

#ifndef BEDROCK_TRANSPORT_IMPL_HTTP1_IPP
#define BEDROCK_TRANSPORT_IMPL_HTTP1_IPP

#include <bedrock/error.hpp>
#include <bedrock/http/connection_pool.hpp>
#include <bedrock/transport/transport.hpp>

#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>

#include <charconv>

namespace bedrock::transport {
namespace detail {

// The HTTP/1.1 pool behind the transport interface: the request is written as a request line and
// headers with Host first, the body as given (Content-Length comes from the protocol layer).
class http1_transport final : public transport {
public:
    http1_transport(boost::asio::any_io_executor ex, const http::endpoint& target, http::pool_options options)
        : pool_(std::move(ex), target, std::move(options)), host_(http::host_header(target))
    {
    }

    executor_type get_executor() const noexcept override { return pool_.get_executor(); }
    std::string_view protocol() const noexcept override { return "http/1.1"; }

    void async_exchange(const request& req, response& res, const timeouts& limits,
                        handler<void(boost::system::error_code)> h) override
    {
        // `req` outlives the exchange (the interface says so): its body is written from where it is.
        // A chunked body is framed by the connection from a Beast message.
        if (req.find("Transfer-Encoding"))
            return pool_.async_exchange_owned(to_wire(req), res, limits, std::move(h));
        pool_.async_exchange_serialized(serialize(req), res, limits, std::move(h));
    }

    void async_exchange_on_transport_executor(const request& req, response& res, const timeouts& limits,
                                              handler<void(boost::system::error_code)> h) override
    {
        if (req.find("Transfer-Encoding"))
            return pool_.async_exchange_owned(to_wire(req), res, limits, std::move(h));
        pool_.async_exchange_serialized(serialize(req), res, limits, std::move(h), true);
    }

    void async_open(const request& req, const timeouts& limits,
                    handler<void(boost::system::error_code, std::unique_ptr<response_body>)> h) override
    {
        boost::asio::async_compose<decltype(h), void(boost::system::error_code, std::unique_ptr<response_body>)>(
            open_op{&pool_, to_wire(req), limits}, h, pool_.get_executor());
    }

    void async_open_duplex(const request&, const timeouts&,
                           handler<void(boost::system::error_code, std::unique_ptr<duplex_body>)> h) override
    {
        // A request body written while the answer is read needs HTTP/2 (Bedrock takes the
        // bidirectional stream over HTTP/2 only).
        boost::asio::async_compose<decltype(h), void(boost::system::error_code, std::unique_ptr<duplex_body>)>(
            refuse_op{}, h, pool_.get_executor());
    }

    void close() noexcept override { pool_.close(); }
    http::pool_stats stats() const noexcept override { return pool_.stats(); }

private:
    class body final : public response_body {
    public:
        const response_head& head() const noexcept override { return stream_.head(); }
        // Both reads run on the transport's executor (the stream's, the pool's) with one handler
        // type, so the connection's TLS and socket reads are instantiated once; a handler with an
        // executor of its own is completed through it at the end.
        void async_read_some(boost::asio::mutable_buffer buffer,
                             handler<void(boost::system::error_code, std::size_t)> h) override
        {
            stream_.async_read_some(buffer, http::detail::blind_handler(std::move(h), stream_.get_executor(), false));
        }
        void async_read_some_on_transport_executor(boost::asio::mutable_buffer buffer,
                                                   handler<void(boost::system::error_code, std::size_t)> h) override
        {
            stream_.async_read_some(buffer, http::detail::blind_handler(std::move(h), stream_.get_executor(), true));
        }
        std::size_t read_buffered(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) override
        {
            return stream_.read_buffered(buffer, ec);
        }
        void set_idle_timeout(std::chrono::milliseconds idle) noexcept override { stream_.set_idle_timeout(idle); }
        void close() noexcept override { stream_.close(); }
        void abandon() noexcept override { stream_.abandon(); }

        http::response_stream& stream() noexcept { return stream_; }

    private:
        http::response_stream stream_;
    };

    // Through the pool's erased async_open_owned, the exchange that unary calls run too: a template
    // async_open here would instantiate the connection's TLS, socket and timer operations a second
    // time for a handler of its own (a twentieth of what a user's translation unit compiles).
    struct open_op {
        http::connection_pool* pool;
        std::unique_ptr<http::request> wire; // the exchange owns it until the head has arrived
        timeouts limits;
        std::unique_ptr<body> answer = std::make_unique<body>(); // the stream's place, filled by the exchange

        template <class Self>
        void operator()(Self& self)
        {
            // Taken out first: `self`, and these members with it, move into the erased handler.
            auto request = std::move(wire);
            http::response_stream& stream = answer->stream(); // on the heap: stays where it is
            http::connection_pool& p = *pool;
            const timeouts l = limits;
            p.async_open_owned(std::move(request), stream, l, std::move(self));
        }
        template <class Self>
        void operator()(Self& self, boost::system::error_code ec)
        {
            if (ec)
                return self.complete(ec, std::unique_ptr<response_body>());
            self.complete(ec, std::unique_ptr<response_body>(std::move(answer)));
        }
    };

    struct refuse_op {
        bool posted = false;
        template <class Self>
        void operator()(Self& self)
        {
            if (!posted) {
                posted = true;
                return boost::asio::post(self.get_io_executor(), std::move(self));
            }
            self.complete(client_errc::http2_required, std::unique_ptr<duplex_body>());
        }
    };

    // The request line and headers, written by the connection straight from the neutral request
    // into its send buffer: a Beast message (to_wire) costs a heap allocation per header field, and
    // the connection would only write those fields out again. Content-Length as the connection adds
    // it to a message. `req` and this transport outlive the exchange (the interface says so).
    http::serialized_request serialize(const request& req) const
    {
        return {&write_head, &req, this, req.body, req.method == "HEAD"};
    }

    static void write_head(const void* source, const void* context, std::string& head)
    {
        const auto& req = *static_cast<const request*>(source);
        const auto& self = *static_cast<const http1_transport*>(context);
        head.append(req.method).append(" ");
        req.append_target(head);
        head.append(" HTTP/1.1\r\nHost: ").append(self.host_).append("\r\n");
        for (const auto& h : req.headers)
            head.append(h.name).append(": ").append(h.value).append("\r\n");
        if (!req.find("Content-Length") &&
            (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH")) {
            char digits[24];
            const auto end = std::to_chars(digits, digits + sizeof digits, req.body.size()).ptr;
            head.append("Content-Length: ").append(digits, end).append("\r\n");
        }
    }

    std::unique_ptr<http::request> to_wire(const request& req) const
    {
        auto out = std::make_unique<http::request>();
        out->method_string(req.method);
        out->target(req.target());
        out->version(11);
        out->set(boost::beast::http::field::host, host_);
        for (const auto& h : req.headers)
            out->insert(h.name, h.value);
        out->body() = req.body;
        return out;
    }

    http::connection_pool pool_;
    std::string host_;
};

} // namespace detail

BEDROCK_DECL std::shared_ptr<transport> make_http1_transport(boost::asio::any_io_executor ex,
                                                             const http::endpoint& target,
                                                             http::pool_options options)
{
    return std::make_shared<detail::http1_transport>(std::move(ex), target, std::move(options));
}

} // namespace bedrock::transport

#endif

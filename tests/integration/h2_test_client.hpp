#ifndef BEDROCK_TEST_H2_TEST_CLIENT_HPP
#define BEDROCK_TEST_H2_TEST_CLIENT_HPP

// A small HTTP/2 client for the test server's tests: nghttp2's client session over TLS (ALPN h2) on
// loopback, driven from the test's own thread. Requests are submitted, their bodies sent piece by
// piece (a streamed body stays open until end()), and run_until() pumps the connection until a
// condition holds or a timeout passes, so a test never hangs.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <nghttp2/nghttp2.h>

#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock::test {

class h2_client {
public:
    struct stream_state {
        int status = 0;
        std::vector<std::pair<std::string, std::string>> headers;
        std::string body;
        bool ended = false;  ///< END_STREAM received
        bool closed = false; ///< closed, by either end
        std::uint32_t error_code = 0; ///< RST_STREAM's code, when reset
        std::string outgoing;         ///< body bytes not yet taken by nghttp2
        bool eof = false;             ///< end() called

        std::string header(std::string_view name) const
        {
            for (const auto& [n, v] : headers)
                if (n == name)
                    return v;
            return {};
        }
    };

    using fields = std::vector<std::pair<std::string, std::string>>;

    h2_client(const std::string& ca_pem, unsigned short port, std::string_view alpn = "h2")
        : tls_(boost::asio::ssl::context::tls_client), stream_(ioc_, tls_)
    {
        tls_.add_certificate_authority(boost::asio::buffer(ca_pem));
        stream_.set_verify_mode(boost::asio::ssl::verify_peer);
        stream_.set_verify_callback(boost::asio::ssl::host_name_verification("127.0.0.1"));
        std::string protos(1, static_cast<char>(alpn.size()));
        protos.append(alpn);
        SSL_set_alpn_protos(stream_.native_handle(), reinterpret_cast<const unsigned char*>(protos.data()),
                            static_cast<unsigned>(protos.size()));
        stream_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
        stream_.next_layer().set_option(boost::asio::ip::tcp::no_delay(true));
        stream_.handshake(boost::asio::ssl::stream_base::client);
        const unsigned char* p = nullptr;
        unsigned len = 0;
        SSL_get0_alpn_selected(stream_.native_handle(), &p, &len);
        alpn_.assign(reinterpret_cast<const char*>(p), len);

        nghttp2_session_callbacks* cbs = nullptr;
        nghttp2_session_callbacks_new(&cbs);
        nghttp2_session_callbacks_set_on_header_callback(cbs, &h2_client::on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &h2_client::on_data);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &h2_client::on_frame);
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &h2_client::on_close);
        nghttp2_session_client_new(&ng_, cbs, this);
        nghttp2_session_callbacks_del(cbs);
        nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, nullptr, 0);
        read();
        flush();
    }

    ~h2_client()
    {
        boost::system::error_code ignored;
        stream_.next_layer().close(ignored);
        ioc_.poll(); // let the cancelled operations finish while this object is alive
        nghttp2_session_del(ng_);
    }

    h2_client(const h2_client&) = delete;
    h2_client& operator=(const h2_client&) = delete;

    const std::string& alpn() const noexcept { return alpn_; }
    nghttp2_session* session() noexcept { return ng_; }

    /// Submits a request. `body`: nullopt for none (END_STREAM with the headers); otherwise its first
    /// bytes, and `open` leaves it open for send()/end().
    std::int32_t submit(std::string_view method, std::string_view path, const fields& headers,
                        std::optional<std::string> body = std::nullopt, bool open = false)
    {
        std::vector<std::pair<std::string, std::string>> all{
            {":method", std::string(method)}, {":scheme", "https"}, {":authority", authority}, {":path", std::string(path)}};
        all.insert(all.end(), headers.begin(), headers.end());
        std::vector<nghttp2_nv> nva;
        for (auto& [n, v] : all)
            nva.push_back({reinterpret_cast<std::uint8_t*>(n.data()), reinterpret_cast<std::uint8_t*>(v.data()),
                           n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
        nghttp2_data_provider provider{};
        provider.read_callback = &h2_client::read_body;
        const std::int32_t id = nghttp2_submit_request(ng_, nullptr, nva.data(), nva.size(), body ? &provider : nullptr, this);
        if (id < 0)
            throw std::runtime_error("nghttp2_submit_request failed");
        auto& s = streams_[id];
        if (body) {
            s.outgoing = std::move(*body);
            s.eof = !open;
        }
        flush();
        return id;
    }

    void send(std::int32_t id, std::string_view bytes)
    {
        streams_[id].outgoing.append(bytes);
        nghttp2_session_resume_data(ng_, id);
        flush();
    }

    void end(std::int32_t id)
    {
        streams_[id].eof = true;
        nghttp2_session_resume_data(ng_, id);
        flush();
    }

    void reset(std::int32_t id)
    {
        nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        flush();
    }

    stream_state& stream(std::int32_t id) { return streams_[id]; }

    /// How many more bytes this stream may send now (its flow-control window at the server).
    std::int32_t send_window(std::int32_t id) { return nghttp2_session_get_stream_remote_window_size(ng_, id); }

    bool connection_closed() const noexcept { return eof_; }
    bool goaway_received() const noexcept { return goaway_; }

    /// Pumps the connection until `done()` or the timeout; returns done().
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline)
                return false;
            flush();
            if (ioc_.stopped())
                ioc_.restart();
            ioc_.run_one_for(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
        }
        return true;
    }

    /// Pumps for a while whatever happens (to let a server show it sends nothing more).
    void run_for(std::chrono::milliseconds d)
    {
        (void)run_until([] { return false; }, d);
    }

    std::string authority = "127.0.0.1";

private:
    void read()
    {
        stream_.async_read_some(boost::asio::buffer(in_), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                eof_ = true;
                return;
            }
            if (nghttp2_session_mem_recv(ng_, in_.data(), n) < 0) {
                eof_ = true;
                return;
            }
            flush();
            read();
        });
    }

    void flush()
    {
        if (writing_ || eof_)
            return;
        out_.clear();
        for (;;) {
            const std::uint8_t* data = nullptr;
            const auto n = nghttp2_session_mem_send(ng_, &data);
            if (n <= 0)
                break;
            out_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
        }
        if (out_.empty())
            return;
        writing_ = true;
        boost::asio::async_write(stream_, boost::asio::buffer(out_), [this](boost::system::error_code ec, std::size_t) {
            writing_ = false;
            if (ec) {
                eof_ = true;
                return;
            }
            flush();
        });
    }

    static h2_client& self(void* user) { return *static_cast<h2_client*>(user); }

    static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                         const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user)
    {
        auto& s = self(user).streams_[frame->hd.stream_id];
        const std::string n(reinterpret_cast<const char*>(name), namelen);
        const std::string v(reinterpret_cast<const char*>(value), valuelen);
        if (n == ":status")
            s.status = std::stoi(v);
        else
            s.headers.emplace_back(n, v);
        return 0;
    }

    static int on_data(nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data, std::size_t len, void* user)
    {
        self(user).streams_[id].body.append(reinterpret_cast<const char*>(data), len);
        return 0;
    }

    static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user)
    {
        if (frame->hd.type == NGHTTP2_GOAWAY)
            self(user).goaway_ = true;
        if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
            (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
            self(user).streams_[frame->hd.stream_id].ended = true;
        return 0;
    }

    static int on_close(nghttp2_session*, std::int32_t id, std::uint32_t error_code, void* user)
    {
        auto& s = self(user).streams_[id];
        s.closed = true;
        s.error_code = error_code;
        return 0;
    }

    static ssize_t read_body(nghttp2_session*, std::int32_t id, std::uint8_t* buf, std::size_t length,
                             std::uint32_t* flags, nghttp2_data_source*, void* user)
    {
        auto& s = self(user).streams_[id];
        const std::size_t n = std::min(length, s.outgoing.size());
        std::memcpy(buf, s.outgoing.data(), n);
        s.outgoing.erase(0, n);
        if (s.outgoing.empty() && s.eof)
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        else if (n == 0)
            return NGHTTP2_ERR_DEFERRED;
        return static_cast<ssize_t>(n);
    }

    boost::asio::io_context ioc_;
    boost::asio::ssl::context tls_;
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
    nghttp2_session* ng_ = nullptr;
    std::string alpn_;
    std::array<std::uint8_t, 16 * 1024> in_{};
    std::string out_;
    bool writing_ = false;
    bool eof_ = false;
    bool goaway_ = false;
    std::map<std::int32_t, stream_state> streams_;
};

} // namespace bedrock::test

#endif

// The bare loops' connection: Asio + OpenSSL alone, a TLS client on 127.0.0.1:<port> that trusts the
// given CA, Nagle off, handshaken. What any client on Asio and OpenSSL starts from (the floor).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include <string>

namespace bench {

struct bare_tls_connection {
    boost::asio::ssl::context tls{boost::asio::ssl::context::tls_client};
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream;

    bare_tls_connection(boost::asio::io_context& io, const std::string& ca_pem, unsigned short port)
        : stream(io, (trust(tls, ca_pem), tls)) // the context set up before the stream copies its settings
    {
        namespace asio = boost::asio;
        stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
        stream.next_layer().set_option(asio::ip::tcp::no_delay(true));
        stream.handshake(asio::ssl::stream_base::client);
    }

private:
    static void trust(boost::asio::ssl::context& tls, const std::string& ca_pem)
    {
        tls.add_certificate_authority(boost::asio::buffer(ca_pem));
        tls.set_verify_mode(boost::asio::ssl::verify_peer);
    }
};

} // namespace bench

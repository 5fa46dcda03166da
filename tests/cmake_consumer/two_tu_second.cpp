// The second translation unit of consumer_two_tu (see two_tu_main.cpp): the same headers, other
// calls into the client, the HTTP layer and auth.
#include <bedrock/auth.hpp>
#include <bedrock/client.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/http.hpp>
#include <bedrock/messages.hpp>

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>

int second_tu_checks()
{
    int failed = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) {
            std::printf("second TU: %s\n", what);
            ++failed;
        }
    };

    // auth: a SigV4 signature, a credentials document.
    bedrock::auth::signer signer({.region = "us-east-1"});
    const std::array<bedrock::auth::http_header, 2> headers{{{"host", "bedrock-runtime.us-east-1.amazonaws.com"},
                                                             {"content-type", "application/json"}}};
    bedrock::auth::request req;
    req.path = "/model/m/converse";
    req.headers = headers;
    req.body = "{}";
    bedrock::auth::signing_result signed_request;
    const bedrock::auth::credentials creds{"AKIDEXAMPLE", "secret", std::string("token"), {}};
    check(!signer.sign(req, creds, std::chrono::system_clock::now(), signed_request) &&
              signed_request.signature.size() == 64,
          "sigv4 signing");
    bedrock::auth::credentials remote;
    check(!bedrock::auth::parse_credentials_document(
              R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2030-01-01T00:00:00Z"})", remote),
          "credentials document");

    // HTTP: an endpoint and a connection pool that is opened and closed without a request.
    boost::asio::io_context io;
    auto ep = bedrock::http::parse_endpoint("http://localhost:4566");
    check(ep && ep->port == 4566, "parse_endpoint");
    if (ep) {
        bedrock::http::connection_pool pool(io.get_executor(), *ep);
        check(pool.target().host == "localhost", "connection_pool target");
        pool.close();
    }

    // The client: configuration errors without exceptions, the endpoint it resolves.
    boost::system::error_code ec;
    bedrock::client broken(io.get_executor(), bedrock::config{}, ec);
    check(ec == bedrock::client_errc::missing_region, "client without a region");
    bedrock::config cfg;
    cfg.region = "us-west-2";
    cfg.credentials = creds;
    bedrock::client client(io.get_executor(), cfg);
    check(client.endpoint() == "https://bedrock-runtime.us-west-2.amazonaws.com", "client endpoint");
    bool done = false;
    broken.count_tokens(bedrock::count_tokens_request{}, [&](boost::system::error_code e, auto&&...) {
        done = e == bedrock::client_errc::missing_region;
    });
    io.run_for(std::chrono::seconds(5));
    check(done, "an operation of a misconfigured client fails with its error");
    return failed;
}

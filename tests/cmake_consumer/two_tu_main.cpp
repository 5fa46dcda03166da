// The header-only library in a program of two translation units (with two_tu_second.cpp). Both
// include the client, the HTTP layer and auth, and call into each, so every inline body is emitted
// in both objects: a function defined in a header or an .ipp without `inline` is a duplicate symbol
// at link time, here rather than in a user's build.
#include <bedrock/auth.hpp>
#include <bedrock/client.hpp>
#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/http.hpp>
#include <bedrock/messages.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <string>

int second_tu_checks(); // two_tu_second.cpp: 0 when everything there worked

namespace {

// A client whose endpoint refuses connections: converse goes through signing, the pool and the
// transport and must complete with an error (and never hang).
int converse_against_a_closed_port()
{
    boost::asio::io_context io;
    bedrock::config cfg;
    cfg.region = "us-east-1";
    cfg.endpoint_url = "http://127.0.0.1:9"; // discard port: nothing listens there in CI
    cfg.credentials = bedrock::auth::credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
    cfg.max_attempts = 1;
    cfg.timeout.connect = std::chrono::seconds(2);
    bedrock::client client{io.get_executor(), cfg};

    bedrock::converse_request request;
    request.model_id = "anthropic.claude-3-haiku-20240307-v1:0";
    request.messages = {bedrock::user_text("Hello")};
    bool done = false;
    boost::system::error_code result;
    client.converse(request, [&](boost::system::error_code ec, bedrock::converse_response) {
        done = true;
        result = ec;
    });
    io.run_for(std::chrono::seconds(20));
    if (!done || !result) {
        std::printf("converse: done=%d, ec=%s\n", done, result.message().c_str());
        return 1;
    }
    return 0;
}

int http_and_auth_checks()
{
    auto ep = bedrock::http::parse_endpoint("https://[::1]:8443/base");
    if (!ep || bedrock::http::host_header(*ep) != "[::1]:8443" || !bedrock::http::is_ip_literal(ep->host))
        return 1;
    bedrock::auth::profile_set profiles;
    bedrock::auth::parse_profile_file("[default]\nregion = eu-west-1\n", bedrock::auth::profile_file_kind::config,
                                      profiles);
    if (!profiles.find("default") || profiles.find("default")->get("region") != "eu-west-1")
        return 1;
    return 0;
}

} // namespace

int main()
{
    if (int failed = http_and_auth_checks() + converse_against_a_closed_port() + second_tu_checks()) {
        std::printf("consumer_two_tu: %d check(s) failed\n", failed);
        return 1;
    }
    std::puts("consumer_two_tu: header-only bedrock-asio links and works from two translation units");
}

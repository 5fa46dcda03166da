// The container and instance metadata credential providers against local plain-HTTP servers on
// loopback, and a client signing with credentials from the container provider.

#include <bedrock/credentials/remote_providers.hpp>
#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>
#include <bedrock/testing/https_server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include "credentials_support.hpp"

#include <cstdio>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace credentials_providers_test {

namespace asio = boost::asio;
namespace bt = bedrock::testing;
using bedrock::client_errc;
using bedrock::auth::credentials;
using namespace std::chrono_literals;

using bedrock::test::fetch;

namespace {

const char* const document = R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret",
    "Token":"container-session-token","Expiration":"2099-01-02T03:04:05Z","AccountId":"123456789012"})";

bt::server_options plain_http()
{
    bt::server_options o;
    o.tls = false;
    return o;
}

// A plain-HTTP server that records what it receives and answers through `answer`.
struct recording_server {
    struct seen {
        std::string method, target, authorization, imds_token, imds_ttl;
    };
    using answer_fn = std::function<std::pair<unsigned, std::string>(const bt::request&, std::size_t index)>;

    explicit recording_server(answer_fn a)
        : answer(std::move(a)),
          server([this](const bt::request& req, bt::response_writer& w) -> asio::awaitable<void> {
              std::pair<unsigned, std::string> out;
              {
                  std::lock_guard lock(mutex);
                  auto field = [&](std::string_view name) {
                      auto it = req.find(name);
                      return it == req.end() ? std::string() : std::string(it->value());
                  };
                  requests.push_back({std::string(req.method_string()), std::string(req.target()),
                                      field("authorization"), field("x-aws-ec2-metadata-token"),
                                      field("x-aws-ec2-metadata-token-ttl-seconds")});
                  out = answer(req, requests.size());
              }
              bt::response res{static_cast<boost::beast::http::status>(out.first), 11};
              res.body() = std::move(out.second);
              co_await w.respond(std::move(res));
          }, plain_http())
    {
    }

    void set(answer_fn a)
    {
        std::lock_guard lock(mutex);
        answer = std::move(a);
    }

    std::vector<seen> log()
    {
        std::lock_guard lock(mutex);
        return requests;
    }

    std::mutex mutex;
    std::vector<seen> requests;
    answer_fn answer;
    bt::https_server server;
};


std::string temp_file(const std::string& contents)
{
    char name[] = "/tmp/bedrock-token-XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    std::ofstream(name, std::ios::binary) << contents;
    return name;
}

// A loopback port nothing listens on.
unsigned short closed_port()
{
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

} // namespace

TEST_CASE("container credentials: the full URI, its token, and the parsed answer")
{
    recording_server srv([](const bt::request&, std::size_t) { return std::pair{200u, std::string(document)}; });
    asio::io_context io;
    bedrock::auth::container_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.server.url() + "/v1/creds?role=x"},
                                                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token"}}));
    auto out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIACONTAINER");
    CHECK(out.creds.secret_access_key == "container-secret");
    CHECK(out.creds.session_token == "container-session-token");
    REQUIRE(out.creds.expiration);
    using namespace std::chrono;
    CHECK(*out.creds.expiration == sys_days{year{2099} / 1 / 2} + hours{3} + minutes{4} + seconds{5});
    CHECK(provider.last_error().empty());
    const auto log = srv.log();
    REQUIRE(log.size() == 1);
    CHECK(log[0].method == "GET");
    CHECK(log[0].target == "/v1/creds?role=x");
    CHECK(log[0].authorization == "env-token");
}

TEST_CASE("container credentials: the token file wins over the variable and is read at every fetch")
{
    recording_server srv([](const bt::request&, std::size_t) { return std::pair{200u, std::string(document)}; });
    const std::string file = temp_file("file-token-1\n");
    asio::io_context io;
    bedrock::auth::container_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.server.url() + "/creds"},
                                                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token"},
                                                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file}}));
    REQUIRE_FALSE(fetch(provider, io).ec);
    std::ofstream(file, std::ios::binary | std::ios::trunc) << "file-token-2";
    REQUIRE_FALSE(fetch(provider, io).ec);
    const auto log = srv.log();
    REQUIRE(log.size() == 2);
    CHECK(log[0].authorization == "file-token-1"); // the trailing newline is not part of it
    CHECK(log[1].authorization == "file-token-2");

    std::remove(file.c_str());
    auto out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider.last_error().find("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") != std::string::npos);
    CHECK(srv.log().size() == 2);
}

TEST_CASE("container credentials: plain http to another host is refused before any request")
{
    asio::io_context io;
    for (const char* url : {"http://192.0.2.10/creds", "http://169.254.169.254/latest", "http://[fd00:ec2::254]/x"}) {
        INFO(url);
        bedrock::auth::container_credentials_provider provider(
            io.get_executor(), bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}));
        auto out = fetch(provider, io);
        CHECK(out.ec == client_errc::invalid_credentials_endpoint);
        CHECK(provider.last_error().find("is not allowed over http") != std::string::npos);
    }
    bedrock::auth::container_credentials_provider garbage(
        io.get_executor(), bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://x/y"}}));
    CHECK(fetch(garbage, io).ec == client_errc::invalid_credentials_endpoint);

    bedrock::auth::container_credentials_provider unset(io.get_executor(), bedrock::map_environment({}));
    CHECK(fetch(unset, io).ec == client_errc::no_credentials);
}

TEST_CASE("container credentials: a bad answer is a clear error, 5xx is retried, 4xx is not")
{
    recording_server srv([](const bt::request&, std::size_t) -> std::pair<unsigned, std::string> {
        return {200, R"({"AccessKeyId":"A","SecretAccessKey":)"};
    });
    asio::io_context io;
    bedrock::auth::remote_provider_options fast;
    fast.retry_delay = 10ms;
    bedrock::auth::container_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.server.url()}}), fast);

    auto out = fetch(provider, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(provider.last_error().find("answered: ") != std::string::npos);

    srv.set([](const bt::request&, std::size_t) -> std::pair<unsigned, std::string> {
        return {200, R"({"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2099-01-01T00:00:00Z"})"};
    });
    CHECK(fetch(provider, io).ec == client_errc::invalid_credentials_response);
    CHECK(provider.last_error().find("Token is missing") != std::string::npos);

    srv.set([n = 0](const bt::request&, std::size_t) mutable -> std::pair<unsigned, std::string> {
        return ++n < 3 ? std::pair{503u, std::string("busy")} : std::pair{200u, std::string(document)};
    });
    const auto before = srv.log().size();
    out = fetch(provider, io);
    CHECK_FALSE(out.ec);
    CHECK(srv.log().size() == before + 3);

    srv.set([](const bt::request&, std::size_t) { return std::pair{403u, std::string("{}")}; });
    out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider.last_error().find("HTTP 403") != std::string::npos);
    CHECK(srv.log().size() == before + 4);
}

TEST_CASE("instance metadata: a session token, the role, then its credentials")
{
    recording_server srv([](const bt::request& req, std::size_t) -> std::pair<unsigned, std::string> {
        const std::string_view target = req.target();
        if (target == "/latest/api/token")
            return {req.method() == boost::beast::http::verb::put ? 200u : 405u, "imds-session-token"};
        if (req["x-aws-ec2-metadata-token"] != "imds-session-token")
            return {401, ""};
        if (target == "/latest/meta-data/iam/security-credentials/")
            return {200, "my-role\n"};
        if (target == "/latest/meta-data/iam/security-credentials/my-role")
            return {200, std::string(R"({"Code":"Success","Type":"AWS-HMAC",)") + (document + 1)};
        return {404, ""};
    });
    asio::io_context io;
    bedrock::auth::imds_credentials_provider provider(
        io.get_executor(), bedrock::map_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.server.url() + "/"}}));
    auto out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "ASIACONTAINER");
    CHECK(out.creds.session_token == "container-session-token");
    CHECK(out.creds.expiration);
    const auto log = srv.log();
    REQUIRE(log.size() == 3);
    CHECK(log[0].method == "PUT");
    CHECK(log[0].target == "/latest/api/token");
    CHECK(log[0].imds_ttl == "21600");
    CHECK(log[0].imds_token.empty());
    CHECK(log[1].method == "GET");
    CHECK(log[1].target == "/latest/meta-data/iam/security-credentials/");
    CHECK(log[1].imds_token == "imds-session-token");
    CHECK(log[2].method == "GET");
    CHECK(log[2].target == "/latest/meta-data/iam/security-credentials/my-role");
    CHECK(log[2].imds_token == "imds-session-token");

    // No role attached: nothing here.
    srv.set([](const bt::request& req, std::size_t) -> std::pair<unsigned, std::string> {
        return req.target() == "/latest/api/token" ? std::pair{200u, std::string("t")} : std::pair{404u, std::string()};
    });
    CHECK(fetch(provider, io).ec == client_errc::no_credentials);
    CHECK(provider.last_error().find("no IAM role") != std::string::npos);

    // A bad document: a clear error.
    srv.set([](const bt::request& req, std::size_t) -> std::pair<unsigned, std::string> {
        if (req.target() == "/latest/api/token")
            return {200, "t"};
        if (req.target() == "/latest/meta-data/iam/security-credentials/")
            return {200, "my-role"};
        return {200, "<html>"};
    });
    CHECK(fetch(provider, io).ec == client_errc::invalid_credentials_response);
    CHECK(provider.last_error().find("for role my-role: not a JSON object") != std::string::npos);
}

TEST_CASE("instance metadata: disabled, or unreachable, means no credentials here, quickly")
{
    asio::io_context io;
    recording_server srv([](const bt::request&, std::size_t) { return std::pair{200u, std::string("x")}; });
    bedrock::auth::imds_credentials_provider disabled(
        io.get_executor(), bedrock::map_environment({{"AWS_EC2_METADATA_DISABLED", "TRUE"},
                                                     {"AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.server.url()}}));
    CHECK(fetch(disabled, io).ec == client_errc::no_credentials);
    CHECK(srv.log().empty());

    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
    bedrock::auth::imds_credentials_provider unreachable(
        io.get_executor(), bedrock::map_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", url}}));
    const auto start = std::chrono::steady_clock::now();
    auto out = fetch(unreachable, io);
    CHECK(out.ec == client_errc::no_credentials);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    CHECK(unreachable.last_error().find("is not reachable") != std::string::npos);

    // In a chain, it lets the search end with "no credentials" and says why.
    bedrock::auth::credentials_chain chain(
        {std::make_shared<bedrock::auth::container_credentials_provider>(io.get_executor(), bedrock::map_environment({})),
         std::make_shared<bedrock::auth::imds_credentials_provider>(
             io.get_executor(), bedrock::map_environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", url}}))});
    CHECK(fetch(chain, io).ec == client_errc::no_credentials);
    CHECK(chain.last_error().find("container: neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != std::string::npos);
    CHECK(chain.last_error().find("imds: the instance metadata service at http://127.0.0.1:") != std::string::npos);
}

TEST_CASE("client: signs with credentials from the container provider (the default chain)")
{
    bedrock::testing::emulator_options options;
    options.credentials = {{"ASIACONTAINER", "container-secret", std::string("container-session-token"), std::nullopt}};
    bedrock::testing::emulator emu(options);
    emu.start();
    recording_server srv([](const bt::request&, std::size_t) { return std::pair{200u, std::string(document)}; });

    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.credentials.reset();
    cfg.env = bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.server.url() + "/creds"},
                                        {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "pod-token"},
                                        {"AWS_EC2_METADATA_DISABLED", "true"}});
    bedrock::client client{io.get_executor(), cfg};
    int answered = 0;
    for (int i = 0; i < 2; ++i) {
        bedrock::converse_request r;
        r.model_id = "container-model";
        r.messages = std::vector{bedrock::user_text("signed by the pod")};
        client.converse(std::move(r), [&](boost::system::error_code ec, bedrock::converse_response out) {
            REQUIRE_FALSE(ec);
            CHECK(bedrock::message_text(std::get<bedrock::converse_output_message>(out.output).value) ==
                  "echo: signed by the pod");
            ++answered;
        });
        io.restart();
        io.run();
    }
    CHECK(answered == 2);
    CHECK(srv.log().size() == 1); // cached: one fetch for both requests
    const auto sent = emu.requests().back();
    CHECK(std::string(sent.header("authorization")).starts_with("AWS4-HMAC-SHA256 Credential=ASIACONTAINER/"));
    CHECK(sent.header("x-amz-security-token") == "container-session-token");
    CHECK(sent.status == 200);

    // Nothing anywhere: no_credentials, and the diagnostics say why.
    cfg.env = bedrock::map_environment({{"AWS_EC2_METADATA_DISABLED", "true"}});
    bedrock::client nothing{io.get_executor(), cfg};
    bedrock::diagnostics diag;
    boost::system::error_code got;
    bedrock::converse_request r;
    r.model_id = "container-model";
    r.messages = std::vector{bedrock::user_text("x")};
    nothing.converse(r, diag, [&](boost::system::error_code ec, bedrock::converse_response) { got = ec; });
    io.restart();
    io.run();
    CHECK(got == client_errc::no_credentials);
    CHECK(diag.client_message.find("imds: AWS_EC2_METADATA_DISABLED is true") != std::string::npos);
}

namespace {

// A provider of the program's own: counts its fetches, answers with `creds` or fails.
class counting_provider final : public bedrock::auth::credentials_provider {
public:
    counting_provider(asio::any_io_executor ex, std::optional<credentials> creds)
        : executor_(std::move(ex)), creds_(std::move(creds))
    {
    }
    std::string_view name() const noexcept override { return "counting"; }
    void async_fetch(bedrock::auth::credentials_handler handler) override
    {
        ++fetches;
        asio::post(executor_, [this, h = std::move(handler)]() mutable {
            if (creds_)
                std::move(h)(boost::system::error_code{}, *creds_);
            else
                std::move(h)(make_error_code(client_errc::credentials_provider_failed), credentials{});
        });
    }
    std::string last_error() const override { return creds_ ? "" : "the vault is sealed"; }
    int fetches = 0;

private:
    asio::any_io_executor executor_;
    std::optional<credentials> creds_;
};

} // namespace

TEST_CASE("client: config.credentials_provider replaces the default chain, and is cached")
{
    bedrock::testing::emulator_options options;
    options.credentials = {{"AKIDOWNPROVIDER", "own-secret", std::nullopt, std::nullopt}};
    bedrock::testing::emulator emu(options);
    emu.start();

    asio::io_context io;
    auto cfg = emu.client_config();
    cfg.credentials.reset();
    // A container endpoint in the environment that nothing listens on: the default chain would try it.
    cfg.env = bedrock::map_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/never"},
                                        {"AWS_EC2_METADATA_DISABLED", "true"}});
    auto own = std::make_shared<counting_provider>(
        io.get_executor(), credentials{"AKIDOWNPROVIDER", "own-secret", std::nullopt, std::nullopt});
    cfg.credentials_provider = own;
    bedrock::client client{io.get_executor(), cfg};
    int answered = 0;
    for (int i = 0; i < 2; ++i) {
        bedrock::converse_request r;
        r.model_id = "own-provider";
        r.messages = std::vector{bedrock::user_text("signed by my provider")};
        client.converse(std::move(r), [&](boost::system::error_code ec, bedrock::converse_response) {
            CHECK_FALSE(ec);
            ++answered;
        });
        io.restart();
        io.run();
    }
    CHECK(answered == 2);
    CHECK(own->fetches == 1); // long-term keys without expiry: fetched once, then cached
    CHECK(std::string(emu.requests().back().header("authorization"))
              .starts_with("AWS4-HMAC-SHA256 Credential=AKIDOWNPROVIDER/"));

    // A provider that fails: its error and its words reach the caller; nothing is sent.
    const auto sent_before = emu.requests().size();
    cfg.credentials_provider = std::make_shared<counting_provider>(io.get_executor(), std::nullopt);
    bedrock::client failing{io.get_executor(), cfg};
    bedrock::diagnostics diag;
    boost::system::error_code got;
    bedrock::converse_request r;
    r.model_id = "own-provider";
    r.messages = std::vector{bedrock::user_text("x")};
    failing.converse(r, diag, [&](boost::system::error_code ec, bedrock::converse_response) { got = ec; });
    io.restart();
    io.run();
    CHECK(got == client_errc::credentials_provider_failed);
    CHECK(diag.client_message.find("the vault is sealed") != std::string::npos);
    CHECK(emu.requests().size() == sent_before);

    // Static credentials still win over the provider.
    cfg.credentials = credentials{"AKIDOWNPROVIDER", "own-secret", std::nullopt, std::nullopt};
    auto unused = std::make_shared<counting_provider>(io.get_executor(), std::nullopt);
    cfg.credentials_provider = unused;
    bedrock::client keyed{io.get_executor(), cfg};
    got = {};
    keyed.converse(r, [&](boost::system::error_code ec, bedrock::converse_response) { got = ec; });
    io.restart();
    io.run();
    CHECK_FALSE(got);
    CHECK(unused->fetches == 0);
}

} // namespace credentials_providers_test

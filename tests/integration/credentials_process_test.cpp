// credential_process against small shell scripts written to a temporary directory: the output,
// exit codes, bad JSON, a script that sleeps past the timeout, and that the io_context keeps running.

#include <bedrock/credentials/process_provider.hpp>
#include <bedrock/error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

#include "credentials_support.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace credentials_process_test {

namespace asio = boost::asio;
using bedrock::client_errc;
using bedrock::auth::credentials;
using namespace std::chrono_literals;

using bedrock::test::fetch;

namespace {


// A directory of executable shell scripts, removed at the end.
struct script_dir : bedrock::test::temp_dir {
    script_dir() : temp_dir("bedrock-process") {}
    std::string write(const std::string& name, const std::string& body) const
    {
        return temp_dir::write(name, "#!/bin/sh\n" + body, true);
    }
};

} // namespace

TEST_CASE("credential_process: a script's output becomes credentials, its arguments quoted as the CLI does")
{
    script_dir dir;
    const std::string script = dir.write("my tool.sh", R"(printf '{"Version": 1, "AccessKeyId": "AKID-%s", "SecretAccessKey": "secret", "SessionToken": "tok", "Expiration": "2099-01-01T00:00:00Z"}' "$1")");
    asio::io_context io;
    bedrock::auth::process_credentials_provider provider(io.get_executor(), "\"" + script + "\" 'two words'");
    auto out = fetch(provider, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "AKID-two words");
    CHECK(out.creds.secret_access_key == "secret");
    CHECK(out.creds.session_token == "tok");
    CHECK(out.creds.expiration);
    CHECK(provider.last_error().empty());
}

TEST_CASE("credential_process: a non-zero exit is an error with the first line of stderr")
{
    script_dir dir;
    const std::string script = dir.write("fail.sh", "echo 'token expired, run login' >&2\necho second >&2\nexit 3\n");
    asio::io_context io;
    bedrock::auth::process_credentials_provider provider(io.get_executor(), script);
    auto out = fetch(provider, io);
    CHECK(out.ec == client_errc::credentials_provider_failed);
    const std::string why = provider.last_error();
    CHECK(why.find("exited with status 3: token expired, run login") != std::string::npos);
    CHECK(why.find("second") == std::string::npos);
}

TEST_CASE("credential_process: malformed JSON and a wrong Version are refused")
{
    script_dir dir;
    asio::io_context io;
    bedrock::auth::process_credentials_provider bad_json(io.get_executor(), dir.write("bad.sh", "echo '{\"Version\": 1,'\n"));
    auto out = fetch(bad_json, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(bad_json.last_error().find("not a JSON object") != std::string::npos);

    bedrock::auth::process_credentials_provider v2(
        io.get_executor(), dir.write("v2.sh", R"(echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}')"));
    out = fetch(v2, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(v2.last_error().find("Version 2") != std::string::npos);
}

TEST_CASE("credential_process: a missing program and an unparsable command line are errors")
{
    asio::io_context io;
    bedrock::auth::process_credentials_provider missing(io.get_executor(), "/nonexistent/bedrock-tool --x");
    auto out = fetch(missing, io);
    CHECK(out.ec);
    CHECK_FALSE(out.ec == client_errc::no_credentials);

    bedrock::auth::process_credentials_provider unterminated(io.get_executor(), "tool \"x");
    out = fetch(unterminated, io);
    CHECK(out.ec == client_errc::invalid_configuration);
    CHECK(unterminated.last_error().find("double quote") != std::string::npos);
}

TEST_CASE("credential_process: a sleeping script hits the timeout, is killed, and the io_context is not blocked")
{
    script_dir dir;
    const std::string script = dir.write("slow.sh", "echo 'thinking...' >&2\nsleep 30\necho '{}'\n");
    asio::io_context io;
    bedrock::auth::process_provider_options options;
    options.timeout = 300ms;
    bedrock::auth::process_credentials_provider provider(io.get_executor(), script, options);

    // A timer ticking while the script runs: the loop is free.
    int ticks = 0;
    asio::steady_timer ticker(io);
    std::function<void()> tick = [&] {
        ticker.expires_after(20ms);
        ticker.async_wait([&](boost::system::error_code ec) {
            if (!ec && ++ticks < 100)
                tick();
        });
    };
    tick();
    const auto start = std::chrono::steady_clock::now();
    auto out = fetch(provider, io);
    const auto took = std::chrono::steady_clock::now() - start;
    ticker.cancel();
    CHECK(out.ec == client_errc::credentials_provider_failed);
    CHECK(provider.last_error().find("timed out after 300 ms: thinking...") != std::string::npos);
    CHECK(took < 5s); // the script's `sleep` was killed with it, so the pipes ended
    CHECK(ticks >= 5);
}

TEST_CASE("credential_process: a command that closes its output and lingers is waited for until the timeout")
{
    script_dir dir;
    const std::string document =
        R"({"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "secret", "Expiration": "2099-01-01T00:00:00Z"})";
    asio::io_context io;
    bedrock::auth::process_provider_options options;

    SECTION("it exits within the timeout: its output counts, and its exit status")
    {
        options.timeout = 5s;
        const std::string script = dir.write("linger.sh", "printf '%s' '" + document + "'\nexec >&- 2>&-\nsleep 0.3\n");
        bedrock::auth::process_credentials_provider provider(io.get_executor(), script, options);
        const auto start = std::chrono::steady_clock::now();
        auto out = fetch(provider, io);
        CHECK(std::chrono::steady_clock::now() - start >= 250ms); // reaped after it exited, not before
        REQUIRE_FALSE(out.ec);
        CHECK(out.creds.access_key_id == "AKID");

        const std::string failing = dir.write("linger-fail.sh", "exec >&- 2>&-\nsleep 0.2\nexit 3\n");
        bedrock::auth::process_credentials_provider failing_provider(io.get_executor(), failing, options);
        out = fetch(failing_provider, io);
        CHECK(out.ec == client_errc::credentials_provider_failed);
        CHECK(failing_provider.last_error().find("exited with status 3") != std::string::npos);
    }
    SECTION("it outlives the timeout: it is killed, and the fetch says so")
    {
        options.timeout = 300ms;
        const std::string script = dir.write("linger-long.sh", "printf '%s' '" + document + "'\nexec >&- 2>&-\nsleep 30\n");
        bedrock::auth::process_credentials_provider provider(io.get_executor(), script, options);
        const auto start = std::chrono::steady_clock::now();
        auto out = fetch(provider, io);
        CHECK(std::chrono::steady_clock::now() - start < 5s);
        CHECK(out.ec == client_errc::credentials_provider_failed);
        CHECK(provider.last_error().find("timed out after 300 ms") != std::string::npos);
    }
}

TEST_CASE("credential_process: output beyond max_output is refused, not truncated into credentials")
{
    script_dir dir;
    const std::string script = dir.write(
        "chatty.sh", R"(printf '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "secret", "Padding": "%0200d"}' 0)");
    asio::io_context io;
    bedrock::auth::process_provider_options options;
    options.max_output = 64;
    bedrock::auth::process_credentials_provider provider(io.get_executor(), script, options);
    auto out = fetch(provider, io);
    CHECK(out.ec == client_errc::invalid_credentials_response);
    CHECK(provider.last_error().find("wrote more than 64 bytes") != std::string::npos);

    options.max_output = 4096; // the same output within the limit is read
    bedrock::auth::process_credentials_provider roomy(io.get_executor(), script, options);
    out = fetch(roomy, io);
    REQUIRE_FALSE(out.ec);
    CHECK(out.creds.access_key_id == "AKID");
}

} // namespace credentials_process_test

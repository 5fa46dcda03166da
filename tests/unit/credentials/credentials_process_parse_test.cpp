// credential_process: the command-line splitting and the output document, without running anything.

#include <bedrock/credentials/process_provider.hpp>
#include <bedrock/error.hpp>

#include <catch2/catch.hpp>

namespace credentials_process_parse_test {

using bedrock::auth::credentials;
using strings = std::vector<std::string>;

TEST_CASE("credential_process: the command line is split as POSIX shlex splits it")
{
    strings out;
    REQUIRE(bedrock::auth::split_command_line("  /bin/tool   --profile  dev ", out));
    CHECK(out == strings{"/bin/tool", "--profile", "dev"});
    REQUIRE(bedrock::auth::split_command_line(R"("/opt/my tools/x" 'a b' c\ d "q\"uote" "back\\slash" x"y"z)", out));
    CHECK(out == strings{"/opt/my tools/x", "a b", "c d", "q\"uote", "back\\slash", "xyz"});
    REQUIRE(bedrock::auth::split_command_line(R"(a "" '')", out));
    CHECK(out == strings{"a", "", ""});
    REQUIRE(bedrock::auth::split_command_line("", out));
    CHECK(out.empty());
    std::string why;
    CHECK_FALSE(bedrock::auth::split_command_line(R"(tool "unterminated)", out, &why));
    CHECK(why.find("double quote") != std::string::npos);
    CHECK_FALSE(bedrock::auth::split_command_line("tool 'x", out, &why));
    CHECK_FALSE(bedrock::auth::split_command_line("tool \\", out, &why));
}

TEST_CASE("credential_process: the output document")
{
    credentials c;
    std::string why;
    REQUIRE_FALSE(bedrock::auth::parse_process_output(
        R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"secret","SessionToken":"tok","Expiration":"2099-01-02T03:04:05Z"})",
        c, &why));
    CHECK(c.access_key_id == "AKID");
    CHECK(c.secret_access_key == "secret");
    CHECK(c.session_token == "tok");
    using namespace std::chrono;
    REQUIRE(c.expiration);
    CHECK(*c.expiration == sys_days{year{2099} / 1 / 2} + hours{3} + minutes{4} + seconds{5});

    // Long-term keys: no token, no expiration.
    REQUIRE_FALSE(bedrock::auth::parse_process_output(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"})", c));
    CHECK_FALSE(c.session_token);
    CHECK_FALSE(c.expiration);

    const auto refused = [&](std::string_view doc, std::string_view reason) {
        credentials ignored;
        std::string w;
        auto ec = bedrock::auth::parse_process_output(doc, ignored, &w);
        CHECK(ec == bedrock::client_errc::invalid_credentials_response);
        CHECK(w.find(reason) != std::string::npos);
    };
    refused("not json", "not a JSON object");
    refused(R"({"AccessKeyId":"A","SecretAccessKey":"S"})", "Version");
    refused(R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"})", "Version 2");
    refused(R"({"Version":1,"SecretAccessKey":"S"})", "AccessKeyId");
    refused(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":""})", "SecretAccessKey");
    refused(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"tomorrow"})", "Expiration");
    refused(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":5})", "SessionToken");
}

} // namespace credentials_process_parse_test

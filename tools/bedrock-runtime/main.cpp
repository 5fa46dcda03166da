// bedrock-runtime: the Bedrock Runtime operations from the command line, named as in the AWS CLI.
//
//   bedrock-runtime converse-stream --model-id ID --prompt "Hello"
//   bedrock-runtime converse-stream --emulator --prompt hi --text   (no AWS account needed)
//   bedrock-runtime count-tokens --cli-input-json file://req.json
//
// The request is the API's JSON (--cli-input-json) plus shortcuts; the response is printed as JSON,
// a stream as one JSON object per event per line; an error is one JSON object on standard error.
// options.hpp: the command line; input.hpp: requests; output.hpp: JSON out; commands.hpp: the calls.

#include "commands.hpp"
#include "options.hpp"
#include "output.hpp"

#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

namespace {

/// The client's configuration: the emulator's, or the AWS environment's with the global options.
bedrock::config make_config(const cli::options& o, std::optional<bedrock::testing::emulator>& emulator,
                            boost::system::error_code& ec)
{
    bedrock::config cfg;
    if (o.flag("--emulator")) {
        emulator.emplace();
        emulator->start();
        cfg = emulator->client_config(); // endpoint, CA, region and credentials it accepts
    } else {
        bedrock::environment env = bedrock::process_environment();
        if (auto profile = o.value("--profile"))
            env = [base = env, p = *profile](std::string_view name) -> std::optional<std::string> {
                return name == "AWS_PROFILE" ? std::optional<std::string>(p) : base(name);
            };
        if (auto region = o.value("--region"))
            env = [base = env, r = *region](std::string_view name) -> std::optional<std::string> {
                return name == "AWS_REGION" ? std::optional<std::string>(r) : base(name);
            };
        cfg = bedrock::config::from_environment(env, ec);
        if (ec)
            return cfg;
        if (auto url = o.value("--endpoint-url"))
            cfg.endpoint_url = *url;
        if (auto ca = o.value("--ca-bundle"))
            cfg.ca_bundle = *ca;
    }
    if (o.flag("--http2"))
        cfg.http_version = bedrock::http_version::http2;
    if (auto n = o.value("--max-attempts"))
        cfg.max_attempts = std::atoi(n->c_str());
    if (o.flag("--debug"))
        cfg.log = [](bedrock::log_level, std::string_view line) {
            std::fprintf(stderr, "[bedrock] %.*s\n", static_cast<int>(line.size()), line.data());
        };
    return cfg;
}

} // namespace

int main(int argc, char** argv)
{
    cli::options o;
    try {
        o = cli::parse(argc, argv);
    } catch (const cli::usage_error& e) {
        std::fprintf(stderr, "bedrock-runtime: %s\n\n%s", e.what(), cli::global_usage);
        return 2;
    }
    if (o.command.empty()) {
        std::fputs(cli::global_usage, o.flag("--help") ? stdout : stderr);
        return o.flag("--help") ? 0 : 2;
    }
    const char* usage = cli::command_usage(o.command);
    if (!usage) {
        std::fprintf(stderr, "bedrock-runtime: unknown command: %s\n\n%s", o.command.c_str(), cli::global_usage);
        return 2;
    }
    if (o.flag("--help")) {
        std::fputs(usage, stdout);
        return 0;
    }

    std::optional<bedrock::testing::emulator> emulator;
    boost::system::error_code ec;
    bedrock::config cfg = make_config(o, emulator, ec);
    boost::asio::io_context io;
    std::optional<bedrock::client> client;
    if (!ec)
        client.emplace(io.get_executor(), std::move(cfg), ec);
    if (ec) {
        bedrock::diagnostics diag;
        diag.client_message = ec.message();
        cli::print_error(ec, diag);
        return 1;
    }

    int status = 1;
    boost::asio::co_spawn(io, cli::run(*client, o), [&](std::exception_ptr e, int result) {
        // Done: the client closes its connections (the pool's idle ones would keep io.run() busy).
        boost::asio::post(io, [&] { client.reset(); });
        status = result;
        if (!e)
            return;
        status = 1;
        try {
            std::rethrow_exception(e);
        } catch (const cli::input_error& x) {
            cli::print_input_error(x);
            status = 2;
        } catch (const std::exception& x) {
            bedrock::diagnostics diag;
            diag.client_message = x.what();
            cli::print_error(make_error_code(boost::system::errc::io_error), diag);
        }
    });
    io.run();
    return status;
}

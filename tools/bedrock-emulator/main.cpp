// bedrock-emulator: a local Bedrock Runtime on 127.0.0.1 for trying the library (and any AWS SDK)
// without an AWS account. Prints the environment a client needs, serves until SIGINT or SIGTERM.
//
//   bedrock-emulator [--port N] [--ca-file PATH] [--region R] [--no-auth]
//
// The models it offers are described in <bedrock/testing/emulator.hpp>: any model id echoes, and ids
// such as throttle-once:<tag>, error:<ExceptionName> or slow-<ms>:<tag> play failure scenarios.

#include <bedrock/testing/emulator.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

namespace {

int usage(const char* argv0, int status)
{
    std::fprintf(status == 0 ? stdout : stderr,
                 "usage: %s [--port N] [--ca-file PATH] [--region REGION] [--no-auth]\n"
                 "  --port N         TCP port on 127.0.0.1 (default 0: a free one)\n"
                 "  --ca-file PATH   where to write the CA certificate clients must trust\n"
                 "                   (default: bedrock-emulator-ca.pem in the temporary directory)\n"
                 "  --region REGION  the region requests must be signed for (default us-east-1)\n"
                 "  --no-auth        accept requests without a valid signature\n",
                 argv0);
    return status;
}

} // namespace

int main(int argc, char** argv)
{
    bedrock::testing::emulator_options options;
    std::string ca_file = (std::filesystem::temp_directory_path() / "bedrock-emulator-ca.pem").string();
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> const char* {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", argv[i]);
                std::exit(usage(argv[0], 2));
            }
            return argv[++i];
        };
        if (arg == "--port") {
            const std::string_view v = value();
            unsigned port = 0;
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
            if (ec != std::errc{} || end != v.data() + v.size() || port > 65535) {
                std::fprintf(stderr, "invalid port: %.*s\n", static_cast<int>(v.size()), v.data());
                return 2;
            }
            options.port = static_cast<unsigned short>(port);
        } else if (arg == "--ca-file") {
            ca_file = value();
        } else if (arg == "--region") {
            options.region = value();
        } else if (arg == "--no-auth") {
            options.require_auth = false;
        } else if (arg == "--help" || arg == "-h") {
            return usage(argv[0], 0);
        } else {
            std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
            return usage(argv[0], 2);
        }
    }

    try {
        boost::asio::io_context ioc(1);
        bedrock::testing::emulator emu(ioc.get_executor(), options);
        emu.start();
        {
            std::ofstream out(ca_file, std::ios::binary | std::ios::trunc);
            out << emu.ca_pem();
            if (!out) {
                std::fprintf(stderr, "cannot write %s\n", ca_file.c_str());
                return 1;
            }
        }
        const auto& creds = options.credentials.front();
        std::cout << "AWS_ENDPOINT_URL_BEDROCK_RUNTIME=" << emu.endpoint_url() << '\n'
                  << "AWS_CA_BUNDLE=" << ca_file << '\n'
                  << "AWS_ACCESS_KEY_ID=" << creds.access_key_id << '\n'
                  << "AWS_SECRET_ACCESS_KEY=" << creds.secret_access_key << '\n'
                  << "AWS_REGION=" << options.region << '\n'
                  << "AWS_DEFAULT_REGION=" << options.region << '\n' // what botocore and the AWS CLI read
                  << "# or, instead of the key pair: AWS_BEARER_TOKEN_BEDROCK=" << options.bearer_tokens.front()
                  << '\n'
                  << std::flush;
        std::cerr << "bedrock-emulator: serving on " << emu.endpoint_url() << " until SIGINT/SIGTERM\n";

        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { emu.stop(); });
        ioc.run(); // returns once the emulator has closed every connection
        std::cerr << "bedrock-emulator: stopped after " << emu.requests().size() << " logged requests\n";
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bedrock-emulator: %s\n", e.what());
        return 1;
    }
    return 0;
}

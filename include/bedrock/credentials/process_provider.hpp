#ifndef BEDROCK_CREDENTIALS_PROCESS_PROVIDER_HPP
#define BEDROCK_CREDENTIALS_PROCESS_PROVIDER_HPP

// `credential_process` in a profile: a command whose standard output is a JSON document of
// credentials, as the AWS CLI and SDKs run it. The command line is split as the CLI splits it on
// POSIX (shlex: white space, '...', "...", backslash escapes) and run without a shell, its stdin
// from /dev/null, in its own process group (so that a timeout kills what it started too). The
// io_context is never blocked: the pipes are read asynchronously, a timer bounds the whole run.
//
// The output: {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ...
// (optional), "Expiration": "ISO-8601" (optional: long-term keys)}. Errors:
// credentials_provider_failed (cannot start, non-zero exit, killed, timeout; the first line of its
// stderr in last_error()), invalid_credentials_response (output that is not such a document).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::auth {

struct process_provider_options {
    /// The whole run, from start to exit; then the process group is killed (SIGKILL).
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    /// Standard output larger than this is refused (a credentials document is a few KiB).
    std::size_t max_output = 1024 * 1024;
};

/// Splits a command line as POSIX shlex does. False (and `why`) on an unterminated quote or a
/// trailing backslash.
BEDROCK_DECL bool split_command_line(std::string_view line, std::vector<std::string>& out, std::string* why = nullptr);

/// Reads a credential_process document (see the top of this file).
BEDROCK_DECL boost::system::error_code parse_process_output(std::string_view json, credentials& out,
                                                             std::string* why = nullptr);

namespace detail {
struct process_provider_state;
}

class process_credentials_provider final : public credentials_provider {
public:
    BEDROCK_DECL process_credentials_provider(boost::asio::any_io_executor ex, std::string command,
                                              process_provider_options options = {});
    std::string_view name() const noexcept override { return "credential_process"; }
    BEDROCK_DECL void async_fetch(credentials_handler handler) override;
    BEDROCK_DECL std::string last_error() const override;

private:
    std::shared_ptr<detail::process_provider_state> state_;
};

} // namespace bedrock::auth

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/credentials/impl/process_provider.ipp>
#endif

#endif

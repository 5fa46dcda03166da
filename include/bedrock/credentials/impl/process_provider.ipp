#ifndef BEDROCK_CREDENTIALS_IMPL_PROCESS_PROVIDER_IPP
#define BEDROCK_CREDENTIALS_IMPL_PROCESS_PROVIDER_IPP

#include <bedrock/credentials/process_provider.hpp>
#include <bedrock/detail/exceptions.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/reader.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bedrock::auth {
namespace detail {

struct process_provider_state {
    boost::asio::any_io_executor executor;
    std::string command;
    process_provider_options options;
    mutable std::mutex mutex;
    std::string last_error;
};

namespace process {

namespace asio = boost::asio;
using boost::system::error_code;

struct run_result {
    error_code ec;
    credentials creds;
    std::string why;
};

inline run_result fail(client_errc e, std::string why) { return {make_error_code(e), {}, std::move(why)}; }

inline std::string first_line(std::string_view s)
{
    while (!s.empty() && (s.front() == '\n' || s.front() == '\r'))
        s.remove_prefix(1);
    s = s.substr(0, s.find_first_of("\r\n"));
    return std::string(s.substr(0, 500));
}

// Closes a descriptor on scope exit unless released.
struct fd_guard {
    int fd = -1;
    ~fd_guard()
    {
        if (fd >= 0)
            ::close(fd);
    }
    int release() noexcept { return std::exchange(fd, -1); }
};

// The posix_spawn attributes and file actions, destroyed on scope exit.
struct spawn_setup {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    spawn_setup()
    {
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawnattr_init(&attr);
    }
    ~spawn_setup()
    {
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attr);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

// Reads a pipe to its end (or an error, or a cancellation), keeping at most `cap` bytes.
inline asio::awaitable<void> drain(asio::posix::stream_descriptor& pipe, std::string& into, std::size_t cap,
                                   bool& overflow)
{
    char buffer[4096];
    for (;;) {
        auto [ec, n] = co_await pipe.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
        if (ec)
            co_return;
        if (into.size() + n > cap)
            overflow = true;
        else
            into.append(buffer, n);
    }
}

inline asio::awaitable<run_result> run(std::shared_ptr<process_provider_state> st)
{
    std::vector<std::string> argv;
    std::string why;
    if (!split_command_line(st->command, argv, &why))
        co_return fail(client_errc::invalid_configuration, "credential_process cannot be parsed: " + why);
    if (argv.empty())
        co_return fail(client_errc::invalid_configuration, "credential_process is empty");
    const std::string program = argv.front();

    // Pipes created close-on-exec, so that a command started concurrently elsewhere does not inherit
    // them (and keep our reads from ever seeing their end); dup2 in the child clears the flag.
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        co_return fail(client_errc::credentials_provider_failed, std::string("pipe: ") + std::strerror(errno));
    fd_guard out_read{out[0]}, out_write{out[1]};
    if (::pipe2(err, O_CLOEXEC) != 0)
        co_return fail(client_errc::credentials_provider_failed, std::string("pipe: ") + std::strerror(errno));
    fd_guard err_read{err[0]}, err_write{err[1]};

    pid_t pid = -1;
    {
        spawn_setup setup;
        ::posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
        ::posix_spawn_file_actions_adddup2(&setup.actions, out[1], 1);
        ::posix_spawn_file_actions_adddup2(&setup.actions, err[1], 2);
        // Its own process group: a timeout kills the command and whatever it started (a shell
        // script's `sleep` would otherwise keep the pipes open). Default signal handling and an
        // empty mask, whatever this process set for itself.
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        ::posix_spawnattr_setsigmask(&setup.attr, &none);
        ::posix_spawnattr_setsigdefault(&setup.attr, &all);
        ::posix_spawnattr_setpgroup(&setup.attr, 0);
        ::posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        std::vector<char*> args;
        for (auto& a : argv)
            args.push_back(a.data());
        args.push_back(nullptr);
        const int rc = ::posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attr, args.data(), environ);
        if (rc != 0)
            co_return fail(client_errc::credentials_provider_failed,
                           "credential_process '" + program + "' cannot be started: " + std::strerror(rc));
    }
    ::close(out_write.release());
    ::close(err_write.release());

    auto ex = co_await asio::this_coro::executor; // a strand: the readers and this share it
    asio::posix::stream_descriptor stdout_pipe(ex, out_read.release());
    asio::posix::stream_descriptor stderr_pipe(ex, err_read.release());
    std::string output, errors;
    bool output_overflow = false, errors_overflow = false;
    int running = 2;
    const auto deadline = std::chrono::steady_clock::now() + st->options.timeout;
    asio::steady_timer done(ex, deadline); // cancelled when both pipes have ended
    auto finished = [&](std::exception_ptr) {
        if (--running == 0)
            done.cancel();
    };
    asio::co_spawn(ex, drain(stdout_pipe, output, st->options.max_output, output_overflow), finished);
    asio::co_spawn(ex, drain(stderr_pipe, errors, 64 * 1024, errors_overflow), finished);

    bool timed_out = false;
    auto [wait_ec] = co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!wait_ec && running > 0) {
        timed_out = true;
        ::kill(-pid, SIGKILL);
        stdout_pipe.close();
        stderr_pipe.close();
        while (running > 0) { // the readers complete with operation_aborted
            done.expires_after(std::chrono::hours(1));
            (void)co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    // Reap it. The pipes ended, so it has usually exited; one that closed its output but lingers
    // gets until the deadline, then SIGKILL.
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0) { // ECHILD: SIGCHLD is ignored in this process, the status is lost
            status = 0;
            break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            timed_out = true;
            ::kill(-pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        done.expires_after(std::chrono::milliseconds(5));
        (void)co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
    }

    const std::string stderr_line = first_line(errors);
    const std::string said = stderr_line.empty() ? std::string() : ": " + stderr_line;
    if (timed_out)
        co_return fail(client_errc::credentials_provider_failed,
                       "credential_process '" + program + "' timed out after " +
                           std::to_string(st->options.timeout.count()) + " ms" + said);
    if (WIFSIGNALED(status))
        co_return fail(client_errc::credentials_provider_failed, "credential_process '" + program +
                                                                     "' was killed by signal " +
                                                                     std::to_string(WTERMSIG(status)) + said);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        co_return fail(client_errc::credentials_provider_failed, "credential_process '" + program +
                                                                     "' exited with status " +
                                                                     std::to_string(WEXITSTATUS(status)) + said);
    if (output_overflow)
        co_return fail(client_errc::invalid_credentials_response,
                       "credential_process '" + program + "' wrote more than " +
                           std::to_string(st->options.max_output) + " bytes");
    run_result r;
    r.ec = parse_process_output(output, r.creds, &why);
    if (r.ec)
        r.why = "credential_process '" + program + "' output: " + why;
    co_return r;
}

} // namespace process
} // namespace detail

BEDROCK_DECL bool split_command_line(std::string_view line, std::vector<std::string>& out, std::string* why)
{
    out.clear();
    std::string word;
    bool in_word = false;
    auto refuse = [&](const char* reason) {
        if (why)
            *why = reason;
        return false;
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word)
                out.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\\') {
            if (++i == line.size())
                return refuse("a trailing backslash");
            word += line[i];
            in_word = true;
        } else if (c == '\'') { // literal up to the next quote
            const auto end = line.find('\'', i + 1);
            if (end == std::string_view::npos)
                return refuse("an unterminated single quote");
            word.append(line.substr(i + 1, end - i - 1));
            i = end;
            in_word = true;
        } else if (c == '"') { // backslash escapes only \ " $ ` inside
            in_word = true;
            for (++i;; ++i) {
                if (i == line.size())
                    return refuse("an unterminated double quote");
                if (line[i] == '"')
                    break;
                if (line[i] == '\\' && i + 1 < line.size() &&
                    (line[i + 1] == '\\' || line[i + 1] == '"' || line[i + 1] == '$' || line[i + 1] == '`'))
                    ++i;
                word += line[i];
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word)
        out.push_back(std::move(word));
    return true;
}

BEDROCK_DECL boost::system::error_code parse_process_output(std::string_view json, credentials& out, std::string* why)
{
    auto fail = [&](std::string reason) {
        if (why)
            *why = std::move(reason);
        return make_error_code(client_errc::invalid_credentials_response);
    };
    simdjson::padded_string padded(json);
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(padded).get_object().get(object))
        return fail("not a JSON object");
    int64_t version = 0;
    if (object["Version"].get_int64().get(version))
        return fail("Version is missing or not a number");
    if (version != 1)
        return fail("Version " + std::to_string(version) + " is not supported (only 1)");
    credentials c;
    auto text = [&](const char* key, bool required, std::string& into) -> bool {
        auto field = object[key];
        if (field.error() == simdjson::NO_SUCH_FIELD)
            return !required;
        std::string_view v;
        if (field.get_string().get(v))
            return false;
        into.assign(v);
        return !required || !into.empty();
    };
    std::string token, expiration;
    if (!text("AccessKeyId", true, c.access_key_id))
        return fail("AccessKeyId is missing or not a string");
    if (!text("SecretAccessKey", true, c.secret_access_key))
        return fail("SecretAccessKey is missing or not a string");
    if (!text("SessionToken", false, token))
        return fail("SessionToken is not a string");
    if (!text("Expiration", false, expiration))
        return fail("Expiration is not a string");
    if (!token.empty())
        c.session_token = std::move(token);
    if (!expiration.empty()) {
        std::chrono::system_clock::time_point when;
        if (!json::parse_date_time(expiration, when))
            return fail("Expiration '" + expiration + "' is not an ISO-8601 date-time");
        c.expiration = when;
    }
    out = std::move(c);
    return {};
}

BEDROCK_DECL process_credentials_provider::process_credentials_provider(boost::asio::any_io_executor ex,
                                                                        std::string command,
                                                                        process_provider_options options)
    : state_(std::make_shared<detail::process_provider_state>())
{
    state_->executor = std::move(ex);
    state_->command = std::move(command);
    state_->options = options;
}

BEDROCK_DECL void process_credentials_provider::async_fetch(credentials_handler handler)
{
    namespace asio = boost::asio;
    auto st = state_;
    asio::co_spawn(asio::make_strand(st->executor), detail::process::run(st),
                   [st, h = std::move(handler)](std::exception_ptr e, detail::process::run_result r) mutable {
                       if (e) {
                           r = detail::process::fail(client_errc::credentials_provider_failed, "unexpected failure");
                           if (auto what = bedrock::detail::exception_message(e); !what.empty())
                               r.why += ": " + what;
                       }
                       {
                           std::lock_guard lock(st->mutex);
                           st->last_error = std::move(r.why);
                       }
                       auth::detail::complete_later(st->executor, std::move(h), r.ec, std::move(r.creds));
                   });
}

BEDROCK_DECL std::string process_credentials_provider::last_error() const
{
    std::lock_guard lock(state_->mutex);
    return state_->last_error;
}

} // namespace bedrock::auth

#endif

#ifndef BEDROCK_CREDENTIALS_IMPL_PROCESS_PROVIDER_IPP
#define BEDROCK_CREDENTIALS_IMPL_PROCESS_PROVIDER_IPP

#include <bedrock/credentials/detail/fetch.hpp>
#include <bedrock/credentials/process_provider.hpp>
#include <bedrock/error.hpp>
#include <bedrock/json/reader.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <simdjson.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bedrock::auth {
namespace detail {

struct process_provider_state : provider_state {
    std::string command;
    process_provider_options options;
};

namespace process {

namespace asio = boost::asio;
using boost::system::error_code;


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

// Starts the command, reads its stdout and stderr to their ends (or the deadline: then the whole
// process group is killed), reaps it and reads its output. Everything runs on one strand.
struct run : fetch_op<run, process_provider_state> {
    // One of the command's output pipes, read to its end keeping at most `cap` bytes.
    struct pipe_reader {
        asio::posix::stream_descriptor pipe;
        std::size_t cap;
        std::string text;
        bool overflow = false;
        std::array<char, 4096> buffer;
    };

    asio::strand<asio::any_io_executor> strand;
    std::string program;
    pid_t pid = -1;
    std::chrono::steady_clock::time_point deadline;
    asio::steady_timer done; // the deadline; cancelled when both pipes have ended
    pipe_reader out, err;
    int running = 0;         // readers not yet ended
    bool timed_out = false;
    error_code pipe_error;   // a pipe the reactor refused: the command is killed

    run(std::shared_ptr<process_provider_state> state, credentials_handler h)
        : fetch_op(std::move(state), std::move(h)), strand(asio::make_strand(st->executor)), done(strand),
          out{asio::posix::stream_descriptor(strand), st->options.max_output, {}, false, {}},
          err{asio::posix::stream_descriptor(strand), 64 * 1024, {}, false, {}}
    {
    }

    void finish(fetch_result r) { report(*st, std::move(handler), std::move(r)); }

    void start()
    {
        std::vector<std::string> argv;
        std::string why;
        if (!split_command_line(st->command, argv, &why))
            return finish(fail(client_errc::invalid_configuration, "credential_process cannot be parsed: " + why));
        if (argv.empty())
            return finish(fail(client_errc::invalid_configuration, "credential_process is empty"));
        program = argv.front();

        // Pipes created close-on-exec, so that a command started concurrently elsewhere does not inherit
        // them (and keep our reads from ever seeing their end); dup2 in the child clears the flag.
        int out_fds[2], err_fds[2];
        if (::pipe2(out_fds, O_CLOEXEC) != 0)
            return finish(fail(client_errc::credentials_provider_failed, std::string("pipe: ") + std::strerror(errno)));
        fd_guard out_read{out_fds[0]}, out_write{out_fds[1]};
        if (::pipe2(err_fds, O_CLOEXEC) != 0)
            return finish(fail(client_errc::credentials_provider_failed, std::string("pipe: ") + std::strerror(errno)));
        fd_guard err_read{err_fds[0]}, err_write{err_fds[1]};

        {
            spawn_setup setup;
            ::posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
            ::posix_spawn_file_actions_adddup2(&setup.actions, out_fds[1], 1);
            ::posix_spawn_file_actions_adddup2(&setup.actions, err_fds[1], 2);
            // Its own process group: a timeout kills the command and whatever it started (a shell
            // script's `sleep` would otherwise keep the pipes open). Default signal handling and an
            // empty mask, whatever this process set for itself.
            sigset_t none, all;
            sigemptyset(&none);
            sigfillset(&all);
            ::posix_spawnattr_setsigmask(&setup.attr, &none);
            ::posix_spawnattr_setsigdefault(&setup.attr, &all);
            ::posix_spawnattr_setpgroup(&setup.attr, 0);
            ::posix_spawnattr_setflags(&setup.attr,
                                       POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
            std::vector<char*> args;
            for (auto& a : argv)
                args.push_back(a.data());
            args.push_back(nullptr);
            const int rc = ::posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attr, args.data(), environ);
            if (rc != 0)
                return finish(fail(client_errc::credentials_provider_failed,
                                   "credential_process '" + program + "' cannot be started: " + std::strerror(rc)));
        }
        ::close(out_write.release());
        ::close(err_write.release());

        deadline = std::chrono::steady_clock::now() + st->options.timeout;
        done.expires_at(deadline);
        for (auto [reader, fd] : {std::pair{&out, &out_read}, std::pair{&err, &err_read}}) {
            error_code ec;
            reader->pipe.assign(fd->fd, ec);
            if (ec) {
                pipe_error = ec; // (its guard closes it)
                continue;
            }
            fd->release();
            ++running;
            read(*reader);
        }
        if (pipe_error) { // no reading half of its output: stop it; the readers end with operation_aborted
            ::kill(-pid, SIGKILL);
            out.pipe.close();
            err.pipe.close();
        }
        if (running == 0)
            return reap();
        done.async_wait(resume<&run::on_wait>());
    }

    void read(pipe_reader& r)
    {
        r.pipe.async_read_some(asio::buffer(r.buffer), [self = shared_from_this(), &r](error_code ec, std::size_t n) {
            if (ec) {
                if (--self->running == 0)
                    self->done.cancel();
                return;
            }
            if (r.text.size() + n > r.cap)
                r.overflow = true;
            else
                r.text.append(r.buffer.data(), n);
            self->read(r);
        });
    }

    // The deadline passed, or both pipes ended (the timer cancelled).
    void on_wait(error_code)
    {
        if (running == 0)
            return reap();
        if (!timed_out) {
            timed_out = true;
            ::kill(-pid, SIGKILL);
            out.pipe.close(); // the readers complete with operation_aborted
            err.pipe.close();
        }
        done.expires_after(std::chrono::hours(1));
        done.async_wait(resume<&run::on_wait>());
    }

    // Reap it. The pipes ended, so it has usually exited; one that closed its output but lingers
    // gets until the deadline, then SIGKILL.
    void reap()
    {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == 0 && std::chrono::steady_clock::now() < deadline) {
            done.expires_after(std::chrono::milliseconds(5));
            done.async_wait(resume<&run::on_reap_wait>());
            return;
        }
        if (r == 0) {
            timed_out = true;
            ::kill(-pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
        } else if (r < 0) { // ECHILD: SIGCHLD is ignored in this process, the status is lost
            status = 0;
        }
        finish(result(status));
    }
    void on_reap_wait(error_code) { reap(); }

    fetch_result result(int status) const
    {
        const std::string stderr_line = first_line(err.text);
        const std::string said = stderr_line.empty() ? std::string() : ": " + stderr_line;
        if (pipe_error)
            return fail(client_errc::credentials_provider_failed,
                        "credential_process '" + program + "': cannot read its output: " + pipe_error.message());
        if (timed_out)
            return fail(client_errc::credentials_provider_failed,
                        "credential_process '" + program + "' timed out after " +
                            std::to_string(st->options.timeout.count()) + " ms" + said);
        if (WIFSIGNALED(status))
            return fail(client_errc::credentials_provider_failed, "credential_process '" + program +
                                                                      "' was killed by signal " +
                                                                      std::to_string(WTERMSIG(status)) + said);
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
            return fail(client_errc::credentials_provider_failed, "credential_process '" + program +
                                                                      "' exited with status " +
                                                                      std::to_string(WEXITSTATUS(status)) + said);
        if (out.overflow)
            return fail(client_errc::invalid_credentials_response,
                        "credential_process '" + program + "' wrote more than " +
                            std::to_string(st->options.max_output) + " bytes");
        fetch_result r;
        std::string why;
        r.ec = parse_process_output(out.text, r.creds, &why);
        if (r.ec)
            r.why = "credential_process '" + program + "' output: " + why;
        return r;
    }
};

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
    // Started on the fetch's own strand: its readers and timer complete there.
    auto op = std::make_shared<detail::process::run>(state_, std::move(handler));
    boost::asio::post(op->strand, [op] { op->start(); });
}

BEDROCK_DECL std::string process_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

} // namespace bedrock::auth

#endif

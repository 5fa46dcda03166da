#ifndef BEDROCK_TESTING_DETAIL_EMULATOR_CORE_HPP
#define BEDROCK_TESTING_DETAIL_EMULATOR_CORE_HPP

// The emulator without sockets: a received request in, the answer to play out. The I/O side
// (emulator.ipp) only executes the plan on the https_server's response_writer, so routes, models
// and scenarios are unit-testable without a connection.

#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/event_signer.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/model/async_invoke.hpp>
#include <bedrock/testing/emulator.hpp>
#include <bedrock/testing/https_server.hpp>
#include <bedrock/testing/signature_verifier.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

namespace bedrock::testing::detail {

/// How the answer is delivered.
enum class delivery {
    respond,      ///< the whole response
    stream,       ///< the head, then `pieces` one by one with their pauses (chunked)
    stall,        ///< nothing, ever
    stall_body,   ///< the head (and the first piece of a stream), then nothing
    stall_head,   ///< the head (announcing a chunked body), then nothing
    reset,        ///< reset the connection, nothing sent
    reset_body,   ///< the head and part of the body, then reset
    // Framing that lies (the answer's body is `res.body()`, or the pieces of a stream):
    chunk_truncated, ///< chunked; a chunk announcing more bytes than follow, then a clean close
    chunk_malformed, ///< chunked; a chunk-size line that is not hexadecimal, then a clean close
    length_short,    ///< Content-Length of the answer, then bogus bytes (own record, same segment)
    length_long,     ///< Content-Length beyond the answer; the answer, then a clean close
    truncated,       ///< a body ended by the close: part of it, then FIN without TLS close_notify
    duplex,          ///< the head, then the bidirectional stream's exchange (see duplex_plan)
};

/// What the bidirectional route does once its request is accepted (HTTP/2 only): the input frames
/// are read as they arrive and answered, by the echo model or its scenario.
struct duplex_plan {
    enum class script {
        echo,         ///< each input chunk answered by a chunk with the same bytes
        speak_first,  ///< 3 chunks ("hello 1".."hello 3") before reading any input, then the echo
        stream_error, ///< the echo of 2 chunks, then `error_frame`, and the end
        reset_stream, ///< the echo of 2 chunks, then RST_STREAM
        stop_reading, ///< the head, then input is never read (the client's window runs out)
    } what = script::echo;
    /// SigV4: every input frame is signed, chained from `seed` (the request's signature) with
    /// `credentials`. Otherwise (a bearer token) the frames are the inner messages themselves.
    bool signed_frames = false;
    auth::signature_bytes seed{};
    auth::credentials credentials;
    std::string region;
    std::function<std::chrono::system_clock::time_point()> clock; ///< the service's clock
    std::string error_frame; ///< script::stream_error: the exception frame to send
};

/// A piece of a streamed body, sent after a pause.
struct body_piece {
    std::chrono::milliseconds pause{0};
    std::string bytes;
};

/// The answer to one request.
struct emulator_reply {
    delivery how = delivery::respond;
    std::chrono::milliseconds delay{0}; ///< before anything is sent
    response res;                       ///< status, headers, and the body unless streamed
    std::vector<body_piece> pieces;     ///< delivery::stream (and stall_body/reset_body of a stream)
    std::size_t split_writes = 0;       ///< when not 0: socket writes of 1..split_writes bytes
    bool pieces_together = false;       ///< delivery::stream: the pieces held back and sent at once
    std::optional<duplex_plan> duplex;  ///< delivery::duplex
};

/// A StartAsyncInvoke job.
struct async_job {
    std::string arn;
    std::string model_arn;
    std::string client_request_token;
    std::string request_json; ///< the start request, serialized: what idempotency compares
    async_invoke_output_data_config output_data_config;
    std::chrono::system_clock::time_point submit_time;
    std::chrono::system_clock::time_point end_time;
    std::uint64_t sequence = 0; ///< creation order, to sort jobs submitted in the same instant
    std::size_t gets = 0;
    bool completed = false;
};

/// The emulator's state (request log, counters, scenario counts, async jobs) and its answers. One
/// mutex guards it all: the server's handlers and a test reading the log may run on different threads.
class emulator_core {
public:
    BEDROCK_DECL explicit emulator_core(emulator_options options);

    /// Routes, authenticates, validates and answers `req`. Thread-safe.
    BEDROCK_DECL emulator_reply handle(const request& req);

    BEDROCK_DECL std::vector<recorded_request> requests() const;
    BEDROCK_DECL std::size_t operation_attempts(std::string_view operation) const;
    BEDROCK_DECL std::size_t model_attempts(std::string_view model_id) const;
    BEDROCK_DECL std::size_t async_jobs() const;
    BEDROCK_DECL void reset_state();
    /// A streamed answer failed mid-way because the client went away (see emulator.hpp).
    BEDROCK_DECL void note_stream_abandoned();
    BEDROCK_DECL std::size_t streams_abandoned_by_client() const;
    /// Set while the emulator stops, so that the answers it cuts are not blamed on clients.
    void set_stopping(bool on) noexcept { stopping_ = on; }
    bool stopping() const noexcept { return stopping_; }

    // For the route handlers (emulator_core.ipp); the mutex is held while they run.
    const emulator_options& options() const noexcept { return options_; }
    std::chrono::system_clock::time_point now() const { return options_.clock(); }
    /// How many valid requests this exact model id has had, this one included.
    std::size_t next_scenario_count(const std::string& model_id) { return ++scenario_counts_[model_id]; }
    std::map<std::string, async_job>& jobs() noexcept { return jobs_; }
    std::map<std::string, std::string>& tokens() noexcept { return tokens_; }
    std::uint64_t next_id() noexcept { return ++ids_; }
    /// Answers every request for `model_id` with `answer` (replacing an earlier one). Thread-safe.
    void add_recording(std::string model_id, recorded_answer answer)
    {
        std::lock_guard lock(mutex_);
        recordings_[std::move(model_id)] = std::move(answer);
    }

private:
    emulator_options options_;
    signature_verifier verifier_;
    simdjson::ondemand::parser parser_; // request bodies; reused under the mutex
    mutable std::mutex mutex_;
    std::deque<recorded_request> log_;
    std::map<std::string, std::size_t, std::less<>> operation_counts_;
    std::map<std::string, std::size_t, std::less<>> model_counts_;
    std::map<std::string, std::size_t> scenario_counts_;
    std::map<std::string, async_job> jobs_;          // by ARN
    std::map<std::string, std::string> tokens_;      // clientRequestToken -> ARN
    std::map<std::string, recorded_answer> recordings_; // by model id
    std::uint64_t ids_ = 0;
    std::size_t abandoned_streams_ = 0;
    std::atomic<bool> stopping_{false};
};

} // namespace bedrock::testing::detail

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/emulator_core.ipp>
#endif

#endif

#ifndef BEDROCK_TESTING_EMULATOR_HPP
#define BEDROCK_TESTING_EMULATOR_HPP

// A local Bedrock Runtime: the service's REST-JSON wire protocol over TLS on loopback, with SigV4 /
// bearer authentication, AWS's error shapes, and deterministic models chosen by model id. For the
// integration tests, for the examples when no AWS account is configured, and for users' own tests.
//
//     bedrock::testing::emulator emu;            // own thread; or emulator(executor) on yours
//     emu.start();
//     bedrock::config cfg = emu.client_config(); // endpoint, CA, region, credentials
//
// Routes: every operation of the service model, at its modeled method and URI (model ids and ARNs
// arrive percent-encoded in the path and are decoded). Unknown routes: 404 UnknownOperationException.
// Request bodies are parsed into the model's input types: a body that does not fit answers 400
// ValidationException naming the member. Errors look like AWS's: the modeled status,
// `x-amzn-ErrorType: <Name>:http://internal.amazon.com/coral/com.amazon.bedrock/`, `x-amzn-RequestId`
// and a body `{"message": ...}` with the modeled extra members. Authentication failures (403, see
// signature_verifier.hpp) and unknown routes carry the AWS front end's namespace instead,
// `http://internal.amazon.com/coral/com.amazon.coral.service/`, as recorded answers show.
//
// Models, by model id (for ApplyGuardrail the guardrail id plays the same part):
//
//   any ordinary id      the echo model. Converse answers "echo: " + the text of the last user
//                        message (its text blocks concatenated), stopReason end_turn; usage counts
//                        whitespace-separated words (input: every text block of every message and of
//                        the system prompt; output: the reply); inferenceConfig.maxTokens truncates the
//                        reply to that many words (stopReason max_tokens). With a toolConfig and a last
//                        user text starting "use tool", it calls the first tool with
//                        {"text": "<rest of the text>"} (stopReason tool_use).
//                        InvokeModel: an Anthropic Messages body (anthropic_version + messages) gets an
//                        Anthropic Messages answer with the same echo; any other body is sent back as
//                        is with its Content-Type. Token counts and latency come back as the
//                        X-Amzn-Bedrock-{Input,Output}-Token-Count / -Invocation-Latency headers.
//                        ConverseStream / InvokeModelWithResponseStream stream the same answers as
//                        event-stream frames (one word per delta, with the real services' "p" padding).
//                        CountTokens: {"inputTokens": words} for either input form.
//   throttle-once:<tag>  the first request for this exact id: 429 ThrottlingException; then echo
//   unavailable-once:<tag> the first request: 503 ServiceUnavailableException; then echo
//   fail-times-<n>:<tag> the first n requests: 500 InternalServerException; then echo
//   always-500[:<tag>]   always 500 InternalServerException
//   error:<Name>         always the exception <Name> with its modeled status and extra members
//                        (ModelErrorException: originalStatusCode 500, resourceName = the model id;
//                        ModelStreamErrorException: originalStatusCode 500, originalMessage). A name
//                        the model does not define (ExpiredTokenException, ...) answers 403 as the
//                        AWS front end does.
//   stream-error:<Name>  streams: the first events, then <Name> as an exception frame inside the
//                        stream; unary operations: the echo
//   slow-<ms>:<tag>      echo after <ms> milliseconds (streams: the delay comes before the head)
//   slow-once-<ms>:<tag> the first request for this exact id as slow-<ms>; later ones at once. With
//                        StartAsyncInvoke the job is created before the delay, as when a client's
//                        first-byte timeout cuts an answer the service was about to send.
//   slow-events-<ms>:<tag> streams: each event after the first comes <ms> later; unary: the echo
//   split-<n>:<tag>      the echo, written to the socket in random pieces of 1..n bytes (each its own
//                        TCP segment and TLS record), to exercise partial reads
//   stall[:<tag>]        never answers; the connection stays open until the client gives up
//   stall-body[:<tag>]   sends the head (streams: and the first event), then nothing
//   stall-head[:<tag>]   sends the head (a chunked body announced), then nothing
//   reset[:<tag>]        resets the connection (RST) without answering
//   reset-body[:<tag>]   sends the head and part of the body, then resets the connection
//   bad-json[:<tag>]     200 with a body that is not JSON (streams: a frame with a bad CRC)
//   clock-ahead-<min>:<tag>, clock-behind-<min>:<tag>  the echo, from a service whose clock is <min>
//                        minutes ahead of (behind) the machine's: a request signed more than 15 minutes
//                        off it is refused (403 InvalidSignatureException, "Signature expired" / "not yet
//                        current"), and every answer's Date header shows that clock
//   end-early[:<tag>]    ConverseStream: the echo's events up to contentBlockStop, then a clean end of
//                        the body without messageStop (an answer cut short); unary: the echo
//   huge-frame[:<tag>]   streams: the first event, then a frame whose prelude announces 2 GiB (its
//                        CRC right), 64 bytes of it, and the end of the body; unary: the echo
//   headers-overrun[:<tag>] streams: the first event, then a frame whose prelude headers length
//                        runs past the end of the frame (both CRCs right); unary: the echo
//   header-value-overrun[:<tag>] streams: the first event, then a frame whose :event-type value
//                        length runs past its headers block (both CRCs right); unary: the echo
//   chunk-truncated[:<tag>] chunked, with a chunk announcing 64 bytes more than follow (streams: a
//                        proper first chunk with the first event, then the lying one with all the
//                        other events), then a clean close (TLS close_notify, FIN)
//   chunk-malformed[:<tag>] chunked, with the chunk-size line "zz" (streams: after a proper first
//                        chunk with the first event), then a clean close
//   length-short[:<tag>] the whole answer with its Content-Length, then more bytes than that: a bogus
//                        second response (200, body {}), as a server out of step sends, in a TLS
//                        record of its own but the same TCP segment (Linux: corked), so that the
//                        client reads both at once; the connection stays open
//   length-long[:<tag>]  Content-Length 64 bytes beyond the answer: the answer, then a clean close
//   truncate-body[:<tag>] a body ended by the close (neither Content-Length nor chunked,
//                        Connection: close): its first half (streams: the first half of the events,
//                        whole frames), then FIN without TLS close_notify (a truncated TLS stream)
//   html[:<tag>]         200 with Content-Type text/html and a web page (a captive portal's) instead
//                        of the answer, streams too
//   gzip[:<tag>]         the answer gzip-encoded (Content-Encoding: gzip), which the request never
//                        offered (no Accept-Encoding); streams: the whole body in one chunk
//   big-delta-<n>:<tag>  ConverseStream: one contentBlockDelta whose text is <n> bytes (at most
//                        64 MiB) of "0123456789abcdefghijklmnopqrstuvwxyz" repeated, in place of the
//                        echo's deltas; other operations: the echo
//   many-events-<n>:<tag> ConverseStream: <n> contentBlockDeltas (at most 1,000,000) whose texts are
//                        "0", "1", ..., in place of the echo's deltas; other operations: the echo
//
// Recordings: add_recording(model_id, answer) makes every request for that model id (once it is
// authenticated) answer with a recorded status, headers and body, the body byte for byte, in
// random pieces of 1..max_piece bytes when asked (each its own chunk and socket write, so frames
// cross TCP segments and TLS records). For replaying real service answers (the recorded streams in
// the shared vectors) through a client.
//
// The <tag> is free text so that tests sharing one emulator stay independent: counters are kept
// per exact model id. A request counts toward a scenario once it is authenticated and valid. The
// transport and fault scenarios shape successful answers only: an error is always sent as it is.
//
// ApplyGuardrail: guardrail id `block` intervenes (action GUARDRAIL_INTERVENED, outputs
// [{"text": "Sorry, blocked."}], a word-policy assessment); any other id answers action NONE.
// InvokeGuardrailChecks runs every requested check and finds nothing.
//
// HTTP/2: the emulator offers h2 and http/1.1 by ALPN and answers the same over both.
// InvokeModelWithBidirectionalStream (POST /model/{modelId}/invoke-with-bidirectional-stream) is
// served over HTTP/2 only (over HTTP/1.1: 400 ValidationException saying so). Once authenticated
// (SigV4 with the payload hash STREAMING-AWS4-HMAC-SHA256-EVENTS and :authority signed, or a bearer
// token), it answers 200 `application/vnd.amazon.eventstream` at once and reads the input as it
// arrives. SigV4: every input frame is an outer message (`:date` timestamp, `:chunk-signature` 32
// bytes) whose payload is the inner message; the chain starts at the request's Signature= and each
// `:date` must be within 5 minutes of the service's clock; the input ends with the signed frame with
// an empty payload, then the client's END_STREAM. Bearer token: the frames are the inner messages
// themselves, unsigned, and END_STREAM ends the input. Inner messages must be `:message-type event`,
// `:event-type chunk`, payload `{"bytes": "<base64>"}`. Anything else (a broken chain, a bad :date, a
// malformed frame, an input that ends inside a frame or without its end frame) is answered with a
// `validationException` exception frame and the end of the response (END_STREAM; the rest of the
// input is read and dropped). The echo model answers each input chunk at once with a `chunk` event
// `{"bytes": <the same base64>}`, except that a Nova Sonic input event comes back as the matching
// output event ({"event":{"audioInput":{...}}} as audioOutput with the same members, the same audio;
// textInput as textOutput), so that a speech-to-speech program has something to play. After the
// end of the input it ends the response (END_STREAM, no trailers). Scenarios of this route:
//   bidi-speak-first[:<tag>] chunks "hello 1", "hello 2", "hello 3" (their bytes base64) before any
//                        input is read; then the echo
//   stream-error:<Name>  the echo of 2 chunks, then <Name> as an exception frame (the output union's
//                        modelTimeoutException, modelStreamErrorException, throttlingException,
//                        validationException, internalServerException, serviceUnavailableException;
//                        either case), and the end of the response
//   reset-stream[:<tag>] the echo of 2 chunks, then RST_STREAM (INTERNAL_ERROR) of that stream only
//   stop-reading[:<tag>] the head, then the input is never read: the client's window runs out (the
//                        stream's window, not the connection's), until it resets the stream or the
//                        emulator stops
//   throttle-once, unavailable-once, fail-times-<n>, always-500, error:<Name> as on the other routes:
//                        the error status instead of the head
//
// Asynchronous invocations: StartAsyncInvoke returns
// `arn:aws:bedrock:<region>:123456789012:async-invoke/<id>`. It is idempotent by clientRequestToken:
// the same token with the same request returns the same ARN and creates nothing; the same token with
// a different request is 400 ConflictException (the model's conflict error: the token is the
// request's identity). GetAsyncInvoke reports InProgress on the first get of a job and Completed
// (with endTime) from the second on; an unknown ARN is 400 ValidationException.
// ListAsyncInvokes filters by statusEquals and submitTimeAfter/Before (exclusive), sorts by
// submission time (sortOrder Descending by default), pages by maxResults (1..1000, default 1000) with
// an opaque nextToken. async_jobs() says how many jobs exist (every one created since the last
// reset_state()), so that a test can check that a retried start created exactly one.
//
// Abandoned streams: streams_abandoned_by_client() counts the streamed answers a client gave up
// before their end (it closed the connection, or reset the stream over HTTP/2), so that a test can
// check that a program really closes the streams it no longer reads (examples/sse_server.cpp's
// browser test does, on slow-events-<ms>).

#include <bedrock/auth/credentials.hpp>
#include <bedrock/config.hpp>
#include <bedrock/detail/config.hpp>
#include <bedrock/testing/certificate.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock::testing {

class https_server;

namespace detail {
class emulator_core;
} // namespace detail

struct emulator_options {
    std::string region = "us-east-1";
    /// Key pairs whose SigV4 signatures are accepted (a session token, if set, must be sent).
    std::vector<auth::credentials> credentials{{"AKIDEMULATOR", "emulator-secret", std::nullopt, std::nullopt}};
    /// Accepted `Authorization: Bearer` tokens (Bedrock API keys).
    std::vector<std::string> bearer_tokens{"emulator-api-key"};
    /// Refuse requests without a valid signature or token, as AWS does.
    bool require_auth = true;
    /// TCP port on 127.0.0.1; 0 picks a free one.
    unsigned short port = 0;
    /// How many requests the log keeps (the most recent ones).
    std::size_t log_capacity = 256;
    /// The server's clock: for the signature's ±15 minutes and the async jobs' timestamps.
    std::function<std::chrono::system_clock::time_point()> clock = [] { return std::chrono::system_clock::now(); };
};

/// An answer to play back as recorded (see add_recording).
struct recorded_answer {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers{
        {"Content-Type", "application/vnd.amazon.eventstream"}};
    std::string body;
    std::size_t max_piece = 0; ///< 0: the body in one write; else random pieces of 1..max_piece bytes
    /// With max_piece: the pieces (each still its own chunk and TLS record) are held back in the
    /// kernel and leave together (Linux: TCP_CORK), so the client finds them all arrived at once,
    /// as a client that has fallen behind a fast server does. Otherwise each leaves as written.
    bool pieces_together = false;
};

/// A request as the emulator received it.
struct recorded_request {
    std::string method;
    std::string target; ///< path and query, as on the request line
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string operation; ///< "Converse", ...; empty when no route matched
    std::string model_id;  ///< the decoded model id (or guardrail id), if the request names one
    unsigned status = 0;   ///< the status answered (0: none, e.g. stall or reset)

    /// The first header of that name (any case), or empty.
    BEDROCK_DECL std::string_view header(std::string_view name) const noexcept;
};

/// The emulator. Thread-safe: the log and counters may be read from any thread while it serves.
class emulator {
public:
    /// Serves on its own thread.
    BEDROCK_DECL explicit emulator(emulator_options options = {});
    /// Serves on `ex` (through a strand); the caller runs the io_context.
    BEDROCK_DECL emulator(boost::asio::any_io_executor ex, emulator_options options = {});
    BEDROCK_DECL ~emulator();
    emulator(const emulator&) = delete;
    emulator& operator=(const emulator&) = delete;

    /// Binds 127.0.0.1:<options.port> and starts serving. Throws boost::system::system_error when
    /// the port cannot be bound. Calling it again while started does nothing.
    BEDROCK_DECL void start();
    /// Closes the listener and every connection. Idempotent; start() may follow.
    BEDROCK_DECL void stop();

    /// `https://127.0.0.1:PORT` (empty before start()).
    BEDROCK_DECL std::string endpoint_url() const;
    BEDROCK_DECL unsigned short port() const noexcept;
    /// The CA certificate (PEM) clients must trust. Stable for the emulator's lifetime.
    BEDROCK_DECL const std::string& ca_pem() const noexcept;
    /// A client configuration for this emulator: region, endpoint_url, ca_pem and the first
    /// accepted credentials (or the bearer token when no credentials are accepted), and
    /// http_version from BEDROCK_HTTP_VERSION when it is set (a test suite run over either transport).
    BEDROCK_DECL bedrock::config client_config() const;

    const emulator_options& options() const noexcept { return options_; }

    /// The most recent requests, oldest first (at most options.log_capacity).
    BEDROCK_DECL std::vector<recorded_request> requests() const;
    /// Requests seen for an operation ("Converse") or a model id, whatever their outcome.
    BEDROCK_DECL std::size_t operation_attempts(std::string_view operation) const;
    BEDROCK_DECL std::size_t model_attempts(std::string_view model_id) const;
    /// How many StartAsyncInvoke jobs exist: every one created since the emulator was made or last
    /// reset_state(). A start repeated with the same clientRequestToken creates none.
    BEDROCK_DECL std::size_t async_jobs() const;
    /// How many streamed answers (ConverseStream, InvokeModelWithResponseStream, the bidirectional
    /// stream) were cut short because the client went away: it reset the stream (HTTP/2) or closed
    /// the connection (either protocol) before the end of the body. Seen when a write or a pause of
    /// the answer fails, so over HTTP/1.1 at the next event written after the close (a write
    /// into the closed connection may still succeed once; the one after fails): a client that
    /// closes with only the last event to come may go unnoticed. Not counted: stall scenarios (no
    /// writes to fail), answers the emulator cuts itself, and any cut by stop(). Since the last
    /// reset_state().
    BEDROCK_DECL std::size_t streams_abandoned_by_client() const;
    /// Answers every request for `model_id` with `answer` from now on (any operation; meant for
    /// the streaming ones). Thread-safe; may be called before start().
    BEDROCK_DECL void add_recording(std::string model_id, recorded_answer answer);
    /// Forgets the log and the counters (scenario counters, abandoned streams and async jobs too).
    BEDROCK_DECL void reset_state();

private:
    emulator_options options_;
    boost::asio::any_io_executor executor_; // empty: own thread
    std::string ca_pem_;
    certificate certificate_; // one for the emulator's lifetime, so ca_pem() survives stop/start
    std::shared_ptr<detail::emulator_core> core_;
    std::unique_ptr<https_server> server_;
};

} // namespace bedrock::testing

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/testing/impl/emulator.ipp>
#endif

#endif

#include <bedrock/error.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/retry.hpp>

#include <boost/asio/error.hpp>

#include <catch2/catch.hpp>

namespace errors_retry_test {

using bedrock::client_errc;
using bedrock::service_errc;

TEST_CASE("service error names map both ways")
{
    CHECK(bedrock::service_error_from_name("ThrottlingException") == service_errc::throttling);
    CHECK(bedrock::service_error_from_name("TooManyRequestsException") == service_errc::throttling);
    CHECK(bedrock::service_error_from_name("ExpiredTokenException") == service_errc::expired_token);
    CHECK(bedrock::service_error_from_name("ModelStreamErrorException") == service_errc::model_stream_error);
    CHECK(bedrock::service_error_from_name("SomethingNew") == service_errc::unknown);
    CHECK(bedrock::service_error_name(service_errc::validation) == "ValidationException");
    CHECK(bedrock::service_error_name(service_errc::model_not_ready) == "ModelNotReadyException");
    for (int e = 1; e <= static_cast<int>(service_errc::unknown); ++e) {
        auto code = static_cast<service_errc>(e);
        CHECK(bedrock::service_error_from_name(bedrock::service_error_name(code)) == code);
        CHECK(boost::system::error_code(code).message().find("unknown bedrock") == std::string::npos);
    }
    for (int e = 1; e <= static_cast<int>(client_errc::unsupported_content_encoding); ++e)
        CHECK(boost::system::error_code(static_cast<client_errc>(e)).message().find("unknown bedrock") ==
              std::string::npos);
}

TEST_CASE("which errors are retryable")
{
    CHECK(bedrock::is_retryable(service_errc::throttling));
    CHECK(bedrock::is_retryable(service_errc::service_unavailable));
    CHECK(bedrock::is_retryable(service_errc::internal_server));
    CHECK(bedrock::is_retryable(service_errc::model_not_ready));
    CHECK(bedrock::is_retryable(service_errc::transient_http_error));
    CHECK(bedrock::is_retryable(boost::asio::error::connection_reset));
    CHECK(bedrock::is_retryable(boost::asio::error::eof));
    // The transport's named timeouts before an answer are retried (a timeout retry costs 10 tokens)...
    CHECK(bedrock::is_retryable(bedrock::http::error::connect_timeout));
    CHECK(bedrock::is_retryable(bedrock::http::error::tls_handshake_timeout));
    CHECK(bedrock::is_retryable(bedrock::http::error::first_byte_timeout));
    // ... the limits on what the caller waits for are not.
    CHECK_FALSE(bedrock::is_retryable(bedrock::http::error::idle_timeout));
    CHECK_FALSE(bedrock::is_retryable(bedrock::http::error::total_timeout));
    CHECK_FALSE(bedrock::is_retryable(bedrock::http::error::first_event_timeout));
    CHECK_FALSE(bedrock::is_retryable(service_errc::validation));
    CHECK_FALSE(bedrock::is_retryable(service_errc::access_denied));
    CHECK_FALSE(bedrock::is_retryable(service_errc::model_error));
    CHECK_FALSE(bedrock::is_retryable(client_errc::invalid_response));
    CHECK_FALSE(bedrock::is_retryable(client_errc::unsupported_content_encoding));
    CHECK_FALSE(bedrock::is_retryable(boost::asio::error::operation_aborted));
    CHECK(bedrock::is_throttling(service_errc::throttling));
    CHECK_FALSE(bedrock::is_throttling(service_errc::internal_server));
}

TEST_CASE("standard retry: attempts, backoff with jitter, quota")
{
    bedrock::retry_strategy retry{3};
    bedrock::retry_strategy::token op; // one operation's share
    using ms = std::chrono::milliseconds;

    // Not retryable, or out of attempts: no delay, no tokens taken.
    CHECK_FALSE(retry.on_failure(service_errc::validation, 1, 0.5, op));
    CHECK_FALSE(retry.on_failure(service_errc::throttling, 3, 0.5, op));
    CHECK(retry.available_tokens() == 500);

    // Full jitter under an exponential ceiling: 100 ms, then 200 ms for transient errors,
    // 500 ms then 1 s for throttling.
    CHECK(retry.on_failure(service_errc::internal_server, 1, 0.999, op) == ms{99});
    CHECK(retry.on_failure(service_errc::internal_server, 2, 0.5, op) == ms{100});
    CHECK(retry.on_failure(service_errc::throttling, 1, 1.0, op) == ms{500});
    CHECK(retry.on_failure(service_errc::throttling, 2, 1.0, op) == ms{1000});
    CHECK(retry.on_failure(service_errc::throttling, 1, 0.0, op) == ms{0});
    CHECK(retry.available_tokens() == 500 - 5 * 5);

    // A timeout costs more; a success after a retry refunds its cost, a first-try success adds one.
    CHECK(retry.on_failure(boost::asio::error::timed_out, 1, 0.5, op));
    CHECK(retry.available_tokens() == 500 - 25 - 10);
    retry.on_success(2, op);
    CHECK(retry.available_tokens() == 500 - 25);
    retry.on_success(1, op);
    CHECK(retry.available_tokens() == 500 - 24);
    CHECK(retry.on_failure(bedrock::http::error::first_byte_timeout, 1, 0.5, op));
    CHECK(retry.available_tokens() == 500 - 24 - 10);
    retry.on_success(2, op);
    CHECK(retry.available_tokens() == 500 - 24);

    // The cap: 20 s whatever the attempt number.
    bedrock::retry_strategy many{100};
    CHECK(many.on_failure(service_errc::throttling, 40, 1.0, op) == ms{20'000});

    // An empty bucket stops retries and says so.
    bedrock::retry_strategy drained{1000};
    int retries = 0;
    while (drained.on_failure(service_errc::service_unavailable, 1, 0.1, op))
        ++retries;
    CHECK(retries == 100);
    CHECK(op.quota_exhausted);
    CHECK(drained.available_tokens() == 0);
    for (int i = 0; i < 1000; ++i)
        drained.on_success(1, op);
    CHECK(drained.available_tokens() == 500); // never above the initial size
}

} // namespace errors_retry_test

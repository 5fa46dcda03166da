#ifndef BEDROCK_DIAGNOSTICS_HPP
#define BEDROCK_DIAGNOSTICS_HPP

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace bedrock {

/// What an error_code cannot carry: the service's own words, and where the failure happened.
/// The service's message is untrusted text; it is kept apart from the library's own explanation.
/// The client fills one on success too: the request id, the status, the number of attempts, and the
/// usage headers InvokeModel answers carry (they are not members of its output shape).
struct diagnostics {
    std::string service_message; ///< the service's "message", verbatim (may be empty)
    std::string error_type;      ///< the error type as sent, trimmed ("ThrottlingException")
    std::string request_id;      ///< x-amzn-RequestId, the key AWS support asks for
    unsigned http_status = 0;    ///< 0 when the failure was not an HTTP answer
    boost::json::object extra;   ///< modeled members beyond the message (originalStatusCode, ...)
    std::string client_message;  ///< the library's explanation (e.g. the JSON member path at fault)
    int attempts = 0;            ///< how many attempts were made (1 = no retry)
    std::optional<std::int64_t> input_token_count;     ///< X-Amzn-Bedrock-Input-Token-Count
    std::optional<std::int64_t> output_token_count;    ///< X-Amzn-Bedrock-Output-Token-Count
    std::optional<std::int64_t> invocation_latency_ms; ///< X-Amzn-Bedrock-Invocation-Latency
    /// Non-zero when the answer showed the local clock to be off (a clock-skew error, or a `Date`
    /// far from it): how far it was behind the service's clock (negative: ahead). The client signs
    /// from then on with the corrected time, and retries the refused request once at once.
    std::int64_t clock_correction_ms = 0;

    void clear()
    {
        *this = diagnostics{};
    }
};

} // namespace bedrock

#endif

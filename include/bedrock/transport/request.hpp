#ifndef BEDROCK_TRANSPORT_REQUEST_HPP
#define BEDROCK_TRANSPORT_REQUEST_HPP

// The request every layer above the wire shares: the protocol binding builds it, the signer signs it
// as it is (no re-parsing of a target string), and each transport writes it its own way — HTTP/1.1
// as a request line with a Host header, HTTP/2 as pseudo-headers with `:authority`. So it carries
// no Host: the transport knows its endpoint, and the signer is handed the host to sign.

#include <bedrock/detail/config.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock::transport {

struct header {
    std::string name;
    std::string value;
};

struct request {
    std::string method = "POST";
    /// As sent: URI-encoded, the endpoint's base path included ("/model/a%3Ab/converse").
    std::string path = "/";
    /// Decoded name/value pairs in the order the binding wrote them; encoded when written or signed.
    std::vector<std::pair<std::string, std::string>> query;
    /// In the order they are written; names as the binding spells them.
    std::vector<header> headers;
    std::string body;

    /// The value of the first header named `name` (any case), or null.
    BEDROCK_DECL const std::string* find(std::string_view name) const noexcept;
    /// Replaces the first header named `name` (any case), or adds it at the end; written into the
    /// storage a header already has, or one that clear() kept, where it fits.
    BEDROCK_DECL void set(std::string_view name, std::string_view value);
    /// Empties the request (path, query, headers, body; the method stays) for another one to be built
    /// into it, keeping the storage of its strings: a client builds each call's request into one
    /// that a finished call gave back, and then allocates none of its headers' strings.
    BEDROCK_DECL void clear();
    /// Path and query as a request line carries them ("/path?a=1&b=x%20y"), with AWS's encoding.
    BEDROCK_DECL std::string target() const;
    /// The same, appended to `out`.
    BEDROCK_DECL void append_target(std::string& out) const;

private:
    /// Headers clear() took out, for their strings' storage; the last one is reused first.
    std::vector<header> spare_headers_;
};

} // namespace bedrock::transport

#ifdef BEDROCK_HEADER_ONLY
#include <bedrock/transport/impl/request.ipp>
#endif

#endif

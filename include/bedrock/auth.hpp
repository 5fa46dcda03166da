#ifndef BEDROCK_AUTH_HPP
#define BEDROCK_AUTH_HPP

// AWS request signing: SigV4 for HTTP requests and event signing for bidirectional input streams,
// profiles and the credential provider interface. Sans-I/O: the clock and the credentials come in as
// arguments. The providers that fetch credentials over HTTP (container, instance metadata) are above
// the transport, in <bedrock/credentials/remote_providers.hpp>.
#include <bedrock/auth/credentials.hpp>
#include <bedrock/auth/credentials_provider.hpp>
#include <bedrock/auth/error.hpp>
#include <bedrock/auth/event_signer.hpp>
#include <bedrock/auth/profile.hpp>
#include <bedrock/auth/sigv4.hpp>

#endif

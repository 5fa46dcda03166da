#ifndef BEDROCK_HTTP_HPP
#define BEDROCK_HTTP_HPP

// The HTTP/1.1 transport: endpoints, TLS contexts, proxies, the connection pool and response streams.

#include <bedrock/http/connection_pool.hpp>
#include <bedrock/http/endpoint.hpp>
#include <bedrock/http/error.hpp>
#include <bedrock/http/message.hpp>
#include <bedrock/http/options.hpp>
#include <bedrock/http/proxy.hpp>
#include <bedrock/http/response_stream.hpp>
#include <bedrock/http/tls.hpp>

#endif

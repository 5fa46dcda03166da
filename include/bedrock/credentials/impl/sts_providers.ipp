#ifndef BEDROCK_CREDENTIALS_IMPL_STS_PROVIDERS_IPP
#define BEDROCK_CREDENTIALS_IMPL_STS_PROVIDERS_IPP

#include <bedrock/auth/sigv4.hpp>
#include <bedrock/credentials/impl/remote_providers.ipp> // the HTTP helpers the remote providers share
#include <bedrock/credentials/sts_providers.hpp>
#include <bedrock/detail/exceptions.hpp> // boost::throw_exception
#include <bedrock/error.hpp>
#include <bedrock/json/reader.hpp>

#include <boost/asio/bind_executor.hpp>

#include <expat.h>

#include <fstream>
#include <map>
#include <optional>
#include <variant>

namespace bedrock::auth {
namespace detail {

struct sts_provider_state : provider_state {
    sts_options options;
    environment env;                              // web identity from the environment
    std::optional<web_identity_settings> web;     // web identity from a profile
    std::optional<assume_role_settings> role;     // AssumeRole
    std::shared_ptr<credentials_provider> source; // AssumeRole's source credentials
};

namespace sts {

using boost::system::error_code;

// What an STS answer says, read by expat: the leaves of <Credentials> and of <Error>.
struct xml_answer {
    std::vector<std::string> stack;
    std::string text;
    std::string root;
    std::map<std::string, std::string, std::less<>> credentials, error;

    static void XMLCALL start(void* self, const XML_Char* name, const XML_Char**)
    {
        auto& a = *static_cast<xml_answer*>(self);
        if (a.stack.empty())
            a.root = name;
        a.stack.emplace_back(name);
        a.text.clear();
    }
    static void XMLCALL end(void* self, const XML_Char*)
    {
        auto& a = *static_cast<xml_answer*>(self);
        if (a.stack.size() >= 2) {
            const std::string& parent = a.stack[a.stack.size() - 2];
            if (parent == "Credentials")
                a.credentials[a.stack.back()] = a.text;
            else if (parent == "Error")
                a.error[a.stack.back()] = a.text;
        }
        a.stack.pop_back();
        a.text.clear();
    }
    static void XMLCALL characters(void* self, const XML_Char* s, int n)
    {
        static_cast<xml_answer*>(self)->text.append(s, static_cast<std::size_t>(n));
    }
};

inline bool parse_xml(std::string_view xml, xml_answer& out, std::string& why)
{
    XML_Parser parser = XML_ParserCreate(nullptr);
    if (!parser) {
        why = "cannot create an XML parser";
        return false;
    }
    XML_SetUserData(parser, &out);
    XML_SetElementHandler(parser, &xml_answer::start, &xml_answer::end);
    XML_SetCharacterDataHandler(parser, &xml_answer::characters);
    const bool ok = XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
    if (!ok)
        why = std::string("malformed XML: ") + XML_ErrorString(XML_GetErrorCode(parser)) + " at line " +
              std::to_string(XML_GetCurrentLineNumber(parser));
    XML_ParserFree(parser);
    return ok;
}

inline std::string default_session_name()
{
    using namespace std::chrono;
    return "bedrock-asio-" +
           std::to_string(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

inline void add_form(std::string& body, std::string_view name, std::string_view value)
{
    if (!body.empty())
        body += '&';
    uri_encode(name, true, body);
    body += '=';
    uri_encode(value, true, body);
}

// AssumeRoleWithWebIdentity (the token file read at each fetch), or AssumeRole signed with the
// source provider's credentials: one POST to STS either way.
struct fetch : fetch_op<fetch, sts_provider_state> {
    using fetch_op::fetch_op;
    std::string what; // "STS <action> at <endpoint>"
    std::optional<http::connection_pool> pool;

    void finish(fetch_result r)
    {
        if (pool)
            pool->close();
        report(*st, std::move(handler), std::move(r));
    }

    void start()
    {
        if (st->role)
            st->source->async_fetch(boost::asio::bind_executor(st->executor, resume<&fetch::on_source>()));
        else
            web_identity();
    }

    void web_identity()
    {
        web_identity_settings w;
        if (st->web) {
            w = *st->web;
        } else {
            auto file = remote::get(st->env, "AWS_WEB_IDENTITY_TOKEN_FILE");
            auto arn = remote::get(st->env, "AWS_ROLE_ARN");
            if (!file || !arn)
                return finish(fail(client_errc::no_credentials,
                                   "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set"));
            w.token_file = *file;
            w.role_arn = *arn;
            w.session_name = remote::get(st->env, "AWS_ROLE_SESSION_NAME").value_or("");
        }
        std::ifstream in(w.token_file, std::ios::binary);
        if (!in)
            return finish(fail(client_errc::invalid_configuration,
                               "cannot read the web identity token file '" + w.token_file + "'"));
        std::string token{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
            token.pop_back();
        if (token.empty())
            return finish(fail(client_errc::invalid_configuration,
                               "the web identity token file '" + w.token_file + "' is empty"));
        std::string body;
        add_form(body, "Action", "AssumeRoleWithWebIdentity");
        add_form(body, "Version", "2011-06-15");
        add_form(body, "RoleArn", w.role_arn);
        add_form(body, "RoleSessionName", w.session_name.empty() ? default_session_name() : w.session_name);
        add_form(body, "WebIdentityToken", token);
        call("AssumeRoleWithWebIdentity", body, nullptr);
    }

    void on_source(error_code ec, credentials source)
    {
        if (ec) {
            const std::string said = st->source->last_error();
            // "Not configured" of a source named in the profile is a failure: the chain must not move on.
            fetch_result r = fail(client_errc::credentials_provider_failed,
                                  "the source credentials of role " + st->role->role_arn + " (" +
                                      std::string(st->source->name()) + "): " + (said.empty() ? ec.message() : said));
            if (ec != client_errc::no_credentials)
                r.ec = ec;
            return finish(std::move(r));
        }
        const assume_role_settings& r = *st->role;
        std::string body;
        add_form(body, "Action", "AssumeRole");
        add_form(body, "Version", "2011-06-15");
        add_form(body, "RoleArn", r.role_arn);
        add_form(body, "RoleSessionName", r.session_name.empty() ? default_session_name() : r.session_name);
        if (!r.external_id.empty())
            add_form(body, "ExternalId", r.external_id);
        if (r.duration_seconds)
            add_form(body, "DurationSeconds", std::to_string(*r.duration_seconds));
        call("AssumeRole", body, &source);
    }

    // Posts one STS action; `signer_credentials` set: SigV4-signed with them.
    void call(std::string_view action, const std::string& body, const credentials* signer_credentials)
    {
        const sts_options& o = st->options;
        const std::string url = sts_endpoint(o);
        auto where = remote::split(url);
        if (!where)
            return finish(
                fail(client_errc::invalid_credentials_endpoint, "the STS endpoint '" + url + "' cannot be parsed"));
        http::pool_options po;
        po.max_connections = 1;
        po.proxy = o.proxy;
        if (where->target.is_tls()) {
            auto context = http::make_tls_context(o.tls);
            if (!context)
                return finish(fail(client_errc::credentials_provider_failed,
                                   "TLS setup failed: " + context.error().message()));
            po.tls = *context;
        }
        auto req = remote::make_request(boost::beast::http::verb::post, where->target, where->path);
        const std::string content_type = "application/x-www-form-urlencoded; charset=utf-8";
        req.set(boost::beast::http::field::content_type, content_type);
        req.body() = body;
        req.prepare_payload();
        if (signer_credentials) {
            signing_options so;
            so.region = o.region.empty() ? "us-east-1" : o.region;
            so.service = "sts";
            signer s(so);
            const std::string host = http::host_header(where->target);
            const http_header headers[] = {{"host", host}, {"content-type", content_type}};
            request to_sign;
            to_sign.method = "POST";
            to_sign.path = where->path;
            to_sign.headers = headers;
            to_sign.body = body;
            signing_result signature;
            if (auto ec = s.sign(to_sign, *signer_credentials, std::chrono::system_clock::now(), signature))
                return finish(
                    fail(client_errc::credentials_provider_failed, "cannot sign the STS request: " + ec.message()));
            for (const auto& h : signature.headers())
                req.set(h.name, h.value);
        }
        what = "STS " + std::string(action) + " at " + http::to_string(where->target);
        pool.emplace(st->executor, where->target, std::move(po));
        remote::exchange(*pool, std::move(req), o.limits, true, resume<&fetch::on_answer>());
    }

    void on_answer(remote::answer a)
    {
        if (a.ec)
            return finish(fail(client_errc::credentials_provider_failed, what + " failed: " + a.ec.message()));
        fetch_result r;
        std::string why;
        r.ec = parse_sts_credentials(a.body, r.creds, &why);
        if (r.ec) {
            r.why = what + " failed (HTTP " + std::to_string(a.status) + "): " + why;
            r.creds = {};
        } else if (a.status != 200) {
            r = fail(client_errc::credentials_provider_failed, what + " answered HTTP " + std::to_string(a.status));
        }
        finish(std::move(r));
    }
};

} // namespace sts
} // namespace detail

BEDROCK_DECL std::string sts_endpoint(const sts_options& options)
{
    std::string url = options.endpoint;
    if (url.empty())
        url = options.region.empty() ? "https://sts.amazonaws.com" : "https://sts." + options.region + ".amazonaws.com";
    while (url.size() > 1 && url.back() == '/')
        url.pop_back();
    return url;
}

BEDROCK_DECL boost::system::error_code parse_sts_credentials(std::string_view xml, credentials& out, std::string* why)
{
    auto fail = [&](client_errc e, std::string reason) {
        if (why)
            *why = std::move(reason);
        return make_error_code(e);
    };
    detail::sts::xml_answer a;
    std::string reason;
    if (!detail::sts::parse_xml(xml, a, reason))
        return fail(client_errc::invalid_credentials_response, reason);
    if (a.root == "ErrorResponse" || !a.error.empty()) {
        auto code = a.error.find("Code");
        auto message = a.error.find("Message");
        // (An empty <Code/> says no more than a missing one: the reason is never empty.)
        std::string said = code == a.error.end() || code->second.empty() ? std::string("unknown error") : code->second;
        if (message != a.error.end() && !message->second.empty())
            said += ": " + message->second;
        return fail(client_errc::credentials_provider_failed, said);
    }
    auto field = [&](std::string_view name) -> std::string {
        auto it = a.credentials.find(name);
        return it == a.credentials.end() ? std::string() : it->second;
    };
    credentials c;
    c.access_key_id = field("AccessKeyId");
    c.secret_access_key = field("SecretAccessKey");
    const std::string token = field("SessionToken");
    const std::string expiration = field("Expiration");
    if (c.access_key_id.empty())
        return fail(client_errc::invalid_credentials_response, "the answer has no Credentials/AccessKeyId");
    if (c.secret_access_key.empty())
        return fail(client_errc::invalid_credentials_response, "the answer has no Credentials/SecretAccessKey");
    if (token.empty())
        return fail(client_errc::invalid_credentials_response, "the answer has no Credentials/SessionToken");
    std::chrono::system_clock::time_point when;
    if (expiration.empty() || !json::parse_date_time(expiration, when))
        return fail(client_errc::invalid_credentials_response,
                    "Credentials/Expiration '" + expiration + "' is not an ISO-8601 date-time");
    c.session_token = token;
    c.expiration = when;
    out = std::move(c);
    return {};
}

BEDROCK_DECL web_identity_credentials_provider::web_identity_credentials_provider(boost::asio::any_io_executor ex,
                                                                                  environment env,
                                                                                  sts_options options)
    : state_(std::make_shared<detail::sts_provider_state>())
{
    state_->executor = std::move(ex);
    state_->env = env ? std::move(env) : process_environment();
    state_->options = std::move(options);
}

BEDROCK_DECL web_identity_credentials_provider::web_identity_credentials_provider(boost::asio::any_io_executor ex,
                                                                                  web_identity_settings settings,
                                                                                  sts_options options)
    : state_(std::make_shared<detail::sts_provider_state>())
{
    state_->executor = std::move(ex);
    state_->web = std::move(settings);
    state_->options = std::move(options);
}

BEDROCK_DECL void web_identity_credentials_provider::async_fetch(credentials_handler handler)
{
    detail::launch<detail::sts::fetch>(state_, std::move(handler));
}

BEDROCK_DECL std::string web_identity_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

BEDROCK_DECL assume_role_credentials_provider::assume_role_credentials_provider(
    boost::asio::any_io_executor ex, std::shared_ptr<credentials_provider> source, assume_role_settings settings,
    sts_options options)
    : state_(std::make_shared<detail::sts_provider_state>())
{
    if (!source)
        boost::throw_exception(std::invalid_argument("bedrock::auth::assume_role_credentials_provider needs a source provider"));
    state_->executor = std::move(ex);
    state_->source = std::move(source);
    state_->role = std::move(settings);
    state_->options = std::move(options);
}

BEDROCK_DECL void assume_role_credentials_provider::async_fetch(credentials_handler handler)
{
    detail::launch<detail::sts::fetch>(state_, std::move(handler));
}

BEDROCK_DECL std::string assume_role_credentials_provider::last_error() const
{
    return state_->get_last_error();
}

} // namespace bedrock::auth

#endif

// bedrock-runtime: the command line, parsed.

#ifndef BEDROCK_RUNTIME_OPTIONS_HPP
#define BEDROCK_RUNTIME_OPTIONS_HPP

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cli {

/// A command line the tool cannot run (exit code 2, with the usage).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct options {
    std::string command;                       // "converse", ...; empty with --help alone
    std::map<std::string, std::string> values; // "--model-id" -> "x"
    std::set<std::string> flags;               // "--text", "--http2", ...

    bool flag(std::string_view name) const { return flags.count(std::string(name)) != 0; }
    std::optional<std::string> value(std::string_view name) const
    {
        auto it = values.find(std::string(name));
        if (it == values.end())
            return std::nullopt;
        return it->second;
    }
};

inline const std::set<std::string, std::less<>>& valued_options()
{
    static const std::set<std::string, std::less<>> names = {
        "--region", "--profile", "--endpoint-url", "--ca-bundle", "--max-attempts", "--cli-input-json",
        "--model-id", "--prompt", "--system", "--body", "--content-type", "--accept", "--max-items"};
    return names;
}

inline const std::set<std::string, std::less<>>& flag_options()
{
    static const std::set<std::string, std::less<>> names = {"--http2", "--debug", "--emulator", "--text",
                                                             "--help", "-h"};
    return names;
}

/// `bedrock-runtime [options] <command> [options]`: options may come before or after the command,
/// as in the AWS CLI; `--name=value` works as well as `--name value`.
inline options parse(int argc, char** argv)
{
    options out;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.rfind("-", 0) != 0) {
            if (!out.command.empty())
                throw usage_error("unexpected argument: " + arg);
            out.command = arg;
            continue;
        }
        std::optional<std::string> inline_value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        if (flag_options().count(arg)) {
            if (inline_value)
                throw usage_error(arg + " takes no value");
            out.flags.insert(arg == "-h" ? "--help" : arg);
        } else if (valued_options().count(arg)) {
            if (!inline_value && i + 1 >= argc)
                throw usage_error(arg + " needs a value");
            out.values[arg] = inline_value ? *inline_value : argv[++i];
        } else {
            throw usage_error("unknown option: " + arg);
        }
    }
    if (auto n = out.value("--max-attempts"); n && (n->empty() || n->find_first_not_of("0123456789") != std::string::npos))
        throw usage_error("--max-attempts needs a positive integer");
    if (auto n = out.value("--max-items"); n && (n->empty() || n->find_first_not_of("0123456789") != std::string::npos))
        throw usage_error("--max-items needs a positive integer");
    return out;
}

constexpr const char* global_usage =
    "usage: bedrock-runtime <command> [options]\n"
    "\n"
    "commands (as in the AWS CLI's `aws bedrock-runtime`):\n"
    "  converse                                converse-stream\n"
    "  invoke-model                            invoke-model-with-response-stream\n"
    "  invoke-model-with-bidirectional-stream  apply-guardrail\n"
    "  count-tokens                            start-async-invoke\n"
    "  get-async-invoke                        list-async-invokes\n"
    "  invoke-guardrail-checks\n"
    "\n"
    "input:\n"
    "  --cli-input-json file://req.json|-   the request in the API's JSON (lowerCamel members; - reads stdin)\n"
    "  --model-id ID                        the modelId member (every operation that has one)\n"
    "\n"
    "global options (beside the AWS_* environment variables and ~/.aws files):\n"
    "  --region R  --profile P  --endpoint-url URL  --ca-bundle FILE  --max-attempts N\n"
    "  --http2        HTTP/2 for every operation (the bidirectional stream always uses it)\n"
    "  --debug        the client's log of the exchange on standard error (no secrets)\n"
    "  --emulator     start the local Bedrock emulator in-process and talk to it\n"
    "\n"
    "output: the response as JSON on standard output; streams print one JSON object per event per\n"
    "line. Errors: exit status 1 and {\"error\",\"message\",\"requestId\",\"httpStatus\",\"attempts\"} on\n"
    "standard error; a bad command line: exit status 2.\n"
    "\n"
    "`bedrock-runtime <command> --help` for a command's own options.\n";

/// The help of one command, or nullptr for a command that does not exist.
inline const char* command_usage(std::string_view command)
{
    if (command == "converse" || command == "converse-stream")
        return "usage: bedrock-runtime converse|converse-stream [--cli-input-json file://req.json|-]\n"
               "         [--model-id ID] [--prompt TEXT] [--system TEXT] [--text]\n"
               "  --prompt TEXT  appends a user message with this text to the request's messages\n"
               "  --system TEXT  sets the system prompt\n"
               "  --text         print only the generated text (converse-stream: as it streams)\n"
               "converse-stream prints one JSON object per event per line, e.g. {\"contentBlockDelta\":{...}}.\n";
    if (command == "invoke-model" || command == "invoke-model-with-response-stream")
        return "usage: bedrock-runtime invoke-model|invoke-model-with-response-stream\n"
               "         [--cli-input-json file://req.json|-] [--model-id ID] [--body file://body.json|TEXT]\n"
               "         [--content-type TYPE] [--accept TYPE] [--text]\n"
               "  --body   the model's own request body, as is (in --cli-input-json: \"body\", base64)\n"
               "  --text   print only the body (streams: each chunk's generated text as it comes)\n"
               "invoke-model prints {\"body\": <the answer's JSON, or base64>, \"contentType\": ...}.\n";
    if (command == "invoke-model-with-bidirectional-stream")
        return "usage: bedrock-runtime invoke-model-with-bidirectional-stream [--model-id ID]\n"
               "         [--cli-input-json file://req.json]\n"
               "Reads input events from standard input, one JSON object per line, e.g.\n"
               "{\"chunk\":{\"bytes\":\"<base64>\"}}, sends each as it is read, and prints the output\n"
               "events as they arrive, one per line; the input ends at end of file.\n";
    if (command == "apply-guardrail")
        return "usage: bedrock-runtime apply-guardrail --cli-input-json file://req.json|-\n"
               "  {\"guardrailIdentifier\":..., \"guardrailVersion\":..., \"source\":\"INPUT\", \"content\":[...]}\n";
    if (command == "invoke-guardrail-checks")
        return "usage: bedrock-runtime invoke-guardrail-checks --cli-input-json file://req.json|-\n"
               "  {\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":...}]}],\n"
               "   \"checks\":{\"contentFilter\":{\"categories\":[{\"category\":\"VIOLENCE\"}]}}}\n";
    if (command == "count-tokens")
        return "usage: bedrock-runtime count-tokens --cli-input-json file://req.json|- [--model-id ID]\n"
               "  {\"modelId\":..., \"input\":{\"converse\":{\"messages\":[...]}}}\n";
    if (command == "start-async-invoke")
        return "usage: bedrock-runtime start-async-invoke --cli-input-json file://req.json|- [--model-id ID]\n";
    if (command == "get-async-invoke")
        return "usage: bedrock-runtime get-async-invoke --cli-input-json file://req.json|-\n"
               "  {\"invocationArn\": ...}\n";
    if (command == "list-async-invokes")
        return "usage: bedrock-runtime list-async-invokes [--cli-input-json file://req.json|-] [--max-items N]\n"
               "Follows nextToken through every page (at most N summaries with --max-items).\n";
    return nullptr;
}

} // namespace cli

#endif

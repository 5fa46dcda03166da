#!/usr/bin/env python3
"""The layering of include/bedrock (README, "Layout"), checked on every #include line.

    python3 tools/check_layering.py [include-dir]     # default: include/ next to tools/

Each rule names the folder it applies to, the includes it forbids there (regular expressions on the
path between the <> or ""), and why; a few names have one home header and are declared nowhere else. Files are read as text: nothing is compiled or preprocessed, so
an #include inside an #ifdef counts too. Exit status 1, with one line per forbidden include, when
any is found. Python 3 standard library only.
"""
import pathlib
import re
import sys

# Libraries of the layers above the codec: event loop and sockets, HTTP, JSON, TLS.
ASIO = r"boost/asio(\.hpp|/)"
BEAST = r"boost/beast(\.hpp|/)"
JSON = r"(boost/json(\.hpp|/)|simdjson)"
SOCKETS = (r"(boost/asio/(ip|ssl|local|generic)/|boost/asio/(ssl|connect|read|write|read_until)\.hpp"
           r"|boost/asio/basic_\w*socket\w*\.hpp|sys/socket\.h|netinet/|arpa/inet\.h|netdb\.h|nghttp2/)")
# Transport, the client's configuration, the credential providers that use the transport.
TRANSPORT = r"bedrock/(http/|http\.hpp|credentials/|config\.hpp|client\.hpp)"


def rule(folder, why, *forbidden):
    return folder, why, [re.compile("^(%s)" % f) for f in forbidden]


RULES = [
    rule("bedrock/core/", "core/ is below every layer: vocabulary types, no I/O, no other bedrock folder",
         ASIO, BEAST, r"simdjson", r"openssl/", r"nghttp2/",
         r"bedrock/(?!core/|detail/config\.hpp$)"),
    rule("bedrock/eventstream/", "the event-stream codec knows nothing of Asio, JSON or HTTP",
         ASIO, BEAST, JSON, r"openssl/", r"nghttp2/",
         r"bedrock/(?!eventstream/|detail/(config|endian)\.hpp$)"),
    rule("bedrock/auth/", "auth/ signs requests and caches credentials; it knows no sockets or transport "
         "(providers that fetch over HTTP are in credentials/)",
         BEAST, SOCKETS, TRANSPORT, r"bedrock/protocol/"),
    rule("bedrock/json/", "json/ reads and writes the core types; the shapes (model/) are built on it, not below it",
         ASIO, BEAST, r"bedrock/(model/|model\.hpp|protocol/|auth/|http/|credentials/|config\.hpp|client\.hpp)"),
    rule("bedrock/model/", "the service's shapes and their JSON know nothing of HTTP",
         ASIO, BEAST, TRANSPORT, r"bedrock/(protocol|auth)/"),
    rule("bedrock/protocol/", "the rest-json binding builds requests and reads answers; it does not send them",
         SOCKETS, TRANSPORT, r"bedrock/engine/"),
    rule("bedrock/credentials/", "the credential providers use the transport, not the service's shapes",
         r"bedrock/(model/|model\.hpp|messages\.hpp|protocol/|client\.hpp)"),
    rule("bedrock/http/", "the transport knows nothing of the service's shapes",
         r"bedrock/(model/|model\.hpp|json/|protocol/|auth/|credentials/|config\.hpp|client\.hpp|messages\.hpp)"),
    rule("bedrock/transport/", "a transport moves signed requests and their answers; it knows nothing of the shapes, "
         "their JSON, the binding or the engine above it",
         JSON, r"bedrock/(model/|model\.hpp|json/|protocol/|engine/|config\.hpp|client\.hpp|messages\.hpp)"),
    # (http/message.hpp: the transport interface's unary answer, which the engine reads; the engine
    # names no other part of the HTTP/1.1 transport.)
    rule("bedrock/engine/", "the engine runs attempts (sign, send through a transport, classify, back off): no sockets, "
         "no shapes, no binding templates",
         SOCKETS, BEAST, JSON,
         r"bedrock/(model/|model\.hpp|json/|protocol/bindings|http/(?!(error|message|message_fwd)\.hpp$)|client\.hpp)"),
    rule("bedrock/", "the library never includes its emulator (bedrock/testing/, linked as bedrock::testing)",
         r"bedrock/testing/"),
]
EXEMPT = {"bedrock/": ("bedrock/testing/",)}  # the last rule is for everything but testing/ itself

# Names with one home: declared in that header only, so that no layer defines its own copy (or has
# to include a higher layer's header to get it).
HOMES = [
    (re.compile(r"^\s*using\s+environment\s*="), "bedrock/core/environment.hpp",
     "bedrock::environment has its own header, below the configuration and the credential providers"),
    (re.compile(r"^\s*struct\s+timeouts\b"), "bedrock/core/timeouts.hpp",
     "one timeouts type serves config::timeout and the transport (http::timeouts is an alias)"),
]

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def check(include_dir):
    problems = []
    files = sorted(p for p in (include_dir / "bedrock").rglob("*") if p.suffix in (".hpp", ".ipp", ".h"))
    for path in files:
        name = path.relative_to(include_dir).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, home, why in HOMES:
                if pattern.match(line) and name != home:
                    problems.append("%s:%d: declared outside %s: %s" % (name, number, home, why))
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            for folder, why, forbidden in RULES:
                if not name.startswith(folder) or name.startswith(EXEMPT.get(folder, ())):
                    continue
                if any(f.match(target) for f in forbidden):
                    problems.append("%s:%d: #include <%s> is forbidden in %s: %s" %
                                    (name, number, target, folder, why))
    return files, problems


def main(argv):
    include_dir = pathlib.Path(argv[1] if len(argv) > 1 else pathlib.Path(__file__).resolve().parent.parent / "include")
    files, problems = check(include_dir)
    if not files:
        print("check_layering: no headers under %s/bedrock" % include_dir, file=sys.stderr)
        return 2
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("check_layering: %d forbidden include(s) (rules: tools/check_layering.py, README \"Layout\")"
              % len(problems), file=sys.stderr)
        return 1
    print("check_layering: %d files under include/bedrock follow the layering" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The Bedrock Runtime service model as the generator sees it: shapes, names, families.

Naming rules (the ones a user needs to find a type):
  * Shape names are PascalCase in the model; C++ names are snake_case: a word break goes before an
    upper-case letter that follows a lower-case letter or a digit, and before the last capital of a
    run of capitals followed by a lower-case letter. ConverseStreamMetadataEvent ->
    converse_stream_metadata_event, S3Location -> s3_location, GuardrailPiiEntityType ->
    guardrail_pii_entity_type, CacheTTL -> cache_ttl.
  * Members follow the same rule (toolUseId -> tool_use_id).
  * A union member becomes its own struct, <union>_<member> (ContentBlock.text ->
    content_block_text, the Python SDK's ContentBlockText), plus <union>_unknown.
  * Enum values: snake_case of the wire string, non-identifier characters to '_', a leading digit
    gets a '_' prefix (CacheTTL "5m" -> cache_ttl::_5m).
  * C++ keywords (and a few predefined macros) get a trailing '_' (CachePointType "default" ->
    cache_point_type::default_).
"""

import json
import re

CPP_KEYWORDS = set("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t char32_t
class compl concept const consteval constexpr constinit const_cast continue co_await co_return
co_yield decltype default delete do double dynamic_cast else enum explicit export extern false float
for friend goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or
or_eq private protected public register reinterpret_cast requires return short signed sizeof static
static_assert static_cast struct switch template this thread_local throw true try typedef typeid
typename union unsigned using virtual void volatile wchar_t while xor xor_eq
linux unix errno assert
""".split())

# Which header an operation's shapes go to. An operation not listed gets a family of its own,
# named after it.
FAMILIES = [
    ("converse", ["Converse"]),
    ("converse_stream", ["ConverseStream"]),
    ("invoke_model", ["InvokeModel", "InvokeModelWithResponseStream"]),
    ("bidirectional_stream", ["InvokeModelWithBidirectionalStream"]),
    ("guardrail", ["ApplyGuardrail"]),
    ("guardrail_checks", ["InvokeGuardrailChecks"]),
    ("count_tokens", ["CountTokens"]),
    ("async_invoke", ["StartAsyncInvoke", "GetAsyncInvoke", "ListAsyncInvokes"]),
]

# Names the generated code reserves inside a struct or enum.
EXCEPTION_EXTRA_MEMBERS = ("http_status", "request_id")
ENUM_RESERVED = {"unknown", "value", "str", "is_known", "assign", "known_values", "enum_type",
                 "wire_names"}


def snake(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9_]", "_", s).lower()
    if s and s[0].isdigit():
        s = "_" + s
    if s in CPP_KEYWORDS:
        s += "_"
    return s


def pascal_member(member):
    return member[:1].upper() + member[1:]


class GenerationError(Exception):
    pass


class Model:
    def __init__(self, data):
        self.data = data
        self.shapes = data["shapes"]
        self.operations = data["operations"]
        self.pagination = data.get("pagination", {})
        self._check_supported()
        self._classify()
        self._assign_headers()
        self._check_names()

    # ---- shape kinds -------------------------------------------------------------------------

    def kind(self, name):
        s = self.shapes[name]
        t = s["type"]
        if t == "string" and "enum" in s:
            return "enum"
        if t == "structure":
            if s.get("document"):
                return "document"
            if s.get("eventstream"):
                return "eventstream"
            if s.get("union"):
                return "union"
            if s.get("exception"):
                return "exception"
            return "structure"
        return t

    def is_aggregate(self, name):
        return self.kind(name) in ("structure", "union", "exception", "eventstream")

    def cpp_name(self, name):
        return snake(name)

    def members(self, name):
        return self.shapes[name].get("members", {})

    def required(self, name):
        return set(self.shapes[name].get("required", []))

    def wire_name(self, member_name, member):
        return member.get("jsonName", member_name)

    def member_cpp_name(self, member_name):
        return snake(member_name)

    def http_bound(self, member):
        return "location" in member

    def payload_member(self, name):
        return self.shapes[name].get("payload")

    def is_event_stream_member(self, member):
        return self.kind(member["shape"]) == "eventstream"

    def top_level(self, name):
        return name in self.top_level_shapes

    def body_members(self, name):
        """Members that travel in the JSON body (all of them, except for top-level shapes whose
        http-bound and payload members go elsewhere)."""
        out = []
        top = self.top_level(name)
        payload = self.payload_member(name) if top else None
        for mname, m in self.members(name).items():
            if top and (self.http_bound(m) or mname == payload):
                continue
            out.append((mname, m))
        return out

    def struct_members(self, name):
        """Members of the C++ struct: all but event-stream payloads (the stream is not a value)."""
        return [(n, m) for n, m in self.members(name).items() if not self.is_event_stream_member(m)]

    def has_json_body(self, name):
        """False for top-level shapes whose body is a blob or an event stream."""
        payload = self.payload_member(name) if self.top_level(name) else None
        return payload is None

    def union_alternative(self, union, member_name):
        return "%s_%s" % (self.cpp_name(union), snake(member_name).rstrip("_"))

    def union_unknown(self, union):
        return "%s_unknown" % self.cpp_name(union)

    def enum_values(self, name):
        out = []
        for wire in self.shapes[name]["enum"]:
            ident = snake(wire)
            if ident in ENUM_RESERVED:
                raise GenerationError("enum %s value %r collides with a reserved name" % (name, wire))
            out.append((ident, wire))
        idents = [i for i, _ in out]
        if len(set(idents)) != len(idents):
            raise GenerationError("enum %s: two values map to one identifier" % name)
        return out

    def referenced(self, name):
        """Shapes a shape's C++ definition refers to (through lists and maps)."""
        s = self.shapes[name]
        t = s["type"]
        if t == "list":
            return [s["member"]["shape"]]
        if t == "map":
            return [s["key"]["shape"], s["value"]["shape"]]
        if t == "structure":
            return [m["shape"] for m in s.get("members", {}).values()]
        return []

    def aggregate_deps(self, name):
        """Aggregates (and enums, documents) reachable through lists/maps, not through aggregates."""
        out = []
        stack = list(self.referenced(name))
        while stack:
            n = stack.pop(0)
            k = self.kind(n)
            if k in ("list", "map"):
                stack[:0] = self.referenced(n)
            elif k in ("structure", "union", "exception", "eventstream", "enum", "document"):
                out.append(n)
        return out

    # ---- analysis ----------------------------------------------------------------------------

    def _check_supported(self):
        for name, s in self.shapes.items():
            if s["type"] not in ("structure", "string", "list", "map", "integer", "long", "float",
                                 "double", "boolean", "blob", "timestamp"):
                raise GenerationError("shape %s: type %s not supported" % (name, s["type"]))
            for mname, m in s.get("members", {}).items():
                if m.get("location") not in (None, "uri", "querystring", "header"):
                    raise GenerationError("%s.%s: location %s not supported" % (name, mname, m["location"]))
                for trait in ("eventpayload", "eventheader", "hostLabel"):
                    if m.get(trait):
                        raise GenerationError("%s.%s: %s not supported" % (name, mname, trait))
            if s["type"] == "list" and self.kind(s["member"]["shape"]) == "timestamp":
                raise GenerationError("list of timestamps (%s) not supported" % name)
            if s["type"] == "map" and self.kind(s["value"]["shape"]) == "timestamp":
                raise GenerationError("map of timestamps (%s) not supported" % name)
            if s.get("union") or s.get("eventstream"):
                for mname, m in s["members"].items():
                    if self.kind(m["shape"]) == "timestamp":
                        raise GenerationError("timestamp union member %s.%s not supported" % (name, mname))

    def _classify(self):
        self.top_level_shapes = set()
        self.op_family = {}
        known = {}
        for fam, ops in FAMILIES:
            for op in ops:
                known[op] = fam
        self.families = []
        for fam, ops in FAMILIES:
            if any(op in self.operations for op in ops):
                self.families.append(fam)
        for op in sorted(self.operations):
            fam = known.get(op, snake(op))
            if fam not in self.families:
                self.families.append(fam)
            self.op_family[op] = fam
        for op in self.operations.values():
            for io in ("input", "output"):
                if io in op:
                    self.top_level_shapes.add(op[io]["shape"])

    def reachable(self, roots):
        seen = set()
        stack = list(roots)
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            stack.extend(self.referenced(n))
        return seen

    def _assign_headers(self):
        users = {}
        for opname, op in self.operations.items():
            fam = self.op_family[opname]
            roots = [op[io]["shape"] for io in ("input", "output") if io in op]
            for n in self.reachable(roots):
                users.setdefault(n, set()).add(fam)
        self.header_of = {}
        for name in self.shapes:
            k = self.kind(name)
            if k == "enum":
                self.header_of[name] = "enums"
            elif k == "exception":
                self.header_of[name] = "errors"
            elif k in ("structure", "union", "eventstream") or (k == "document" and name != "Document"):
                fams = users.get(name, set())
                if len(fams) == 1:
                    self.header_of[name] = next(iter(fams))
                elif fams:
                    self.header_of[name] = "common"
                else:
                    self.header_of[name] = "common"  # in the model, used by no operation
        self._check_acyclic()

    def _check_acyclic(self):
        state = {}

        def visit(n, path):
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                raise GenerationError("recursive shapes need boxing, not supported: " + " -> ".join(path + [n]))
            state[n] = 1
            for d in self.aggregate_deps(n):
                visit(d, path + [n])
            state[n] = 2

        for n in sorted(self.shapes):
            if self.is_aggregate(n):
                visit(n, [])

    def shapes_in(self, header):
        """Aggregates of a header in dependency order (ties broken by name)."""
        names = sorted(n for n, h in self.header_of.items() if h == header)
        done = set()
        order = []

        def visit(n):
            if n in done:
                return
            done.add(n)
            for d in sorted(self.aggregate_deps(n)):
                if self.header_of.get(d) == header:
                    visit(d)
            order.append(n)

        for n in names:
            visit(n)
        return order

    def headers(self):
        """Type headers in include order."""
        out = ["enums", "errors"]
        if any(h == "common" for h in self.header_of.values()):
            out.append("common")
        return out + self.families

    def header_deps(self, header):
        deps = set()
        for n in self.shapes_in(header):
            for d in self.aggregate_deps(n):
                h = self.header_of.get(d)
                if h and h != header:
                    deps.add(h)
        return deps

    def operations_of(self, family):
        return sorted(op for op, f in self.op_family.items() if f == family)

    # ---- the Python SDK's names --------------------------------------------------------------

    def sdk_names(self):
        """(Python SDK class name, C++ type) for every class the Python SDK generates."""
        out = []
        for name in sorted(self.shapes):
            k = self.kind(name)
            if k in ("structure", "exception", "enum"):
                out.append((name, self.cpp_name(name)))
            elif k in ("union", "eventstream"):
                out.append((name, self.cpp_name(name)))
                for mname in self.members(name):
                    out.append((name + pascal_member(mname), self.union_alternative(name, mname)))
                out.append((name + "Unknown", self.union_unknown(name)))
        return out

    def _check_names(self):
        seen = {}
        names = [(n, self.cpp_name(n)) for n in self.shapes
                 if self.kind(n) in ("structure", "exception", "enum", "union", "eventstream")
                 or (self.kind(n) == "document" and n != "Document")]
        for sdk, cpp in self.sdk_names():
            names.append((sdk, cpp))
        for src, cpp in names:
            if cpp in seen and seen[cpp] != src:
                raise GenerationError("C++ name %s for both %s and %s" % (cpp, seen[cpp], src))
            seen[cpp] = src
        for name in self.shapes:
            if self.kind(name) == "exception":
                for m in self.members(name):
                    if snake(m) in EXCEPTION_EXTRA_MEMBERS:
                        raise GenerationError("%s.%s collides with the error metadata" % (name, m))
            if self.is_aggregate(name):
                cpp_members = [snake(m) for m in self.members(name)]
                if len(set(cpp_members)) != len(cpp_members):
                    raise GenerationError("%s: two members map to one C++ name" % name)
                if self.cpp_name(name) in cpp_members:
                    raise GenerationError("%s: a member named like the struct" % name)


def load(path):
    with open(path, encoding="utf-8") as f:
        return Model(json.load(f))

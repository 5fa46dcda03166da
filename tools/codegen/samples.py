"""Emits the generated tests: representative JSON for every shape, and the Python SDK name list."""

import json

from model import snake
from types_emit import BANNER

STRINGS = [
    "plain text",
    'with "quotes", a \\ backslash and a /slash',
    "line\nbreak\ttab\r\u0001\u001f controls",
    "unicode caf\u00e9 \u2713 \u65e5\u672c \U0001F600",
    "",
]
INTEGERS = [7, 0, -3, 2147483647, 42]
LONGS = [1234567890123, 9007199254740993, -1, 0]
FLOATS = [0.7, 0.25, 1.0, 0.1]
DOUBLES = [0.123456789012345, 1e-07, 12.5, 0.3]
BLOBS = ["AAECAwQF", "/w==", "AAE=", "", "aGVsbG8gd29ybGQ="]
TIMESTAMPS = ["2025-01-15T12:30:45.123Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z",
              "2025-01-15T12:30:45.000001Z"]
DOCUMENTS = [
    {"type": "object", "properties": {"city": {"type": "string", "description": "a \"city\""}},
     "required": ["city"], "n": -12, "f": 2.5, "big": 18446744073709551615, "e": 1e-07, "t": True,
     "nil": None, "arr": [1, "two", 3.0, [], {}]},
    "just a string",
    42,
    [True, False, None, {"nested": {"deeper": [0.5]}}],
    {},
]
UNKNOWN_ENUM = "FUTURE_VALUE"

# Beyond this depth a structure gets only its required members, and lists hold one element.
FULL_DEPTH = 4


class SampleGen:
    def __init__(self, model):
        self.m = model
        self.n = 0

    def pick(self, pool):
        self.n += 1
        return pool[self.n % len(pool)]

    def value(self, shape, depth, variant=0):
        m = self.m
        k = m.kind(shape)
        s = m.shapes[shape]
        if k == "string":
            return self.pick(STRINGS)
        if k == "enum":
            self.n += 1
            if self.n % 5 == 0:
                return UNKNOWN_ENUM
            values = s["enum"]
            return values[(self.n + variant) % len(values)]
        if k == "integer":
            return self.pick(INTEGERS)
        if k == "long":
            return self.pick(LONGS)
        if k == "float":
            return self.pick(FLOATS)
        if k == "double":
            return self.pick(DOUBLES)
        if k == "boolean":
            self.n += 1
            return self.n % 2 == 0
        if k == "blob":
            return self.pick(BLOBS)
        if k == "timestamp":
            return self.pick(TIMESTAMPS)
        if k == "document":
            return self.pick(DOCUMENTS)
        if k == "list":
            count = 2 if depth < FULL_DEPTH else 1
            return [self.value(s["member"]["shape"], depth + 1, variant + i) for i in range(count)]
        if k == "map":
            keys = ["key", 'k "2"'] if depth < FULL_DEPTH else ["key"]
            return {key: self.value(s["value"]["shape"], depth + 1, variant + i) for i, key in enumerate(keys)}
        if k in ("structure", "exception"):
            return self.structure(shape, depth, full=depth < FULL_DEPTH)
        if k == "union":
            members = list(m.members(shape).items())
            mname, member = members[(self.n + variant) % len(members)]
            self.n += 1
            return {m.wire_name(mname, member): self.value(member["shape"], depth + 1)}
        raise AssertionError("no sample for %s (%s)" % (shape, k))

    def structure(self, shape, depth, full=True):
        m = self.m
        req = m.required(shape)
        out = {}
        for mname, member in m.body_members(shape):
            if full or mname in req:
                v = self.value(member["shape"], depth + 1)
                if v is None:
                    continue
                out[m.wire_name(mname, member)] = v
        return out

    def zero(self, member):
        """The JSON our writer gives a required member that was read as absent (its zero value)."""
        m = self.m
        shape = member["shape"]
        k = m.kind(shape)
        if k in ("string", "enum", "blob"):
            return ""
        if k in ("integer", "long", "float", "double"):
            return 0
        if k == "boolean":
            return False
        if k == "timestamp":
            fmt = member.get("timestampFormat") or m.shapes[shape].get("timestampFormat") or "unixTimestamp"
            return "1970-01-01T00:00:00Z" if fmt == "iso8601" else 0
        if k == "document":
            return None
        if k == "list":
            return []
        if k == "map":
            return {}
        if k in ("structure", "exception"):
            req = m.required(shape)
            return {m.wire_name(n, mb): self.zero(mb) for n, mb in m.body_members(shape) if n in req}
        if k == "union":
            return {"": None}  # the unknown member, with an empty tag
        raise AssertionError("no zero for %s (%s)" % (shape, k))

    def union_samples(self, shape):
        m = self.m
        out = []
        for mname, member in m.members(shape).items():
            out.append({m.wire_name(mname, member): self.value(member["shape"], 1)})
        out.append({"futureMember": {"added": ["later", 1, {"x": None}]}})
        out.append({"futureScalar": "text"})
        return out


def cxx_string(text):
    if ")json\"" in text:
        raise AssertionError("sample contains the raw string delimiter")
    return 'R"json(%s)json"' % text


def dump(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))



def in_file_namespace(name, text):
    """The test files are compiled in unity batches: each keeps its names in a namespace named
    after the file (tests/CMakeLists.txt), opened after its includes."""
    lines = text.split("\n")
    last_include = max(i for i, line in enumerate(lines) if line.startswith("#include"))
    body_start = last_include + 1
    while body_start < len(lines) and lines[body_start] == "":
        body_start += 1
    head, body = lines[:body_start], lines[body_start:]
    while body and body[-1] == "":
        body.pop()
    return "\n".join(head + ["namespace %s {" % name, ""] + body + ["", "} // namespace %s" % name, ""])

class TestEmitter:
    def __init__(self, model, js):
        self.m = model
        self.js = js

    def files(self):
        return {
            "tests/unit/model/generated_roundtrip_test.cpp": in_file_namespace("generated_roundtrip_test",
                                                                                 self.roundtrip()),
            "tests/unit/model/generated_names_test.cpp": in_file_namespace("generated_names_test", self.names()),
        }

    def roundtrip(self):
        m = self.m
        gen = SampleGen(m)
        rows = []
        reuse = []
        absent = []
        events = []
        for header in self.js.json_headers():
            for shape in self.js.json_shapes(header):
                k = m.kind(shape)
                cpp = "bedrock::" + m.cpp_name(shape)
                if k in ("structure", "exception"):
                    full = dump(gen.structure(shape, 0))
                    minimal = dump(gen.structure(shape, 0, full=False))
                    rows.append((shape, cpp, full))
                    if minimal != full:
                        rows.append((shape + " (required members only)", cpp, minimal))
                        reuse.append((shape, cpp, full, minimal))
                    sample = json.loads(full)
                    req = m.required(shape)
                    for mname, member in m.body_members(shape):
                        if mname not in req:
                            continue
                        wire = m.wire_name(mname, member)
                        lacking = {k2: v for k2, v in sample.items() if k2 != wire}
                        expected = dict(lacking)
                        expected[wire] = gen.zero(member)
                        absent.append(("%s without %s" % (shape, wire), cpp, dump(sample), dump(lacking),
                                       dump(expected), wire))
                elif k == "union":
                    for i, sample in enumerate(gen.union_samples(shape)):
                        rows.append(("%s #%d" % (shape, i + 1), cpp, dump(sample)))
                elif k == "eventstream":
                    for mname, member in m.members(shape).items():
                        payload = gen.structure(member["shape"], 0)
                        events.append((shape, cpp, mname, dump(payload)))
                        payload = dict(payload)
                        payload["p"] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"
                        events.append((shape + " (padded)", cpp, mname, dump(payload)))
                    events.append((shape + " (unknown event)", cpp, "futureEvent", dump({"new": [1, 2.5, "x"]})))
        out = [
            BANNER,
            "// Every shape of the model, with every member set (and again with only the required ones):",
            "// parse -> serialize -> equal as JSON -> parse -> equal as C++ values. Every union member, plus",
            "// members the model does not know; every event of every stream, with and without the \"p\"",
            "// padding real Bedrock adds. Unknown enum values appear too (" + UNKNOWN_ENUM + ").",
            "",
            '#include "model/json_compare.hpp"',
            "",
            "#include <bedrock/model/json.hpp>",
            "",
            "namespace {",
            "",
            "struct sample {",
            "    const char* shape;",
            "    void (*check)(std::string_view json);",
            "    const char* json;",
            "};",
            "",
            "struct reuse_sample {",
            "    const char* shape;",
            "    void (*check)(std::string_view full, std::string_view minimal);",
            "    const char* full;",
            "    const char* minimal;",
            "};",
            "",
            "struct absent_sample {",
            "    const char* shape;",
            "    void (*check)(std::string_view full, std::string_view lacking, std::string_view expected,",
            "                  std::string_view member);",
            "    const char* full;",
            "    const char* lacking;",
            "    const char* expected;",
            "    const char* member;",
            "};",
            "",
            "struct event_sample {",
            "    const char* shape;",
            "    void (*check)(std::string_view type, std::string_view payload);",
            "    const char* type;",
            "    const char* payload;",
            "};",
            "",
            "/// Parsing `minimal` into an object that held `full` gives what a fresh object gets.",
            "template <class T>",
            "void check_reuse(std::string_view full, std::string_view minimal)",
            "{",
            "    T reused{}, fresh{};",
            "    REQUIRE_FALSE(bedrock::json::parse(bedrock::test::test_parser(), full, reused));",
            "    REQUIRE_FALSE(bedrock::json::parse(bedrock::test::test_parser(), minimal, reused));",
            "    REQUIRE_FALSE(bedrock::json::parse(bedrock::test::test_parser(), minimal, fresh));",
            "    CHECK(reused == fresh);",
            "}",
            "",
            "const sample samples[] = {",
        ]
        for name, cpp, text in rows:
            out.append('    {"%s", &bedrock::test::check_roundtrip<%s>,' % (name, cpp))
            out.append("     %s}," % cxx_string(text))
        out += ["};", "", "const reuse_sample reuse_samples[] = {"]
        for name, cpp, full, minimal in reuse:
            out.append('    {"%s", &check_reuse<%s>,' % (name, cpp))
            out.append("     %s," % cxx_string(full))
            out.append("     %s}," % cxx_string(minimal))
        out += ["};", "", "const absent_sample absent_samples[] = {"]
        for name, cpp, full, lacking, expected, wire in absent:
            out.append('    {"%s", &bedrock::test::check_required_absent<%s>,' % (name, cpp))
            out.append("     %s," % cxx_string(full))
            out.append("     %s," % cxx_string(lacking))
            out.append("     %s," % cxx_string(expected))
            out.append('     "%s"},' % wire)
        out += ["};", "", "const event_sample event_samples[] = {"]
        for name, cpp, mname, text in events:
            out.append('    {"%s", &bedrock::test::check_event_roundtrip<%s>, "%s",' % (name, cpp, mname))
            out.append("     %s}," % cxx_string(text))
        out += [
            "};",
            "",
            "} // namespace",
            "",
            'TEST_CASE("model: every shape round-trips through JSON", "[model][roundtrip]")',
            "{",
            "    for (const auto& s : samples) {",
            "        INFO(s.shape << \": \" << s.json);",
            "        s.check(s.json);",
            "    }",
            "    CHECK(std::size(samples) == %d);" % len(rows),
            "}",
            "",
            'TEST_CASE("model: reading into a used object resets what the JSON lacks", "[model][roundtrip]")',
            "{",
            "    for (const auto& s : reuse_samples) {",
            "        INFO(s.shape);",
            "        s.check(s.full, s.minimal);",
            "    }",
            "}",
            "",
            'TEST_CASE("model: each required member, removed in turn, reads as its zero value, enforced, as an error",',
            '          "[model][roundtrip][required]")',
            "{",
            "    for (const auto& s : absent_samples) {",
            "        INFO(s.shape << \": \" << s.lacking);",
            "        s.check(s.full, s.lacking, s.expected, s.member);",
            "    }",
            "    CHECK(std::size(absent_samples) == %d);" % len(absent),
            "}",
            "",
            'TEST_CASE("model: every event of every stream round-trips", "[model][roundtrip]")',
            "{",
            "    for (const auto& s : event_samples) {",
            "        INFO(s.shape << \" \" << s.type << \": \" << s.payload);",
            "        s.check(s.type, s.payload);",
            "    }",
            "    CHECK(std::size(event_samples) == %d);" % len(events),
            "}",
            "",
        ]
        return "\n".join(out)

    def names(self):
        m = self.m
        names = m.sdk_names()
        out = [
            BANNER,
            "// Every class of the Python SDK's model list (structures, unions and their <Union><Member>",
            "// classes, <Union>Unknown, enums, exceptions) is a C++ type of the same name in snake_case.",
            "",
            "#include <bedrock/model.hpp>",
            "",
            "#include <catch2/catch.hpp>",
            "",
            "#include <type_traits>",
            "",
            "namespace {",
            "",
            "template <class T>",
            "constexpr bool is_model_type = std::is_class_v<T> && std::is_default_constructible_v<T> &&",
            "                               std::is_copy_constructible_v<T>;",
            "",
            "} // namespace",
            "",
        ]
        for sdk, cpp in names:
            out.append("static_assert(is_model_type<bedrock::%s>); // %s" % (cpp, sdk))
        out += [
            "",
            'TEST_CASE("model: every Python SDK class has a C++ type", "[model][names]")',
            "{",
            "    // %d names, checked at compile time above." % len(names),
            "    CHECK(std::is_aggregate_v<bedrock::converse_stream_metadata_event>);",
            "    CHECK(std::is_aggregate_v<bedrock::content_block_text>);",
            "}",
            "",
        ]
        return "\n".join(out)

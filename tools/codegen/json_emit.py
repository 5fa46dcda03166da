"""Emits the JSON readers and writers: include/bedrock/model/json/<header>.hpp and impl/<header>.ipp."""

import re

from model import snake
from types_emit import BANNER, guard

PLAIN_NAME = re.compile(r"^[A-Za-z0-9_$-]+$")



def write_signature(cpp, named=True):
    """A shape's writer, as declared and as defined (BEDROCK_JSON_WRITER: see json/writer.hpp)."""
    return "BEDROCK_DECL void write(BEDROCK_JSON_WRITER& w, const %s%s)" % (cpp, "& v" if named else "&")


def read_signature(cpp):
    """A shape's reader, as declared and as defined (BEDROCK_JSON_CONTEXT: see json/reader.hpp)."""
    return "BEDROCK_DECL bool read(BEDROCK_JSON_CONTEXT& ctx, simdjson::ondemand::value& v, %s& out)" % cpp

class JsonEmitter:
    def __init__(self, model):
        self.m = model
        self._needs = {}
        self.inputs = set()
        self.input_reachable = set()
        for op in model.data["operations"].values():
            if "input" in op:
                self.inputs.add(op["input"]["shape"])
                self._walk_inputs(op["input"]["shape"])

    # ---- what a request must carry -----------------------------------------------------------

    def _walk_inputs(self, name):
        m = self.m
        if name in self.input_reachable or m.kind(name) == "eventstream":
            return
        self.input_reachable.add(name)
        s = m.shapes[name]
        for key in ("member", "key", "value"):
            if key in s:
                self._walk_inputs(s[key]["shape"])
        for member in m.members(name).values():
            self._walk_inputs(member["shape"])

    def presence_test(self, member):
        """C++ condition (on `x`, the member's value) that a required member is unset, or None when
        every C++ value counts as set (a list, a number, a string that may be empty, ...)."""
        m = self.m
        shape = member["shape"]
        k = m.kind(shape)
        if k == "string" and m.shapes[shape].get("min", 0) >= 1:
            return "%s.empty()"
        if k == "enum":
            return "%s.str().empty()"
        if k == "document":
            return "%s.is_null()"
        if k == "union":
            return "detail::unset_union<bedrock::%s>(%%s)" % m.union_unknown(shape)
        return None

    def needs_check(self, name, active=None):
        """A shape whose values can lack a required member somewhere inside."""
        m = self.m
        if name in self._needs:
            return self._needs[name]
        active = active or set()
        if name in active:
            return False
        active = active | {name}
        k = m.kind(name)
        s = m.shapes[name]
        out = False
        if k == "list":
            out = self.needs_check(s["member"]["shape"], active)
        elif k == "map":
            out = self.needs_check(s["value"]["shape"], active)
        elif k in ("structure", "exception"):
            req = m.required(name)
            out = any((mname in req and self.presence_test(mb)) or self.needs_check(mb["shape"], active)
                      for mname, mb in m.body_members(name))
        elif k == "union":
            out = any(self.needs_check(mb["shape"], active) for mb in m.members(name).values())
        if not active - {name}:
            self._needs[name] = out
        return out

    def checked(self, name):
        """Shapes that get a check_required(): top-level inputs, and input shapes that need one."""
        k = self.m.kind(name)
        if k not in ("structure", "union") or name not in self.input_reachable:
            return False
        return name in self.inputs or self.needs_check(name)

    def check_body(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        lines = []
        if m.kind(name) == "union":
            for mname, member in m.members(name).items():
                if self.needs_check(member["shape"]):
                    lines += [
                        "    if (const auto* a = std::get_if<bedrock::%s>(&v))" % m.union_alternative(name, mname),
                        '        return check_required(ctx, a->value) || ctx.at("%s");' % m.wire_name(mname, member),
                    ]
        else:
            req = m.required(name)
            for mname, member in m.body_members(name):
                wire = m.wire_name(mname, member)
                ident = "v." + snake(mname)
                test = self.presence_test(member) if mname in req else None
                if test:
                    lines += ["    if (%s)" % (test % ident), '        return detail::missing(ctx, "%s");' % wire]
                if self.needs_check(member["shape"]):
                    if mname in req or self.is_container(member):
                        lines += ["    if (!check_required(ctx, %s))" % ident]
                    else:
                        lines += ["    if (%s && !check_required(ctx, *%s))" % (ident, ident)]
                    lines += ['        return ctx.at("%s");' % wire]
        head = "BEDROCK_DECL bool check_required(BEDROCK_JSON_CONTEXT& ctx, const %s& v)" % cpp
        if not lines:
            head = "BEDROCK_DECL bool check_required(BEDROCK_JSON_CONTEXT&, const %s&)" % cpp
        return "\n".join([head, "{"] + lines + ["    return true;", "}"])

    def json_shapes(self, header):
        """Shapes of a header that have JSON readers and writers, in dependency order."""
        m = self.m
        out = []
        for n in m.shapes_in(header):
            k = m.kind(n)
            if k in ("structure", "union", "exception", "eventstream") and m.has_json_body(n):
                out.append(n)
        return out

    def json_headers(self):
        return [h for h in self.m.headers() if h != "enums"]

    def deps(self, header):
        m = self.m
        out = set()
        for n in self.json_shapes(header):
            for d in m.aggregate_deps(n):
                h = m.header_of.get(d)
                if h and h not in (header, "enums") and m.kind(d) != "document":
                    out.add(h)
        return sorted(out, key=lambda h: m.headers().index(h))

    # ---- declarations ------------------------------------------------------------------------

    def declarations(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        if m.kind(name) == "eventstream":
            return [
                "BEDROCK_DECL event_header write_event(BEDROCK_JSON_WRITER& w, const %s& v);" % cpp,
                "BEDROCK_DECL bool read_event(BEDROCK_JSON_CONTEXT& ctx, std::string_view type, "
                "simdjson::ondemand::value& v,\n                             %s& out);" % cpp,
            ]
        out = [
            write_signature(cpp) + ";",
            read_signature(cpp) + ";",
        ]
        if self.checked(name):
            out.append("/// False, with the member's path, if a member the model requires is unset.")
            out.append("BEDROCK_DECL bool check_required(BEDROCK_JSON_CONTEXT& ctx, const %s& v);" % cpp)
        return out

    def header(self, header):
        m = self.m
        path = "bedrock/model/json/%s.hpp" % header
        g = guard(path)
        includes = ["#include <bedrock/json/parse.hpp>", "#include <bedrock/model/%s.hpp>" % header]
        includes += ["#include <bedrock/model/json/%s.hpp>" % d for d in self.deps(header)]
        decls = []
        for n in self.json_shapes(header):
            decls.append("\n".join(self.declarations(n)))
        if header == "errors":
            decls.append("\n".join([
                write_signature("unknown_service_error") + ";",
                read_signature("unknown_service_error") + ";",
                "",
                "/// The body of an error response: the modeled error's members (no type field).",
                write_signature("service_error") + ";",
                "/// Reads an error body into the alternative of `out` that `type` (a shape name) selects.",
                "BEDROCK_DECL bool read_error(BEDROCK_JSON_CONTEXT& ctx, std::string_view type, simdjson::ondemand::value& v,",
                "                             service_error& out);",
                "",
                "/// Parses the body of a non-2xx response. `error_type` is the `x-amzn-ErrorType` header as",
                "/// received (empty if absent: then the body's `__type` or `code` names the error). The HTTP",
                "/// status and request id are the caller's to set (service_error::set_response).",
                "BEDROCK_DECL boost::system::error_code parse_error(simdjson::ondemand::parser& parser,",
                "                                                  std::string_view error_type, const source& body,",
                "                                                  service_error& out, diagnostics* diag = nullptr);",
            ]))
        ops = m.operations_of(header) if header in m.families else []
        what = ", ".join(ops) if ops else {"errors": "the modeled errors", "common": "shapes shared by several operations"}[header]
        text = [
            BANNER,
            "#ifndef %s" % g,
            "#define %s" % g,
            "",
            "// JSON readers and writers of <bedrock/model/%s.hpp> (%s)." % (header, what),
            "// Entry points: bedrock::json::parse / parse_event / serialize in <bedrock/json/parse.hpp>.",
            "",
        ] + sorted(includes) + [
            "",
            "namespace bedrock::json {",
            "",
            "\n\n".join(decls),
            "",
            "} // namespace bedrock::json",
            "",
            "#ifdef BEDROCK_HEADER_ONLY",
            "#include <bedrock/model/json/impl/%s.ipp>" % header,
            "#endif",
            "",
            "#endif",
            "",
        ]
        return "\n".join(text)

    # ---- bodies ------------------------------------------------------------------------------

    def timestamp_format(self, member):
        m = self.m
        return member.get("timestampFormat") or m.shapes[member["shape"]].get("timestampFormat") or "unixTimestamp"

    def write_member(self, wire, expr, member):
        m = self.m
        key = ('w.member("%s");' % wire) if PLAIN_NAME.match(wire) else ('w.key("%s");' % wire)
        if m.kind(member["shape"]) == "timestamp":
            fmt = self.timestamp_format(member)
            call = "w.timestamp_date_time(%s);" % expr if fmt == "iso8601" else "w.timestamp_epoch_seconds(%s);" % expr
            if fmt not in ("iso8601", "unixTimestamp"):
                raise AssertionError("timestamp format %s" % fmt)
        else:
            call = "write(w, %s);" % expr
        return key, call

    def is_container(self, member):
        """A list or map member: a plain container in C++ even when optional."""
        return self.m.kind(member["shape"]) in ("list", "map")

    def read_call(self, target, member, ctx="c", value="m"):
        m = self.m
        if m.kind(member["shape"]) == "timestamp":
            fmt = self.timestamp_format(member)
            fn = "read_date_time" if fmt == "iso8601" else "read_epoch_seconds"
            return "%s(%s, %s, %s)" % (fn, ctx, value, target)
        return "read(%s, %s, %s)" % (ctx, value, target)

    def struct_write(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        members = m.body_members(name)
        req = m.required(name)
        lines = [write_signature(cpp), "{", "    w.begin_object();"]
        for mname, member in members:
            wire = m.wire_name(mname, member)
            ident = snake(mname)
            if mname in req:
                key, call = self.write_member(wire, "v." + ident, member)
                lines.append("    " + key)
                lines.append("    " + call)
            elif self.is_container(member):
                # An optional list or map: absent and empty are one state, written only when non-empty.
                key, call = self.write_member(wire, "v." + ident, member)
                lines.append("    if (!v.%s.empty()) {" % ident)
                lines.append("        " + key)
                lines.append("        " + call)
                lines.append("    }")
            else:
                key, call = self.write_member(wire, "*v." + ident, member)
                lines.append("    if (v.%s) {" % ident)
                lines.append("        " + key)
                lines.append("        " + call)
                lines.append("    }")
        lines.append("    w.end_object();")
        lines.append("}")
        if not members:
            lines[0] = write_signature(cpp, named=False)
        return "\n".join(lines)

    def struct_read(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        members = m.body_members(name)
        req = m.required(name)
        if len(members) > 64:
            raise AssertionError("%s: more than 64 members" % name)
        lines = [read_signature(cpp), "{",
                 "    std::uint64_t seen = 0;"]
        if not members:
            lines += [
                "    return detail::read_object(ctx, v, &out, seen,",
                "                               [](read_context&, std::string_view, simdjson::ondemand::value&, void*,",
                "                                  std::uint64_t&) { return true; });",
                "}",
            ]
            return "\n".join(lines)
        lines += [
            "    if (!detail::read_object(",
            "            ctx, v, &out, seen,",
            "            [](auto& c, std::string_view k, simdjson::ondemand::value& m, void* p,",
            "               std::uint64_t& s) {",
            "                auto& o = *static_cast<%s*>(p);" % cpp,
        ]
        for i, (mname, member) in enumerate(members):
            wire = m.wire_name(mname, member)
            ident = snake(mname)
            plain = mname in req or self.is_container(member)
            target = ("o." + ident) if plain else ("detail::ensure(o.%s)" % ident)
            lines += [
                '                if (detail::key_is(k, "%s")) {' % wire,
                "                    s |= 0x%x;" % (1 << i),
                "                    return %s || c.at(k);" % self.read_call(target, member),
                "                }",
            ]
        lines += [
            "                return true;",
            "            }))",
            "        return false;",
        ]
        for i, (mname, member) in enumerate(members):
            wire = m.wire_name(mname, member)
            ident = snake(mname)
            if mname in req:
                # Absent: an error only when the context enforces required members (a server
                # reading requests); otherwise the zero value, the union's unknown member for a union.
                zero = ""
                if m.kind(member["shape"]) == "union":
                    zero = ", bedrock::%s{}" % m.union_unknown(member["shape"])
                lines.append('    if (!(seen & 0x%x) && !detail::absent_required(ctx, "%s", out.%s%s))'
                             % (1 << i, wire, ident, zero))
                lines.append("        return false;")
        for i, (mname, member) in enumerate(members):
            ident = snake(mname)
            if mname not in req:
                lines.append('    if (!(seen & 0x%x))' % (1 << i))
                lines.append("        out.%s.%s();" % (ident, "clear" if self.is_container(member) else "reset"))
        lines += ["    return true;", "}"]
        return "\n".join(lines)

    def union_write(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        members = list(m.members(name).items())
        lines = [write_signature(cpp), "{", "    w.begin_object();",
                 "    switch (v.index()) {"]
        for i, (mname, member) in enumerate(members):
            wire = m.wire_name(mname, member)
            key, call = self.write_member(wire, "std::get<%d>(v).value" % i, member)
            lines.append("    case %d:" % i)
            lines.append("        " + key)
            lines.append("        " + call)
            lines.append("        break;")
        lines += [
            "    default: {",
            "        const auto& u = std::get<%s>(v);" % m.union_unknown(name),
            "        w.key(u.tag);",
            '        w.raw(u.json.empty() ? std::string_view("null") : std::string_view(u.json));',
            "    }",
            "    }",
            "    w.end_object();",
            "}",
        ]
        return "\n".join(lines)

    def union_read(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        lines = [
            read_signature(cpp),
            "{",
            "    return detail::read_union(",
            "        ctx, v, &out,",
            "        [](auto& c, std::string_view k, simdjson::ondemand::value* m, void* p) -> int {",
            "            auto& o = *static_cast<%s*>(p);" % cpp,
        ]
        for mname, member in m.members(name).items():
            wire = m.wire_name(mname, member)
            lines += [
                '            if (detail::key_is(k, "%s"))' % wire,
                "                return detail::read_alternative<%s>(c, m, o, k);" % m.union_alternative(name, mname),
            ]
        lines += [
            "            return 0;",
            "        },",
            "        &detail::set_unknown<%s, %s>);" % (m.union_unknown(name), cpp),
            "}",
        ]
        return "\n".join(lines)

    def event_write(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        members = list(m.members(name).items())
        lines = ["BEDROCK_DECL event_header write_event(BEDROCK_JSON_WRITER& w, const %s& v)" % cpp, "{", "    switch (v.index()) {"]
        for i, (mname, member) in enumerate(members):
            kind = "exception" if m.kind(member["shape"]) == "exception" else "event"
            lines.append("    case %d:" % i)
            lines.append("        write(w, std::get<%d>(v).value);" % i)
            lines.append('        return {"%s", "%s"};' % (kind, mname))
        lines += [
            "    default: {",
            "        const auto& u = std::get<%s>(v);" % m.union_unknown(name),
            '        w.raw(u.json.empty() ? std::string_view("{}") : std::string_view(u.json));',
            '        return {"event", u.tag};',
            "    }",
            "    }",
            "}",
        ]
        return "\n".join(lines)

    def event_read(self, name):
        m = self.m
        cpp = m.cpp_name(name)
        lines = [
            "BEDROCK_DECL bool read_event(BEDROCK_JSON_CONTEXT& ctx, std::string_view type, simdjson::ondemand::value& v,",
            "                             %s& out)" % cpp,
            "{",
        ]
        for mname, member in m.members(name).items():
            lines += [
                '    if (detail::key_is(type, "%s"))' % mname,
                "        return read(ctx, v, detail::alternative<%s>(out).value);" % m.union_alternative(name, mname),
            ]
        lines += [
            "    return detail::read_unknown(ctx, type, v, detail::alternative<%s>(out));" % m.union_unknown(name),
            "}",
        ]
        return "\n".join(lines)

    def bodies(self, name):
        k = self.m.kind(name)
        check = [self.check_body(name)] if self.checked(name) else []
        if k in ("structure", "exception"):
            return [self.struct_write(name), self.struct_read(name)] + check
        if k == "union":
            return [self.union_write(name), self.union_read(name)] + check
        if k == "eventstream":
            return [self.event_write(name), self.event_read(name)]
        raise AssertionError(name)

    def errors_extra(self):
        m = self.m
        excs = m.shapes_in("errors")
        lines = [
            write_signature("unknown_service_error"),
            "{",
            "    w.begin_object();",
            "    if (v.message) {",
            '        w.member("message");',
            "        write(w, *v.message);",
            "    }",
            "    w.end_object();",
            "}",
            "",
            read_signature("unknown_service_error"),
            "{",
            "    std::uint64_t seen = 0;",
            "    out.message.reset();",
            "    return detail::read_object(",
            "        ctx, v, &out, seen,",
            "        [](auto& c, std::string_view k, simdjson::ondemand::value& m, void* p, std::uint64_t&) {",
            "            auto& o = *static_cast<unknown_service_error*>(p);",
            '            if (k == "message" || k == "Message")',
            "                return read(c, m, detail::ensure(o.message)) || c.at(k);",
            "            return true;",
            "        });",
            "}",
            "",
            write_signature("service_error"),
            "{",
            "    bedrock::detail::visit_error(v, [&](const auto& e) { write(w, e); });",
            "}",
            "",
            "BEDROCK_DECL bool read_error(BEDROCK_JSON_CONTEXT& ctx, std::string_view type, simdjson::ondemand::value& v,",
            "                             service_error& out)",
            "{",
        ]
        for n in excs:
            lines += [
                "    if (type == %s::error_name)" % m.cpp_name(n),
                "        return read(ctx, v, detail::alternative<%s>(out));" % m.cpp_name(n),
            ]
        lines += [
            "    auto& u = detail::alternative<unknown_service_error>(out);",
            "    u.error_name.assign(type);",
            "    return read(ctx, v, u);",
            "}",
            "",
            "BEDROCK_DECL boost::system::error_code parse_error(simdjson::ondemand::parser& parser,",
            "                                                  std::string_view error_type, const source& body,",
            "                                                  service_error& out, diagnostics* diag)",
            "{",
            "    std::string type(sanitize_error_type(error_type));",
            "    const bool empty = bedrock::detail::is_json_blank(body.text());",
            "    if (type.empty() && !empty) {",
            "        // No header: the body names the error in `__type` or `code`.",
            "        detail::parse_root(",
            "            parser, body,",
            "            [](read_context& c, simdjson::ondemand::value& v, void* p, std::string_view) {",
            "                std::uint64_t seen = 0;",
            "                return detail::read_object(",
            "                    c, v, p, seen,",
            "                    [](read_context& c2, std::string_view k, simdjson::ondemand::value& m, void* q,",
            "                       std::uint64_t&) {",
            "                        auto& t = *static_cast<std::string*>(q);",
            '                        if ((k == "__type" || (k == "code" && t.empty())) && read(c2, m, t))',
            "                            t = std::string(sanitize_error_type(t));",
            "                        return true;",
            "                    });",
            "            },",
            "            &type, {}, nullptr, required_members::zero_fill);",
            "    }",
            "    out = make_service_error(type);",
            "    if (empty) {",
            "        if (diag)",
            "            *diag = {};",
            "        return {};",
            "    }",
            "    return detail::parse_root(",
            "        parser, body,",
            "        [](read_context& c, simdjson::ondemand::value& v, void* p, std::string_view t) {",
            "            return read_error(c, t, v, *static_cast<service_error*>(p));",
            "        },",
            "        &out, type, diag, required_members::zero_fill);",
            "}",
        ]
        return "\n".join(lines)

    def ipp(self, header):
        path = "bedrock/model/json/impl/%s.ipp" % header
        g = guard(path)
        parts = []
        for n in self.json_shapes(header):
            parts.extend(self.bodies(n))
        if header == "errors":
            parts.append(self.errors_extra())
        return "\n".join([
            BANNER,
            "#ifndef %s" % g,
            "#define %s" % g,
            "",
            *(["#include <bedrock/detail/text.hpp>"] if header == "errors" else []),
            "#include <bedrock/model/json/%s.hpp>" % header,
            "",
            "namespace bedrock::json {",
            "",
            "\n\n".join(parts),
            "",
            "} // namespace bedrock::json",
            "",
            "#endif",
            "",
        ])

    def umbrella(self):
        includes = ["#include <bedrock/model/json/%s.hpp>" % h for h in self.json_headers()]
        return "\n".join([
            BANNER,
            "#ifndef BEDROCK_MODEL_JSON_HPP",
            "#define BEDROCK_MODEL_JSON_HPP",
            "",
            "// JSON readers and writers of every shape (and the types: <bedrock/model.hpp>).",
            "// A program that calls one operation family can include just model/json/<family>.hpp.",
            "",
            "#include <bedrock/model.hpp>",
        ] + includes + [
            "",
            "#endif",
            "",
        ])

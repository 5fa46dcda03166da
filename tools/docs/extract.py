#!/usr/bin/env python3
"""Turns the ```cpp blocks of docs/*.md into one C++ program, so that the guides are compiled and
their runnable examples run by ctest ("docs: <guide>").

Every ```cpp block must be preceded (on the line just above its fence, blank lines allowed) by one
marker that says what it is; a block without one is an error, so a new block is never silently
left out:

  <!-- docs:compile -->   declarations at namespace scope (functions, classes, coroutines)
  <!-- docs:fragment -->  statements: wrapped in a coroutine
                          `asio::awaitable<void> fragment(asio::io_context& io, bedrock::client& client)`
                          so they may use `io`, `client` and `co_await`; the fragment never runs
  <!-- docs:run -->       like docs:compile, and it must define a function `run`; the program calls
                          it against the in-process emulator: run(emulator&), run(const config&)
                          or run(), whichever it declares; it fails the test by throwing or by
                          returning a non-zero int
  <!-- docs:skip -->      not compiled (for the rare block that is not C++ meant to build)

Every block sees <bedrock/client.hpp>, <bedrock/testing/emulator.hpp>, the usual Asio headers
(co_spawn, the completion tokens, timers, cancellation), <boost/json.hpp> and
`namespace asio = boost::asio;` (the PRELUDE below).

Each guide is a namespace (docs_<guide>): its docs:compile blocks are declared there, in order, so
later blocks of the same guide may use them (a helper function shown once). Each docs:fragment and
docs:run block gets a namespace of its own inside it (block_<line>), so that blocks never clash
(every run block defines its own `run`). `#include` lines are hoisted to the top of the file. `#line` directives make compiler messages point at the
Markdown file. A guide (other than README.md) without any ```cpp block is an error too.

  extract.py --output FILE GUIDE.md...   writes the program
  extract.py --self-test                 tests this script
"""

import argparse
import os
import re
import sys
import unittest

MARKERS = ("compile", "fragment", "run", "skip")
MARKER_RE = re.compile(r"^\s*<!--\s*docs:([a-z-]+)\s*-->\s*$")
FENCE_RE = re.compile(r"^(\s*)(```+|~~~+)\s*([A-Za-z0-9_+-]*)")


class DocsError(Exception):
    pass


class Block:
    def __init__(self, guide, line, kind, code):
        self.guide = guide  # file name, e.g. "streams.md"
        self.line = line    # 1-based line of the first line of code
        self.kind = kind
        self.code = code    # list of lines, without newlines

    @property
    def guide_ns(self):
        return "docs_" + re.sub(r"[^A-Za-z0-9]", "_", os.path.splitext(self.guide)[0])

    @property
    def ident(self):
        """The block's own namespace, qualified (docs:compile blocks have none: the guide's)."""
        if self.kind == "compile":
            return self.guide_ns
        return f"{self.guide_ns}::block_{self.line}"


def parse(guide, text):
    """The ```cpp blocks of one Markdown text, classified by their markers."""
    lines = text.split("\n")
    blocks = []
    marker = None       # (kind, line) of the last marker not yet used
    i = 0
    while i < len(lines):
        line = lines[i]
        m = MARKER_RE.match(line)
        if m:
            if m.group(1) not in MARKERS:
                raise DocsError(f"{guide}:{i + 1}: unknown marker docs:{m.group(1)} (known: {', '.join(MARKERS)})")
            if marker:
                raise DocsError(f"{guide}:{i + 1}: two markers in a row (the first at line {marker[1]})")
            marker = (m.group(1), i + 1)
            i += 1
            continue
        f = FENCE_RE.match(line)
        if f:
            fence = f.group(2)
            lang = f.group(3).lower()
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].strip().startswith(fence):
                j += 1
            if j == len(lines):
                raise DocsError(f"{guide}:{i + 1}: code block never closed")
            if lang in ("cpp", "c++", "cxx"):
                if not marker:
                    raise DocsError(f"{guide}:{i + 1}: a ```cpp block without a marker: put one of "
                                    + ", ".join(f"<!-- docs:{k} -->" for k in MARKERS) + " just above it")
                blocks.append(Block(guide, start + 1, marker[0], lines[start:j]))
            elif marker:
                raise DocsError(f"{guide}:{marker[1]}: marker docs:{marker[0]} before a ```{lang} block")
            marker = None
            i = j + 1
            continue
        if marker and line.strip():
            raise DocsError(f"{guide}:{marker[1]}: marker docs:{marker[0]} is not followed by a ```cpp block")
        i += 1
    if marker:
        raise DocsError(f"{guide}:{marker[1]}: marker docs:{marker[0]} at the end of the file")
    return blocks


def check_guide(guide, blocks):
    if guide != "README.md" and not blocks:
        raise DocsError(f"{guide}: a guide without any ```cpp block (every guide shows compiled code)")
    for b in blocks:
        if b.kind == "run" and not any(re.search(r"\brun\s*\(", l) for l in b.code):
            raise DocsError(f"{b.guide}:{b.line}: a docs:run block must define a function run(...)")


PRELUDE = r"""// Generated by tools/docs/extract.py from docs/*.md: do not edit, edit the guides.
#include <bedrock/client.hpp>
#include <bedrock/testing/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>
"""

HARNESS = r"""
namespace docs_harness {

namespace asio = boost::asio;

struct entry {
    const char* guide;
    int line;
    int (*run)(bedrock::testing::emulator&);
};

template <class F>
int call(F f, bedrock::testing::emulator& emu)
{
    if constexpr (std::is_invocable_v<F, bedrock::testing::emulator&>) {
        if constexpr (std::is_void_v<std::invoke_result_t<F, bedrock::testing::emulator&>>) {
            f(emu);
            return 0;
        } else {
            return static_cast<int>(f(emu));
        }
    } else if constexpr (std::is_invocable_v<F, const bedrock::config&>) {
        if constexpr (std::is_void_v<std::invoke_result_t<F, const bedrock::config&>>) {
            f(emu.client_config());
            return 0;
        } else {
            return static_cast<int>(f(emu.client_config()));
        }
    } else {
        if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
            f();
            return 0;
        } else {
            return static_cast<int>(f());
        }
    }
}

} // namespace docs_harness
"""

MAIN = r"""
int main(int argc, char** argv)
{
    // docs_program [GUIDE.md]: runs the docs:run blocks of one guide, or of all of them.
    const std::string_view only = argc > 1 ? argv[1] : "";
    bedrock::testing::emulator emu;
    emu.start();
    int failed = 0, ran = 0;
    for (const auto& e : docs_harness::entries) {
        if (!e.run || (!only.empty() && only != e.guide))
            continue;
        emu.reset_state();
        ++ran;
        std::printf("docs/%s:%d ... ", e.guide, e.line);
        std::fflush(stdout);
        try {
            const int rc = e.run(emu);
            if (rc != 0) {
                std::printf("FAILED: run() returned %d\n", rc);
                ++failed;
                continue;
            }
            std::printf("ok\n");
        } catch (const std::exception& x) {
            std::printf("FAILED: %s\n", x.what());
            ++failed;
        } catch (...) {
            std::printf("FAILED: an exception that is not a std::exception\n");
            ++failed;
        }
    }
    std::printf("%d block(s) run, %d failed\n", ran, failed);
    if (ran == 0 && !only.empty()) {
        std::printf("no runnable block in %s\n", argv[1]);
        return 0;
    }
    return failed == 0 ? 0 : 1;
}
"""


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(blocks, source_dir):
    includes = []
    body = []
    runs = []
    for b in blocks:
        path = os.path.join(source_dir, b.guide) if source_dir else b.guide
        code = []
        for n, l in enumerate(b.code):
            if re.match(r"^\s*#\s*include\b", l):
                if l.strip() not in includes:
                    includes.append(l.strip())
                code.append("")  # keeps the line numbers right
            else:
                code.append(l)
        if b.kind == "skip":
            continue
        body.append(f"\nnamespace {b.guide_ns} {{")
        body.append("namespace asio = boost::asio;")
        if b.kind != "compile":
            body.append(f"namespace block_{b.line} {{")
        if b.kind == "fragment":
            body.append("[[maybe_unused]] asio::awaitable<void> fragment([[maybe_unused]] asio::io_context& io,"
                        " [[maybe_unused]] bedrock::client& client)")
            body.append("{")
        body.append(f"#line {b.line} {c_string(path)}")
        body.extend(code)
        if b.kind == "fragment":
            body.append("co_return;")
            body.append("}")
        if b.kind != "compile":
            body.append(f"}} // namespace block_{b.line}")
        body.append(f"}} // namespace {b.guide_ns}")
        if b.kind == "run":
            runs.append(b)
    out = [PRELUDE]
    out.extend(includes)
    out.append(HARNESS)
    out.extend(body)
    out.append("\nnamespace docs_harness {")
    out.append("const entry entries[] = {")
    for b in runs:
        out.append(f"    {{{c_string(b.guide)}, {b.line}, [](bedrock::testing::emulator& emu) {{"
                   f" return call([](auto&&... a) -> decltype({b.ident}::run(a...)) {{ return {b.ident}::run(a...); }}, emu); }}}},")
    out.append("    {nullptr, 0, nullptr}, // the end (and an array never empty)")
    out.append("};")
    out.append("} // namespace docs_harness")
    out.append(MAIN)
    return "\n".join(out) + "\n"


def extract(guides, source_dir=None):
    blocks = []
    for g in guides:
        with open(g, encoding="utf-8") as f:
            text = f.read()
        name = os.path.basename(g)
        bs = parse(name, text)
        check_guide(name, bs)
        blocks.extend(bs)
    return blocks, generate(blocks, source_dir or os.path.dirname(os.path.abspath(guides[0])))


class SelfTest(unittest.TestCase):
    def test_classifies_blocks(self):
        text = ("# T\n<!-- docs:compile -->\n```cpp\nint f() { return 1; }\n```\n\n"
                "<!-- docs:fragment -->\n\n```cpp\nint x = 1; (void)x;\n```\n"
                "```sh\nls\n```\n<!-- docs:run -->\n```cpp\n#include <map>\nint run() { return 0; }\n```\n"
                "<!-- docs:skip -->\n```cpp\nnot c++\n```\n")
        bs = parse("t.md", text)
        self.assertEqual([b.kind for b in bs], ["compile", "fragment", "run", "skip"])
        self.assertEqual(bs[0].line, 4)
        self.assertEqual(bs[1].code, ["int x = 1; (void)x;"])
        out = generate(bs, "/docs")
        self.assertIn("#include <map>", out.split("namespace docs_harness")[0])
        self.assertIn('#line 4 "/docs/t.md"', out)
        self.assertIn("namespace docs_t {", out)
        self.assertNotIn("block_4", out)  # docs:compile: the guide's namespace itself
        self.assertIn("namespace block_10 {", out)
        self.assertIn("docs_t::block_17::run", out)
        self.assertNotIn("not c++", out)

    def test_unmarked_cpp_block_fails(self):
        with self.assertRaisesRegex(DocsError, "without a marker"):
            parse("t.md", "text\n```cpp\nint x;\n```\n")

    def test_unknown_marker_fails(self):
        with self.assertRaisesRegex(DocsError, "unknown marker"):
            parse("t.md", "<!-- docs:compiled -->\n```cpp\nint x;\n```\n")

    def test_marker_not_followed_by_block_fails(self):
        with self.assertRaisesRegex(DocsError, "not followed"):
            parse("t.md", "<!-- docs:run -->\nsome words\n```cpp\nint run();\n```\n")
        with self.assertRaisesRegex(DocsError, "before a ```sh"):
            parse("t.md", "<!-- docs:run -->\n```sh\nls\n```\n")

    def test_guide_without_blocks_fails(self):
        with self.assertRaisesRegex(DocsError, "without any"):
            check_guide("t.md", parse("t.md", "# nothing\n```sh\nls\n```\n"))
        check_guide("README.md", [])

    def test_run_block_needs_run(self):
        with self.assertRaisesRegex(DocsError, "must define a function run"):
            check_guide("t.md", parse("t.md", "<!-- docs:run -->\n```cpp\nint main2() { return 0; }\n```\n"))

    def test_unclosed_block_fails(self):
        with self.assertRaisesRegex(DocsError, "never closed"):
            parse("t.md", "<!-- docs:compile -->\n```cpp\nint x;\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--self-test", action="store_true")
    p.add_argument("--output")
    p.add_argument("--stats", action="store_true", help="print how many blocks of each kind")
    p.add_argument("guides", nargs="*")
    a = p.parse_args()
    if a.self_test:
        r = unittest.TextTestRunner(verbosity=1).run(unittest.defaultTestLoader.loadTestsFromTestCase(SelfTest))
        return 0 if r.wasSuccessful() else 1
    if not a.guides or not a.output:
        p.error("--output and at least one guide are needed")
    try:
        blocks, program = extract(a.guides)
    except DocsError as e:
        print(f"extract.py: error: {e}", file=sys.stderr)
        return 1
    if a.stats:
        for k in MARKERS:
            print(f"{k}: {sum(1 for b in blocks if b.kind == k)}")
    # Written only when it changed: an edit that leaves the program as it was (a typo fixed in a
    # sentence of a guide without code below it) does not recompile it.
    old = None
    if os.path.exists(a.output):
        with open(a.output, encoding="utf-8") as f:
            old = f.read()
    if old != program:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(program)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Generates the model layer of bedrock-asio from the Bedrock Runtime service model.

    python3 tools/codegen/generate.py                      # regenerate in place
    python3 tools/codegen/generate.py --output-root DIR    # the same tree under DIR
    python3 tools/codegen/generate.py --check              # fail if the committed files differ
    python3 tools/codegen/generate.py --compare GEN ROOT   # the same, for a tree from --output-root
    python3 tools/codegen/generate.py --trim service-2.json paginators-1.json
                                                           # refresh the committed, trimmed model

Input: tools/codegen/bedrock-runtime.model.json, the botocore model (Apache-2.0) with documentation
strings removed and the paginators merged in. Output: the headers under include/bedrock/model/ (see
model.py for the naming rules), their JSON readers and writers, and the generated tests under
tests/unit/model/. Python 3 standard library only; the output is deterministic.
"""

import argparse
import difflib
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import model as model_mod  # noqa: E402
from json_emit import JsonEmitter  # noqa: E402
from samples import TestEmitter  # noqa: E402
from types_emit import BANNER, TypeEmitter  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
MODEL_FILE = os.path.join(HERE, "bedrock-runtime.model.json")

# Directories whose files carrying the banner all come from this generator (stale ones are errors).
GENERATED_DIRS = ["include/bedrock/model", "include/bedrock/model/impl", "include/bedrock/model/json",
                  "include/bedrock/model/json/impl", "tests/unit/model"]


def strip_docs(x):
    if isinstance(x, dict):
        return {k: strip_docs(v) for k, v in x.items() if k not in ("documentation", "documentationUrl")}
    if isinstance(x, list):
        return [strip_docs(v) for v in x]
    return x


def trim(service_path, paginators_path, out_path):
    with open(service_path, encoding="utf-8") as f:
        service = json.load(f)
    with open(paginators_path, encoding="utf-8") as f:
        paginators = json.load(f)
    trimmed = {
        "_source": "botocore/data/bedrock-runtime/%s/service-2.json and paginators-1.json "
                   "(Apache License 2.0), documentation strings removed" % service["metadata"]["apiVersion"],
        "metadata": strip_docs(service["metadata"]),
        "operations": strip_docs(service["operations"]),
        "shapes": strip_docs(service["shapes"]),
        "pagination": paginators.get("pagination", {}),
    }
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(trimmed, f, indent=1, ensure_ascii=False)
        f.write("\n")


def outputs(m):
    types = TypeEmitter(m)
    js = JsonEmitter(m)
    tests = TestEmitter(m, js)
    files = {}
    files["include/bedrock/model.hpp"] = types.umbrella()
    for h in m.headers():
        files["include/bedrock/model/%s.hpp" % h] = types.header(h)
    files["include/bedrock/model/impl/errors.ipp"] = types.errors_ipp()
    files["include/bedrock/model/operations.hpp"] = types.operations_header()
    files["include/bedrock/model/json.hpp"] = js.umbrella()
    for h in js.json_headers():
        files["include/bedrock/model/json/%s.hpp" % h] = js.header(h)
        files["include/bedrock/model/json/impl/%s.ipp" % h] = js.ipp(h)
    files.update(tests.files())
    return files


def write_tree(files, root):
    for rel, text in sorted(files.items()):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)


def stale_files(files, root):
    out = []
    first_line = BANNER.splitlines()[0]
    for d in GENERATED_DIRS:
        full = os.path.join(root, d)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            rel = d + "/" + name
            path = os.path.join(full, name)
            if not os.path.isfile(path) or rel in files:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                if f.readline().rstrip("\n") == first_line:
                    out.append(rel)
    return out


def check(files, root):
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(files, tmp)
        return compare(files, tmp, root)


def compare(files, generated_root, root):
    """Compares the generated files under generated_root with those under root."""
    bad = 0
    for rel in sorted(files):
        committed = os.path.join(root, rel)
        fresh = os.path.join(generated_root, rel)
        if not os.path.exists(committed) or not os.path.exists(fresh):
            print("missing: %s" % (committed if not os.path.exists(committed) else fresh))
            bad += 1
            continue
        with open(committed, encoding="utf-8") as f:
            have = f.read()
        with open(fresh, encoding="utf-8") as f:
            want = f.read()
        if have != want:
            bad += 1
            print("differs: %s" % rel)
            diff = difflib.unified_diff(have.splitlines(), want.splitlines(), "committed/" + rel,
                                        "generated/" + rel, lineterm="", n=1)
            for i, line in enumerate(diff):
                if i > 40:
                    print("...")
                    break
                print(line)
    for rel in stale_files(files, root):
        print("stale (generated, but no longer produced): %s" % rel)
        bad += 1
    if bad:
        print("generated files are out of date: run `python3 tools/codegen/generate.py`")
        return 1
    print("generated files are up to date (%d files)" % len(files))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trim", nargs=2, metavar=("SERVICE_JSON", "PAGINATORS_JSON"),
                    help="write the trimmed model from the botocore files, then generate")
    ap.add_argument("--model", default=MODEL_FILE, help="the trimmed model (default: %(default)s)")
    ap.add_argument("--output-root", help="write the tree under this directory instead of the repository")
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    ap.add_argument("--compare", nargs=2, metavar=("GENERATED_ROOT", "REPO_ROOT"),
                    help="compare a tree written by --output-root with the repository's files")
    args = ap.parse_args(argv)

    if args.trim:
        trim(args.trim[0], args.trim[1], args.model)
    try:
        m = model_mod.load(args.model)
        files = outputs(m)
    except model_mod.GenerationError as e:
        print("generate.py: %s" % e, file=sys.stderr)
        return 2
    if args.compare:
        return compare(files, args.compare[0], args.compare[1])
    if args.check:
        return check(files, args.output_root or ROOT)
    root = args.output_root or ROOT
    write_tree(files, root)
    if not args.output_root:
        for rel in stale_files(files, root):
            os.remove(os.path.join(root, rel))
            print("removed stale %s" % rel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

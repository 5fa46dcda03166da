#!/usr/bin/env python3
"""Writes seed inputs for the model fuzzers (tests/fuzz/fuzz_<name>.cpp) into a corpus directory.

    python3 tools/codegen/fuzz_seeds.py fuzz_converse_response CORPUS_DIR

Seeds: the JSON bodies and event payloads of ../shared/vectors (BEDROCK_VECTORS_DIR), and the
generator's representative samples of the shape the fuzzer reads.
"""

import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import model as model_mod  # noqa: E402
from samples import SampleGen, dump  # noqa: E402

STREAM_TYPES = ["messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
                "metadata", "internalServerException", "modelStreamErrorException", "validationException",
                "throttlingException", "serviceUnavailableException", "somethingNew"]


def vectors_dir():
    return os.environ.get("BEDROCK_VECTORS_DIR") or os.path.join(HERE, "..", "..", "..", "shared", "vectors")


def recorded_frames():
    out = []
    for path in sorted(glob.glob(os.path.join(vectors_dir(), "recorded", "**", "*.decoded.json"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for it in doc["interactions"]:
            for fr in it.get("frames", []):
                out.append(fr)
    with open(os.path.join(vectors_dir(), "bedrock-streams", "streams.json"), encoding="utf-8") as f:
        for s in json.load(f)["streams"].values():
            if s["operation"] in ("ConverseStream", "any event-stream output"):
                out.extend(s["frames"])
    return out


def seeds(name, m):
    gen = SampleGen(m)
    if name == "fuzz_converse_response":
        for path in glob.glob(os.path.join(vectors_dir(), "recorded", "**", "bedrock_converse.decoded.json"),
                              recursive=True):
            with open(path, encoding="utf-8") as f:
                yield json.load(f)["interactions"][0]["response_body"].encode()
        with open(os.path.join(vectors_dir(), "sdk-behaviour", "sdk_harness_results.json"), encoding="utf-8") as f:
            yield json.dumps(json.load(f)["results"]["Converse"]["output"]).encode()
        for _ in range(4):
            yield dump(gen.structure("ConverseResponse", 0)).encode()
    elif name == "fuzz_converse_stream_event":
        for fr in recorded_frames():
            headers = {k: v["value"] for k, v in fr["headers"].items()}
            t = headers.get(":event-type") or headers.get(":exception-type")
            if t in STREAM_TYPES:
                yield bytes([STREAM_TYPES.index(t)]) + fr["payload_utf8"].encode()
        for mname, member in m.members("ConverseStreamOutput").items():
            yield bytes([STREAM_TYPES.index(mname)]) + dump(gen.structure(member["shape"], 0)).encode()
    elif name == "fuzz_apply_guardrail_response":
        for _ in range(6):
            yield dump(gen.structure("ApplyGuardrailResponse", 0)).encode()
    else:
        raise SystemExit("no seeds for %s" % name)


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    name, corpus = argv
    os.makedirs(corpus, exist_ok=True)
    m = model_mod.load(os.path.join(HERE, "bedrock-runtime.model.json"))
    seen = set()
    for i, data in enumerate(seeds(name, m)):
        if data in seen:
            continue
        seen.add(data)
        with open(os.path.join(corpus, "seed_%03d" % i), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seen), corpus))


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Runs the bedrock-runtime tool against its in-process emulator (--emulator).

usage: test_bedrock_runtime.py <path to bedrock-runtime>   (CTest passes it; standard library only)
"""
import json
import os
import select
import subprocess
import sys
import tempfile

TOOL = sys.argv[1]
failures = []


def run(*args, stdin=None):
    p = subprocess.run([TOOL, *args], input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name)
    if not condition:
        failures.append(name)
        print("     " + detail.replace("\n", "\n     "))


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# converse --prompt: the response as JSON on standard output.
rc, out, err = run("converse", "--emulator", "--model-id", "m", "--prompt", "hello world")
ok = rc == 0
if ok:
    doc = json.loads(out)
    ok = doc["output"]["message"]["content"][0]["text"] == "echo: hello world" and doc["stopReason"] == "end_turn"
check("converse --prompt", ok, out + err)

# converse --text
rc, out, err = run("converse", "--emulator", "--prompt", "hi", "--system", "be brief", "--text")
check("converse --text", rc == 0 and out == "echo: hi\n", repr(out) + err)

# converse-stream: one JSON object per event per line, messageStop then metadata.
rc, out, err = run("converse-stream", "--emulator", "--prompt", "one two three")
ok = rc == 0
if ok:
    events = lines(out)
    kinds = [next(iter(e)) for e in events]
    deltas = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
    ok = (all(len(e) == 1 for e in events) and kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
          and deltas == "echo: one two three" and events[-2]["messageStop"]["stopReason"] == "end_turn")
check("converse-stream: one line per event", ok, out + err)

# converse-stream --text: only the text.
rc, out, err = run("converse-stream", "--emulator", "--prompt", "one two", "--text")
check("converse-stream --text", rc == 0 and out == "echo: one two\n", repr(out) + err)

with tempfile.TemporaryDirectory() as tmp:
    # count-tokens with --cli-input-json file://
    path = os.path.join(tmp, "req.json")
    with open(path, "w") as f:
        json.dump({"modelId": "m", "input": {"converse": {"messages": [
            {"role": "user", "content": [{"text": "one two three four"}]}]}}}, f)
    rc, out, err = run("count-tokens", "--emulator", "--cli-input-json", "file://" + path)
    check("count-tokens --cli-input-json file://", rc == 0 and json.loads(out) == {"inputTokens": 4}, out + err)

    # invoke-model --body file://
    body = os.path.join(tmp, "body.json")
    with open(body, "w") as f:
        json.dump({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 20,
                   "messages": [{"role": "user", "content": "hi there"}]}, f)
    rc, out, err = run("invoke-model", "--emulator", "--model-id", "m", "--body", "file://" + body,
                       "--content-type", "application/json")
    ok = rc == 0 and json.loads(out)["body"]["content"][0]["text"] == "echo: hi there"
    check("invoke-model --body", ok and json.loads(out)["contentType"] == "application/json", out + err)
    rc, out, err = run("invoke-model-with-response-stream", "--emulator", "--body", "file://" + body,
                       "--content-type", "application/json", "--text")
    check("invoke-model-with-response-stream --text", rc == 0 and out == "echo: hi there\n", repr(out) + err)

# --cli-input-json - (standard input), with an unknown member: non-zero exit, the path named.
request = {"modelId": "m", "messages": [{"role": "user", "content": [{"text": "x", "bogus": 1}]}]}
rc, out, err = run("converse", "--emulator", "--cli-input-json", "-", stdin=json.dumps(request))
ok = rc != 0 and out == ""
if ok:
    e = json.loads(err)
    ok = e["error"] == "InvalidInput" and e["path"] == "messages[0].content[0].bogus"
check("unknown member: error names its path", ok, err)

# A member of the wrong type.
request = {"modelId": "m", "inferenceConfig": {"maxTokens": "ten"}}
rc, out, err = run("converse", "--emulator", "--cli-input-json", json.dumps(request), "--prompt", "x")
check("wrong type: error names its path", rc != 0 and json.loads(err)["path"] == "inferenceConfig.maxTokens", err)

# A service error: exit status 1, the JSON error with the service's words.
rc, out, err = run("converse", "--emulator", "--model-id", "error:ValidationException", "--prompt", "hi")
ok = rc == 1 and out == ""
if ok:
    e = json.loads(err)
    ok = (e["error"] == "ValidationException" and e["httpStatus"] == 400 and e["attempts"] == 1
          and e["requestId"] and e["message"])
check("service error: exit code and JSON error", ok, err)

# The same inside a stream.
rc, out, err = run("converse-stream", "--emulator", "--model-id", "stream-error:ThrottlingException", "--prompt", "a b c")
check("error inside a stream", rc == 1 and json.loads(err.splitlines()[-1])["error"] == "ThrottlingException"
      and len(lines(out)) >= 1, out + err)

# The bidirectional stream: two input lines, two output lines.
chunks = ['{"chunk":{"bytes":"aGVsbG8="}}', '{"chunk":{"bytes":"d29ybGQ="}}']
rc, out, err = run("invoke-model-with-bidirectional-stream", "--emulator", "--model-id", "m",
                   stdin="\n".join(chunks) + "\n")
check("bidirectional: two lines in, two lines out", rc == 0 and lines(out) == [json.loads(c) for c in chunks], out + err)

# ... and each output event is printed while the input is still open: the echo of the first line
# comes before the second line is written.
p = subprocess.Popen([TOOL, "invoke-model-with-bidirectional-stream", "--emulator"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p.stdin.write(chunks[0] + "\n")
p.stdin.flush()
ready, _, _ = select.select([p.stdout], [], [], 20)
first = p.stdout.readline() if ready else ""
p.stdin.write(chunks[1] + "\n")
p.stdin.close()
rest = p.stdout.read()
rc = p.wait(timeout=30)
check("bidirectional: output while the input is open", rc == 0 and first.strip() == chunks[0]
      and rest.strip() == chunks[1], repr(first) + repr(rest) + p.stderr.read())

rc, out, err = run("invoke-model-with-bidirectional-stream", "--emulator", stdin='{"chunk":{"bytez":"aGk="}}\n')
check("bidirectional: unknown member in an input line", rc != 0 and json.loads(err)["path"] == "chunk.bytez", err)

# The other operations, each once.
rc, out, err = run("apply-guardrail", "--emulator", "--cli-input-json", json.dumps(
    {"guardrailIdentifier": "block", "guardrailVersion": "1", "source": "INPUT", "content": [{"text": {"text": "hi"}}]}))
check("apply-guardrail", rc == 0 and json.loads(out)["action"] == "GUARDRAIL_INTERVENED", out + err)
rc, out, err = run("invoke-guardrail-checks", "--emulator", "--cli-input-json", json.dumps(
    {"messages": [{"role": "user", "content": [{"text": "hello"}]}],
     "checks": {"contentFilter": {"categories": [{"category": "VIOLENCE"}]}}}))
check("invoke-guardrail-checks", rc == 0 and "results" in json.loads(out) and "usage" in json.loads(out), out + err)
rc, out, err = run("start-async-invoke", "--emulator", "--cli-input-json", json.dumps(
    {"modelId": "m", "modelInput": {"prompt": "x"}, "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://b/k"}}}))
check("start-async-invoke", rc == 0 and json.loads(out)["invocationArn"].startswith("arn:"), out + err)
rc, out, err = run("get-async-invoke", "--emulator", "--cli-input-json",
                   '{"invocationArn": "arn:aws:bedrock:us-east-1:123456789012:async-invoke/none"}')
check("get-async-invoke (an unknown job)", rc == 1 and json.loads(err)["httpStatus"] == 400, out + err)
rc, out, err = run("list-async-invokes", "--emulator", "--max-items", "5", "--cli-input-json", '{"sortOrder": "Ascending"}')
check("list-async-invokes", rc == 0 and json.loads(out).get("asyncInvokeSummaries", []) == [], out + err)
rc, out, err = run("list-async-invokes", "--emulator", "--cli-input-json", '{"sortOrder": "Sideways"}')
check("list-async-invokes: a bad enum value in the query", rc == 2 and json.loads(err)["path"] == "sortOrder", err)

# Global options: HTTP/2, and --debug's log of the exchange on standard error.
rc, out, err = run("converse", "--emulator", "--http2", "--debug", "--max-attempts", "2", "--prompt", "hi", "--text")
check("--http2 --debug", rc == 0 and out == "echo: hi\n" and "attempt 1/2" in err and "Authorization" not in err,
      out + err)

# Help and usage errors.
rc, out, err = run("--help")
check("--help", rc == 0 and "converse-stream" in out, out + err)
rc, out, err = run("converse", "--help")
check("converse --help", rc == 0 and "--prompt" in out, out + err)
rc, out, err = run("no-such-command")
check("unknown command", rc == 2, err)

sys.exit(1 if failures else 0)

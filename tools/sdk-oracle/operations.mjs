// Writes what the official JS SDK sends and what it reads, for every operation of the model, for
// bedrock-asio's operations test (tests/vectors/sdk_operations.json). The SDK's own serializers and
// deserializers are the oracle; this script only makes the samples and records what the SDK did.
//
//   requests    sample input -> the SDK's command -> the HTTP request its handler is given (method,
//               path, query string, the headers that are not volatile, body)
//   responses   sample HTTP answer -> the SDK's parse (body members, header-bound members)
//   events      every event and exception of every stream, one event-stream frame each -> the SDK's parse
//   input_events  InvokeModelWithBidirectionalStream's input event, as the SDK frames it (inside the
//               signed envelope)
//   enums       every enum of the model: the values the SDK knows
//
// Samples come from tools/codegen/bedrock-runtime.model.json: each operation gets full samples until
// every member of every structure and union its input (or output, or event) reaches has been set at
// least once, plus one with only the required members. Everything the SDK parsed is written back in
// wire form (member name -> JSON name, blobs as base64, timestamps as the model's format) so that the
// C++ test compares JSON with JSON. Usage: npm ci && node operations.mjs > ../../tests/vectors/sdk_operations.json
import * as sdk from "@aws-sdk/client-bedrock-runtime";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { buildQueryString } from "@smithy/core/protocols";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";

// Nothing from the environment (a region, an endpoint URL, a bearer token, a profile) may change what
// the SDK does here.
for (const name of Object.keys(process.env))
  if (name.startsWith("AWS_")) delete process.env[name];
process.env.AWS_CONFIG_FILE = "/nonexistent";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent";

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@aws-sdk/client-bedrock-runtime/package.json", import.meta.url))).version;
const model = JSON.parse(readFileSync(new URL("../codegen/bedrock-runtime.model.json", import.meta.url)));
const shapes = model.shapes;

// Headers of the SDK's request that are not the protocol's: signing, the user agent, the retry
// bookkeeping, the host (the endpoint's). Content-Length is kept: it must be the body's length.
const VOLATILE_HEADERS = [
  "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "x-amz-user-agent",
  "user-agent", "amz-sdk-invocation-id", "amz-sdk-request", "host",
];

// ---------------------------------------------------------------------------------------------------
// Samples

const STRINGS = [
  "plain text", 'with "quotes", a \\ backslash and a /slash', "line\nbreak\ttab\r\u0001\u001f controls",
  "unicode caf\u00e9 \u2713 \u65e5\u672c \u{1F600}", "",
];
const INTEGERS = [7, 0, -3, 2147483647, 42];
// JavaScript numbers are doubles: no long beyond 2^53 (the SDK could not carry it).
const LONGS = [1234567890123, 9007199254740991, -1, 0];
const FLOATS = [0.7, 0.25, 1, 0.1];
const DOUBLES = [0.123456789012345, 1e-7, 12.5, 0.3];
const BLOBS = [[0, 1, 2, 3, 4, 5], [0xff], [0, 1], [], [...Buffer.from("hello world")]];
// A JavaScript Date holds milliseconds: no finer timestamps.
const TIMESTAMPS = ["2025-01-15T12:30:45.123Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "2025-01-15T12:30:45.5Z"];
const DOCUMENTS = [
  { type: "object", properties: { city: { type: "string", description: 'a "city"' } }, required: ["city"],
    n: -12, f: 2.5, e: 1e-7, t: true, nil: null, arr: [1, "two", 3.5, [], {}] },
  "just a string", 42, [true, false, null, { nested: { deeper: [0.5] } }], {},
];
// InvokeModel's body (the model's own JSON, or any bytes).
const PAYLOADS = [
  [...Buffer.from('{"anthropic_version":"bedrock-2023-05-31","max_tokens":7,"messages":[{"role":"user","content":"caf\u00e9 \u{1F600}"}]}')],
  [0, 0xff, 0x80, 0x0a, 0x22],
];
const UNKNOWN_ENUM = "FUTURE_VALUE";
// Members bound to the URI, the query string or headers take values that fit there.
const BOUND_STRINGS = {
  modelId: ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
            "amazon.nova-lite-v1:0", "a model id with spaces, +, %, \u00fc and ~"],
  guardrailIdentifier: ["gr-abc123", "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123"],
  guardrailVersion: ["DRAFT", "1"],
  invocationArn: ["arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc123", "id with / and +"],
  "Content-Type": ["application/json", "text/plain; charset=utf-8"],
  Accept: ["application/json", "*/*"],
  "X-Amzn-Bedrock-Accept": ["application/json", "*/*"],
  "X-Amzn-Bedrock-Content-Type": ["application/json", "text/plain; charset=utf-8"],
  "X-Amzn-Bedrock-GuardrailIdentifier": ["gr-abc123", "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123"],
  "X-Amzn-Bedrock-GuardrailVersion": ["DRAFT", "2"],
  "X-Amzn-Bedrock-Request-Metadata": ['{"team":"a b","cost-center":"42"}', "{}"],
  nextToken: ["tok/en+= \u00fc&x?y", "opaque-token"],
};
const FULL_DEPTH = 3; // beyond it, a structure holds its required and not yet covered members, a list one element

const kindOf = (name) => {
  const s = shapes[name];
  if (s.document) return "document";
  if (s.union) return "union";
  if (s.eventstream) return "eventstream";
  if (s.type === "string" && s.enum) return "enum";
  return s.type;
};

// Every structure and union reachable from `root`, with all its members: what is still to cover.
function reachable(root, pending = new Map()) {
  const k = kindOf(root);
  const s = shapes[root];
  if (k === "structure" || k === "union") {
    if (pending.has(root)) return pending;
    const members = Object.entries(s.members).filter(([, mb]) => kindOf(mb.shape) !== "eventstream");
    pending.set(root, new Set(members.map(([m]) => m)));
    for (const [, mb] of members) reachable(mb.shape, pending);
  } else if (k === "list") {
    reachable(s.member.shape, pending);
  } else if (k === "map") {
    reachable(s.value.shape, pending);
  }
  return pending;
}

class SampleGen {
  constructor(pending) {
    this.n = 0;
    this.pending = pending; // null: required members only
  }

  pick(pool) {
    return pool[this.n++ % pool.length];
  }

  // The JavaScript value of a member as an SDK caller passes it (or as the SDK hands it back).
  value(name, depth, bound) {
    const s = shapes[name];
    switch (kindOf(name)) {
    case "string": {
      if (bound) return this.pick(BOUND_STRINGS[bound] ?? (() => { throw new Error("no value for " + bound); })());
      const pool = s.min >= 1 ? STRINGS.filter((x) => x !== "") : STRINGS;
      return this.pick(pool);
    }
    case "enum":
      if (++this.n % 7 === 0 && !bound) return UNKNOWN_ENUM;
      return s.enum[this.n % s.enum.length];
    case "integer": return this.pick(INTEGERS);
    case "long": return this.pick(LONGS);
    case "float": return this.pick(FLOATS);
    case "double": return this.pick(DOUBLES);
    case "boolean": return ++this.n % 2 === 0;
    case "blob": {
      const pool = s.min >= 1 ? BLOBS.filter((x) => x.length > 0) : BLOBS;
      return new Uint8Array(this.pick(pool));
    }
    case "timestamp": return new Date(this.pick(TIMESTAMPS));
    case "document": return structuredClone(this.pick(DOCUMENTS));
    case "list": {
      // More elements (up to 6) while the element's shape has members to cover: fewer, richer samples.
      const out = [];
      const count = depth < FULL_DEPTH && this.pending ? 2 : 1;
      while (out.length < count || (out.length < 6 && this.uncovered(s.member.shape)))
        out.push(this.value(s.member.shape, depth + 1));
      return out;
    }
    case "map": {
      const keys = depth < FULL_DEPTH && this.pending ? ["key", 'k "2"'] : ["key"];
      return Object.fromEntries(keys.map((key) => [key, this.value(s.value.shape, depth + 1)]));
    }
    case "structure": return this.structure(name, depth);
    case "union": {
      const members = Object.keys(s.members);
      const todo = this.pending?.get(name);
      const m = (todo && todo.size ? [...todo][0] : undefined) ?? members.find((x) => this.uncovered(s.members[x].shape)) ??
                members[this.n++ % members.length];
      todo?.delete(m);
      return { [m]: this.value(s.members[m].shape, depth + 1) };
    }
    default: throw new Error(`no sample for ${name}`);
    }
  }

  // Whether something reachable from `name` is still to cover.
  uncovered(name) {
    if (!this.pending) return false;
    const s = shapes[name];
    switch (kindOf(name)) {
    case "structure": case "union":
      return this.pending.get(name)?.size > 0 || Object.values(s.members).some((mb) => this.uncovered(mb.shape));
    case "list": return this.uncovered(s.member.shape);
    case "map": return this.uncovered(s.value.shape);
    default: return false;
    }
  }

  structure(name, depth) {
    const s = shapes[name];
    const required = new Set(s.required ?? []);
    const todo = this.pending?.get(name);
    const out = {};
    for (const [m, mb] of Object.entries(s.members)) {
      if (kindOf(mb.shape) === "eventstream") continue; // the stream's events are samples of their own
      const wanted = required.has(m) || mb.idempotencyToken || todo?.has(m) || (this.pending && depth < FULL_DEPTH) ||
                     this.uncovered(mb.shape);
      if (!wanted) continue;
      todo?.delete(m);
      if (s.payload === m && kindOf(mb.shape) === "blob") out[m] = new Uint8Array(this.pick(PAYLOADS));
      else out[m] = this.value(mb.shape, depth + 1, mb.location ? mb.locationName : undefined);
    }
    return out;
  }
}

// Samples of `shape` (a structure): full ones until everything reachable is covered, then a minimal one.
function samples(shape, offset) {
  const pending = reachable(shape);
  const remaining = () => [...pending.values()].reduce((n, set) => n + set.size, 0);
  const out = [];
  const gen = new SampleGen(pending);
  gen.n = offset;
  for (let before = Infinity; remaining() > 0 && remaining() < before;) {
    before = remaining();
    out.push(gen.structure(shape, 0));
  }
  if (remaining() > 0)
    throw new Error(`${shape}: members never reached: ${JSON.stringify([...pending].filter(([, v]) => v.size).map(([k, v]) => [k, [...v]]))}`);
  const minimal = new SampleGen(null);
  minimal.n = offset;
  out.push(minimal.structure(shape, 0));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Wire form: what the JSON body carries (JSON names, base64 blobs, the model's timestamp format)

function timestampText(date) {
  // ISO 8601 without a fraction of zero, and without trailing zeros in one.
  return date.toISOString().replace(/\.(\d*?)0+Z$/, ".$1Z").replace(/\.Z$/, "Z");
}

function wire(name, v, member) {
  const s = shapes[name];
  switch (kindOf(name)) {
  case "blob": return Buffer.from(v).toString("base64");
  case "timestamp": {
    const format = member?.timestampFormat ?? s.timestampFormat ?? "unixTimestamp";
    if (!(v instanceof Date)) return { "?not a Date": String(v) };
    return format === "iso8601" ? timestampText(v) : v.getTime() / 1000;
  }
  case "list": return v.map((x) => wire(s.member.shape, x));
  case "map": return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wire(s.value.shape, x)]));
  case "structure": case "union": {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      const mb = s.members[k];
      if (!mb) { out["?unmodeled " + k] = x; continue; } // e.g. the SDK's $unknown: fails the comparison
      if (mb.location || s.payload === k) continue;
      out[mb.locationName ?? k] = wire(mb.shape, x, mb);
    }
    return out;
  }
  default: return v;
  }
}

// A bound member's value as text (what the URI, query string or header carries), from the SDK's value.
function boundText(name, v) {
  if (v instanceof Date) return timestampText(v);
  return typeof v === "string" ? v : JSON.stringify(v);
}

// The members of `shape` bound to the URI, the query string or headers, by member name.
function bound(shape, value) {
  const out = {};
  for (const [k, mb] of Object.entries(shapes[shape].members))
    if (mb.location && value[k] !== undefined) out[k] = boundText(mb.shape, value[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The SDK, with a request handler that records the request and answers with the prepared response

let captured = null;
let reply = null;
const handler = {
  async handle(request) {
    captured = request;
    if (request.body && typeof request.body[Symbol.asyncIterator] === "function") {
      const chunks = [];
      for await (const chunk of request.body) chunks.push(Buffer.from(chunk));
      captured = { ...request, streamed: Buffer.concat(chunks) };
    }
    const r = reply ?? { headers: { "content-type": "application/json" }, body: Buffer.from("{}") };
    return { response: { statusCode: r.status ?? 200, headers: r.headers, body: Readable.from([r.body]) } };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs() { return {}; },
};
const client = new sdk.BedrockRuntimeClient({
  region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  requestHandler: handler, maxAttempts: 1, authSchemePreference: ["sigv4"],
});
const codec = new EventStreamCodec((b) => Buffer.from(b).toString("utf8"), (s) => new Uint8Array(Buffer.from(s, "utf8")));

const command = (op, input) => new sdk[op + "Command"](input);
const operations = Object.keys(model.operations).sort();
const streamMember = (shape) => Object.entries(shapes[shape].members).find(([, mb]) => kindOf(mb.shape) === "eventstream");

function requestRecord(req) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!VOLATILE_HEADERS.includes(k.toLowerCase())) headers[k.toLowerCase()] = String(v);
  }
  const out = {
    method: req.method, path: req.path, query: buildQueryString(req.query ?? {}), headers: Object.fromEntries(Object.entries(headers).sort()),
  };
  if (req.body instanceof Uint8Array || typeof req.body === "string") out.body_base64 = Buffer.from(req.body).toString("base64");
  else if (req.body === undefined || req.body === null) out.body_base64 = "";
  return out;
}

const requests = [], responses = [], events = [], inputEvents = [];
let offset = 0;

for (const op of operations) {
  const { input, output } = model.operations[op];
  const inStream = streamMember(input.shape);

  // Requests
  const inputs = samples(input.shape, offset++);
  for (let [i, value] of inputs.entries()) {
    const sdkInput = { ...value };
    if (inStream) {
      const [member] = inStream;
      const events = [{ chunk: { bytes: new Uint8Array(Buffer.from('{"event":{"sessionStart":{}}}')) } }];
      sdkInput[member] = (async function* () { yield* events; })();
      value = { ...value, [member]: events };
    }
    await requestCase(op, i === inputs.length - 1 ? `${op} (required members only)` : `${op} #${i + 1}`, input.shape, value, sdkInput);
  }

  // Responses (and the head of a stream's response)
  const outStream = streamMember(output.shape);
  const outputs = samples(output.shape, offset++);
  for (const [i, value] of outputs.entries()) {
    const name = i === outputs.length - 1 ? `${op} (required members only)` : `${op} #${i + 1}`;
    const head = bound(output.shape, value);
    const headers = outStream ? { "content-type": "application/vnd.amazon.eventstream" } : { "content-type": "application/json" };
    for (const [k, text] of Object.entries(head)) headers[shapes[output.shape].members[k].locationName] = text;
    headers["x-amzn-requestid"] = "11111111-2222-3333-4444-555555555555";
    let body;
    const payload = shapes[output.shape].payload;
    if (outStream) body = Buffer.alloc(0);
    else if (payload) body = Buffer.from(value[payload] ?? []);
    else body = Buffer.from(JSON.stringify(wire(output.shape, value)));
    await responseCase(op, name, output.shape, headers, body, Boolean(outStream));
  }

  // Events of the response stream, one frame each
  if (outStream) {
    const streamShape = outStream[1].shape;
    for (const [event, mb] of Object.entries(shapes[streamShape].members)) {
      const exception = Boolean(shapes[mb.shape].exception);
      const values = exception ? [new SampleGen(reachable(mb.shape)).structure(mb.shape, 0)] : samples(mb.shape, offset++);
      for (const [i, value] of values.entries()) {
        const payload = wire(mb.shape, value);
        if (i === 0 && !exception) payload.p = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"; // as Bedrock pads
        const minimal = !exception && i === values.length - 1;
        await eventCase(op, minimal ? `${op} ${event} (required members only)` : `${op} ${event} #${i + 1}`, output.shape, streamShape, event, exception, payload);
      }
    }
  }
}

async function requestCase(op, name, shape, value, sdkInput) {
  captured = null;
  reply = null;
  try {
    await client.send(command(op, sdkInput));
  } catch (e) {
    if (!captured) throw e;
  }
  const s = shapes[shape];
  const input = { bound: bound(shape, value) };
  if (s.payload && kindOf(s.members[s.payload].shape) === "blob") input.body_base64 = Buffer.from(value[s.payload] ?? []).toString("base64");
  else if (!s.payload) input.body = wire(shape, value);
  const record = { operation: op, name, input, sdk: requestRecord(captured) };
  if (captured.streamed) {
    // The signed envelope's payload is the event the SDK framed.
    const envelope = codec.decode(captured.streamed.subarray(0, captured.streamed.readUInt32BE(0)));
    const inner = codec.decode(envelope.body);
    const [member, mb] = streamMember(shape);
    const [event] = Object.keys(value[member][0]);
    inputEvents.push({
      operation: op, name, event, input: wire(shapes[mb.shape].members[event].shape, value[member][0][event]),
      sdk: {
        headers: Object.fromEntries(Object.entries(inner.headers).map(([k, h]) => [k, String(h.value)]).sort()),
        payload: Buffer.from(inner.body).toString("utf8"),
      },
    });
  }
  requests.push(record);
}

function sdkOutput(shape, out) {
  const rest = { ...out };
  delete rest.$metadata;
  const s = shapes[shape];
  const record = { bound: bound(shape, rest) };
  for (const k of Object.keys(rest)) if (!s.members[k]) record["?unmodeled " + k] = String(rest[k]);
  if (s.payload && kindOf(s.members[s.payload].shape) === "blob") record.body_base64 = Buffer.from(rest[s.payload] ?? []).toString("base64");
  else if (!s.payload) record.body = wire(shape, rest);
  return record;
}

async function responseCase(op, name, shape, headers, body, stream) {
  const input = shapes[model.operations[op].input.shape];
  reply = { headers, body };
  const args = {};
  for (const [k, mb] of Object.entries(input.members)) if (mb.location === "uri") args[k] = BOUND_STRINGS[mb.locationName][0];
  const inStream = streamMember(model.operations[op].input.shape);
  if (inStream) args[inStream[0]] = (async function* () {})();
  const out = await client.send(command(op, args));
  const record = { operation: op, name, status: 200, headers, sdk: sdkOutput(shape, out) };
  if (stream) delete record.sdk.body;
  else if (record.sdk.body_base64 === undefined) record.body = body.toString("utf8");
  else record.body_base64 = body.toString("base64");
  responses.push(record);
}

async function eventCase(op, name, outShape, streamShape, event, exception, payload) {
  const headers = {
    ":message-type": { type: "string", value: exception ? "exception" : "event" },
    [exception ? ":exception-type" : ":event-type"]: { type: "string", value: event },
    ":content-type": { type: "string", value: "application/json" },
  };
  const text = JSON.stringify(payload);
  const frame = Buffer.from(codec.encode({ headers, body: new Uint8Array(Buffer.from(text)) }));
  const head = { "content-type": "application/vnd.amazon.eventstream" };
  for (const [k, mb] of Object.entries(shapes[outShape].members))
    if (mb.location === "header" && (shapes[outShape].required ?? []).includes(k)) head[mb.locationName] = "application/json";
  reply = { headers: head, body: frame };
  const input = shapes[model.operations[op].input.shape];
  const args = {};
  for (const [k, mb] of Object.entries(input.members)) if (mb.location === "uri") args[k] = BOUND_STRINGS[mb.locationName][0];
  const [member] = streamMember(outShape);
  if (streamMember(model.operations[op].input.shape)) args[streamMember(model.operations[op].input.shape)[0]] = (async function* () {})();
  const parsed = [];
  let error = null;
  try {
    // (The bidirectional stream's command reads the first frame before it returns.)
    const out = await client.send(command(op, args));
    for await (const e of out[member]) parsed.push(e);
  } catch (e) {
    const shape = shapes[streamShape].members[event]?.shape;
    const fields = {};
    for (const k of Object.keys(shapes[e.name]?.members ?? {})) if (e[k] !== undefined) fields[k] = e[k];
    error = { name: e.name, fault: e.$fault, body: shape === e.name ? wire(shape, fields) : { "?unexpected error": String(e) } };
  }
  const sdkRecord = error ? { exception: error } : {
    events: parsed.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) =>
      [k, shapes[streamShape].members[k] ? wire(shapes[streamShape].members[k].shape, v) : { "?unmodeled": String(v) }]))),
  };
  events.push({
    operation: op, name, message_type: exception ? "exception" : "event", type: event, payload: text,
    frame_base64: frame.toString("base64"), sdk: sdkRecord,
  });
}

// Every enum of the model, as the SDK exports it: its known values (compared with our enum types').
const enums = Object.fromEntries(Object.keys(shapes).filter((k) => kindOf(k) === "enum").sort()
  .map((k) => [k, sdk[k] ? Object.values(sdk[k]) : null]));

const counts = {};
for (const op of operations) {
  counts[op] = {
    requests: requests.filter((c) => c.operation === op).length,
    responses: responses.filter((c) => c.operation === op).length,
    events: events.filter((c) => c.operation === op).length,
    input_events: inputEvents.filter((c) => c.operation === op).length,
  };
}
client.destroy();
process.stdout.write(JSON.stringify({
  sdk: "@aws-sdk/client-bedrock-runtime", version: sdkVersion, volatile_headers: VOLATILE_HEADERS, counts,
  enums, requests, responses, events, input_events: inputEvents,
}, null, 1) + "\n");

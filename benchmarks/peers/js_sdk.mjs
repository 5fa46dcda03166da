// The JS peers of benchmarks/peers, one process per run, the same workloads as bare_loop.cpp:
//
//   node js_sdk.mjs <node_modules dir's parent> <peer> stream <events> <streams> | unary <calls> <warm-up calls>
//
// <peer>:
// sdk-h1: the official AWS SDK for JavaScript v3, @aws-sdk/client-bedrock-runtime (the version pinned
//         in package-lock.json, installed by run.py with `npm ci` in the build directory), given a
//         NodeHttpHandler (HTTP/1.1, keep-alive agent): the same transport as the other peers. It signs
//         every request; a stream is read to its end with `for await` over response.stream, counting
//         contentBlockDelta events.
// sdk:    the same with the client's default handler. For Bedrock Runtime that is NodeHttp2Handler
//         with disableConcurrentStreams: true, which opens an isolated HTTP/2 session (a new TCP + TLS
//         connection) for every request and every event stream: no keep-alive at all. What an SDK user
//         gets without configuring anything, so it is measured too.
// https:  bare node:https with a keep-alive agent, no SDK: the same unsigned bytes as bare_loop.cpp
//         (the emulator runs with --no-auth), each body read to its end without parsing.
//
// Environment: the emulator's (AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_REGION); NODE_EXTRA_CA_CERTS=<its CA file> so that Node trusts it.
// Prints one JSON line: {"peer","workload","units","cpu_s","wall_s"}; exit 1 on any failure.
// CPU is process.cpuUsage() (user + system, the whole process: main thread, GC and libuv threads)
// around the measured part, after a warm-up (one stream, or <warm-up calls> calls: connection, and
// for the JIT).

import { createRequire } from 'node:module';
import https from 'node:https';
import path from 'node:path';

const [dir, peer, workload, ...rest] = process.argv.slice(2);
const usage = () => {
  console.error('usage: node js_sdk.mjs <dir> sdk|sdk-h1|https stream <events> <streams> | unary <calls> <warm-up calls>');
  process.exit(2);
};
if (!dir || !['sdk', 'sdk-h1', 'https'].includes(peer)) usage();
if (!((workload === 'stream' && rest.length === 2) || (workload === 'unary' && rest.length === 2))) usage();
const a = Number(rest[0]);
const streams = workload === 'stream' ? Number(rest[1]) : 0;
const warmup = workload === 'unary' ? Math.max(1, Number(rest[1])) : 1;
const endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
if (!endpoint) {
  console.error('AWS_ENDPOINT_URL_BEDROCK_RUNTIME is not set');
  process.exit(1);
}
const streamModel = `many-events-${a}:peers`;
const unaryModel = 'peers.echo';
const messages = [{ role: 'user', content: [{ text: 'benchmark' }] }];

function sdkPeer(h1) {
  const require = createRequire(path.join(path.resolve(dir), 'package.json'));
  const { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } = require('@aws-sdk/client-bedrock-runtime');
  // The SDK's own dependency, resolved from it (the version its lock pins).
  const requireSdk = createRequire(require.resolve('@aws-sdk/client-bedrock-runtime'));
  const handler = h1 ? { requestHandler: new (requireSdk('@smithy/node-http-handler').NodeHttpHandler)() } : {};
  const client = new BedrockRuntimeClient({
    ...handler,
    endpoint,
    region: process.env.AWS_REGION || 'us-east-1',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  return {
    async stream() {
      const out = await client.send(new ConverseStreamCommand({ modelId: streamModel, messages }));
      let deltas = 0;
      for await (const ev of out.stream) if (ev.contentBlockDelta) ++deltas;
      return deltas;
    },
    async unary() {
      const out = await client.send(new ConverseCommand({ modelId: unaryModel, messages }));
      if (!out.output?.message?.content?.length) throw new Error('no message in the answer');
    },
    close() { client.destroy(); },
  };
}

function httpsPeer() {
  const url = new URL(endpoint);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ messages });
  const post = p => new Promise((resolve, reject) => {
    const req = https.request({
      host: url.hostname, port: url.port, method: 'POST', path: p, agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Accept: '*/*' },
    }, res => {
      if (res.statusCode !== 200) {
        reject(new Error(`status ${res.statusCode}`));
        res.resume();
        return;
      }
      let bytes = 0;
      res.on('data', chunk => { bytes += chunk.length; });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  const streamPath = `/model/${encodeURIComponent(streamModel)}/converse-stream`;
  const unaryPath = `/model/${encodeURIComponent(unaryModel)}/converse`;
  return {
    // No parsing: the number of events is what was asked for, once a body that size arrived (a
    // contentBlockDelta frame takes more than 64 bytes).
    async stream() { return (await post(streamPath)) > 64 * a ? a : 0; },
    async unary() { if ((await post(unaryPath)) === 0) throw new Error('empty answer'); },
    close() { agent.destroy(); },
  };
}

const p = peer === 'https' ? httpsPeer() : sdkPeer(peer === 'sdk-h1');
try {
  let units = 0;
  let cpu0, wall0;
  const start = () => { wall0 = process.hrtime.bigint(); cpu0 = process.cpuUsage(); };
  if (workload === 'stream') {
    if ((await p.stream()) !== a) throw new Error('warm-up stream: wrong number of deltas');
    start();
    for (let i = 0; i < streams; ++i) units += await p.stream();
    if (units !== a * streams) throw new Error(`wrong number of deltas: ${units}`);
  } else {
    for (let i = 0; i < warmup; ++i) await p.unary(); // and the JIT
    start();
    for (let i = 0; i < a; ++i) await p.unary();
    units = a;
  }
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9;
  console.log(JSON.stringify({
    peer: { sdk: 'js_sdk', 'sdk-h1': 'js_sdk_h1', https: 'node_https' }[peer], workload, units,
    cpu_s: (cpu.user + cpu.system) / 1e6, wall_s: wall,
  }));
  p.close();
} catch (e) {
  console.error(`js_sdk.mjs (${peer}): ${e.stack || e}`);
  p.close();
  process.exit(1);
}

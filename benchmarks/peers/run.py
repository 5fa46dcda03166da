#!/usr/bin/env python3
"""Client CPU of the same workloads against the same local server, side by side (issue 13).

Starts one bedrock-emulator (--no-auth, so that the bare loops may send unsigned bytes; the library
and the SDK sign anyway), then runs every peer as its own process, --runs times per workload, and
prints one markdown table: each peer's client CPU (user + sys of its process, warm-up excluded) per
event (ConverseStream of many-events-<n>) and per call (sequential unary Converse on one keep-alive
connection), and its ratio to the bare Asio + OpenSSL loop's figure of the same run (medians over the
runs). The peers:

  bare_loop    Asio + OpenSSL, fixed request bytes, bodies read into 16 KiB without parsing (the floor);
               blocking reads: a wait for bytes is one recv
  bare_async   the same on an event loop (async_write, async_read_some, io_context::run): what any Asio
               program pays for these bytes; a wait for bytes is epoll_wait, then recv
  bedrock_peer this library (bedrock::client, callbacks, HTTP/1.1)
  js_sdk_h1    AWS SDK for JavaScript v3 (@aws-sdk/client-bedrock-runtime, pinned) on NodeHttpHandler:
               HTTP/1.1 keep-alive, the same transport as the others
  js_sdk       the same SDK with its default handler (for Bedrock Runtime: an isolated HTTP/2 session,
               so a new TLS connection, per request and per stream)
  node_https   bare node:https, keep-alive, no SDK, no parsing (the floor of the JS peers)

Build first (see benchmarks/README.md, "Peers"):
  cmake -S . -B build/peers -G Ninja -DCMAKE_BUILD_TYPE=Release -DBEDROCK_BUILD_BENCHMARKS=ON ...
  cmake --build build/peers --target bedrock_peers
  python3 benchmarks/peers/run.py --build-dir build/peers --runs 3

The JS peers need node and npm: the pinned SDK is installed with `npm ci` into
<build-dir>/benchmarks/peers_js (never the source tree). --smoke: tiny sizes, one run, the JS peers
skipped with a message when npm ci cannot reach the registry; exit status 1 if any peer fails or
reports nonsense (wrong event count, no CPU time).
"""

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SDK_PACKAGE = '@aws-sdk/client-bedrock-runtime'

PEERS = ['bare_loop', 'bare_async', 'bedrock_peer', 'js_sdk_h1', 'js_sdk', 'node_https']
JS_PEERS = {'js_sdk_h1': 'sdk-h1', 'js_sdk': 'sdk', 'node_https': 'https'}
DESCRIPTION = {
    'bare_loop': 'bare Asio + OpenSSL read loop (floor)',
    'bare_async': 'the same on an event loop (async floor)',
    'bedrock_peer': 'bedrock-asio (this library)',
    'js_sdk_h1': 'AWS SDK JS v3, HTTP/1.1 keep-alive',
    'js_sdk': 'AWS SDK JS v3, default handler (new h2 session per request)',
    'node_https': 'bare node:https, no SDK',
}


def fail(msg):
    print(f'run.py: {msg}', file=sys.stderr)
    sys.exit(1)


def pinned_sdk_version(js_dir):
    with open(os.path.join(js_dir, 'package-lock.json')) as f:
        return json.load(f)['packages'][f'node_modules/{SDK_PACKAGE}']['version']


def installed_sdk_version(js_dir):
    try:
        with open(os.path.join(js_dir, 'node_modules', SDK_PACKAGE, 'package.json')) as f:
            return json.load(f)['version']
    except OSError:
        return None


def prepare_js(build_dir, npm_timeout):
    """Returns (js_dir, None) when the pinned SDK is installed there, else (None, why not)."""
    node, npm = shutil.which('node'), shutil.which('npm')
    if not node or not npm:
        return None, 'node or npm not found'
    js_dir = os.path.join(build_dir, 'benchmarks', 'peers_js')
    os.makedirs(js_dir, exist_ok=True)
    for name in ('package.json', 'package-lock.json'):  # CMake copies them; stay right if it did not
        src, dst = os.path.join(HERE, name), os.path.join(js_dir, name)
        with open(src, 'rb') as a:
            data = a.read()
        if not os.path.exists(dst) or open(dst, 'rb').read() != data:
            with open(dst, 'wb') as b:
                b.write(data)
    if installed_sdk_version(js_dir) != pinned_sdk_version(js_dir):
        try:
            r = subprocess.run([npm, 'ci', '--no-audit', '--no-fund'], cwd=js_dir, capture_output=True,
                               text=True, timeout=npm_timeout)
        except subprocess.TimeoutExpired:
            return None, 'npm ci timed out (no npm registry?)'
        if r.returncode != 0:
            lines = (r.stderr or r.stdout).strip().splitlines()
            return None, 'npm ci failed (no npm registry?): ' + ' / '.join(lines[:3])
    if installed_sdk_version(js_dir) != pinned_sdk_version(js_dir):
        return None, 'the pinned SDK is not what npm ci installed'
    return js_dir, None


def start_emulator(emulator, tmp):
    ca = os.path.join(tmp, 'ca.pem')
    proc = subprocess.Popen([emulator, '--no-auth', '--port', '0', '--ca-file', ca], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    env = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        line = line.strip()
        if line.startswith('#'):
            break  # the last line it prints
        if '=' in line:
            k, v = line.split('=', 1)
            env[k] = v
    if 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME' not in env:
        proc.kill()
        fail('the emulator did not print its environment')
    return proc, env


def run_peer(peer, cmd, env, workload, units, timeout):
    """Runs one peer process; returns (cpu seconds per unit, wall seconds per unit) or an error string."""
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f'timed out after {timeout} s'
    if r.returncode != 0:
        return f'exit {r.returncode}: ' + ' / '.join(r.stderr.strip().splitlines()[-3:])
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f'no JSON line in its output: {r.stdout[-200:]!r}'
    if out.get('peer') != peer or out.get('workload') != workload or out.get('units') != units:
        return f'nonsense: expected {peer} {workload} units={units}, got {out}'
    cpu, wall = out.get('cpu_s'), out.get('wall_s')
    if not all(isinstance(x, (int, float)) and math.isfinite(x) and x > 0 for x in (cpu, wall)):
        return f'nonsense CPU or wall time: {out}'
    return cpu / units, wall / units


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build-dir', default=os.path.join(ROOT, 'build', 'peers'),
                    help='CMake build directory with the bedrock_peers target built (default: build/peers)')
    ap.add_argument('--runs', type=int, default=3, help='processes per peer and workload (medians over them)')
    ap.add_argument('--events', type=int, default=20000, help='contentBlockDelta events per stream')
    ap.add_argument('--streams', type=int, default=3, help='measured streams per process (after one unmeasured one)')
    ap.add_argument('--calls', type=int, default=2000, help='measured unary calls per process')
    ap.add_argument('--warmup-calls', type=int, default=200,
                    help='unmeasured unary calls first in each process (connection, buffers, the JIT of node)')
    ap.add_argument('--peers', default=','.join(PEERS), help='comma-separated subset of ' + ','.join(PEERS))
    ap.add_argument('--no-js', action='store_true', help='skip the JS peers')
    ap.add_argument('--smoke', action='store_true',
                    help='tiny sizes, one run, JS skipped if npm ci fails; exit 1 on any failure')
    ap.add_argument('--timeout', type=float, default=300, help='seconds per peer process')
    ap.add_argument('--busy-core', action='store_true',
                    help='keep one CPU busy with a spinning process while the peers run, so that no CPU '
                         'goes idle between a request and its answer (benchmarks/README.md, "Peers")')
    args = ap.parse_args()
    started = time.monotonic()
    if args.smoke:
        args.runs, args.events, args.streams, args.calls, args.warmup_calls, args.timeout = 1, 200, 1, 20, 1, 20
    peers = [p for p in args.peers.split(',') if p]
    for p in peers:
        if p not in PEERS:
            fail(f'unknown peer {p}')
    if 'bare_loop' not in peers:
        fail('the ratios need bare_loop')

    build = os.path.abspath(args.build_dir)
    binaries = {
        'emulator': os.path.join(build, 'tools', 'bedrock-emulator', 'bedrock-emulator'),
        'bare_loop': os.path.join(build, 'benchmarks', 'bare_loop'),
        'bare_async': os.path.join(build, 'benchmarks', 'bare_async'),
        'bedrock_peer': os.path.join(build, 'benchmarks', 'bedrock_peer'),
    }
    for name, path in binaries.items():
        if not os.access(path, os.X_OK):
            fail(f'{path} not found: build the target bedrock_peers in {build} (benchmarks/README.md, "Peers")')

    notes = []
    if args.smoke:
        notes.append('--smoke: sizes far too small for the figures to mean anything (node has not even warmed '
                     'up); it checks that every peer runs and answers right')
    if args.busy_core:
        notes.append('--busy-core: one CPU kept busy by a spinning process while the peers ran')
    js_dir = None
    if any(p in JS_PEERS for p in peers) and not args.no_js:
        js_dir, why = prepare_js(build, 20 if args.smoke else 300)  # smoke: < 30 s in all
        if js_dir is None:
            if not args.smoke:
                fail(f'JS peers: {why} (--no-js to run without them)')
            print(f'run.py: SKIP the JS peers: {why}', file=sys.stderr)
            notes.append(f'JS peers skipped: {why}')
    if js_dir is None:
        peers = [p for p in peers if p not in JS_PEERS]

    workloads = {  # name: (peer arguments, units, unit)
        'stream': (['stream', str(args.events), str(args.streams)], args.events * args.streams, 'event'),
        'unary': (['unary', str(args.calls), str(args.warmup_calls)], args.calls, 'call'),
    }

    def command(peer, wargs):
        if peer in JS_PEERS:
            return ['node', os.path.join(HERE, 'js_sdk.mjs'), js_dir, JS_PEERS[peer]] + wargs
        return [binaries[peer]] + wargs

    failures = []
    results = {w: {p: [] for p in peers} for w in workloads}  # (cpu/unit, wall/unit) per run
    ratios = {w: {p: [] for p in peers} for w in workloads}
    with tempfile.TemporaryDirectory(prefix='bedrock-peers-') as tmp:
        emu, emu_env = start_emulator(binaries['emulator'], tmp)
        env = dict(os.environ)
        env.update(emu_env)
        env['NODE_EXTRA_CA_CERTS'] = emu_env['AWS_CA_BUNDLE']
        env['AWS_CONFIG_FILE'] = env['AWS_SHARED_CREDENTIALS_FILE'] = os.devnull
        for k in ('AWS_PROFILE', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_SESSION_TOKEN', 'BEDROCK_HTTP_VERSION'):
            env.pop(k, None)
        spinner = None
        try:
            # On a virtual machine a CPU that goes idle costs the thread that wakes it: waiting for
            # the answer lets the client's CPU idle, and the wake-up is charged to the client, several
            # times what the request costs. A spinning process keeps one CPU from idling.
            if args.busy_core:
                spinner = subprocess.Popen([sys.executable, '-c', 'while True: pass'])
            for run in range(args.runs):
                for w, (wargs, units, _) in workloads.items():
                    this_run = {}
                    for p in peers:
                        r = run_peer(p, command(p, wargs), env, w, units, args.timeout)
                        if isinstance(r, str):
                            failures.append(f'{p} {w} (run {run + 1}): {r}')
                            print(f'run.py: FAIL {p} {w} (run {run + 1}): {r}', file=sys.stderr)
                            continue
                        this_run[p] = r
                        results[w][p].append(r)
                        print(f'run {run + 1}/{args.runs} {w:6} {p:12} {r[0] * 1e6:10.2f} us CPU/unit',
                              file=sys.stderr)
                    if 'bare_loop' in this_run:
                        for p, r in this_run.items():
                            ratios[w][p].append(r[0] / this_run['bare_loop'][0])
        finally:
            if spinner:
                spinner.kill()
                spinner.wait()
            emu.send_signal(signal.SIGTERM)
            try:
                emu.wait(timeout=10)
            except subprocess.TimeoutExpired:
                emu.kill()
    elapsed = time.monotonic() - started

    def cell(values, fmt):
        return format(statistics.median(values), fmt) if values else 'n/a'

    cmd = 'python3 benchmarks/peers/run.py ' + ' '.join(
        shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else 'python3 benchmarks/peers/run.py'
    node = subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip() if js_dir else ''
    print()
    print(f'Client CPU (user + sys of the client process, warm-up excluded), medians of {args.runs} run(s); '
          f'ratio = CPU per unit / bare_loop\'s in the same run (median of the per-run ratios).')
    print(f'Stream: ConverseStream of many-events-{args.events} ({args.streams} measured per process), per event. '
          f'Unary: {args.calls} sequential Converse calls on one connection (after {args.warmup_calls} unmeasured), '
          f'per call.')
    print()
    print('| peer | stream: CPU µs/event | stream: ratio | unary: CPU µs/call | unary: ratio |')
    print('|---|---:|---:|---:|---:|')
    for p in peers:
        s, u = results['stream'][p], results['unary'][p]
        print(f'| {p}: {DESCRIPTION[p]} | {cell([x[0] * 1e6 for x in s], ".2f")} | {cell(ratios["stream"][p], ".2f")} '
              f'| {cell([x[0] * 1e6 for x in u], ".1f")} | {cell(ratios["unary"][p], ".2f")} |')
    print()
    shown = os.path.relpath(build, ROOT) if build.startswith(ROOT + os.sep) else build
    print(f'Reproduce: `cmake --build {shown} --target bedrock_peers && {cmd}`')
    details = [datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
               f'{platform.machine()}, {os.cpu_count()} CPUs']
    if js_dir:
        details.append(f'node {node}, {SDK_PACKAGE} {installed_sdk_version(js_dir)}')
    print('; '.join(details) + f'; {elapsed:.1f} s in all.')
    for n in notes:
        print(f'Note: {n}')
    if failures:
        print(f'\n{len(failures)} failure(s):', file=sys.stderr)
        for f in failures:
            print('  ' + f, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Instructions and heap allocations per unary call, bare loop beside this library (issue 13).

CPU seconds on this VM move by half from one run to the next; instruction and allocation counts do
not. This runs each native peer (bare_loop, bare_async, bedrock_peer) twice against one bedrock-emulator,
for --small and for --large sequential Converse calls after the same warm-up, under valgrind's callgrind
(instructions executed in user space, OpenSSL's included) and, where installed, heaptrack (calls to
allocation functions), and prints the difference divided by the extra calls: what one more call costs,
with start-up, the TLS handshake and the warm-up cancelled out.

valgrind's CPU has no SHA extensions, so the signing's SHA-256 counts for more here than it costs
natively (benchmarks/README.md, "Peers").

  python3 benchmarks/peers/count.py --build-dir build/release [--small 500 --large 1500]
  --smoke: 20 and 60 calls, exit 1 unless every count is positive and the library's the larger.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run  # noqa: E402  (start_emulator, fail)

PEERS = ['bare_loop', 'bare_async', 'bedrock_peer']


def instructions(binary, calls, warmup, env, tmp):
    out = os.path.join(tmp, 'callgrind.out')
    r = subprocess.run(['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}', binary, 'unary', str(calls),
                        str(warmup)], env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        run.fail(f'{os.path.basename(binary)} under callgrind: exit {r.returncode}: {r.stderr.strip()[-400:]}')
    with open(out) as f:
        for line in f:
            if line.startswith('summary:') or line.startswith('totals:'):
                return int(line.split()[1])
    run.fail(f'no totals in {out}')


def allocations(binary, calls, warmup, env, tmp):
    base = os.path.join(tmp, f'heaptrack.{calls}')
    r = subprocess.run(['heaptrack', '-o', base, binary, 'unary', str(calls), str(warmup)], env=env,
                       capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        run.fail(f'{os.path.basename(binary)} under heaptrack: exit {r.returncode}: {r.stdout.strip()[-400:]}')
    data = next((os.path.join(tmp, f) for f in os.listdir(tmp) if f.startswith(f'heaptrack.{calls}')), None)
    if data is None:
        run.fail('heaptrack wrote no data file')
    p = subprocess.run(['heaptrack_print', '-f', data, '-a', '0', '-p', '0', '-l', '0', '-t', '0', '-s', '0'],
                       capture_output=True, text=True, timeout=600)
    os.remove(data)
    m = re.search(r'calls to allocation functions: (\d+)', p.stdout)
    if not m:
        run.fail('heaptrack_print gave no allocation count')
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', default=os.path.join(run.ROOT, 'build', 'release'),
                    help='CMake build directory with bedrock_peers built (default: build/release)')
    ap.add_argument('--small', type=int, default=500, help='measured calls of the first run')
    ap.add_argument('--large', type=int, default=1500, help='measured calls of the second run')
    ap.add_argument('--warmup', type=int, default=20, help='unmeasured calls first in each run')
    ap.add_argument('--smoke', action='store_true', help='20 and 60 calls; exit 1 on a nonsensical count')
    args = ap.parse_args()
    if args.smoke:
        args.small, args.large = 20, 60
    if args.large <= args.small:
        run.fail('--large must exceed --small')
    if not shutil.which('valgrind'):
        run.fail('valgrind not found (Debian package valgrind)')
    heaptrack = shutil.which('heaptrack') and shutil.which('heaptrack_print')

    build = os.path.abspath(args.build_dir)
    emulator = os.path.join(build, 'tools', 'bedrock-emulator', 'bedrock-emulator')
    binaries = {p: os.path.join(build, 'benchmarks', p) for p in PEERS}
    for path in [emulator, *binaries.values()]:
        if not os.access(path, os.X_OK):
            run.fail(f'{path} not found: build the target bedrock_peers in {build}')

    extra = args.large - args.small
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, emu_env = run.start_emulator(emulator, tmp)
        try:
            env = dict(os.environ)
            env.update(emu_env)
            for peer, binary in binaries.items():
                counts = [instructions(binary, n, args.warmup, env, tmp) for n in (args.small, args.large)]
                row = {'instructions': (counts[1] - counts[0]) / extra}
                if heaptrack:
                    counts = [allocations(binary, n, args.warmup, env, tmp) for n in (args.small, args.large)]
                    row['allocations'] = (counts[1] - counts[0]) / extra
                rows[peer] = row
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print(f'per unary Converse call on keep-alive, {args.small} and {args.large} calls after {args.warmup}:')
    print(f"| peer | instructions (callgrind) | heap allocations (heaptrack) |")
    print('|---|---|---|')
    for peer, row in rows.items():
        alloc = f"{row['allocations']:.1f}" if 'allocations' in row else 'heaptrack not installed'
        print(f"| {peer} | {row['instructions'] / 1000:.1f} k | {alloc} |")
    bare, lib = rows['bare_loop'], rows['bedrock_peer']
    print(f"library / bare loop: {lib['instructions'] / bare['instructions']:.2f}x the instructions; "
          f"/ the same on an event loop: {lib['instructions'] / rows['bare_async']['instructions']:.2f}x")
    if args.smoke:
        bad = [p for p, r in rows.items() if any(v <= 0 for v in r.values())]
        if bad or lib['instructions'] <= bare['instructions']:
            run.fail(f'nonsensical counts: {rows}')


if __name__ == '__main__':
    main()

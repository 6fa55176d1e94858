# SPDX-License-Identifier: GPL-2.0
#
# Nested round-trip benchmark, stock 6.12 against the layer, in one run
# (scripts/e2e.py bench, make e2e-bench): both e2e kernels are built, then
# booted RUNS times each, alternating, and selftests/nested_vmmcall_bench
# (L1 runs L2, L2 does VMMCALL in a loop) runs once per boot.  Reported
# per round trip: KVM's tlb_flush and nested_run statistics of the vCPU,
# the ASID flushes KVM asks for at VMRUN (tlb_tag_flush, a statistic of
# the layer: "n/a" on stock) and the time, min/median/max over the runs,
# with the layer/stock ratio of the medians.  --vcpus runs that many
# vCPUs of one VM at once, and --pin puts them all on CPU 0, where they
# take turns: more vCPUs than CPUs.
#
# A benchmark, not a test: it fails only if a run does not produce its
# figures.  TCG inflates absolute times; compare the ratios.

"""The bench subcommand: nested round trips, stock against layer."""

import argparse
import os
import re
import subprocess
import sys
from typing import Dict, List, Tuple

E2E = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'e2e.py')
KERNELS = ('stock', 'layer')
FIGURES = ('tlb_flush', 'nested_run', 'tlb_tag_flush', 'ns')


class BenchError(Exception):
    """A build or a run that did not produce its figures."""


def log(msg: str) -> None:
    """A message of the benchmark, on stderr."""
    print(f'e2e-bench: {msg}', file=sys.stderr, flush=True)


def fmt(v: float) -> str:
    """A number as awk prints one (%.6g)."""
    return '%.6g' % v


def stats(values: List[str]) -> Tuple[str, str, str]:
    """min, median and max of VALUES (numbers as printed), as printed."""
    v = sorted(values, key=float)
    n = len(v)
    med = v[n // 2] if n % 2 else fmt((float(v[n // 2 - 1]) +
                                       float(v[n // 2])) / 2)
    return v[0], med, v[-1]


def figures(text: str) -> Dict[str, str]:
    """tlb_flush, nested_run and ns per round trip from the benchmark's
    last "per_round_trip" line."""
    lines = [l for l in text.split('\n') if 'per_round_trip' in l]
    if not lines:
        return {}
    out = {}
    for f in FIGURES:
        m = re.search(rf' {f}=(-?[0-9.]+)', lines[-1])
        if m:
            out[f] = m.group(1)
    return out


def show(values: List[str]) -> str:
    """min/median/max of VALUES, or n/a for a statistic the kernel lacks
    (the program prints -1)."""
    if any(float(v) < 0 for v in values):
        return 'n/a'
    return '/'.join(stats(values))


def run(runs: int, round_trips: int, cache: str, vcpus: int = 1,
        pin: bool = False) -> str:
    """Build both kernels, boot them alternately, return the table."""
    out = os.path.join(cache, 'e2e-bench')
    os.makedirs(out, exist_ok=True)
    for k in KERNELS:
        log(f'building the {k} kernel')
        if subprocess.run([sys.executable, E2E, 'build', '--kernel', k],
                          stdout=sys.stderr).returncode:
            raise BenchError(f'build of the {k} kernel failed')
    got: Dict[str, Dict[str, List[str]]] = {
        k: {f: [] for f in FIGURES} for k in KERNELS}
    for r in range(1, runs + 1):
        # Alternate which kernel boots first, so that drift hits both.
        order = KERNELS if r % 2 else tuple(reversed(KERNELS))
        for k in order:
            log(f'run {r}/{runs}: {k} kernel, {round_trips} round trips')
            path = os.path.join(out, f'{k}-{r}.log')
            with open(path, 'w') as f:
                rc = subprocess.run(
                    [sys.executable, E2E, 'boot', '--kernel', k, '--cmds',
                     f'nested_vmmcall_bench -n {round_trips} -v {vcpus}' +
                     (' -p' if pin else '')],
                    stdout=f, stderr=subprocess.STDOUT).returncode
            if rc:
                raise BenchError(f'boot of the {k} kernel failed (see {path})')
            with open(path, errors='replace') as f:
                fig = figures(f.read())
            if len(fig) != len(FIGURES):
                raise BenchError(f'no figures from the {k} kernel (see {path})')
            for name, v in fig.items():
                got[k][name].append(v)
    lines = [f'nested VMMCALL round trips: {runs} runs x {round_trips} round '
             f'trips per vCPU per kernel, {vcpus} vCPU(s)' +
             (', all on CPU 0' if pin else ''),
             '%-6s %-22s %-22s %-22s %-26s' % (
                 'kernel', 'tlb_flush/RT min/med/max',
                 'nested_run/RT min/med/max', 'tlb_tag_flush/RT min/med/max',
                 'ns/RT min/median/max')]
    for k in KERNELS:
        lines.append('%-6s %-22s %-22s %-22s %-26s' % (
            k, *(show(got[k][f]) for f in FIGURES)))
    smed = float(stats(got['stock']['ns'])[1])
    lmed = float(stats(got['layer']['ns'])[1])
    ratios = [fmt(float(a) / float(b))
              for a, b in zip(got['layer']['ns'], got['stock']['ns'])]
    rmin, rmed, rmax = (float(x) for x in stats(ratios))
    lines.append('time per round trip, layer/stock: %.3f (medians); per run '
                 'pair min/median/max %.3f/%.3f/%.3f' % (lmed / smed, rmin,
                                                         rmed, rmax))
    return '\n'.join(lines)


def handler(args: argparse.Namespace) -> int:
    """The bench subcommand."""
    try:
        print(run(args.runs, args.round_trips, args.cache, args.vcpus,
                  args.pin))
    except BenchError as e:
        print(f'e2e-bench: error: {e}', file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction, env) -> None:
    """The bench subcommand's options; ENV reads their defaults."""
    p = sub.add_parser('bench', help='nested round-trip benchmark, stock '
                       'against layer kernel')
    p.add_argument('--runs', type=int, default=int(env('RUNS', default='5')),
                   help='boots of each kernel (RUNS; default: 5)')
    p.add_argument('--round-trips', type=int,
                   default=int(env('ROUND_TRIPS', default='100000')),
                   help='round trips per boot (ROUND_TRIPS; default: 100000)')
    p.add_argument('--vcpus', type=int,
                   default=int(env('VCPUS', default='1')),
                   help='vCPUs of the VM doing round trips at once (VCPUS; '
                   'default: 1)')
    p.add_argument('--pin', action=argparse.BooleanOptionalAction,
                   default=env('PIN', default='0') not in ('0', ''),
                   help='pin every vCPU thread to CPU 0, so that they take '
                   'turns (PIN=1)')
    p.add_argument('--cache', default=env(
        'NESTED_CACHE', default=os.path.expanduser('~/.cache/nested')),
                   help='cache directory (NESTED_CACHE)')
    p.set_defaults(handler=handler)

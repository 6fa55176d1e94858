# SPDX-License-Identifier: GPL-2.0
#
# The report of an end-to-end run: per model a header with what the
# guest saw, one line per test ("PASS  name [MODEL]", "FAIL  name [MODEL]
# (reason)", SKIP, XFAIL, XPASS) and the model's total; then the total of
# every model.  Also the progress lines printed while a model runs, the
# runner's messages, and the result model as JSON.

"""Text and JSON reports of the end-to-end runs."""

import json
import sys
from typing import Dict, List, Optional, TextIO

from e2e_parser import ModelResult, Status

# Where the report and the messages go; the tests of the runner replace
# them.
out: TextIO = sys.stdout
err: TextIO = sys.stderr


def log(msg: str) -> None:
    """A message of the runner, on stderr."""
    print(f'e2e: {msg}', file=err, flush=True)


def progress(model: str, index: int, total: int, name: str,
             secs: float) -> None:
    """The line of a test that just ended, as the host saw it."""
    log(f'[{model}] {index}/{total} {name} {secs:.0f} s')


def _say(line: str) -> None:
    print(line, file=out, flush=True)


def cpu_header(res: ModelResult) -> List[str]:
    """What the guest saw of its CPU, for the head of a model's report."""
    log_ = res.log
    if log_.cpu is None:
        return [f'{res.what}, the guest did not report its CPU']
    cpu = log_.cpu
    nflags = len(log_.cpuflags)
    if res.model.vendor == 'amd':
        vgif = 'present' if 'vgif' in log_.cpuflags else 'absent'
        line = (f'{res.what}, vGIF (CPUID 0x8000000A EDX[16]) {vgif}, '
                f'kvm_amd.vgif={cpu.get("kvm_amd.vgif") or "?"}, '
                f'{nflags} CPU flags')
    else:
        vmx = 'present' if 'vmx' in log_.cpuflags else 'absent'
        params = ' '.join(f'{k.split(".", 1)[1]}={v or "?"}'
                          for k, v in cpu.items()
                          if k.startswith('kvm_intel.'))
        line = (f'{res.what}, VMX {vmx}, kvm_intel {params or "?"}, '
                f'{nflags} CPU flags')
    # Built-in KVM takes the TSC rate of the early calibration, which
    # under TCG can be off; then the clock tests fail (e2e-xfail.txt).
    tsc = f'TSC {"; ".join(log_.tsc) or "?"} (early/refined)'
    if log_.tsc_early_kept:
        tsc += (", KVM's default TSC rate is the early one: clock tests "
                'may fail')
    return [line, tsc]


def result_line(status: Status, name: str, model: str,
                reason: str = '') -> str:
    """One line of the report."""
    return f'{status.value:<5} {name} [{model}]' + (f' ({reason})'
                                                     if reason else '')


def counts(results: List[ModelResult]) -> Dict[str, int]:
    """The totals of RESULTS: passed (PASS), failed (FAIL, XPASS),
    skipped, expected failures."""
    return {
        'passed': sum(r.count(Status.PASS) for r in results),
        'failed': sum(r.count(Status.FAIL, Status.XPASS) for r in results),
        'skipped': sum(r.count(Status.SKIP) for r in results),
        'xfailed': sum(r.count(Status.XFAIL) for r in results),
    }


def total_line(prefix: str, c: Dict[str, int]) -> str:
    """"PREFIX: N passed, N failed, N skipped, N expected failures"."""
    return (f'{prefix}: {c["passed"]} passed, {c["failed"]} failed, '
            f'{c["skipped"]} skipped, {c["xfailed"]} expected failures')


def print_model(kernel: str, res: ModelResult) -> None:
    """The report of one model: header, tests, total; what fails the
    run besides the tests goes to stderr."""
    prefix = f'e2e {kernel} [{res.model.name}]'
    for line in cpu_header(res):
        _say(f'{prefix}: {line}')
    for p in res.problems:
        print(f'{prefix}: {p}', file=err, flush=True)
    for r in res.results:
        _say(result_line(r.status, r.name, r.model, r.reason))
    if res.log.splat_outside:
        print(f'{prefix}: kernel splat outside the tests: '
              f'{res.log.splat_outside}', file=err, flush=True)
    for s in res.log.stops:
        if not s.test:
            print(f'{prefix}: a boot stopped outside the tests: {s.reason}',
                  file=err, flush=True)
    _say(total_line(prefix, counts([res])))


def print_total(kernel: str, results: List[ModelResult]) -> None:
    """The total of every model."""
    _say(total_line(f'e2e {kernel}', counts(results)))


def json_result(kernel: str, results: List[ModelResult],
                extra: Optional[Dict[str, object]] = None) -> str:
    """The result model as JSON: per model its counts, what failed the
    run besides the tests, and per test status, reason, seconds, model
    and emulator."""
    models = []
    for res in results:
        m = res.model
        models.append({
            'model': m.name,
            'emulator': m.emulator,
            'cpu': res.what,
            'status': 'PASS' if res.ok() else 'FAIL',
            'boots': res.log.boots,
            'problems': res.run_problems(),
            'counts': counts([res]),
            'tests': [{'name': r.name, 'status': r.status.value,
                       'reason': r.reason, 'secs': r.secs,
                       'model': m.name, 'emulator': m.emulator}
                      for r in res.results],
        })
    doc = {'kernel': kernel,
           'status': 'PASS' if all(r.ok() for r in results) else 'FAIL',
           'counts': counts(results), 'models': models}
    doc.update(extra or {})
    return json.dumps(doc, indent=2) + '\n'

# SPDX-License-Identifier: GPL-2.0
#
# Line coverage of KVM and the layer by the end-to-end selftests
# (scripts/e2e.py coverage, make e2e-coverage): build the e2e kernel with
# gcov on arch/x86/kvm/ and the layer only (scripts/e2e.py run --gcov, its
# own tree and build directory), boot it on each CPU model, run the quick
# set (the project's selftests/* included), copy the counters out of each
# guest, and turn them into an lcov report on the host.
#
# Writes, in $NESTED_CACHE/build/NAME-KERNEL-gcov/coverage/:
# html/index.html (genhtml), MODEL.info per model and all.info merged, and
# summary.txt, which is also printed: lines of svm/nested.c, svm/svm.c and
# of each layer directory per model and merged, and whether nested SVM's
# NPT functions ran.  Exits non-zero if a test failed or the data of a
# boot is missing; the report is written all the same.  "report" redoes
# the report from the last run's data, without booting.

"""The coverage subcommand: lcov report of the e2e selftests' coverage."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from typing import List, Tuple

import e2e_model

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(SCRIPTS, 'e2e.py')
# The functions that only nested NPT (svm/nested.c) and nested EPT
# (vmx/nested.c) run.
TDP_FUNCS = (('svm/nested.c', 'nested_svm_init_mmu_context'),
             ('svm/nested.c', 'nested_svm_get_tdp_cr3'),
             ('svm/nested.c', 'nested_svm_inject_npf_exit'),
             ('vmx/nested.c', 'nested_ept_init_mmu_context'),
             ('vmx/nested.c', 'nested_ept_get_eptp'),
             ('vmx/nested.c', 'nested_ept_inject_page_fault'))
# The rows of the summary: paths under arch/x86/kvm/ ('': all of KVM).
ROWS = ('svm/nested.c', 'svm/svm.c', 'vmx/nested.c', 'vmx/vmx.c',
        'nested/core/', 'nested/core/pool.c', 'nested/tlbtags/',
        'nested/vendor/svm/', 'nested/vendor/vmx/', 'nested/', '')


class CoverageError(Exception):
    """A step of the report that failed."""


def log(msg: str) -> None:
    """A message of the coverage run, on stderr."""
    print(f'e2e-coverage: {msg}', file=sys.stderr, flush=True)


def gcov_tool() -> str:
    """The gcov of the gcc that built the kernel: gcov's data format
    changes with gcc's version."""
    v = subprocess.run(['gcc', '-dumpversion'], stdout=subprocess.PIPE,
                       text=True).stdout.strip().split('.')[0]
    return f'gcov-{v}' if shutil.which(f'gcov-{v}') else 'gcov'


def _lcov(args: List[str], logfile: str, what: str) -> None:
    """lcov ARGS, its output appended to LOGFILE."""
    with open(logfile, 'a') as f:
        if subprocess.run(['lcov', '--quiet', *args], stdout=f,
                          stderr=subprocess.STDOUT).returncode:
            raise CoverageError(f'lcov {what} failed (see {logfile})')


def capture(model: str, build: str, out: str, gcov: str) -> str:
    """MODEL.info from the counters of the boot on that model; its path."""
    safe = re.sub(r'[^A-Za-z0-9._-]', '_', model)
    kobj = os.path.join(build, 'kernel')
    tgz = os.path.join(build, safe, 'gcda.tar.gz')
    tmp = os.path.join(out, f'gcda-{safe}')
    if not os.path.isfile(tgz):
        raise CoverageError(f'no coverage data of {model}')
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with tarfile.open(tgz) as tar:
        tar.extractall(tmp)
    # debugfs names each file by its absolute path at build time: the
    # .gcda files go next to the .gcno files of the build directory.
    data = os.path.join(tmp, kobj.lstrip('/'))
    if not os.path.isdir(data):
        raise CoverageError(f'the data of {model} is not of {kobj} '
                            f'(see {tmp})')
    for root, _, files in os.walk(kobj):
        for f in files:
            if f.endswith('.gcda'):
                os.remove(os.path.join(root, f))
    shutil.copytree(data, kobj, dirs_exist_ok=True)
    shutil.rmtree(tmp)
    logfile = os.path.join(out, f'lcov-{model}.log')
    open(logfile, 'w').close()
    raw = os.path.join(out, f'{model}.raw.info')
    info = os.path.join(out, f'{model}.info')
    # virt/kvm/ is built by arch/x86/kvm/Makefile but lands in virt/kvm/
    # of the build directory.
    _lcov(['--capture', '--directory', os.path.join(kobj, 'arch/x86/kvm'),
           '--directory', os.path.join(kobj, 'virt/kvm'),
           '--gcov-tool', gcov,
           '--test-name', re.sub(r'[^A-Za-z0-9_]', '_', model),
           '--output-file', raw], logfile, '--capture')
    # KVM's sources and the layer's, without the kernel headers.
    _lcov(['--extract', raw, '*/arch/x86/kvm/*', '*/virt/kvm/*',
           '--output-file', info], logfile, '--extract')
    os.remove(raw)
    return info


def lines_of(info: str, prefix: str) -> Tuple[int, int]:
    """Lines hit and found in the files whose path, after arch/x86/kvm/,
    starts with PREFIX.  A merged file has a record per model for each
    source file: lines are counted once."""
    found, hit = set(), set()
    on, f = False, ''
    with open(info) as fh:
        for line in fh:
            line = line.rstrip('\n')
            if line.startswith('SF:'):
                f = re.sub(r'.*/arch/x86/kvm/', '', line)
                on = f.startswith(prefix)
            elif on and line.startswith('DA:'):
                nr, count = line[3:].split(',')[:2]
                found.add((f, nr))
                if int(count) > 0:
                    hit.add((f, nr))
    return len(hit), len(found)


def calls(info: str, path: str, func: str) -> str:
    """How often FUNC of arch/x86/kvm/PATH ran ("-": not in the data)."""
    n = None
    on = False
    with open(info) as fh:
        for line in fh:
            line = line.rstrip('\n')
            if line.startswith('SF:'):
                on = line.endswith('/arch/x86/kvm/' + path)
            elif on and line.startswith('FNDA:'):
                count, name = line[5:].split(',', 1)
                if name == func:
                    n = (n or 0) + int(count)
    return '-' if n is None else str(n)


def pct(hit: int, found: int) -> str:
    """A cell of the summary: "85.2% 793/931"."""
    if not found:
        return '%14s' % '-'
    return '%5.1f%% %7s' % (100 * hit / found, f'{hit}/{found}')


def summary(infos: List[str]) -> str:
    """The summary table of INFOS (the last one the merged data)."""
    out = ['%-30s' % 'coverage: lines' +
           ''.join(' %15s' % os.path.basename(i)[:-len('.info')]
                   for i in infos)]
    for what in ROWS:
        row = '%-30s' % f'coverage: {what or "arch/x86/kvm, virt/kvm"}'
        for i in infos:
            row += ' %15s' % pct(*lines_of(i, what))
        out.append(row)
    for path, func in TDP_FUNCS:
        n = calls(infos[-1], path, func)
        if n == '-':
            out.append(f'coverage: {func}(): not in the data')
        elif n == '0':
            out.append(f'coverage: {func}(): not executed')
        else:
            out.append(f'coverage: {func}(): executed, {n} calls')
    return '\n'.join(out)


def handler(args: argparse.Namespace) -> int:
    """The coverage subcommand."""
    t0 = time.monotonic()
    build = os.path.join(args.cache, 'build', f'{args.name}-{args.kernel}-gcov')
    tree = os.path.join(args.cache, 'trees', f'{args.name}-{args.kernel}-gcov')
    out = os.path.join(build, 'coverage')
    models = args.cpus.split() or e2e_model.model_names()
    if subprocess.run([os.path.join(SCRIPTS, 'ktree.sh'), 'deps']).returncode:
        return 1
    gcov = gcov_tool()
    rc = 0
    if args.mode == 'run':
        cmd = [sys.executable, E2E, 'run', '--kernel', args.kernel, '--gcov',
               '--name', args.name, '--cpus', ' '.join(models),
               '--quick' if args.quick else '--no-quick']
        if args.tests:
            cmd += ['--tests', args.tests]
        rc = 1 if subprocess.run(cmd).returncode else 0
    os.makedirs(out, exist_ok=True)
    infos = []
    try:
        for m in models:
            try:
                infos.append(capture(m, build, out, gcov))
            except CoverageError as e:
                log(str(e))
                rc = 1
        if not infos:
            raise CoverageError('no coverage data')
        merged = os.path.join(out, 'all.info')
        alllog = os.path.join(out, 'lcov-all.log')
        open(alllog, 'w').close()
        _lcov([a for i in infos for a in ('--add-tracefile', i)] +
              ['--output-file', merged], alllog, '--add-tracefile')
        html = os.path.join(out, 'html')
        shutil.rmtree(html, ignore_errors=True)
        with open(os.path.join(out, 'genhtml.log'), 'w') as f:
            if subprocess.run(
                    ['genhtml', '--quiet', '--prefix', tree, '--title',
                     f'nested e2e, {args.kernel} kernel ({" ".join(models)})',
                     '--legend', '--output-directory', html, merged],
                    stdout=f, stderr=subprocess.STDOUT).returncode:
                raise CoverageError(f'genhtml failed (see {f.name})')
    except CoverageError as e:
        print(f'e2e-coverage: error: {e}', file=sys.stderr)
        return 1
    text = summary(infos + [merged])
    with open(os.path.join(out, 'summary.txt'), 'w') as f:
        f.write(text + '\n')
    print(text)
    print(f'coverage: report {html}/index.html, in '
          f'{time.monotonic() - t0:.0f} s')
    return rc


def add_parser(sub: argparse._SubParsersAction, env) -> None:
    """The coverage subcommand's options; ENV reads their defaults."""
    p = sub.add_parser('coverage', help='gcov of arch/x86/kvm/ and the layer '
                       'under the e2e quick set; lcov HTML report and summary')
    p.add_argument('mode', nargs='?', choices=('run', 'report'), default='run',
                   help='run: boot and report (default); report: the report '
                   "of the last run's data again")
    p.add_argument('--kernel', default=env('KERNEL', default='layer'),
                   choices=('layer', 'stock'), help='KERNEL; default: layer')
    p.add_argument('--tests', default=env('TESTS', default=''),
                   help='the tests (TESTS; default: the quick set)')
    quick = env('QUICK', 'E2E_QUICK', default='1')
    p.add_argument('--quick', action=argparse.BooleanOptionalAction,
                   default=quick not in ('0', 'no', 'false'),
                   help='the quick set (QUICK, E2E_QUICK; default: 1)')
    p.add_argument('--cpus', default=env('CPUS', 'E2E_CPUS', default=''),
                   help='CPU models (CPUS, E2E_CPUS; default: every model)')
    p.add_argument('--name', default=env('E2E_NAME', default='e2e'),
                   help='prefix of the build directories (E2E_NAME)')
    p.add_argument('--cache', default=env(
        'NESTED_CACHE', default=os.path.expanduser('~/.cache/nested')),
                   help='cache directory (NESTED_CACHE)')
    p.set_defaults(handler=handler)

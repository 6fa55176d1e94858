#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# End to end: build a 6.12 kernel (stock, or with the patch series and the
# layer grafted in), boot it on each CPU model of scripts/e2e_models/
# (QEMU TCG with nested SVM; the emulators of scripts/e2e_emulator.py),
# and run KVM's own x86_64 selftests in it.
#
# Usage: scripts/e2e.py [run]    build, boot once per CPU model (again
#                                after a boot that stops inside a test),
#                                run the selftests, report
#        scripts/e2e.py build    build the kernel and the selftests only
#        scripts/e2e.py boot     boot the built kernel on the first model,
#                                run CMDS in it, print what they wrote
#                                (with markers) on stdout
#        scripts/e2e.py list     print the names of the tests a run runs
#        scripts/e2e.py tree     prepare the source tree, print its path
#        scripts/e2e.py bench | coverage | mutants   (their --help)
# Every option can also be given as an environment variable (in the help
# of each subcommand), or as an argument NAME=value, as before.
#
# "run" prints, per CPU model, a header with what the guest saw of its
# CPU, one line per test (PASS, FAIL, SKIP, XFAIL, XPASS, the model in
# brackets) and the model's total, "e2e KERNEL [MODEL]: ...", then the
# total of all models, "e2e KERNEL: N passed, N failed, N skipped, N
# expected failures"; on stderr, a line per test as it ends.  It exits
# non-zero on any FAIL or XPASS, on a kernel splat outside the tests, if
# a boot did not complete outside a test, or if a model's expectations
# (scripts/e2e_models/) do not hold.  A WARNING, BUG, Oops, lockdep
# report or call trace while a test runs fails that test.  Expected
# failures (scripts/e2e-xfail.txt, optionally per model) must fail with
# matching output.

"""Runner of the end-to-end tests: KVM's selftests in an emulated guest."""

import argparse
import base64
import binascii
import io
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from typing import Dict, List, Optional, Sequence

import e2e_bench
import e2e_coverage
import e2e_emulator
from e2e_emulator import Cmd, Limits
from e2e_kernel import PROJ, BuildError, KernelTree
import e2e_model
import e2e_mutants
import e2e_parser
import e2e_report
from e2e_report import log

SCRIPTS = os.path.join(PROJ, 'scripts')
XFAIL_LIST = os.path.join(SCRIPTS, 'e2e-xfail.txt')
TIMEOUT_LIST = os.path.join(SCRIPTS, 'e2e-timeouts.txt')
NESTED_LIST = os.path.join(SCRIPTS, 'e2e-nested.txt')


class Error(Exception):
    """A run that cannot go on; its message is printed as the error."""


def env(*names: str, default: Optional[str] = None) -> Optional[str]:
    """The first of the environment variables NAMES that is set and not
    empty, else DEFAULT."""
    for n in names:
        if os.environ.get(n):
            return os.environ[n]
    return default


def env_flag(*names: str) -> Optional[bool]:
    """An environment variable that is 1 (True) or 0 (False)."""
    v = env(*names)
    return None if v is None else v not in ('0', 'no', 'false')


def massage_argv(argv: Sequence[str]) -> List[str]:
    """Take NAME=value arguments into the environment, as the shell
    runner did, and make "run" the default subcommand."""
    rest = []
    for a in argv:
        m = re.match(r'^([A-Z][A-Z0-9_]*)=(.*)$', a, re.S)
        if m:
            os.environ[m.group(1)] = m.group(2)
        else:
            rest.append(a)
    if not rest or rest[0].startswith('-') and rest[0] not in ('-h', '--help'):
        rest.insert(0, 'run')
    return rest


# The options, each with the environment variables it defaults from.

def add_tree_opts(p: argparse.ArgumentParser) -> None:
    """Which kernel, and where it is built."""
    p.add_argument('--kernel', default=env('KERNEL', default='layer'),
                   choices=('layer', 'stock'),
                   help='layer: the source with patches/*.patch applied '
                   'and this project as arch/x86/kvm/nested; stock: the '
                   'unmodified source (KERNEL; default: layer)')
    p.add_argument('--name', default=env('E2E_NAME', default='e2e'),
                   help='prefix of the tree and build directories '
                   '(E2E_NAME; default: e2e)')
    p.add_argument('--gcov', action=argparse.BooleanOptionalAction,
                   default=bool(env_flag('E2E_GCOV')),
                   help='build arch/x86/kvm/ and the layer with gcov and copy '
                   'the coverage data out of each boot (BUILD/MODEL/'
                   'gcda.tar.gz); the build directories get a "-gcov" '
                   'suffix (E2E_GCOV=1)')
    p.add_argument('--sanitize', action=argparse.BooleanOptionalAction,
                   default=bool(env_flag('E2E_SANITIZE', 'SANITIZE')),
                   help='build the kernel with KASAN, UBSAN, KFENCE and '
                   'fault injection (scripts/e2e-sanitize.config); a report '
                   'of any of them fails the test it happens in; the build '
                   'directories get a "-san" suffix (SANITIZE=1, '
                   'E2E_SANITIZE=1)')
    p.add_argument('--extra-patches',
                   default=env('E2E_EXTRA_PATCHES', default=''),
                   help='layer: more patches (paths, space-separated) applied '
                   'after the series, also with -F0, e.g. a mutant of '
                   'scripts/e2e-mutants/ (give it its own --name) '
                   '(E2E_EXTRA_PATCHES)')
    p.add_argument('--config', default=env('E2E_CONFIG', default=''),
                   help='one more kernel configuration fragment (E2E_CONFIG)')
    p.add_argument('--jobs', type=int, default=int(env('JOBS', default='2')),
                   help='make -j (JOBS; default: 2)')
    p.add_argument('--cache', default=env(
        'NESTED_CACHE', default=os.path.expanduser('~/.cache/nested')),
                   help='cache directory (NESTED_CACHE; default: '
                   '~/.cache/nested)')


def add_select_opts(p: argparse.ArgumentParser) -> None:
    """Which tests."""
    p.add_argument('--tests', default=env('TESTS', default=''),
                   help='names of the tests to run, space-separated '
                   '(TESTS; default: those of the suite)')
    p.add_argument('--suite', default=env('SUITE', 'E2E_SUITE',
                                          default='nested'),
                   choices=('nested', 'all'),
                   help='nested: the nested-relevant tests of '
                   'scripts/e2e-nested.txt and the project\'s own, for '
                   "each model's vendor; all: every test (SUITE)")
    p.add_argument('--quick', action=argparse.BooleanOptionalAction,
                   default=bool(env_flag('QUICK', 'E2E_QUICK')),
                   help='leave out the tests marked slow in '
                   'scripts/e2e-timeouts.txt (QUICK=1, E2E_QUICK=1)')


def add_boot_opts(p: argparse.ArgumentParser) -> None:
    """Which models, and how a boot is run and watched."""
    p.add_argument('--cpus', default=env('CPUS', 'E2E_CPUS', default=''),
                   help='CPU models (scripts/e2e_models/NAME.py), one boot '
                   'each (CPUS, E2E_CPUS; default: every model: '
                   f'{" ".join(e2e_model.model_names())})')
    p.add_argument('--timeout', type=int,
                   default=int(env('E2E_TIMEOUT', default='300')),
                   help='default per-test limit in seconds; per-test limits '
                   'in scripts/e2e-timeouts.txt (E2E_TIMEOUT; default: 300)')
    p.add_argument('--limit', action='append', metavar='TEST=SECONDS',
                   default=env('E2E_LIMITS', default='').split(),
                   help="a test's limit, over scripts/e2e-timeouts.txt; "
                   'repeatable (E2E_LIMITS, space-separated)')
    p.add_argument('--test-args', action='append', metavar='TEST=ARGS',
                   default=[],
                   help="a test's arguments, over scripts/e2e-timeouts.txt; "
                   'repeatable')
    p.add_argument('--guest-timeout', action=argparse.BooleanOptionalAction,
                   default=env_flag('E2E_GUEST_TIMEOUT'),
                   help='whether the guest times each test itself (the host '
                   'does in any case, and stops the emulator if a test runs '
                   "past its limit); default: the emulator's choice, yes for "
                   'QEMU, no for Bochs (E2E_GUEST_TIMEOUT=0|1)')
    p.add_argument('--idle', type=float,
                   default=float(env('E2E_IDLE', default='120')),
                   help='seconds without a line from the guest after which it '
                   'counts as hung and the emulator is stopped (E2E_IDLE; '
                   'default: 120; init prints a line every 20 s)')
    p.add_argument('--boot-limit', type=float,
                   default=env('E2E_BOOT_LIMIT', 'E2E_QEMU_TIMEOUT'),
                   help='limit of a whole boot in seconds (E2E_BOOT_LIMIT, '
                   "E2E_QEMU_TIMEOUT; default: the sum of its tests' limits "
                   'plus 600)')
    p.add_argument('--append', default=env('E2E_APPEND', default=''),
                   help='more kernel command line (E2E_APPEND)')
    p.add_argument('--qemu-args', default=env('E2E_QEMU_ARGS', default=''),
                   help='more QEMU arguments (split at spaces), e.g. "-d int '
                   '-D /tmp/qemu-int.log" (E2E_QEMU_ARGS)')
    p.add_argument('--mem', default=env('E2E_MEM', default=''),
                   help="guest RAM, over the model's (E2E_MEM)")


def add_run_opts(p: argparse.ArgumentParser) -> None:
    """What a run does besides booting."""
    p.add_argument('--reboots', type=int,
                   default=int(env('E2E_REBOOTS', default='3')),
                   help="how many times a model's run boots again after a "
                   'boot that stopped inside a test, to run the tests after '
                   'it (E2E_REBOOTS; default: 3)')
    p.add_argument('--crash-in', default=env('E2E_CRASH_IN', default=''),
                   help='name of a test: crash the guest kernel (sysrq c) '
                   'where that test would run, once (E2E_CRASH_IN)')
    p.add_argument('--hang-in', default=env('E2E_HANG_IN', default=''),
                   help='the same, but the guest falls silent (every process '
                   'but init stopped), as a guest whose CPUs hang does '
                   '(E2E_HANG_IN)')
    p.add_argument('--json', default=env('E2E_JSON', default=''),
                   metavar='FILE',
                   help='also write the results as JSON to FILE (E2E_JSON)')


# Per-test settings: scripts/e2e-timeouts.txt.

def timeouts() -> List[List[str]]:
    """The fields of each line of scripts/e2e-timeouts.txt."""
    try:
        with open(TIMEOUT_LIST) as f:
            return [l.split() for l in f
                    if l.split() and not l.startswith('#')]
    except OSError:
        return []


def limit_of(name: str, default: int, overrides: Dict[str, int]) -> int:
    """A test's limit: an override, scripts/e2e-timeouts.txt, else
    DEFAULT."""
    if name in overrides:
        return overrides[name]
    for f in timeouts():
        if f[0] == name and len(f) > 1:
            return int(f[1])
    return default


def args_of(name: str) -> str:
    """A test's arguments: the fields of scripts/e2e-timeouts.txt after
    the third, up to a "#"."""
    for f in timeouts():
        if f[0] == name:
            args = []
            for a in f[3:]:
                if a.startswith('#'):
                    break
                args.append(a)
            return ' '.join(args)
    return ''


def parse_limits(items: Sequence[str]) -> Dict[str, int]:
    """The TEST=SECONDS of --limit."""
    out = {}
    for item in items:
        m = re.fullmatch(r'([A-Za-z0-9_.-]+)=([0-9]+)', item)
        if not m:
            raise Error(f'--limit: not TEST=SECONDS: {item!r}')
        out[m.group(1)] = int(m.group(2))
    return out


def parse_test_args(items: Sequence[str]) -> Dict[str, str]:
    """The TEST=ARGS of --test-args."""
    out = {}
    for item in items:
        m = re.fullmatch(r'([A-Za-z0-9_.-]+)=(.*)', item, re.S)
        if not m:
            raise Error(f'--test-args: not TEST=ARGS: {item!r}')
        out[m.group(1)] = m.group(2)
    return out


def nested_set() -> Dict[str, List[str]]:
    """The vendors of each test of scripts/e2e-nested.txt."""
    with open(NESTED_LIST) as f:
        return {w[0]: w[1:] for w in (l.split() for l in f)
                if w and not w[0].startswith('#')}


def suite_of(tree: KernelTree, suite: str, vendor: str) -> List[str]:
    """The tests of SUITE ("nested" or "all") on a model of VENDOR, in
    the order of the selftests' Makefile."""
    every = tree.all_tests()
    if suite == 'all':
        return every
    if suite != 'nested':
        raise Error(f"SUITE must be 'nested' or 'all', not '{suite}'")
    listed = nested_set()
    for n in listed:
        if n not in every:
            raise Error(f'scripts/e2e-nested.txt: unknown test {n!r}')

    def vendors(n: str) -> List[str]:
        if n in listed:
            return listed[n]
        if n not in tree.proj_tests:
            return []
        if n.startswith('svm_'):
            return ['amd']
        if n.startswith('vmx_'):
            return ['intel']
        return ['amd', 'intel']

    return [n for n in every if vendor in vendors(n)]


def selected_tests(tree: KernelTree, args: argparse.Namespace,
                   vendor: str = '') -> List[str]:
    """The tests to run on a model of VENDOR: --tests, else the suite
    (without the slow ones with --quick); every vendor's for ''."""
    if not args.tests:
        if vendor:
            tests = suite_of(tree, args.suite, vendor)
        else:
            tests = []
            for v in e2e_model.VENDOR_ID:
                tests += [n for n in suite_of(tree, args.suite, v)
                          if n not in tests]
        if args.quick:
            slow = {f[0] for f in timeouts() if len(f) > 2 and f[2] == 'slow'}
            return [n for n in tests if n not in slow]
        return tests
    every = tree.all_tests()
    picked = []
    for n in args.tests.split():
        n = n.rsplit('/', 1)[-1]
        if n not in every:
            raise Error(f"unknown test '{n}' (see 'scripts/e2e.py list')")
        picked.append(n)
    return picked


def cmds_of(tests: List[str], args: argparse.Namespace) -> List[Cmd]:
    """The commands that run TESTS, then, with --gcov, copy the coverage
    data out."""
    overrides = parse_limits(args.limit)
    targs = parse_test_args(args.test_args)
    cmds = []
    for n in tests:
        a = targs[n] if n in targs else args_of(n)
        limit = limit_of(n, args.timeout, overrides)
        cmd = f'exec /kvm/{n}' + (f' {a}' if a else '')
        if n == args.crash_in:
            limit, cmd = 60, 'echo c >/proc/sysrq-trigger'
        elif n == args.hang_in:
            limit, cmd = 60, 'kill -STOP -1; sleep 3600'
        cmds.append(Cmd(n, limit, cmd))
    if args.gcov:
        cmds.append(Cmd('e2e-gcov', 600, 'exec /e2e/gcov-dump'))
    return cmds


# The pieces of a run.

def tree_from_args(args: argparse.Namespace) -> KernelTree:
    """The kernel tree the options name."""
    return KernelTree(args.kernel, args.cache, args.name, args.gcov,
                      args.extra_patches.split(), args.config, args.jobs,
                      args.sanitize)


def models_from_args(args: argparse.Namespace) -> List[e2e_model.Model]:
    """The CPU models the options select, with --mem applied."""
    try:
        models = e2e_model.select_models(args.cpus)
    except e2e_model.ModelError as e:
        raise Error(str(e)) from None
    return [m.with_mem(args.mem) for m in models]


def ensure_packages(packages: Sequence[str], cache: str) -> None:
    """Install the Debian packages an emulator needs, if missing."""
    missing = []
    for p in packages:
        r = subprocess.run(['dpkg-query', '-W', '-f=${Status}', p],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        if 'installed' not in r.stdout.split():
            missing.append(p)
    if not missing:
        return
    log(f'installing: {" ".join(missing)}')
    aptlog = os.path.join(cache, 'apt.log')
    sudo = [] if os.geteuid() == 0 else ['sudo']
    envp = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    install = sudo + ['apt-get', 'install', '-y', '--no-install-recommends',
                      *missing]
    with open(aptlog, 'a') as f:
        if subprocess.run(install, stdout=f, stderr=subprocess.STDOUT,
                          env=envp).returncode == 0:
            return
        subprocess.run(sudo + ['apt-get', 'update'], stdout=f,
                       stderr=subprocess.STDOUT, env=envp)
        if subprocess.run(install, stdout=f, stderr=subprocess.STDOUT,
                          env=envp).returncode:
            raise Error(f'apt-get install failed (see {aptlog})')


def emulator_for(model: e2e_model.Model, tree: KernelTree,
                 args: argparse.Namespace) -> e2e_emulator.Emulator:
    """The emulator of MODEL, its logs in a directory of the build."""
    cls = e2e_emulator.emulator_class(model)
    ensure_packages(cls.packages, args.cache)
    run_dir = os.path.join(tree.build, re.sub(r'[^A-Za-z0-9._-]', '_',
                                              model.name))
    os.makedirs(run_dir, exist_ok=True)
    if not os.path.isfile(tree.bzimage):
        raise Error(f'no kernel in {tree.build}: run '
                    f"'scripts/e2e.py build --kernel {tree.kernel}' first")
    extra = args.qemu_args.split() if cls is e2e_emulator.Qemu else []
    return cls(model, run_dir, tree.bzimage, args.append, extra)


def limits_from_args(args: argparse.Namespace) -> Limits:
    """The host's limits on a boot."""
    return Limits(idle=args.idle, total=args.boot_limit and
                  float(args.boot_limit))


def save_outputs(run_dir: str, glog: e2e_parser.GuestLog) -> None:
    """Each test's output in out/NAME.log, the times of the tests that
    ended in times.txt, the guest's CPU flags in cpuflags.txt."""
    out = os.path.join(run_dir, 'out')
    if os.path.isdir(out):
        for f in os.listdir(out):
            os.remove(os.path.join(out, f))
    os.makedirs(out, exist_ok=True)
    for t in glog.tests.values():
        with open(os.path.join(out, t.name + '.log'), 'w') as f:
            f.write(''.join(l + '\n' for l in t.output))
    with open(os.path.join(run_dir, 'times.txt'), 'w') as f:
        f.write(''.join(f'{t.name} {t.secs}\n' for t in glog.tests.values()
                        if t.rc is not None))
    with open(os.path.join(run_dir, 'cpuflags.txt'), 'w') as f:
        f.write(''.join(l + '\n' for l in sorted(glog.cpuflags)))


def gcov_data(kernel: str, model: str, run_dir: str) -> bool:
    """--gcov: decode the coverage data the boot wrote out into
    gcda.tar.gz of the run directory."""
    out = os.path.join(run_dir, 'out', 'e2e-gcov.log')
    tgz = os.path.join(run_dir, 'gcda.tar.gz')
    if os.path.exists(tgz):
        os.remove(tgz)
    try:
        with open(out, 'rb') as f:
            data = base64.b64decode(f.read())
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
            n = sum(m.name.endswith('.gcda') for m in tar.getmembers())
    except (OSError, binascii.Error, tarfile.TarError, EOFError):
        print(f'e2e {kernel} [{model}]: no coverage data from the guest '
              f'(see {out})', file=sys.stderr)
        return False
    with open(tgz, 'wb') as f:
        f.write(data)
    log(f'coverage data of {model}: {tgz} ({n} files)')
    return True


# The subcommands.

def tree_handler(args: argparse.Namespace) -> int:
    """Prepare the source tree, print its path."""
    tree = tree_from_args(args)
    tree.prepare()
    print(tree.tree)
    return 0


def build_handler(args: argparse.Namespace) -> int:
    """Build the kernel and the selftests."""
    tree = tree_from_args(args)
    tree.prepare()
    tree.build_all()
    return 0


def list_handler(args: argparse.Namespace) -> int:
    """Print the tests a run would run."""
    tree = tree_from_args(args)
    tree.prepare()
    print('\n'.join(selected_tests(tree, args)))
    return 0


def boot_handler(args: argparse.Namespace) -> int:
    """Boot the built kernel on the first model, run CMDS, print what
    they wrote; kernel splats go to stderr and fail the boot."""
    tree = tree_from_args(args)
    tree.prepare()
    if not args.cmds:
        raise Error('boot: set CMDS to the commands to run')
    emu = emulator_for(models_from_args(args)[0], tree, args)
    guest_timeout = args.guest_timeout
    if guest_timeout is None:
        guest_timeout = emu.guest_timeout
    cmds = [Cmd(str(i), args.timeout, c) for i, c in
            enumerate((c for c in args.cmds.split('\n') if c.strip()), 1)]
    limits = limits_from_args(args)
    host_limit = {c.name: c.limit * emu.model.time_scale +
                  (limits.grace if guest_timeout else 0) for c in cmds}
    initrd = tree.make_initramfs([(c.name, c.limit if guest_timeout else 0,
                                   c.command) for c in cmds])
    cpus = os.path.join(emu.run_dir, 'cpus.txt')
    if os.path.exists(cpus):
        os.remove(cpus)
    result = e2e_emulator.boot(emu, initrd, cmds, host_limit, limits,
                               lambda name, secs: None)
    with open(emu.output, errors='replace') as f:
        output = f.read()
    with open(emu.console, errors='replace') as f:
        console = f.read()
    sys.stdout.write(output)
    sys.stdout.flush()
    glog = e2e_parser.parse(console, output, emu.model.boot_noise)
    splats = [(t.name, t.splat) for t in glog.tests.values() if t.splat]
    if glog.splat_outside:
        splats.append(('-', glog.splat_outside))
    for name, line in splats:
        log(f'kernel splat: {name}\t{line}')
    log(f'kernel log: {emu.console}')
    return 0 if result.done and not splats else 1


def run_handler(args: argparse.Namespace) -> int:
    """Build, boot once per model (and again after a boot that stopped
    inside a test), report."""
    t0 = time.monotonic()
    tree = tree_from_args(args)
    tree.prepare()
    tree.build_all()
    models = models_from_args(args)
    with open(XFAIL_LIST) as f:
        xfails = e2e_parser.parse_xfails(f.read())
    limits = limits_from_args(args)
    results = []
    gcov_ok = True
    for model in models:
        emu = emulator_for(model, tree, args)
        tests = selected_tests(tree, args, model.vendor)
        cmds = cmds_of(tests, args)
        names = [c.name for c in cmds]

        def progress(name: str, secs: float, model: str = model.name,
                     names: List[str] = names) -> None:
            e2e_report.progress(model, names.index(name) + 1, len(names),
                                name, secs)

        def make_initrd(lines: List[e2e_emulator.CmdLine],
                        tests: List[str] = tests) -> str:
            # Only the tests of the run: the whole suite is 100 MB
            # that Bochs's guest reads and unpacks at its speed.
            return tree.make_initramfs(lines, tests)

        console, output = e2e_emulator.run_model(
            emu, cmds, make_initrd, args.reboots, limits, progress,
            args.guest_timeout)
        glog = e2e_parser.parse(console, output, emu.model.boot_noise)
        save_outputs(emu.run_dir, glog)
        res = e2e_parser.judge_model(glog, tests, model, emu.describe(),
                                     xfails)
        e2e_report.print_model(args.kernel, res)
        results.append(res)
        if args.gcov:
            gcov_ok = gcov_data(args.kernel, model.name, emu.run_dir) and \
                gcov_ok
        log(f'logs of {emu.describe()}: {emu.console}, {emu.output}, '
            f'{os.path.join(emu.run_dir, "out")}/')
    e2e_report.print_total(args.kernel, results)
    log(f'{len(models)} CPU models ({" ".join(m.name for m in models)}); '
        f'total {time.monotonic() - t0:.0f} s')
    if args.json:
        with open(args.json, 'w') as f:
            f.write(e2e_report.json_result(args.kernel, results))
    return 0 if gcov_ok and all(r.ok() for r in results) else 1


def interrupted(signum: int, frame: object) -> None:
    """SIGTERM: stop as on ^C, the emulator with it."""
    raise KeyboardInterrupt


def main(argv: Sequence[str]) -> int:
    """Parse the command line and run the subcommand."""
    # Before the options, whose defaults come from the environment.
    argv = massage_argv(argv)
    parser = argparse.ArgumentParser(
        prog='scripts/e2e.py',
        description='Runs KVM\'s x86_64 selftests in a 6.12 kernel booted '
        'under emulation, once per CPU model.')
    sub = parser.add_subparsers(dest='subcommand', metavar='subcommand')

    p = sub.add_parser('run', help='build, boot each CPU model, run the '
                       'selftests, report (the default)')
    for add in (add_tree_opts, add_select_opts, add_boot_opts, add_run_opts):
        add(p)
    p.set_defaults(handler=run_handler)

    p = sub.add_parser('build', help='build the kernel and the selftests')
    add_tree_opts(p)
    p.set_defaults(handler=build_handler)

    p = sub.add_parser('boot', help='boot the built kernel on the first CPU '
                       'model and run CMDS in it')
    add_tree_opts(p)
    add_boot_opts(p)
    p.add_argument('--cmds', default=env('CMDS', default=''),
                   help='the commands, one a line, run by /bin/sh in the '
                   "guest with the selftests (and the project's selftests/*) "
                   'in /kvm, on PATH (CMDS)')
    p.set_defaults(handler=boot_handler)

    p = sub.add_parser('list', help='print the tests a run would run')
    add_tree_opts(p)
    add_select_opts(p)
    p.set_defaults(handler=list_handler)

    p = sub.add_parser('tree', help='prepare the source tree, print its path')
    add_tree_opts(p)
    p.set_defaults(handler=tree_handler)

    for module in (e2e_bench, e2e_coverage, e2e_mutants):
        module.add_parser(sub, env)

    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        return args.handler(args)
    except (Error, BuildError, e2e_model.ModelError) as e:
        print(f'e2e: error: {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('e2e: interrupted', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: GPL-2.0
#
# Parses what the guest of an end-to-end run wrote, the kernel log
# (console.log, serial port 0) and the test output (output.log, serial
# port 1), into a result model, and judges each test: PASS, FAIL, SKIP,
# XFAIL or XPASS, with the expected failures of scripts/e2e-xfail.txt.
#
# The guest's protocol (scripts/e2e-init.sh), on both ports unless said:
#   E2E-BOOTED release N cpus
#   E2E-CPU key=value...               the CPU and KVM's parameters
#   E2E-CPUFLAGS flag...               output only: /proc/cpuinfo's flags
#   E2E-BEGIN name                     a test starts; its output follows
#   E2E-DUMP-BEGIN name / -END name    blocked tasks, backtraces: no splat
#   E2E-END name rc=N secs=N timeout=0|1
#   E2E-ALIVE                          console only, every 20 s
#   E2E-DONE                           every test ran
# and the host's, between the logs of two boots of one model:
#   E2E-HOST-STOP test|- timeout=0|1 secs=N reason   output only: why the
#                                      host stopped the boot, and in what
#   E2E-REBOOT                         the logs of the next boot follow

"""Parse e2e guest logs into a result model and judge the tests."""

from dataclasses import dataclass, field
import enum
import re
from typing import Dict, Iterable, List, Optional, Sequence

from e2e_model import Model, VENDOR_ID

SPLAT_RE = re.compile(
    r'WARNING:|BUG:|Oops|possible circular locking|inconsistent lock state|'
    r'possible recursive locking|suspicious RCU usage|'
    r'sleeping function called from invalid context|Call Trace|UBSAN:|'
    r'KASAN:|KFENCE:')
TIMESTAMP_RE = re.compile(r'^\[ *[0-9.]+\] ')
# The last line of a kernel splat's report.
END_TRACE = '---[ end trace'
TSC_RE = re.compile(r'tsc: (?:Detected|Refined TSC clocksource calibration:) '
                    r'([0-9.]+) MHz')
TSC_EARLY_KEPT = 'user requested TSC rate below hardware speed'
MARKER_RE = re.compile(r'E2E-(BEGIN|END) ')
# Selftests' exit status for a skipped test (KSFT_SKIP).
KSFT_SKIP = 4


class Status(enum.Enum):
    """How a test ended, as the report says it."""
    PASS = 'PASS'
    FAIL = 'FAIL'
    SKIP = 'SKIP'
    XFAIL = 'XFAIL'
    XPASS = 'XPASS'


@dataclass
class Stop:
    """A boot that the host stopped, or that stopped by itself, before
    E2E-DONE.

    test:    the test it stopped in ('' outside the tests)
    reason:  why, e.g. "guest hung: no output for 120 s, QEMU stopped"
    timeout: the host stopped it because the test exceeded its limit
    secs:    how long the test had run then (wall clock)
    """
    test: str
    reason: str
    timeout: bool = False
    secs: int = 0

    def line(self) -> str:
        """The E2E-HOST-STOP line that records this stop in output.log."""
        return (f'E2E-HOST-STOP {self.test or "-"} '
                f'timeout={int(self.timeout)} secs={self.secs} {self.reason}')


@dataclass
class TestRun:
    """One test as the guest ran it.

    rc, secs, timeout: from its E2E-END line; rc is None if it did not end
    output: the lines it wrote
    splat:  the first kernel splat while it ran ('' for none)
    stop:   the stop of the boot it was running in, if any
    """
    name: str
    rc: Optional[int] = None
    secs: int = 0
    timeout: bool = False
    output: List[str] = field(default_factory=list)
    splat: str = ''
    stop: Optional[Stop] = None


@dataclass
class GuestLog:
    """The logs of every boot of one model, parsed.

    tests:         every test begun, in order
    splat_outside: the first kernel splat outside the tests ('' for none)
    cpu:           the key=value pairs of the first E2E-CPU line (None if
                   the guest did not report its CPU)
    cpuflags:      the flags of the first E2E-CPUFLAGS line
    tsc:           each boot's "early/refined" TSC calibrations
    tsc_early_kept: KVM said it cannot give its VMs the TSC rate it took
    boots:         how many boots the logs hold
    stops:         the boots that stopped before E2E-DONE
    done:          the last boot printed E2E-DONE
    """
    tests: Dict[str, TestRun] = field(default_factory=dict)
    splat_outside: str = ''
    cpu: Optional[Dict[str, str]] = None
    cpuflags: List[str] = field(default_factory=list)
    tsc: List[str] = field(default_factory=list)
    tsc_early_kept: bool = False
    boots: int = 0
    stops: List[Stop] = field(default_factory=list)
    done: bool = False

    def stopped_outside(self) -> bool:
        """A boot stopped before E2E-DONE outside any test."""
        return any(not s.test for s in self.stops)


def _lines(text: str) -> List[str]:
    """The lines of a log, without carriage returns."""
    return text.replace('\r', '').split('\n')


def parse_stop(line: str) -> Stop:
    """Parse an E2E-HOST-STOP line (Stop.line())."""
    m = re.match(r'E2E-HOST-STOP (\S+) timeout=([01]) secs=([0-9]+) ?(.*)',
                 line)
    if not m:
        return Stop('', line)
    test = '' if m.group(1) == '-' else m.group(1)
    return Stop(test, m.group(4), m.group(2) == '1', int(m.group(3)))


def _int(text: str, default: int = 0) -> int:
    """TEXT as a number, DEFAULT if it is none."""
    try:
        return int(text)
    except ValueError:
        return default


def _end_fields(rest: str) -> Dict[str, str]:
    """The key=value fields of an E2E-END line after the name."""
    return dict(f.split('=', 1) for f in rest.split() if '=' in f)


def parse_output(text: str, log: GuestLog) -> None:
    """Parse output.log into LOG: the tests, the CPU report, the stops."""
    cur = None
    log.boots = 1
    done = False
    for line in _lines(text):
        if line == 'E2E-REBOOT':
            log.boots += 1
            cur = None
            done = False
            continue
        if line.startswith('E2E-HOST-STOP '):
            stop = parse_stop(line)
            log.stops.append(stop)
            if stop.test in log.tests:
                log.tests[stop.test].stop = stop
            continue
        if line.startswith('E2E-DONE'):
            done = True
            continue
        if line.startswith('E2E-CPU ') and log.cpu is None:
            log.cpu = _end_fields(line[len('E2E-CPU '):])
            continue
        if line.startswith('E2E-CPUFLAGS ') and not log.cpuflags:
            log.cpuflags = line.split()[1:]
            continue
        m = MARKER_RE.search(line)
        if not m:
            if cur is not None:
                cur.output.append(line)
            continue
        # Output without a newline at its end runs into the marker.
        if m.start() and cur is not None:
            cur.output.append(line[:m.start()])
        words = line[m.end():].split(None, 1)
        if not words:
            continue
        if m.group(1) == 'BEGIN':
            cur = TestRun(words[0])
            log.tests.pop(words[0], None)
            log.tests[words[0]] = cur
            continue
        run = log.tests.setdefault(words[0], TestRun(words[0]))
        f = _end_fields(words[1] if len(words) > 1 else '')
        run.rc = _int(f.get('rc', ''), -1)
        run.secs = _int(f.get('secs', '0'))
        run.timeout = f.get('timeout') == '1'
        cur = None
    # Lines after the last newline of a boot are not complete: the last
    # element of the split is '' for a log that ends in one.
    if cur is not None and cur.output and cur.output[-1] == '':
        cur.output.pop()
    log.done = done


def parse_console(text: str, log: GuestLog,
                  boot_noise: Sequence[str] = ()) -> None:
    """Parse console.log into LOG: splats per test, TSC calibrations.

    BOOT_NOISE: regexes of splats the emulator's CPU model makes while
    the kernel boots (a WARNING about its CPUID, say).  A splat that
    matches one before the boot's first test is not counted, nor is its
    report up to its "---[ end trace" line; anywhere else it counts."""
    cur = ''
    dump = False
    begun = False
    noise = False
    boot_tsc: List[str] = []
    for line in _lines(text):
        if 'E2E-BEGIN ' in line:
            words = line.split('E2E-BEGIN ', 1)[1].split()
            cur = words[0] if words else ''
            begun = True
            noise = False
            continue
        if 'E2E-END ' in line:
            cur = ''
            continue
        if line == 'E2E-REBOOT':
            cur = ''
            dump = False
            begun = False
            noise = False
            log.tsc.append('/'.join(boot_tsc))
            boot_tsc = []
            continue
        if 'E2E-DUMP-BEGIN ' in line:
            dump = True
            continue
        if 'E2E-DUMP-END ' in line:
            dump = False
            continue
        if dump:
            continue
        m = TSC_RE.search(line)
        if m:
            boot_tsc.append(m.group(1) + ' MHz')
        if TSC_EARLY_KEPT in line:
            log.tsc_early_kept = True
        if noise:
            noise = END_TRACE not in line
            continue
        if not begun and any(re.search(r, line) for r in boot_noise):
            noise = True
            continue
        if SPLAT_RE.search(line):
            first = TIMESTAMP_RE.sub('', line)
            if not cur:
                log.splat_outside = log.splat_outside or first
            elif cur in log.tests and not log.tests[cur].splat:
                log.tests[cur].splat = first
    log.tsc.append('/'.join(boot_tsc))
    log.tsc = [t for t in log.tsc if t]


def parse(console: str, output: str,
          boot_noise: Sequence[str] = ()) -> GuestLog:
    """Parse the console and output logs of one model's boots; BOOT_NOISE
    as for parse_console()."""
    log = GuestLog()
    parse_output(output, log)
    parse_console(console, log, boot_noise)
    return log


def fail_reason(run: TestRun) -> str:
    """Why a test that ended failed, from its output: the assertion of a
    selftest ("file:line: expression: message"), a TAP "not ok" line, a
    signal, or the exit status."""
    if run.timeout:
        return f'timeout after {run.secs} s'
    r = ''
    state = 0
    for line in run.output:
        if 'Test Assertion Failure' in line:
            state = 1
            continue
        if state == 1:
            r = line.lstrip(' \t')
            state = 2
            continue
        if state == 2:
            # The pid line and the stack frames come before the message.
            if re.match(r'^[ \t]*(pid=|[0-9]+[ \t]+0x|$)', line) or \
               'addr2line' in line:
                continue
            r += ': ' + line.lstrip(' \t')
            break
    if not r:
        r = next((l for l in run.output if l.startswith('not ok ')), '')
    rc = run.rc if run.rc is not None else -1
    if r:
        return f'exit {rc}: {r[:160]}'
    if rc > 128:
        return f'killed by signal {rc - 128}'
    return f'exit {rc}'


def skip_reason(run: TestRun) -> str:
    """Why a test skipped: its first line that says so."""
    for line in run.output:
        if re.search(r'SKIP|[Nn]ot supported|Requirement not met', line):
            return line.lstrip(' #')[:120]
    return ''


@dataclass
class Xfail:
    """An expected failure: the test, the model it holds on ('' for
    every model), why, and the regex its output or reason must match."""
    test: str
    model: str
    reason: str
    regex: str

    def flaky(self) -> bool:
        """A flaky test may pass; if it fails, it must fail that way."""
        return self.reason.startswith('flaky:')

    def matches(self, lines: Iterable[str]) -> bool:
        """Whether any of LINES matches the regex (as grep -E would)."""
        try:
            rx = re.compile(self.regex)
        except re.error:
            return False
        return any(rx.search(l) for l in lines)


def parse_xfails(text: str) -> List[Xfail]:
    """Parse scripts/e2e-xfail.txt: "name[@MODEL] | reason | regex"."""
    xfails = []
    for line in text.split('\n'):
        if re.match(r'^[ \t]*(#|$)', line):
            continue
        name, _, rest = line.partition('|')
        reason, _, regex = rest.partition('|')
        test, _, model = name.strip().partition('@')
        xfails.append(Xfail(test, model, reason.strip(), regex.strip()))
    return xfails


def xfail_for(xfails: List[Xfail], test: str, model: str,
              emulator: str = '') -> Optional[Xfail]:
    """The expected failure of TEST on MODEL, run by EMULATOR: the line
    for TEST@MODEL if there is one, else the one for TEST@EMULATOR
    ("qemu", "bochs": a defect of that emulator), else the first for
    TEST on every model."""
    for scope in (model, emulator):
        for x in xfails:
            if scope and x.test == test and x.model == scope:
                return x
    return next((x for x in xfails if x.test == test and not x.model), None)


@dataclass
class Result:
    """The verdict on one test on one model."""
    name: str
    model: str
    status: Status
    reason: str = ''
    secs: int = 0


def judge(run: Optional[TestRun], name: str, model: str,
          xfail: Optional[Xfail]) -> Result:
    """The verdict on test NAME of MODEL, from how it ran (RUN, None if
    it never began) and its expected failure, if any."""
    def result(status: Status, reason: str = '') -> Result:
        secs = 0
        if run is not None:
            secs = run.secs if run.stop is None else run.stop.secs
        return Result(name, model, status, reason, secs)

    if run is None or run.rc is None:
        if run is not None and run.stop is not None and run.stop.timeout:
            reason = f'timeout after {run.stop.secs} s'
        elif run is not None and run.stop is not None:
            reason = f'did not finish: {run.stop.reason}'
        elif run is not None:
            reason = 'did not finish'
        else:
            reason = 'not run'
        if run is not None and xfail is not None and xfail.matches([reason]):
            return result(Status.XFAIL, xfail.reason)
        return result(Status.FAIL, reason)
    if run.splat:
        return result(Status.FAIL, f'kernel splat: {run.splat}')
    if run.rc == KSFT_SKIP and not run.timeout:
        return result(Status.SKIP, skip_reason(run))
    if run.rc == 0:
        if xfail is not None and not xfail.flaky():
            return result(Status.XPASS, f'expected to fail: {xfail.reason}')
        return result(Status.PASS)
    reason = fail_reason(run)
    if xfail is not None and xfail.matches(run.output + [reason]):
        return result(Status.XFAIL, xfail.reason)
    if xfail is not None:
        return result(Status.FAIL,
                      f'{reason}; expected to fail matching /{xfail.regex}/')
    return result(Status.FAIL, reason)


def judge_all(log: GuestLog, tests: List[str], model: str,
              xfails: List[Xfail], emulator: str = '') -> List[Result]:
    """The verdicts on TESTS, in order, on MODEL, run by EMULATOR."""
    return [judge(log.tests.get(n), n, model,
                  xfail_for(xfails, n, model, emulator))
            for n in tests]


# What the report calls the CPU flags that models expect.
FLAG_TITLE = {'vgif': 'vGIF'}


def check_expectations(log: GuestLog, model: Model, what: str) -> List[str]:
    """What the guest reported of its CPU that MODEL (named WHAT in
    messages) says it must not: its vendor, CPU flags (1: present, 0:
    absent) and module parameters ("kvm_intel.ept": value)."""
    if log.cpu is None:
        return []
    problems = []
    vendor = log.cpu.get('vendor')
    if vendor is not None and vendor != VENDOR_ID[model.vendor]:
        problems.append(f'the CPU vendor should be {VENDOR_ID[model.vendor]} '
                        f'under {what}, is {vendor or "?"}')
    for key, want in model.expect.items():
        if '.' in key:
            got = log.cpu.get(key, '')
            if got != str(want):
                problems.append(f'{key} should be {want} under {what}, is '
                                f'{got or "?"}')
            continue
        if (key in log.cpuflags) != bool(want):
            problems.append(f'{FLAG_TITLE.get(key, "CPU flag " + key)} should '
                            f'be {"present" if want else "absent"} under '
                            f'{what}')
    return problems


@dataclass
class ModelResult:
    """The outcome of a model's run.

    model, emulator: the model's and its emulator's names
    what:     the model as the report names it ("-cpu EPYC")
    log:      what the guest wrote
    results:  the verdict on each test
    problems: what fails the run besides the tests: expectations of the
              model that do not hold
    """
    model: Model
    what: str
    log: GuestLog
    results: List[Result]
    problems: List[str]

    def count(self, *statuses: Status) -> int:
        """How many tests ended with one of STATUSES."""
        return sum(r.status in statuses for r in self.results)

    def run_problems(self) -> List[str]:
        """What fails the run besides the tests: the model's expectations
        that do not hold, a guest that did not report its CPU, a kernel
        splat or a stopped boot outside the tests."""
        return (self.problems +
                (['the guest did not report its CPU']
                 if self.log.cpu is None else []) +
                ([f'kernel splat outside the tests: {self.log.splat_outside}']
                 if self.log.splat_outside else []) +
                [f'a boot stopped outside the tests: {s.reason}'
                 for s in self.log.stops if not s.test])

    def ok(self) -> bool:
        """No test failed or passed unexpectedly, at least one ran, and
        nothing else failed the run (run_problems())."""
        return (self.count(Status.FAIL, Status.XPASS) == 0 and
                self.count(Status.PASS, Status.SKIP, Status.XFAIL) > 0 and
                not self.run_problems())


def judge_model(log: GuestLog, tests: List[str], model: Model, what: str,
                xfails: List[Xfail]) -> ModelResult:
    """The outcome of TESTS on MODEL (named WHAT) from its guest's LOG."""
    return ModelResult(model, what, log,
                       judge_all(log, tests, model.name, xfails,
                                 model.emulator),
                       check_expectations(log, model, what))

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the end-to-end runner (scripts/e2e.py and its modules), without
# a kernel: the parser and the judging on guest logs recorded from real
# runs (scripts/e2e_testdata/, trimmed) and on small made-up ones, the
# report and its JSON, and the host's watch over a boot with a fake
# emulator (scripts/e2e_testdata/fake_guest.py) that speaks the guest's
# protocol: idle and per-test limits, a reboot for the tests left, a
# guest that panics, and one whose emulator stays up after E2E-DONE.
#
# Usage: python3 scripts/e2e_tool_test.py [unittest options]
# Ends with "e2e tool_test: N passed, N failed, N skipped" (the line that
# scripts/check.sh sums).

"""Unit tests of the e2e runner."""

import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e  # noqa: E402
import e2e_bench  # noqa: E402
import e2e_coverage  # noqa: E402
import e2e_emulator  # noqa: E402
from e2e_emulator import Cmd, Limits  # noqa: E402
import e2e_model  # noqa: E402
from e2e_model import Model  # noqa: E402
import e2e_mutants  # noqa: E402
import e2e_parser  # noqa: E402
from e2e_parser import Status  # noqa: E402
import e2e_report  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'e2e_testdata')
EPYC = Model(name='EPYC', vendor='amd', emulator='qemu', cpu='EPYC',
             append='kvm_amd.nested=1', expect={'svm': 1, 'vgif': 0})
MAX = Model(name='max', vendor='amd', emulator='qemu', cpu='max',
            append='kvm_amd.nested=1', expect={'svm': 1, 'vgif': 1})


def data(name: str) -> str:
    """The text of a file of scripts/e2e_testdata/."""
    with open(os.path.join(DATA, name), newline='') as f:
        return f.read()


def recorded(name: str) -> e2e_parser.GuestLog:
    """The parsed logs NAME.console.log and NAME.output.log."""
    return e2e_parser.parse(data(name + '.console.log'),
                            data(name + '.output.log'))


def output_log(*tests: str) -> str:
    """A made-up output log: for each test "name rc [output...]"."""
    lines = ['E2E-BOOTED 6.12.57 2 cpus',
             'E2E-CPU vendor=AuthenticAMD vgif=0 kvm_amd.vgif=0',
             'E2E-CPUFLAGS fpu svm']
    for t in tests:
        name, rc, *out = t.split('\n')
        lines += [f'E2E-BEGIN {name}', *out,
                  f'E2E-END {name} rc={rc} secs=1 timeout=0']
    return '\n'.join(lines + ['E2E-DONE', ''])


class QuietReport(unittest.TestCase):
    """A test whose runner messages are kept, not printed."""

    def setUp(self) -> None:
        self.out, self.err = io.StringIO(), io.StringIO()
        self.saved = e2e_report.out, e2e_report.err
        e2e_report.out, e2e_report.err = self.out, self.err

    def tearDown(self) -> None:
        e2e_report.out, e2e_report.err = self.saved


class ParserTest(unittest.TestCase):
    """Parsing the two logs into tests, CPU report, stops."""

    def test_recorded_run(self) -> None:
        log = recorded('epyc_stock')
        self.assertEqual(list(log.tests),
                         ['cpuid_test', 'state_test', 'svm_vmcall_test'])
        self.assertTrue(all(t.rc == 0 for t in log.tests.values()))
        self.assertEqual(log.cpu['vendor'], 'AuthenticAMD')
        self.assertIn('svm', log.cpuflags)
        self.assertNotIn('vgif', log.cpuflags)
        self.assertTrue(log.done)
        self.assertEqual(log.boots, 1)
        self.assertEqual(log.splat_outside, '')
        self.assertEqual(len(log.tsc), 1)
        self.assertRegex(log.tsc[0], r'^[0-9.]+ MHz/[0-9.]+ MHz$')

    def test_begin_end(self) -> None:
        log = e2e_parser.parse('', output_log('a\n0\nok 1 x', 'b\n1'))
        self.assertEqual(log.tests['a'].output, ['ok 1 x'])
        self.assertEqual((log.tests['b'].rc, log.tests['b'].secs), (1, 1))

    def test_crlf(self) -> None:
        out = output_log('a\n4\n1..0 # SKIP no').replace('\n', '\r\n')
        log = e2e_parser.parse('[ 1.0] Oops: 0000\r\n', out)
        self.assertEqual(log.tests['a'].rc, 4)
        self.assertEqual(log.tests['a'].output, ['1..0 # SKIP no'])
        self.assertEqual(log.splat_outside, 'Oops: 0000')

    def test_output_without_newline(self) -> None:
        out = ('E2E-BEGIN a\npartial lineE2E-END a rc=0 secs=2 timeout=0\n'
               'E2E-DONE\n')
        log = e2e_parser.parse('', out)
        self.assertEqual((log.tests['a'].rc, log.tests['a'].output),
                         (0, ['partial line']))

    def test_reboot_concatenation(self) -> None:
        log = recorded('epyc_hang')
        self.assertEqual(log.boots, 2)
        self.assertTrue(log.done)
        hung = log.tests['state_test']
        self.assertIsNone(hung.rc)
        self.assertRegex(hung.stop.reason, '^guest hung: no output for')
        self.assertEqual(log.tests['svm_vmcall_test'].rc, 0)
        self.assertEqual(len(log.stops), 1)
        self.assertFalse(log.stopped_outside())

    def test_host_limit_recorded(self) -> None:
        log = recorded('epyc_host_limit')
        slow = log.tests['demand_paging_test']
        self.assertIsNone(slow.rc)
        self.assertTrue(slow.stop.timeout)
        self.assertEqual(log.boots, 2)
        r = e2e_parser.judge(slow, slow.name, 'EPYC', None)
        self.assertEqual((r.status, r.reason),
                         (Status.FAIL, f'timeout after {slow.stop.secs} s'))
        self.assertEqual(slow.output[-1], 'Started all vCPUs')

    def test_stop_line_round_trip(self) -> None:
        stop = e2e_parser.Stop('x', 'x ran past its limit', True, 7)
        self.assertEqual(e2e_parser.parse_stop(stop.line()), stop)
        self.assertEqual(e2e_parser.parse_stop(
            e2e_parser.Stop('', 'guest hung').line()).test, '')


class SplatTest(unittest.TestCase):
    """Kernel splats: inside a test, outside, inside a dump."""

    OUT = output_log('a\n0', 'b\n0')

    def test_inside(self) -> None:
        con = ('[ 1.0] E2E-BEGIN a\n[ 1.1] WARNING: CPU: 0 PID: 9 at x\n'
               '[ 1.2] Call Trace:\n[ 1.3] E2E-END a rc=0\n')
        log = e2e_parser.parse(con, self.OUT)
        self.assertEqual(log.tests['a'].splat, 'WARNING: CPU: 0 PID: 9 at x')
        self.assertEqual(log.splat_outside, '')
        r = e2e_parser.judge(log.tests['a'], 'a', 'EPYC', None)
        self.assertEqual((r.status, r.reason),
                         (Status.FAIL, 'kernel splat: WARNING: CPU: 0 PID: 9 at x'))

    def test_outside(self) -> None:
        con = '[ 0.5] BUG: kernel NULL pointer dereference\n'
        log = e2e_parser.parse(con, self.OUT)
        self.assertEqual(log.splat_outside,
                         'BUG: kernel NULL pointer dereference')
        res = e2e_parser.judge_model(log, ['a', 'b'], EPYC, '-cpu EPYC', [])
        self.assertFalse(res.ok())
        self.assertEqual(res.count(Status.PASS), 2)

    def test_dump_ignored(self) -> None:
        log = recorded('max_stock')
        slow = log.tests['demand_paging_test']
        self.assertTrue(slow.timeout)
        self.assertEqual(slow.splat, '', 'the dump has a Call Trace')
        self.assertEqual(e2e_parser.judge(slow, slow.name, 'max', None).reason,
                         'timeout after 5 s')
        # A splat after the dump is one.
        con = data('max_stock.console.log').replace(
            'E2E-DUMP-END demand_paging_test\n',
            'E2E-DUMP-END demand_paging_test\n[ 15.0] WARNING: at x.c:1\n')
        log = e2e_parser.parse(con, data('max_stock.output.log'))
        self.assertEqual(log.tests['demand_paging_test'].splat,
                         'WARNING: at x.c:1')

    def test_reboot_resets(self) -> None:
        con = ('[ 1] E2E-BEGIN a\nE2E-REBOOT\n[ 2] E2E-DUMP-BEGIN z\n'
               'E2E-REBOOT\n[ 0.1] Oops: 1\n')
        log = e2e_parser.parse(con, self.OUT)
        self.assertEqual(log.splat_outside, 'Oops: 1')
        self.assertEqual(log.tests['a'].splat, '')


    NOISE = [r'WARNING: .* at arch/x86/kernel/cpu/topology_common\.c']
    BOOT = ('[ 0.0] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/cpu/'
            'topology_common.c:57 parse_legacy+0x52/0x85\n'
            '[ 0.0] Call Trace:\n[ 0.0]  <TASK>\n'
            '[ 0.0] ---[ end trace 0000000000000000 ]---\n')

    def test_boot_noise(self) -> None:
        log = e2e_parser.parse(self.BOOT, self.OUT, self.NOISE)
        self.assertEqual(log.splat_outside, '')
        # Without the model's noise, the same boot has a splat.
        log = e2e_parser.parse(self.BOOT, self.OUT)
        self.assertIn('topology_common.c:57', log.splat_outside)

    def test_boot_noise_ends_with_its_trace(self) -> None:
        con = self.BOOT + '[ 0.1] BUG: sleeping function called\n'
        log = e2e_parser.parse(con, self.OUT, self.NOISE)
        self.assertEqual(log.splat_outside, 'BUG: sleeping function called')

    def test_boot_noise_only_at_boot(self) -> None:
        con = ('[ 1.0] E2E-BEGIN a\n' + self.BOOT + '[ 1.3] E2E-END a rc=0\n'
               'E2E-REBOOT\n' + self.BOOT)
        log = e2e_parser.parse(con, self.OUT, self.NOISE)
        self.assertIn('topology_common.c:57', log.tests['a'].splat)
        self.assertEqual(log.splat_outside, '', 'a new boot is a boot')


class ReasonTest(unittest.TestCase):
    """Why a test failed or skipped."""

    def run_of(self, rc: int, text: str, timeout: bool = False
               ) -> e2e_parser.TestRun:
        return e2e_parser.TestRun('t', rc, 3, timeout, text.split('\n'))

    def test_assertion(self) -> None:
        log = recorded('max_stock')
        self.assertEqual(
            e2e_parser.fail_reason(log.tests['xcr0_cpuid_test']),
            'exit 254: x86_64/xcr0_cpuid_test.c:92: vector == GP_VECTOR: '
            "Expected #GP on XSETBV(0x200), supported XCR0 = 7, got vector "
            "'0x0'")
        with open(e2e.XFAIL_LIST) as f:
            xfails = e2e_parser.parse_xfails(f.read())
        res = e2e_parser.judge_model(log, list(log.tests), MAX, '-cpu max',
                                     xfails)
        self.assertEqual([r.status for r in res.results],
                         [Status.XFAIL, Status.FAIL, Status.PASS])
        self.assertEqual(res.problems, [])
        # The line for xcr0_cpuid_test@max holds there only.
        res = e2e_parser.judge_model(log, ['xcr0_cpuid_test'], EPYC,
                                     '-cpu EPYC', xfails)
        self.assertEqual(res.results[0].status, Status.FAIL)

    def test_assertion_without_message(self) -> None:
        run = self.run_of(254, '==== Test Assertion Failure ====\n'
                          '  lib/kvm_util.c:1: false\n  pid=1 tid=1\n')
        self.assertEqual(e2e_parser.fail_reason(run),
                         'exit 254: lib/kvm_util.c:1: false')

    def test_not_ok(self) -> None:
        run = self.run_of(1, 'ok 1 a\nnot ok 2 b # bad\nnot ok 3 c')
        self.assertEqual(e2e_parser.fail_reason(run),
                         'exit 1: not ok 2 b # bad')

    def test_signal_exit_timeout(self) -> None:
        self.assertEqual(e2e_parser.fail_reason(self.run_of(139, '')),
                         'killed by signal 11')
        self.assertEqual(e2e_parser.fail_reason(self.run_of(2, 'x')),
                         'exit 2')
        self.assertEqual(e2e_parser.fail_reason(self.run_of(137, '', True)),
                         'timeout after 3 s')

    def test_long_reason_cut(self) -> None:
        run = self.run_of(1, 'not ok 1 ' + 'x' * 300)
        self.assertEqual(len(e2e_parser.fail_reason(run)), len('exit 1: ') + 160)

    def test_skip(self) -> None:
        run = self.run_of(4, 'hello\n# Requirement not met: kvm_has_cap(X)')
        r = e2e_parser.judge(run, 't', 'EPYC', None)
        self.assertEqual((r.status, r.reason),
                         (Status.SKIP, 'Requirement not met: kvm_has_cap(X)'))

    def test_skip_after_timeout_fails(self) -> None:
        r = e2e_parser.judge(self.run_of(4, '', True), 't', 'EPYC', None)
        self.assertEqual(r.status, Status.FAIL)


class XfailTest(unittest.TestCase):
    """Expected failures: scripts/e2e-xfail.txt's lines and matching."""

    XFAILS = e2e_parser.parse_xfails(
        '# comment\n\n'
        'a | fails everywhere | boom\n'
        'a@max | fails otherwise on max | bang|crash\n'
        'f | flaky: sometimes | wobble\n'
        'h | flaky: hangs | did not finish: guest hung|timeout after\n')

    def test_parse(self) -> None:
        self.assertEqual(len(self.XFAILS), 4)
        self.assertEqual(self.XFAILS[1],
                         e2e_parser.Xfail('a', 'max', 'fails otherwise on max',
                                          'bang|crash'))

    def test_model_specific_wins(self) -> None:
        self.assertEqual(e2e_parser.xfail_for(self.XFAILS, 'a', 'max').reason,
                         'fails otherwise on max')
        self.assertEqual(e2e_parser.xfail_for(self.XFAILS, 'a', 'EPYC').reason,
                         'fails everywhere')
        self.assertIsNone(e2e_parser.xfail_for(self.XFAILS, 'b', 'EPYC'))

    def test_emulator_scope(self) -> None:
        xfails = e2e_parser.parse_xfails(
            'q@qemu | a QEMU defect | q\n'
            'a@bochs | a Bochs defect | b\n'
            'a@skylake | that model | s\n'
            'a | everywhere | e\n')
        def reason(test: str, model: str, emulator: str) -> str:
            x = e2e_parser.xfail_for(xfails, test, model, emulator)
            return x.reason if x else ''
        self.assertEqual(reason('q', 'EPYC', 'qemu'), 'a QEMU defect')
        self.assertEqual(reason('q', 'skylake', 'bochs'), '')
        self.assertEqual(reason('a', 'skylake', 'bochs'), 'that model')
        self.assertEqual(reason('a', 'other', 'bochs'), 'a Bochs defect')
        self.assertEqual(reason('a', 'EPYC', 'qemu'), 'everywhere')

    def judge(self, name: str, model: str, rc: int, text: str
              ) -> e2e_parser.Result:
        run = e2e_parser.TestRun(name, rc, 1, False, text.split('\n'))
        return e2e_parser.judge(run, name, model,
                                e2e_parser.xfail_for(self.XFAILS, name, model))

    def test_xfail(self) -> None:
        r = self.judge('a', 'EPYC', 1, 'it went boom')
        self.assertEqual((r.status, r.reason), (Status.XFAIL, 'fails everywhere'))
        self.assertEqual(self.judge('a', 'max', 1, 'crash').status,
                         Status.XFAIL)

    def test_regex_mismatch(self) -> None:
        r = self.judge('a', 'max', 1, 'it went boom')
        self.assertEqual(r.status, Status.FAIL)
        self.assertEqual(r.reason,
                         'exit 1; expected to fail matching /bang|crash/')

    def test_xpass_and_flaky(self) -> None:
        r = self.judge('a', 'EPYC', 0, '')
        self.assertEqual((r.status, r.reason),
                         (Status.XPASS, 'expected to fail: fails everywhere'))
        self.assertEqual(self.judge('f', 'EPYC', 0, '').status, Status.PASS)
        self.assertEqual(self.judge('f', 'EPYC', 1, 'wobble').status,
                         Status.XFAIL)
        self.assertEqual(self.judge('f', 'EPYC', 1, 'other').status,
                         Status.FAIL)

    def test_did_not_finish(self) -> None:
        hung = e2e_parser.TestRun('h', stop=e2e_parser.Stop(
            'h', 'guest hung: no output for 120 s, QEMU stopped'))
        x = e2e_parser.xfail_for(self.XFAILS, 'h', 'EPYC')
        self.assertEqual(e2e_parser.judge(hung, 'h', 'EPYC', x).status,
                         Status.XFAIL)
        r = e2e_parser.judge(hung, 'h', 'EPYC', None)
        self.assertEqual(r.reason, 'did not finish: guest hung: no output '
                         'for 120 s, QEMU stopped')
        slow = e2e_parser.TestRun('h', stop=e2e_parser.Stop(
            'h', 'h ran past its limit of 5 s', True, 5))
        r = e2e_parser.judge(slow, 'h', 'EPYC', x)
        self.assertEqual(r.status, Status.XFAIL)
        self.assertEqual(e2e_parser.judge(slow, 'h', 'EPYC', None).reason,
                         'timeout after 5 s')
        # A test that never began fails even if a hang is expected.
        r = e2e_parser.judge(None, 'h', 'EPYC', x)
        self.assertEqual((r.status, r.reason), (Status.FAIL, 'not run'))

    def test_project_list_parses(self) -> None:
        with open(e2e.XFAIL_LIST) as f:
            xfails = e2e_parser.parse_xfails(f.read())
        self.assertTrue(xfails)
        for x in xfails:
            self.assertTrue(x.test and x.reason and x.regex, x)


class ModelTest(unittest.TestCase):
    """The model files and their expectations."""

    def test_model_files(self) -> None:
        names = e2e_model.model_names()
        self.assertIn('EPYC', names)
        for n in names:
            m = e2e_model.load_model(n)
            self.assertIn(m.emulator, e2e_emulator.EMULATORS)
        self.assertEqual([m.name for m in e2e_model.select_models('max EPYC')],
                         ['max', 'EPYC'])
        with self.assertRaises(e2e_model.ModelError):
            e2e_model.select_models('nosuch')

    def test_mem(self) -> None:
        self.assertEqual(EPYC.mem_mib(), 4096)
        self.assertEqual(EPYC.with_mem('512M').mem_mib(), 512)
        self.assertIs(EPYC.with_mem(''), EPYC)

    def test_expectations(self) -> None:
        log = recorded('epyc_stock')
        self.assertEqual(e2e_parser.check_expectations(log, EPYC, '-cpu EPYC'),
                         [])
        maxlike = Model(name='max', vendor='amd', emulator='qemu', cpu='max',
                        expect={'vgif': 1, 'kvm_amd.vgif': 1})
        self.assertEqual(
            e2e_parser.check_expectations(log, maxlike, '-cpu max'),
            ['vGIF should be present under -cpu max',
             'kvm_amd.vgif should be 1 under -cpu max, is 0'])
        intel = Model(name='i', vendor='intel', emulator='bochs', cpu='x')
        self.assertEqual(e2e_parser.check_expectations(log, intel, 'bochs x'),
                         ['the CPU vendor should be GenuineIntel under '
                          'bochs x, is AuthenticAMD'])


class ReportTest(QuietReport):
    """The text report, its totals, and the JSON."""

    def results(self) -> List[e2e_parser.ModelResult]:
        xfails = e2e_parser.parse_xfails('c | known | boom\n')
        out = output_log('a\n0', 'b\n4\n# SKIP nope', 'c\n1\nboom', 'd\n1')
        log = e2e_parser.parse('tsc: Detected 2000.000 MHz processor\n', out)
        return [e2e_parser.judge_model(log, ['a', 'b', 'c', 'd', 'e'], EPYC,
                                       '-cpu EPYC', xfails)]

    def test_text(self) -> None:
        res = self.results()
        e2e_report.print_model('stock', res[0])
        e2e_report.print_total('stock', res)
        self.assertEqual(self.out.getvalue().split('\n'), [
            'e2e stock [EPYC]: -cpu EPYC, vGIF (CPUID 0x8000000A EDX[16]) '
            'absent, kvm_amd.vgif=0, 2 CPU flags',
            'e2e stock [EPYC]: TSC 2000.000 MHz (early/refined)',
            'PASS  a [EPYC]',
            'SKIP  b [EPYC] (SKIP nope)',
            'XFAIL c [EPYC] (known)',
            'FAIL  d [EPYC] (exit 1)',
            'FAIL  e [EPYC] (not run)',
            'e2e stock [EPYC]: 1 passed, 2 failed, 1 skipped, '
            '1 expected failures',
            'e2e stock: 1 passed, 2 failed, 1 skipped, 1 expected failures',
            ''])
        self.assertFalse(res[0].ok())

    def test_no_cpu_report(self) -> None:
        log = e2e_parser.parse('', 'E2E-BEGIN a\nE2E-END a rc=0\n')
        res = e2e_parser.judge_model(log, ['a'], EPYC, '-cpu EPYC', [])
        e2e_report.print_model('layer', res)
        self.assertIn('e2e layer [EPYC]: -cpu EPYC, the guest did not report '
                      'its CPU\nPASS  a [EPYC]\n', self.out.getvalue())
        self.assertFalse(res.ok())

    def test_ok(self) -> None:
        log = recorded('epyc_stock')
        res = e2e_parser.judge_model(log, list(log.tests), EPYC, '-cpu EPYC', [])
        self.assertTrue(res.ok())
        res = e2e_parser.judge_model(log, [], EPYC, '-cpu EPYC', [])
        self.assertFalse(res.ok(), 'a model that ran no test fails')

    def test_json(self) -> None:
        doc = json.loads(e2e_report.json_result('stock', self.results()))
        self.assertEqual(doc['status'], 'FAIL')
        self.assertEqual(doc['counts'], {'passed': 1, 'failed': 2,
                                         'skipped': 1, 'xfailed': 1})
        t = doc['models'][0]['tests'][2]
        self.assertEqual(t, {'name': 'c', 'status': 'XFAIL', 'reason': 'known',
                             'secs': 1, 'model': 'EPYC', 'emulator': 'qemu'})

    def test_progress(self) -> None:
        e2e_report.progress('EPYC', 12, 40, 'state_test', 23.4)
        self.assertEqual(self.err.getvalue(),
                         'e2e: [EPYC] 12/40 state_test 23 s\n')


class FakeEmulator(e2e_emulator.Emulator):
    """An emulator whose guest is scripts/e2e_testdata/fake_guest.py; the
    "initramfs" is the command list itself."""
    name = 'fake'
    title = 'Fake'

    def __init__(self, *args, stay: bool = False, **kw) -> None:
        super().__init__(*args, **kw)
        self.stay = stay

    def command(self, initrd: str) -> List[str]:
        return [sys.executable, os.path.join(DATA, 'fake_guest.py'), initrd,
                self.console, self.output] + (['--stay'] if self.stay else [])


class WatchTest(QuietReport):
    """The host's watch over boots, with the fake guest."""

    # As in real runs, a test's limit plus the grace exceeds the idle
    # limit: a silent guest counts as hung, not as slow.
    LIMITS = Limits(idle=3, grace=3, poll=0.05, linger=0.3)

    def setUp(self) -> None:
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.progress: List[str] = []

    def tearDown(self) -> None:
        super().tearDown()
        shutil.rmtree(self.dir)

    def initrd(self, lines: List[e2e_emulator.CmdLine]) -> str:
        path = os.path.join(self.dir, 'cmds')
        with open(path, 'w') as f:
            f.write(''.join(f'{n}\t{l}\t{c}\n' for n, l, c in lines))
        return path

    def run_model(self, cmds: List[Cmd], guest_timeout: bool = True,
                  stay: bool = False, reboots: int = 3
                  ) -> e2e_parser.ModelResult:
        emu = FakeEmulator(EPYC, self.dir, 'bzImage', stay=stay)
        console, output = e2e_emulator.run_model(
            emu, cmds, self.initrd, reboots, self.LIMITS,
            lambda n, s: self.progress.append(n), guest_timeout)
        log = e2e_parser.parse(console, output)
        return e2e_parser.judge_model(log, [c.name for c in cmds], EPYC,
                                      'fake EPYC', [])

    def verdicts(self, res: e2e_parser.ModelResult) -> List[str]:
        return [f'{r.status.value} {r.name} {r.reason}'.rstrip()
                for r in res.results]

    def test_clean_run(self) -> None:
        res = self.run_model([Cmd('a', 5, 'pass'), Cmd('b', 5, 'skip'),
                              Cmd('c', 5, 'fail'), Cmd('d', 5, 'splat')])
        self.assertEqual(self.verdicts(res), [
            'PASS a', 'SKIP b 1..0 # SKIP fake feature not supported',
            'FAIL c exit 254: x86_64/c.c:42: r == 0: fake failure',
            'FAIL d kernel splat: WARNING: CPU: 1 PID: 77 at '
            'arch/x86/kvm/x.c:1 fake+0x1/0x2'])
        self.assertEqual(self.progress, ['a', 'b', 'c', 'd'])
        self.assertEqual(res.log.boots, 1)
        self.assertEqual(res.log.tsc, ['2994.000 MHz/2994.373 MHz'])

    def test_guest_timeout(self) -> None:
        res = self.run_model([Cmd('a', 1, 'sleep 3'), Cmd('b', 5, 'pass')])
        self.assertEqual(self.verdicts(res),
                         ['FAIL a timeout after 1 s', 'PASS b'])
        self.assertEqual(res.log.tests['a'].splat, '', 'a dump is no splat')
        self.assertEqual(res.log.boots, 1)

    def test_hang_reboots_for_the_rest(self) -> None:
        res = self.run_model([Cmd('a', 5, 'pass'), Cmd('b', 5, 'hang'),
                              Cmd('c', 5, 'pass')])
        self.assertEqual(self.verdicts(res), [
            'PASS a', 'FAIL b did not finish: guest hung: no output for 3 s, '
            'Fake stopped', 'PASS c'])
        self.assertEqual(res.log.boots, 2)
        self.assertTrue(res.ok() is False and not res.run_problems())
        with open(os.path.join(self.dir, 'output.log')) as f:
            self.assertIn('\nE2E-REBOOT\n', f.read())

    def test_host_limit(self) -> None:
        res = self.run_model([Cmd('a', 1, 'sleep 30'), Cmd('b', 5, 'pass')],
                             guest_timeout=False)
        self.assertEqual(self.verdicts(res),
                         ['FAIL a timeout after 1 s', 'PASS b'])
        self.assertEqual(res.log.boots, 2)
        self.assertTrue(res.log.stops[0].timeout)

    def test_host_limit_after_guest_timeout(self) -> None:
        # The guest times the test; the host waits its grace in vain.
        res = self.run_model([Cmd('a', 1, 'hang'), Cmd('b', 5, 'pass')])
        self.assertEqual(res.log.tests['a'].stop.timeout, False)
        self.assertRegex(self.verdicts(res)[0], 'did not finish: guest hung')

    def test_panic(self) -> None:
        res = self.run_model([Cmd('a', 5, 'panic'), Cmd('b', 5, 'pass')])
        self.assertEqual(self.verdicts(res), [
            'FAIL a did not finish: the guest stopped: Kernel panic - not '
            'syncing: sysrq triggered crash', 'PASS b'])

    def test_emulator_that_stays(self) -> None:
        res = self.run_model([Cmd('a', 5, 'pass')], stay=True)
        self.assertEqual(self.verdicts(res), ['PASS a'])
        self.assertTrue(res.ok())

    def test_guest_that_reboots(self) -> None:
        res = self.run_model([Cmd('a', 5, 'pass'), Cmd('b', 5, 'reboot'),
                              Cmd('c', 5, 'pass')], stay=True)
        self.assertEqual(self.verdicts(res), [
            'PASS a', 'FAIL b did not finish: the guest stopped: it rebooted',
            'PASS c'])
        # What the guest ran after it rebooted is left out.
        self.assertEqual(res.log.boots, 2)
        with open(os.path.join(self.dir, 'output.log')) as f:
            self.assertEqual(f.read().count('E2E-BEGIN a'), 1)

    def test_reboots_run_out(self) -> None:
        res = self.run_model([Cmd('a', 5, 'panic'), Cmd('b', 5, 'panic'),
                              Cmd('c', 5, 'pass')], reboots=1)
        self.assertEqual([r.reason for r in res.results][1:],
                         ['did not finish: the guest stopped: Kernel panic - '
                          'not syncing: sysrq triggered crash', 'not run'])
        self.assertEqual(res.log.boots, 2)

    def test_stop_outside_tests(self) -> None:
        emu = FakeEmulator(EPYC, self.dir, 'bzImage')
        emu.command = lambda initrd: ['sleep', '30']
        console, output = e2e_emulator.run_model(
            emu, [Cmd('a', 5, 'pass')], self.initrd, 3, self.LIMITS,
            lambda n, s: None)
        log = e2e_parser.parse(console, output)
        self.assertTrue(log.stopped_outside())
        res = e2e_parser.judge_model(log, ['a'], EPYC, 'fake', [])
        self.assertIn('a boot stopped outside the tests: guest hung: no '
                      'output for 3 s, Fake stopped', res.run_problems())


class BochsTest(unittest.TestCase):
    """What the Bochs class writes (without running Bochs)."""

    MODEL = Model(name='skx', vendor='intel', emulator='bochs',
                  cpu='corei7_skylake_x', smp=1, mem='2G', ips=4000000,
                  append='kvm_intel.nested=1', time_scale=30)

    def test_bochsrc(self) -> None:
        emu = e2e_emulator.Bochs(self.MODEL, '/run', '/k/bzImage')
        rc = emu.bochsrc_text()
        self.assertIn('cpu: model=corei7_skylake_x, count=1, ips=4000000, '
                      'reset_on_triple_fault=0, ignore_bad_msrs=1\n', rc)
        self.assertIn('memory: guest=2048, host=2048\n', rc)
        self.assertIn('com1: enabled=1, mode=file, dev=/run/console.log\n', rc)
        self.assertIn('com2: enabled=1, mode=file, dev=/run/output.log\n', rc)
        self.assertIn('ata0-master: type=cdrom, path=/run/boot.iso, '
                      'status=inserted\n', rc)
        self.assertIn('append initrd=/initrd.img console=ttyS0 '
                      'kvm_intel.nested=1 panic=-1', emu.isolinux_cfg())
        self.assertEqual(emu.command('x')[:4], ['bochs', '-q', '-f',
                                                '/run/bochsrc'])
        self.assertFalse(emu.guest_timeout)
        # Debian's Bochs aborts with its default sound driver on a host
        # without a sound card.
        self.assertIn('sound: driver=dummy\n', rc)

    def test_host_times_bochs(self) -> None:
        self.assertIs(e2e_emulator.emulator_class(self.MODEL),
                      e2e_emulator.Bochs)


class BenchTest(unittest.TestCase):
    """The benchmark's figures and statistics."""

    def test_figures(self) -> None:
        out = ('E2E-BEGIN 1\nnested_vmmcall_bench: vcpus=2 pinned=1 '
               'round_trips=2000 tlb_flush=4000 nested_run=2000 '
               'tlb_tag_flush=-1 ns=1146934642\n'
               'nested_vmmcall_bench: per_round_trip tlb_flush=2.000 '
               'nested_run=1.000 tlb_tag_flush=-1.000 ns=573467\n'
               'E2E-END 1 rc=0\n')
        self.assertEqual(e2e_bench.figures(out), {
            'tlb_flush': '2.000', 'nested_run': '1.000',
            'tlb_tag_flush': '-1.000', 'ns': '573467'})
        self.assertEqual(e2e_bench.figures('nothing'), {})

    def test_show_lacking_statistic(self) -> None:
        self.assertEqual(e2e_bench.show(['-1.000', '-1.000']), 'n/a')
        self.assertEqual(e2e_bench.show(['0.5', '0.25', '1']),
                         '0.25/0.5/1')

    def test_stats(self) -> None:
        self.assertEqual(e2e_bench.stats(['3', '1.5', '2']), ('1.5', '2', '3'))
        self.assertEqual(e2e_bench.stats(['4', '1', '2', '3']),
                         ('1', '2.5', '4'))
        self.assertEqual(e2e_bench.stats(['2.000', '2.000']),
                         ('2.000', '2', '2.000'))


class CoverageTest(unittest.TestCase):
    """The coverage summary from lcov's tracefiles."""

    INFO = ('TN:EPYC\nSF:/t/arch/x86/kvm/svm/nested.c\n'
            'FNDA:5,nested_svm_get_tdp_cr3\nDA:1,3\nDA:2,0\nend_of_record\n'
            'SF:/t/arch/x86/kvm/nested/core/ctx.c\nDA:7,1\nend_of_record\n'
            'TN:max\nSF:/t/arch/x86/kvm/svm/nested.c\n'
            'FNDA:2,nested_svm_get_tdp_cr3\nDA:1,0\nDA:2,4\n'
            'end_of_record\n')

    def test_summary(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            info = os.path.join(d, 'all.info')
            with open(info, 'w') as f:
                f.write(self.INFO)
            self.assertEqual(e2e_coverage.lines_of(info, 'svm/nested.c'),
                             (2, 2))
            self.assertEqual(e2e_coverage.lines_of(info, 'nested/'), (1, 1))
            self.assertEqual(e2e_coverage.lines_of(info, ''), (3, 3))
            self.assertEqual(e2e_coverage.calls(info, 'svm/nested.c',
                                                'nested_svm_get_tdp_cr3'), '7')
            self.assertEqual(e2e_coverage.calls(info, 'vmx/nested.c',
                                                'nested_svm_get_tdp_cr3'), '-')
            self.assertEqual(e2e_coverage.calls(info, 'svm/nested.c',
                                                'nested_svm_inject_npf_exit'),
                             '-')
            text = e2e_coverage.summary([info])
        # The columns of the shell script's printf '%-30s' ' %15s'.
        self.assertIn('%-30s %15s' % ('coverage: svm/nested.c',
                                      '100.0%     2/2'), text)
        self.assertIn('%-30s %15s' % ('coverage: nested/vendor/vmx/',
                                      '%14s' % '-'), text)
        self.assertIn('coverage: nested_svm_get_tdp_cr3(): executed, 7 calls',
                      text)
        self.assertIn('coverage: nested_svm_inject_npf_exit(): not in the data',
                      text)


class MutantsTest(unittest.TestCase):
    """The mutation proof's verdicts from a run's JSON."""

    def doc(self, *tests: tuple) -> dict:
        return {'models': [{'model': m, 'tests': [
            {'name': n, 'model': m, 'status': st, 'reason': r}
            for n, mm, st, r in tests if mm == m]} for m in ('EPYC', 'max')]}

    def test_fields(self) -> None:
        text = 'Subject: x\n\nE2E-Tests: a b\nE2E-Expect: killed\n---\n'
        self.assertEqual(e2e_mutants.field('E2E-Tests', text), 'a b')
        self.assertEqual(e2e_mutants.field('E2E-Expect', text), 'killed')
        for name in os.listdir(e2e_mutants.MUTANTS):
            with open(os.path.join(e2e_mutants.MUTANTS, name)) as f:
                text = f.read()
            self.assertTrue(e2e_mutants.field('E2E-Tests', text), name)
            self.assertRegex(e2e_mutants.field('E2E-Expect', text),
                             '^(killed|survives: .+)$')

    def test_verdicts(self) -> None:
        killed = self.doc(('t', 'EPYC', 'FAIL', 'exit 1'),
                          ('t', 'max', 'PASS', ''))
        self.assertEqual(e2e_mutants.verdict(killed, 't', 'killed', '/none'),
                         ('KILLED on 1 of 2 CPU models: t [EPYC] (exit 1)',
                          True))
        self.assertFalse(e2e_mutants.verdict(killed, 't', 'survives: x',
                                             '/none')[1])
        passed = self.doc(('t', 'EPYC', 'PASS', ''), ('t', 'max', 'PASS', ''))
        self.assertEqual(e2e_mutants.verdict(passed, 't', 'survives: why',
                                             '/none'),
                         ('SURVIVED, as expected: why', True))
        self.assertEqual(e2e_mutants.verdict(passed, 't', 'killed', '/none'),
                         ('SURVIVED (expected to be killed)', False))
        skipped = self.doc(('t', 'EPYC', 'SKIP', 'no'))
        self.assertEqual(e2e_mutants.verdict(skipped, 't', 'killed', '/none'),
                         ('ERROR (SKIP t [EPYC] (no))', False))
        self.assertTrue(e2e_mutants.not_run(self.doc(
            ('t', 'EPYC', 'FAIL', 'not run'))))


class SuiteTest(unittest.TestCase):
    """SUITE=nested picks each vendor's tests, SUITE=all every test."""

    class Tree:
        proj_tests = ['svm_mine_test', 'vmx_mine_test', 'mine_bench']

        def all_tests(self) -> List[str]:
            return (['cpuid_test', 'state_test', 'svm_vmcall_test',
                     'vmx_tsc_adjust_test', 'kvm_pv_test'] + self.proj_tests)

    def setUp(self) -> None:
        self.saved = e2e.nested_set
        e2e.nested_set = lambda: {'state_test': ['amd', 'intel'],
                                  'svm_vmcall_test': ['amd'],
                                  'vmx_tsc_adjust_test': ['intel']}

    def tearDown(self) -> None:
        e2e.nested_set = self.saved

    def test_nested(self) -> None:
        tree = self.Tree()
        self.assertEqual(e2e.suite_of(tree, 'nested', 'amd'),
                         ['state_test', 'svm_vmcall_test', 'svm_mine_test',
                          'mine_bench'])
        self.assertEqual(e2e.suite_of(tree, 'nested', 'intel'),
                         ['state_test', 'vmx_tsc_adjust_test',
                          'vmx_mine_test', 'mine_bench'])
        self.assertEqual(e2e.suite_of(tree, 'all', 'intel'),
                         tree.all_tests())

    def test_unknown(self) -> None:
        e2e.nested_set = lambda: {'no_such_test': ['amd']}
        with self.assertRaises(e2e.Error):
            e2e.suite_of(self.Tree(), 'nested', 'amd')
        with self.assertRaises(e2e.Error):
            e2e.suite_of(self.Tree(), 'some', 'amd')

    def test_project_list(self) -> None:
        """Every line of scripts/e2e-nested.txt names known vendors."""
        for name, vendors in self.saved().items():
            self.assertTrue(vendors, name)
            for v in vendors:
                self.assertIn(v, e2e_model.VENDOR_ID, name)


class CommandLineTest(unittest.TestCase):
    """NAME=value arguments and the default subcommand."""

    def test_massage(self) -> None:
        saved = dict(os.environ)
        try:
            self.assertEqual(e2e.massage_argv(['KERNEL=stock', 'TESTS=a b']),
                             ['run'])
            self.assertEqual(os.environ['TESTS'], 'a b')
            self.assertEqual(e2e.massage_argv(['list', 'QUICK=1']), ['list'])
            self.assertEqual(e2e.massage_argv(['--quick']), ['run', '--quick'])
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def test_limits(self) -> None:
        self.assertEqual(e2e.parse_limits(['a=5', 'b_c=0']),
                         {'a': 5, 'b_c': 0})
        with self.assertRaises(e2e.Error):
            e2e.parse_limits(['a'])


def main() -> int:
    """Run the tests; print the summary line that check.sh sums."""
    prog = unittest.main(exit=False, verbosity=1)
    r = prog.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    skipped = len(r.skipped)
    passed = r.testsRun - failed - skipped - len(r.expectedFailures)
    print(f'e2e tool_test: {passed} passed, {failed} failed, {skipped} skipped')
    return 0 if r.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())

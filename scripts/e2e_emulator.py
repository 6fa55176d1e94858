# SPDX-License-Identifier: GPL-2.0
#
# Runs the e2e kernel on a CPU model: the emulators (QEMU, Bochs) behind
# one interface, the host's watch over a boot (idle and total limits,
# each test's limit, E2E-DONE), and a model's run in as many boots as it
# takes when one stops inside a test.

"""Emulators of the end-to-end runs and the host's watch over a boot."""

import abc
from dataclasses import dataclass
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from e2e_model import Model
from e2e_parser import Stop
import e2e_report

# One line of /e2e/cmds: name, the limit the guest enforces (0: none),
# the command.
CmdLine = Tuple[str, int, str]


def kernel_cmdline(model: Model, extra: str = '') -> str:
    """The guest kernel's command line on MODEL, with EXTRA at its end."""
    parts = ['console=ttyS0', model.append, 'panic=-1', 'printk.devkmsg=on',
             extra]
    return ' '.join(p for p in parts if p)


class Emulator(abc.ABC):
    """A machine that boots the e2e kernel on one CPU model.

    The guest's serial port 0 (the kernel log) goes to self.console and
    port 1 (the tests' output) to self.output, files that the host reads
    while the guest runs.  A subclass says how to start the emulator
    (command(), and prepare() for what it needs on disk) and, if it can,
    how to read the guest's CPU state (dump_state()).

    name:          the value of Model.emulator that selects the class
    title:         the emulator's name in messages ("QEMU stopped ...")
    guest_timeout: whether the guest's own clock can time the tests: if
                   not, the guest runs them without a limit and the host
                   stops the emulator when one runs past its limit
    packages:      Debian packages the emulator needs
    """
    name = ''
    title = ''
    guest_timeout = True
    packages: Tuple[str, ...] = ()

    def __init__(self, model: Model, run_dir: str, kernel: str,
                 append: str = '', args: Sequence[str] = ()) -> None:
        self.model = model
        self.run_dir = run_dir
        self.kernel = kernel
        self.append = append
        self.args = list(args)
        self.console = os.path.join(run_dir, 'console.log')
        self.output = os.path.join(run_dir, 'output.log')
        self.log_path = os.path.join(run_dir, self.name + '.log')
        self.proc: Optional[subprocess.Popen] = None

    def describe(self) -> str:
        """The model as the report names it, e.g. "-cpu EPYC"."""
        return f'{self.name} {self.model.cpu}'

    def prepare(self, initrd: str) -> None:
        """Write what the emulator needs to boot INITRD."""

    @abc.abstractmethod
    def command(self, initrd: str) -> List[str]:
        """The command line that boots self.kernel with INITRD."""

    def start(self, initrd: str) -> None:
        """Start the emulator on INITRD; the logs start empty."""
        for f in (self.console, self.output):
            if os.path.exists(f):
                os.remove(f)
        self.prepare(initrd)
        with open(self.log_path, 'w') as log:
            self.proc = subprocess.Popen(
                self.command(initrd), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.run_dir)

    def running(self) -> bool:
        """Whether the emulator has not exited."""
        return self.proc is not None and self.proc.poll() is None

    def dump_state(self) -> List[str]:
        """What the guest's CPUs are doing, one line per CPU, all of it
        added to cpus.txt of the run directory; [] if the emulator
        cannot tell."""
        return []

    def stop(self) -> None:
        """Stop the emulator, if it runs, and wait for it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait()


class Qemu(Emulator):
    """qemu-system-x86_64 under TCG: -kernel and -initrd, the human
    monitor on a unix socket, and -no-reboot, so that it exits when the
    guest reboots or its kernel panics."""
    name = 'qemu'
    title = 'QEMU'
    packages = ('qemu-system-x86',)

    ESC = re.compile(r'\x1b\[[0-9;]*[A-Za-z]|\r')

    def describe(self) -> str:
        return f'-cpu {self.model.cpu}'

    @property
    def monitor(self) -> str:
        """The path of the monitor's socket."""
        return os.path.join(self.run_dir, 'monitor.sock')

    def command(self, initrd: str) -> List[str]:
        return ['qemu-system-x86_64', '-accel', 'tcg',
                '-cpu', self.model.cpu, '-smp', str(self.model.smp),
                '-m', self.model.mem, '-no-reboot',
                '-display', 'none', '-nodefaults',
                '-monitor', f'unix:{self.monitor},server=on,wait=off',
                '-serial', f'file:{self.console}',
                '-serial', f'file:{self.output}',
                '-kernel', self.kernel, '-initrd', initrd,
                '-append', kernel_cmdline(self.model, self.append),
                *self.model.args, *self.args]

    def _monitor_command(self, sock: socket.socket, cmd: Optional[str]) -> str:
        """Send CMD to the monitor (None: only read its greeting), return
        what QEMU printed up to its next prompt."""
        buf = b''
        if cmd is not None:
            sock.sendall(cmd.encode() + b'\n')
        end = time.monotonic() + 10
        while b'(qemu) ' not in buf and time.monotonic() < end:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            buf += data
        text = self.ESC.sub('', buf.decode(errors='replace'))
        # The echo of the command comes first, the prompt last.
        lines = text.split('\n')[1:] if cmd is not None else []
        return '\n'.join(l for l in lines if not l.startswith('(qemu)'))

    def dump_state(self) -> List[str]:
        """Registers and local APIC of each CPU, from the monitor."""
        if not os.path.exists(self.monitor):
            return []
        raw = []
        summary = []
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(5)
                sock.connect(self.monitor)
                self._monitor_command(sock, None)
                for cpu in range(self.model.smp):
                    self._monitor_command(sock, f'cpu {cpu}')
                    regs = self._monitor_command(sock, 'info registers')
                    lapic = self._monitor_command(sock, f'info lapic {cpu}')
                    raw.append(f'== CPU {cpu}\n{regs}\n{lapic}')
                    summary.append(self._summary(cpu, regs, lapic))
        except OSError as e:
            return [f'monitor: {e}']
        with open(os.path.join(self.run_dir, 'cpus.txt'), 'a') as f:
            f.write('\n'.join(raw) + '\n')
        return summary

    @staticmethod
    def _summary(cpu: int, regs: str, lapic: str) -> str:
        """One line of a CPU's state: where it runs, whether it takes
        interrupts, and what its local APIC holds."""
        def field(pattern: str, text: str) -> str:
            m = re.search(pattern, text, re.M)
            return m.group(1).strip() if m else '?'

        rfl = field(r'RFL=([0-9a-f]+)', regs)
        iflag = '?' if rfl == '?' else str((int(rfl, 16) >> 9) & 1)
        rip = field(r'RIP=([0-9a-f]+)', regs)
        cr3 = field(r'CR3=([0-9a-f]+)', regs)
        efer = field(r'EFER=([0-9a-f]+)', regs)
        irr = field(r'^IRR\s+(.*)$', lapic)
        isr = field(r'^ISR\s+(.*)$', lapic)
        ppr = field(r'PPR (0x[0-9a-f]+)', lapic)
        return (f'CPU {cpu}: RIP={rip} RFL={rfl} (IF={iflag}) CR3={cr3} '
                f'EFER={efer}; APIC IRR {irr}, ISR {isr}, PPR {ppr}')


class Bochs(Emulator):
    """Bochs: boots an ISO (isolinux, the kernel and the uncompressed
    cpio initramfs on it), writes COM1 and COM2 to files, has no monitor
    the host could read, and stays up when the guest reboots: the host
    stops it.  With "clock: sync=none" the guest's time is instructions
    counted at the model's ips, 20-50 times slower than wall time, so the
    host times the tests (guest_timeout False; Model.time_scale sizes
    their limits in wall time)."""
    name = 'bochs'
    title = 'Bochs'
    guest_timeout = False
    packages = ('bochs', 'bochsbios', 'seabios', 'isolinux',
                'syslinux-common', 'xorriso')

    ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
    LDLINUX = '/usr/lib/syslinux/modules/bios/ldlinux.c32'
    BIOS = '/usr/share/bochs/BIOS-bochs-latest'
    VGABIOS = '/usr/share/seabios/vgabios-isavga.bin'

    def describe(self) -> str:
        return f'bochs {self.model.cpu}'

    @property
    def iso(self) -> str:
        """The path of the boot ISO."""
        return os.path.join(self.run_dir, 'boot.iso')

    @property
    def bochsrc(self) -> str:
        """The path of the configuration."""
        return os.path.join(self.run_dir, 'bochsrc')

    def isolinux_cfg(self) -> str:
        """isolinux's configuration: boot the kernel at once."""
        return ('default e2e\nprompt 0\ntimeout 0\nlabel e2e\n'
                '  kernel /vmlinuz\n'
                '  append initrd=/initrd.img '
                f'{kernel_cmdline(self.model, self.append)}\n')

    def bochsrc_text(self) -> str:
        """The configuration of the machine, from the model."""
        ips = f', ips={self.model.ips}' if self.model.ips else ''
        return '\n'.join([
            f'cpu: model={self.model.cpu}, count={self.model.smp}{ips}, '
            'reset_on_triple_fault=0, ignore_bad_msrs=1',
            'clock: sync=none',
            # Bochs 2.7 takes no "guest=" without "host=".
            f'memory: guest={self.model.mem_mib()}, '
            f'host={self.model.mem_mib()}',
            f'romimage: file={self.BIOS}',
            f'vgaromimage: file={self.VGABIOS}',
            'boot: cdrom',
            f'ata0-master: type=cdrom, path={self.iso}, status=inserted',
            f'com1: enabled=1, mode=file, dev={self.console}',
            f'com2: enabled=1, mode=file, dev={self.output}',
            # Debian's build has no "nogui"; RFB without a timeout
            # starts without waiting for a client.
            'display_library: rfb, options="timeout=0"',
            # With the default sound driver Debian's Bochs 2.7 aborts
            # ("buffer overflow detected") on a host without a sound
            # card, right after ALSA fails to open one.
            'sound: driver=dummy',
            'speaker: enabled=1, mode=system',
            f'log: {os.path.join(self.run_dir, "bochs.log")}',
            'panic: action=fatal',
            'error: action=report',
            'info: action=ignore',
            'debug: action=ignore',
            *self.model.args, *self.args, ''])

    def iso_command(self, root: str) -> List[str]:
        """The command that makes the boot ISO of directory ROOT."""
        return ['xorriso', '-as', 'mkisofs', '-quiet', '-R',
                '-o', self.iso, '-b', 'isolinux/isolinux.bin',
                '-c', 'isolinux/boot.cat', '-no-emul-boot',
                '-boot-load-size', '4', '-boot-info-table', root]

    def prepare(self, initrd: str) -> None:
        root = os.path.join(self.run_dir, 'iso')
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.join(root, 'isolinux'))
        shutil.copy(self.ISOLINUX, os.path.join(root, 'isolinux'))
        shutil.copy(self.LDLINUX, os.path.join(root, 'isolinux'))
        with open(os.path.join(root, 'isolinux', 'isolinux.cfg'), 'w') as f:
            f.write(self.isolinux_cfg())
        shutil.copy(self.kernel, os.path.join(root, 'vmlinuz'))
        shutil.copy(initrd, os.path.join(root, 'initrd.img'))
        with open(os.path.join(self.run_dir, 'xorriso.log'), 'w') as log:
            subprocess.run(self.iso_command(root), check=True, stdout=log,
                           stderr=subprocess.STDOUT)
        with open(self.bochsrc, 'w') as f:
            f.write(self.bochsrc_text())
        with open(os.path.join(self.run_dir, 'bochs.rc'), 'w') as f:
            f.write('c\n')

    def command(self, initrd: str) -> List[str]:
        return ['bochs', '-q', '-f', self.bochsrc,
                '-rc', os.path.join(self.run_dir, 'bochs.rc')]


EMULATORS: Dict[str, type] = {cls.name: cls for cls in (Qemu, Bochs)}


def emulator_class(model: Model) -> type:
    """The Emulator subclass of MODEL."""
    if model.emulator not in EMULATORS:
        raise ValueError(f'{model.name}: unknown emulator {model.emulator!r} '
                         f'(known: {" ".join(EMULATORS)})')
    return EMULATORS[model.emulator]


@dataclass
class Limits:
    """The host's limits on a boot, in wall-clock seconds.

    idle:  silence on both ports after which the guest counts as hung
           (init prints E2E-ALIVE every 20 s), in the guest's seconds
           (Model.time_scale)
    total: limit of a whole boot (None: the sum of its tests' limits
           plus margins)
    grace: how long past a test's limit the host waits when the guest
           times it itself
    poll:  how often the host looks at the logs
    linger: how long the emulator may stay up after E2E-DONE or a
           kernel panic before the host stops it
    """
    idle: float = 120
    total: Optional[float] = None
    grace: float = 60
    poll: float = 2
    linger: float = 3


@dataclass
class Cmd:
    """A test of a model's run: its name, its limit in the guest's
    seconds (0: none) and the command that runs it."""
    name: str
    limit: int
    command: str


class LogTail:
    """The complete lines that a growing file gained since last read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.partial = b''

    def size(self) -> int:
        """The file's size (0 while it does not exist)."""
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def lines(self) -> List[str]:
        """The new complete lines, without line ends."""
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return []
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b'\n')
        return [l.decode(errors='replace').rstrip('\r') for l in complete]


@dataclass
class BootResult:
    """How a boot ended: done if the guest printed E2E-DONE, else stop
    says where and why it stopped."""
    done: bool
    stop: Optional[Stop] = None


def panic_line(console: str, title: str) -> str:
    """The first line of a kernel panic or of a reboot the kernel did by
    itself, or "TITLE exited"."""
    for line in console.split('\n'):
        if re.search(r'Kernel panic|reboot: ', line):
            return re.sub(r'^\[ *[0-9.]*\] ', '', line)
    return f'{title} exited'


def last_begun(output: str) -> str:
    """The test a boot stopped in: the last one begun, if it did not
    end ('' if none)."""
    cur = ''
    for line in output.replace('\r', '').split('\n'):
        if line.startswith('E2E-BEGIN '):
            cur = line.split()[1] if len(line.split()) > 1 else ''
        elif 'E2E-END ' in line:
            cur = ''
    return cur


ProgressFn = Callable[[str, float], None]


class BootWatch:
    """What the host has seen of a boot so far: the test running and
    since when, E2E-DONE, a kernel panic, a second boot of the guest."""

    def __init__(self, emu: Emulator, progress: ProgressFn) -> None:
        self.out = LogTail(emu.output)
        self.con = LogTail(emu.console)
        self.progress = progress
        self.cur = ''
        self.began = 0.0
        self.done_at: Optional[float] = None
        self.panic_at: Optional[float] = None
        self.booted = 0

    def scan(self, now: float) -> None:
        """Take in the lines the guest wrote since the last scan, seen
        at NOW; tell PROGRESS of each test that ended."""
        for line in self.out.lines():
            if line.startswith('E2E-BOOTED'):
                self.booted += 1
            elif line.startswith('E2E-BEGIN ') and len(line.split()) > 1:
                self.cur, self.began = line.split()[1], now
            elif 'E2E-END ' in line and self.cur:
                self.progress(self.cur, now - self.began)
                self.cur = ''
            elif line.startswith('E2E-DONE'):
                self.done_at = now
        if any('Kernel panic' in l for l in self.con.lines()):
            self.panic_at = self.panic_at or now

    def size(self) -> int:
        """The bytes the guest wrote on both ports."""
        return self.out.size() + self.con.size()

    def ending(self) -> Optional[float]:
        """When the guest printed E2E-DONE or its kernel panicked."""
        return self.done_at if self.done_at is not None else self.panic_at


def boot(emu: Emulator, initrd: str, cmds: List[Cmd],
         host_limit: Dict[str, float], limits: Limits,
         progress: ProgressFn) -> BootResult:
    """Boot EMU on INITRD, which runs CMDS, and watch it until the guest
    is done, stops, falls silent, runs past the boot's limit, or a test
    runs past its HOST_LIMIT (wall-clock seconds, by name); PROGRESS gets
    each test that ends and its wall-clock seconds."""
    log = e2e_report.log
    total = limits.total
    if total is None:
        total = sum(host_limit.get(c.name, 0) + 15 for c in cmds) + 600
    log(f'booting {emu.kernel} on {emu.describe()} (limit {total:.0f} s; '
        f'log: {emu.console})')
    # init's sign of life comes every 20 s of the guest's time.
    idle = emu.model.idle or limits.idle * emu.model.time_scale
    stop: Optional[Stop] = None
    t0 = time.monotonic()
    emu.start(initrd)
    watch = BootWatch(emu, progress)
    last_size, last_change = -1, t0
    try:
        while emu.running():
            time.sleep(limits.poll)
            now = time.monotonic()
            watch.scan(now)
            size = watch.size()
            if size != last_size:
                last_size, last_change = size, now
            cur = watch.cur
            if watch.ending() is not None:
                # Whether or not the emulator exits by itself.
                if now - watch.ending() >= limits.linger:
                    emu.stop()
                continue
            if watch.booted > 1:
                stop = Stop(cur, 'the guest stopped: it rebooted')
            elif now - t0 >= total:
                stop = Stop(cur, f'{emu.title} stopped at the limit of '
                            f'{total:.0f} s')
            elif now - last_change >= idle:
                # Before a test's limit: a silent guest is a hung one.
                stop = Stop(cur, f'guest hung: no output for {idle:.0f} s, '
                            f'{emu.title} stopped')
            elif cur in host_limit and now - watch.began >= host_limit[cur]:
                stop = Stop(cur, f'{cur} ran past its limit of '
                            f'{host_limit[cur]:.0f} s, {emu.title} stopped',
                            timeout=True, secs=int(now - watch.began))
            if stop is not None:
                log(f'{stop.reason}, after {now - t0:.0f} s')
                state = emu.dump_state() if watch.booted <= 1 else []
                if state:
                    log("the guest's CPUs (registers and local APIC: "
                        f'{os.path.join(emu.run_dir, "cpus.txt")}):')
                    for line in state:
                        log('| ' + line)
                break
    finally:
        # Also when the host's run is interrupted.
        emu.stop()
    watch.scan(time.monotonic())
    # Of a guest that rebooted, only what its first boot wrote.
    console = _first_boot(_read(emu.console).replace('\r', ''),
                          ('Linux version', 'E2E-BOOTED'))
    output = _first_boot(_read(emu.output), ('E2E-BOOTED',))
    for path, text in ((emu.console, console), (emu.output, output)):
        with open(path, 'w') as f:
            f.write(text)
    log(f'boot took {time.monotonic() - t0:.0f} s')
    if re.search(r'^E2E-DONE', output, re.M):
        return BootResult(True)
    if stop is None:
        stop = Stop('', f'the guest stopped: {panic_line(console, emu.title)}')
    stop.test = last_begun(output)
    # What the console said last, for logs that keep only stdout and
    # stderr (CI).
    log(f"the boot did not complete ({stop.reason}); the console's last "
        'lines:')
    for line in console.rstrip('\n').split('\n')[-25:]:
        log('| ' + line)
    return BootResult(False, stop)


def _first_boot(text: str, markers: Sequence[str]) -> str:
    """TEXT up to the second line that holds the first of MARKERS found
    twice: the log of a guest's first boot."""
    for marker in markers:
        at = [m.start() for m in re.finditer(
            rf'^.*{re.escape(marker)}', text, re.M)]
        if len(at) > 1:
            return text[:at[1]]
    return text


def _read(path: str) -> str:
    """The text of PATH ('' if it does not exist)."""
    try:
        with open(path, 'rb') as f:
            return f.read().decode(errors='replace')
    except OSError:
        return ''


def run_model(emu: Emulator, cmds: List[Cmd],
              make_initrd: Callable[[List[CmdLine]], str], reboots: int,
              limits: Limits, progress: ProgressFn,
              guest_timeout: Optional[bool] = None) -> Tuple[str, str]:
    """Run CMDS on EMU's model, in as many boots as it takes: a boot that
    stops inside a test is followed by one that starts at the next test,
    up to REBOOTS more boots.  MAKE_INITRD makes the initramfs of a
    command list.  The guest times each test itself if GUEST_TIMEOUT
    (default: the emulator's guest_timeout) and the host stops it GRACE
    seconds later; otherwise only the host times it.

    Leaves the logs of the boots one after the other in console.log and
    output.log of the run directory, each after the first behind an
    "E2E-REBOOT" line, and an E2E-HOST-STOP line in output.log after each
    boot that stopped (scripts/e2e_parser.py); returns their texts."""
    log = e2e_report.log
    if guest_timeout is None:
        guest_timeout = emu.guest_timeout
    host_limit = {}
    for c in cmds:
        if c.limit > 0:
            host_limit[c.name] = (c.limit * emu.model.time_scale +
                                  (limits.grace if guest_timeout else 0))
    console_all, output_all = [], []
    left = list(cmds)
    boots = 0
    if os.path.exists(os.path.join(emu.run_dir, 'cpus.txt')):
        os.remove(os.path.join(emu.run_dir, 'cpus.txt'))
    while True:
        lines = [(c.name, c.limit if guest_timeout else 0, c.command)
                 for c in left]
        initrd = make_initrd(lines)
        boots += 1
        result = boot(emu, initrd, left, host_limit, limits, progress)
        console_all.append(_read(emu.console))
        output_all.append(_read(emu.output))
        if result.done:
            break
        stop = result.stop
        output_all.append(stop.line() + '\n')
        if not stop.test:
            log(f'the boot on {emu.describe()} stopped outside the tests')
            break
        names = [c.name for c in left]
        left = left[names.index(stop.test) + 1:] if stop.test in names else []
        if not left:
            break
        if boots > reboots:
            log(f'the boots on {emu.describe()} stopped {boots} times: '
                'not booting again')
            break
        log(f'booting {emu.describe()} again for the tests after '
            f'{stop.test} ({len(left)} left)')
        console_all.append('E2E-REBOOT\n')
        output_all.append('E2E-REBOOT\n')
    console = _join(console_all)
    output = _join(output_all)
    for path, text in ((emu.console, console), (emu.output, output)):
        with open(path, 'w') as f:
            f.write(text)
    return console, output


def _join(parts: List[str]) -> str:
    """The logs of several boots and the host's lines between them, each
    part starting on a line of its own."""
    return ''.join(p if not p or p.endswith('\n') else p + '\n'
                   for p in parts)

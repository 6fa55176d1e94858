#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A stand-in for an emulated guest in scripts/e2e_tool_test.py: it speaks
# scripts/e2e-init.sh's protocol on two files, the console (serial port 0)
# and the output (port 1), and runs the command list of its "initramfs",
# lines "name<TAB>limit<TAB>command", where a command is one of:
#   pass          prints an "ok" line, exits 0
#   fail          prints a selftest assertion, exits 254
#   skip          prints a TAP skip, exits 4
#   splat         the kernel warns while it runs; exits 0
#   sleep SECS    runs that long (the guest's limit applies, as timeout
#                 would: rc 137 and a dump section)
#   hang          the guest falls silent for good
#   panic         the kernel panics; the emulator exits
#   reboot        the guest reboots by itself and starts over
#
# Usage: fake_guest.py CMDS CONSOLE OUTPUT [--stay]
# With --stay the "emulator" does not exit when the guest is done, as
# Bochs does not: the host must stop it.

"""A fake guest for the tests of the e2e runner."""

import sys
import time

ALIVE = 0.2


class Guest:
    """The two serial ports and the guest's clock."""

    def __init__(self, console: str, output: str) -> None:
        self.con = open(console, 'a', buffering=1)
        self.out = open(output, 'a', buffering=1)
        self.t0 = time.monotonic()

    def kmsg(self, text: str) -> None:
        """A line of the kernel log, with its timestamp."""
        self.con.write(f'[{time.monotonic() - self.t0:12.6f}] {text}\r\n')

    def mark(self, text: str) -> None:
        """A marker on both ports."""
        self.kmsg(text)
        self.out.write(text + '\n')

    def quiet(self, secs: float) -> None:
        """SECS of a test that prints nothing, with init's heartbeat."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            time.sleep(min(ALIVE, max(end - time.monotonic(), 0)))
            self.kmsg('E2E-ALIVE')

    def boot(self, cmds: list) -> str:
        """Run the command list; return how the guest ended: "done",
        "panic" or "reboot"."""
        self.kmsg('Linux version 6.12.57 (fake)')
        self.kmsg('tsc: Detected 2994.000 MHz processor')
        self.kmsg('tsc: Refined TSC clocksource calibration: 2994.373 MHz')
        self.mark('E2E-BOOTED 6.12.57 2 cpus')
        self.mark('E2E-CPU vendor=AuthenticAMD vgif=0 kvm_amd.nested=1 '
                  'kvm_amd.npt=1 kvm_amd.vgif=0')
        self.out.write('E2E-CPUFLAGS fpu svm npt lbrv\n')
        for name, limit, cmd in cmds:
            self.mark(f'E2E-BEGIN {name}')
            verb, _, arg = cmd.partition(' ')
            t0 = time.monotonic()
            rc, timeout = 0, 0
            if verb == 'pass':
                self.out.write('ok 1 fake\n')
            elif verb == 'fail':
                self.out.write('==== Test Assertion Failure ====\n'
                               f'  x86_64/{name}.c:42: r == 0\n'
                               '  pid=77 tid=77 errno=4 - Interrupted\n'
                               '     1\t0x0000000000401c2e: main at x.c:42\n'
                               '  fake failure\n')
                rc = 254
            elif verb == 'skip':
                self.out.write('1..0 # SKIP fake feature not supported\n')
                rc = 4
            elif verb == 'splat':
                self.kmsg('WARNING: CPU: 1 PID: 77 at arch/x86/kvm/x.c:1 '
                          'fake+0x1/0x2')
            elif verb == 'sleep':
                secs = float(arg)
                if 0 < limit < secs:
                    self.quiet(limit)
                    self.mark(f'E2E-DUMP-BEGIN {name}')
                    self.kmsg('Call Trace:')
                    self.mark(f'E2E-DUMP-END {name}')
                    rc, timeout = 137, 1
                else:
                    self.quiet(secs)
            elif verb == 'hang':
                time.sleep(3600)
            elif verb == 'panic':
                self.kmsg('Kernel panic - not syncing: sysrq triggered crash')
                return 'panic'
            elif verb == 'reboot':
                self.kmsg('reboot: Restarting system')
                return 'reboot'
            secs = int(time.monotonic() - t0)
            self.mark(f'E2E-END {name} rc={rc} secs={secs} timeout={timeout}')
        self.mark('E2E-DONE')
        return 'done'


def main() -> None:
    cmds_file, console, output = sys.argv[1:4]
    stay = '--stay' in sys.argv[4:]
    cmds = []
    with open(cmds_file) as f:
        for line in f:
            name, limit, cmd = line.rstrip('\n').split('\t', 2)
            cmds.append((name, int(limit), cmd))
    guest = Guest(console, output)
    while True:
        how = guest.boot(cmds)
        if how == 'reboot' or (how == 'done' and stay):
            if how == 'done':
                time.sleep(3600)
            continue
        return


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# What each CPU of a QEMU guest is doing, from QEMU's human monitor on a
# unix socket (scripts/e2e.sh starts QEMU with one): registers and local
# APIC of every CPU, raw, then one summary line per CPU.  Used when a
# guest has stopped printing, before QEMU is stopped.
#
# Usage: scripts/e2e-monitor.py SOCKET NCPUS RAWFILE

import re
import socket
import sys
import time

ESC = re.compile(r'\x1b\[[0-9;]*[A-Za-z]|\r')


def main():
    path, ncpus, rawfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(5)
    sock.connect(path)

    def command(cmd):
        """Send CMD, return what QEMU printed up to its next prompt."""
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
        text = ESC.sub('', buf.decode(errors='replace'))
        # The echo of the command comes first, the prompt last.
        lines = text.split('\n')[1:] if cmd is not None else []
        return '\n'.join(l for l in lines if not l.startswith('(qemu)'))

    command(None)
    raw = []
    summary = []
    for cpu in range(ncpus):
        command('cpu %d' % cpu)
        regs = command('info registers')
        lapic = command('info lapic %d' % cpu)
        raw.append('== CPU %d\n%s\n%s' % (cpu, regs, lapic))

        def field(pattern, text):
            m = re.search(pattern, text, re.M)
            return m.group(1).strip() if m else '?'

        rfl = field(r'RFL=([0-9a-f]+)', regs)
        iflag = '?' if rfl == '?' else str((int(rfl, 16) >> 9) & 1)
        summary.append('CPU %d: RIP=%s RFL=%s (IF=%s) CR3=%s EFER=%s; '
                       'APIC IRR %s, ISR %s, PPR %s' % (
                           cpu, field(r'RIP=([0-9a-f]+)', regs), rfl,
                           iflag, field(r'CR3=([0-9a-f]+)', regs),
                           field(r'EFER=([0-9a-f]+)', regs),
                           field(r'^IRR\s+(.*)$', lapic),
                           field(r'^ISR\s+(.*)$', lapic),
                           field(r'PPR (0x[0-9a-f]+)', lapic)))
    with open(rawfile, 'w') as f:
        f.write('\n'.join(raw) + '\n')
    print('\n'.join(summary))


if __name__ == '__main__':
    main()

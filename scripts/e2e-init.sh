#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# /init of the end-to-end initramfs (scripts/e2e_kernel.py packs it with
# busybox, the selftests in /kvm and the command list /e2e/cmds).
#
# Runs each line "name<TAB>limit<TAB>command" of /e2e/cmds with
# /bin/sh, its output on the second serial port, between markers that go
# to both the kernel log (/dev/kmsg, the first port) and the second port
# (scripts/e2e_parser.py describes them), then reboots.  A limit of 0 runs
# the command without a time limit in the guest: the host enforces it
# (an emulator whose guest time is not wall time).

/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/kvm
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
# POSIX semaphores and shared memory (sem_open, shm_open) live here.
mkdir -p /dev/shm
mount -t tmpfs tmpfs /dev/shm
# Test output goes to the second serial port, markers to both: the
# kernel log orders them with kernel messages, the output port with
# the output.
stty -F /dev/ttyS1 115200 raw -echo
exec 3>/dev/ttyS1

mark() {
	echo "$*" >/dev/kmsg
	echo "$*" >&3
}

# param MODULE NAME: "MODULE.NAME=value" of a KVM module's parameter
# (empty if the module has no such parameter).
param() {
	echo "$1.$2=$(cat "/sys/module/$1/parameters/$2" 2>/dev/null)"
}

mark "E2E-BOOTED $(uname -r) $(nproc) cpus"
# e2e.clocksource=NAME on the command line: wait (up to 30 s of guest
# time) until the kernel uses that clocksource.  The "tsc" one is
# registered only after the refined TSC calibration, a second or so
# after boot, and the tests that need it (vmx_nested_tsc_scaling_test)
# skip without it.
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	e2e.clocksource=*)
		want=${arg#e2e.clocksource=}
		cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
		i=0
		while [ "$(cat $cs)" != "$want" ] && [ $i -lt 30 ]; do
			sleep 1
			i=$((i + 1))
		done
		mark "E2E-CLOCKSOURCE $(cat $cs)"
		;;
	esac
done
# The CPU model as the guest sees it, for the model's expectations
# (scripts/e2e_models/): the vendor, vGIF, and how KVM uses the CPU.
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
vendor=$(sed -n 's/^vendor_id[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
vgif=0
case " $flags " in *" vgif "*) vgif=1 ;; esac
cpu="E2E-CPU vendor=$vendor vgif=$vgif"
for p in nested npt vgif; do
	cpu="$cpu $(param kvm_amd $p)"
done
for p in nested ept vpid unrestricted_guest enable_shadow_vmcs pml; do
	cpu="$cpu $(param kvm_intel $p)"
done
mark "$cpu"
echo "E2E-CPUFLAGS $flags" >&3

# A sign of life on the console every 20 s, so that the host can tell
# a guest whose CPUs all hang (it then prints nothing) from a quiet test.
alive() {
	while sleep 20; do echo E2E-ALIVE >/dev/kmsg; done &
}
alive

tab=$(printf '\t')
cd /kvm || exit 1
while IFS=$tab read -r name limit cmd; do
	mark "E2E-BEGIN $name"
	t0=$(date +%s)
	if [ "$limit" -gt 0 ]; then
		timeout -k 10 "$limit" sh -c "$cmd" </dev/null >&3 2>&3
	else
		sh -c "$cmd" </dev/null >&3 2>&3
	fi
	rc=$?
	t=$(($(date +%s) - t0))
	to=0
	if [ "$limit" -gt 0 ] && [ "$t" -ge "$limit" ] &&
	   { [ $rc -eq 143 ] || [ $rc -eq 137 ]; }; then
		to=1
		# What the test's processes are stuck in, for the log:
		# blocked tasks and each CPU's backtrace.  Not a splat.
		mark "E2E-DUMP-BEGIN $name"
		if [ -w /proc/sysrq-trigger ]; then
			echo w >/proc/sysrq-trigger
			echo l >/proc/sysrq-trigger
		fi
		mark "E2E-DUMP-END $name"
		# busybox timeout signals only its child: what the test
		# forked (VMs whose vCPUs keep running) would slow down
		# every test after it.  As init, kill everything else.
		kill -9 -1 2>/dev/null
		sleep 2
		alive
	fi
	mark "E2E-END $name rc=$rc secs=$t timeout=$to"
done </e2e/cmds
mark "E2E-DONE"
sleep 1
reboot -f

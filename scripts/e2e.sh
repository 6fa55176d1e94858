#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end: build a 6.12 kernel (stock, or with the patch series and the
# layer grafted in), boot it under QEMU TCG on AMD CPU models with nested
# SVM, and run KVM's own x86_64 selftests in it.
#
# Usage: scripts/e2e.sh [run]   build, boot once per CPU model, run the
#                               selftests, report
#        scripts/e2e.sh build   build the kernel and the selftests only
#        scripts/e2e.sh boot    boot the built kernel on the first model of
#                               E2E_CPUS, run CMDS in it, print what they
#                               wrote (with markers) on stdout
#        scripts/e2e.sh list    print the names of the tests a run would run
#        scripts/e2e.sh tree    prepare the source tree, print its path
# Arguments of the form NAME=value are taken as environment variables.
#
# Environment:
#   KERNEL            layer (default): the source with patches/*.patch
#                     applied and this project as arch/x86/kvm/nested;
#                     stock: the unmodified source
#   TESTS             names of the tests to run (default: all), e.g.
#                     "state_test svm_vmcall_test"
#   E2E_CPUS          QEMU CPU models, one boot each (default: "EPYC max":
#                     EPYC has no vGIF, max has it)
#   E2E_GCOV          1: build arch/x86/kvm/ and the layer with gcov and
#                     copy the coverage data out of each boot (into
#                     BUILD/CPU/gcda.tar.gz); the build directories get a
#                     "-gcov" suffix (scripts/e2e-coverage.sh)
#   E2E_QUICK         1: leave out the tests marked slow in
#                     scripts/e2e-timeouts.txt (the make check subset)
#   E2E_TIMEOUT       default per-test limit in seconds (300); per-test
#                     limits in scripts/e2e-timeouts.txt
#   E2E_QEMU_TIMEOUT  limit of the whole boot in seconds (default: the sum
#                     of the per-test limits plus 600)
#   E2E_IDLE          seconds without a line from the guest after which it
#                     counts as hung and QEMU is stopped (120; init prints
#                     a line every 20 s)
#   E2E_REBOOTS       how many times a model's run boots again after a boot
#                     that stopped inside a test, to run the tests after it
#                     (3)
#   E2E_CRASH_IN      name of a test: crash the guest kernel (sysrq c)
#                     where that test would run, once, to check the
#                     harness's handling of a boot that stops
#   E2E_HANG_IN       the same, but the guest falls silent (every process
#                     but init stopped), as a guest whose CPUs hang does
#   E2E_APPEND        more kernel command line
#   E2E_QEMU_ARGS     more QEMU arguments (split at spaces), e.g. "-d int
#                     -D /tmp/qemu-int.log" to log what the CPUs take
#   E2E_MEM           guest RAM (default: 4G)
#   E2E_NAME          prefix of the tree and build directories (e2e)
#   E2E_EXTRA_PATCHES layer: more patches (paths, space-separated) applied
#                     after the series, also with -F0, e.g. a mutant of
#                     scripts/e2e-mutants/ (give it its own E2E_NAME)
#   CMDS              boot: the commands, one a line, run by /bin/sh in
#                     the guest with the selftests (and the project's
#                     selftests/*) in /kvm, on PATH
#   JOBS              make -j (default: 2)
#   NESTED_CACHE      cache directory (default: ~/.cache/nested)
#
# "run" prints, per CPU model, a header with the model's vGIF, one line per
# test (PASS, FAIL, SKIP, XFAIL, XPASS, the model in brackets) and the
# model's total, "e2e KERNEL [CPU]: ...", then the total of all models,
# "e2e KERNEL: N passed, N failed, N skipped, N expected failures".  It
# exits non-zero on any FAIL or XPASS, on a kernel splat outside the
# tests, if a boot did not complete or if a model's vGIF is not what the
# model has.  A WARNING, BUG, Oops, lockdep report or call trace while a
# test runs fails that test.  Expected failures (scripts/e2e-xfail.txt,
# optionally per model) must fail with matching output.

set -euo pipefail

for arg in "$@"; do
	case $arg in
	[A-Z]*=*) export "${arg?}" ;;
	esac
done
MODE=run
for arg in "$@"; do
	case $arg in
	[A-Z]*=*) ;;
	*) MODE=$arg ;;
	esac
done

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
KERNEL=${KERNEL:-layer}
NAME=${E2E_NAME:-e2e}
GCOV=${E2E_GCOV:-0}
# The gcov kernel has its own tree and build directory.
VARIANT=$KERNEL GCOV_STAMP=
if [ "$GCOV" = 1 ]; then
	VARIANT=$KERNEL-gcov GCOV_STAMP=" gcov"
fi
BUILD=$CACHE/build/$NAME-$VARIANT
read -r -a CPUS <<<"${E2E_CPUS:-EPYC max}"
JOBS=${JOBS:-2}
TIMEOUT=${E2E_TIMEOUT:-300}
# 4G and not 2G: max_guest_memory_test fills a 2G memslot, and with 2G
# the RAM below the PCI hole ends in a partial 64-page chunk of the idle
# page bitmap, which access_tracking_perf_test cannot read.
MEM=${E2E_MEM:-4G}
SMP=2
XFAIL_LIST=$PROJ/scripts/e2e-xfail.txt
TIMEOUT_LIST=$PROJ/scripts/e2e-timeouts.txt
KVMST=tools/testing/selftests/kvm
# Bumped when the recipe of the layer tree changes.
FARM_RECIPE=1
# What the CPU models must show in the guest: vGIF (CPUID 0x8000000A EDX
# bit 16), which QEMU 7.2's TCG gives "max" and not "EPYC".
declare -A VGIF_OF=([EPYC]=0 [max]=1)

SPLAT_RE='WARNING:|BUG:|Oops|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|sleeping function called from invalid context|Call Trace'

die() {
	echo "e2e: error: $*" >&2
	exit 1
}

log() {
	echo "e2e: $*" >&2
}

case $KERNEL in
stock|layer) ;;
*) die "KERNEL must be 'stock' or 'layer', not '$KERNEL'" ;;
esac

# The patches of the series, in order, without the cover letter, then
# E2E_EXTRA_PATCHES.
series() {
	local p

	for p in "$PROJ"/patches/*.patch; do
		[ -f "$p" ] || continue
		case ${p##*/} in
		0000-cover-letter.patch) continue ;;
		esac
		echo "$p"
	done
	for p in ${E2E_EXTRA_PATCHES:-}; do
		echo "$p"
	done
}

for p in ${E2E_EXTRA_PATCHES:-}; do
	[ -f "$p" ] || die "E2E_EXTRA_PATCHES: no such file: $p"
done

# Paths a patch touches (both sides; /dev/null left out).
touched() {
	sed -n -E 's@^(---|\+\+\+) [ab]/([^[:space:]]+).*@\2@p' "$1" | sort -u
}

# farm NAME: a symlink farm of the source, rebuilt when STAMP changes.
farm() {
	local tree=$CACHE/trees/$1 stamp=$2 p f

	if [ "$(cat "$tree/.nested-e2e" 2>/dev/null)" != "$stamp" ]; then
		log "preparing tree $tree"
		rm -rf "$tree"
		mkdir -p "$(dirname "$tree")"
		cp -rs "$SRC" "$tree"
		while read -r p; do
			while read -r f; do
				[ -L "$tree/$f" ] || continue
				cp --remove-destination "$SRC/$f" "$tree/$f"
				chmod u+w "$tree/$f"
			done < <(touched "$p")
		done < <(series_of "$1")
		while read -r p; do
			patch -d "$tree" -p1 -F0 --batch --forward --no-backup-if-mismatch \
				-s <"$p" >"$tree/.nested-e2e-patch.log" 2>&1 || {
				cat "$tree/.nested-e2e-patch.log" >&2
				die "patch ${p##*/} does not apply cleanly to $PKG_DIR"
			}
			log "applied ${p##*/}"
		done < <(series_of "$1")
		[ "$GCOV" = 1 ] && gcov_profile "$tree"
		echo "$stamp" >"$tree/.nested-e2e"
	fi
	echo "$tree"
}

# gcov_profile TREE: profile arch/x86/kvm/ (which builds svm/, vmx/, mmu/
# and virt/kvm/) and, through subdir-ccflags-y, its subdirectory nested/,
# the layer; nothing else of the kernel.
gcov_profile() {
	local mk=$1/arch/x86/kvm/Makefile

	[ -L "$mk" ] && cp --remove-destination "$SRC/arch/x86/kvm/Makefile" "$mk"
	chmod u+w "$mk"
	cat >>"$mk" <<'EOF'

# scripts/e2e.sh E2E_GCOV=1
GCOV_PROFILE := y
subdir-ccflags-y += $(CFLAGS_GCOV)
EOF
	log "arch/x86/kvm/ and its subdirectories built with gcov"
}

series_of() {
	case $1 in
	*-layer|*-layer-gcov) series ;;
	esac
}

# The tree the kernel is built from, and the one the selftests are built
# from (a farm in both cases: the project's selftests are linked into it).
prepare_tree() {
	local hash p

	"$PROJ/scripts/ktree.sh" deps
	SRC=$("$PROJ/scripts/ktree.sh" src)
	PKG_DIR=${SRC##*/}
	if [ "$KERNEL" = stock ]; then
		TREE=$(farm "$NAME-$VARIANT" "stock $FARM_RECIPE$GCOV_STAMP")
		# Only the gcov tree has a file of its own to build with.
		KSRC=$SRC
		[ "$GCOV" = 1 ] && KSRC=$TREE
	else
		hash=$( {
			echo "layer $FARM_RECIPE$GCOV_STAMP"
			while read -r p; do
				echo "${p##*/}"
				cat "$p"
			done < <(series)
		} | sha256sum | cut -d' ' -f1)
		TREE=$(farm "$NAME-$VARIANT" "$hash")
		ln -sfn "$PROJ" "$TREE/arch/x86/kvm/nested"
		KSRC=$TREE
	fi
	link_selftests
}

# Every selftests/*.c of the project becomes x86_64/<name> of the KVM
# selftests, built with libkvm like the others; the project's headers,
# selftests/*.h, are linked beside them.  The list of links made is kept
# in the tree so that the next run removes them first.
PROJ_TESTS=()
link_selftests() {
	local dir=$TREE/$KVMST/x86_64 list=$TREE/.nested-e2e-selftests f n

	if [ -f "$list" ]; then
		while read -r n; do
			# Lists of older runs hold test names without ".c".
			rm -f "${dir:?}/$n" "$dir/$n.c"
		done <"$list"
	fi
	: >"$list"
	for f in "$PROJ"/selftests/*.c "$PROJ"/selftests/*.h; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		[ -e "$dir/$n" ] &&
			die "selftests/$n: KVM's selftests have a file of that name"
		ln -s "$f" "$dir/$n"
		echo "$n" >>"$list"
		case $n in
		*.c) PROJ_TESTS+=("${n%.c}") ;;
		esac
	done
}

# Every =y of the fragments must have survived olddefconfig.
verify_config() {
	local cfg=$1 missing=() line
	shift

	while read -r line; do
		grep -qx "$line" "$cfg" || missing+=("$line")
	done < <(grep -h -E '^CONFIG_[A-Z0-9_]+=y$' "$@")
	if [ ${#missing[@]} -ne 0 ]; then
		printf 'e2e: not set in %s: %s\n' "$cfg" "${missing[@]}" >&2
		die "the kernel configuration lacks requested options"
	fi
}

build_kernel() {
	local out=$BUILD/kernel frags=("$PROJ/scripts/e2e.config") hash t0=$SECONDS
	local mk=(make -C "$KSRC" O="$out" ARCH=x86_64 -j"$JOBS")

	# The layer's own options, once the series wires it into KVM.
	if [ "$KERNEL" = layer ] && [ -f "$KSRC/arch/x86/kvm/Kconfig" ] &&
	   grep -q 'arch/x86/kvm/nested/Kconfig' "$KSRC/arch/x86/kvm/Kconfig"; then
		frags+=("$PROJ/scripts/e2e-layer.config")
	fi
	[ "$GCOV" = 1 ] && frags+=("$PROJ/scripts/e2e-gcov.config")
	[ -n "${E2E_CONFIG:-}" ] && frags+=("$E2E_CONFIG")
	mkdir -p "$out"
	hash=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
	if [ "$(cat "$out/.nested-e2e-config" 2>/dev/null)" != "$hash" ] ||
	   [ ! -f "$out/.config" ]; then
		log "configuring $out (tinyconfig + ${frags[*]##*/})"
		"${mk[@]}" tinyconfig >"$BUILD/config.log" 2>&1 ||
			{ tail -n 30 "$BUILD/config.log"; die "tinyconfig failed"; }
		"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$out" \
			"$out/.config" "${frags[@]}" >>"$BUILD/config.log" 2>&1 ||
			{ tail -n 30 "$BUILD/config.log"; die "merge_config.sh failed"; }
		"${mk[@]}" olddefconfig >>"$BUILD/config.log" 2>&1 ||
			{ tail -n 30 "$BUILD/config.log"; die "olddefconfig failed"; }
		verify_config "$out/.config" "${frags[@]}"
		echo "$hash" >"$out/.nested-e2e-config"
	fi
	log "building the $KERNEL kernel in $out (log: $BUILD/kernel.log)"
	if ! "${mk[@]}" bzImage >"$BUILD/kernel.log" 2>&1; then
		grep -E -A3 'error|Error' "$BUILD/kernel.log" | head -n 40 >&2
		die "kernel build failed (see $BUILD/kernel.log)"
	fi
	# The exported UAPI headers, as headers_install would copy them;
	# "headers" leaves them in place, untouched when unchanged, so the
	# selftests are rebuilt only when a header changes.
	"${mk[@]}" headers >>"$BUILD/kernel.log" 2>&1 ||
		die "make headers failed (see $BUILD/kernel.log)"
	log "kernel built in $((SECONDS - t0)) s"
}

# The list of the tests of the selftests Makefile, without directory.
kvm_selftests_make() {
	local extended=(x86_64/nx_huge_pages_test) n

	for n in "${PROJ_TESTS[@]}"; do
		extended+=("x86_64/$n")
	done
	make -C "$TREE/$KVMST" --no-print-directory OUTPUT="$BUILD/selftests" \
		EXTRA_CFLAGS=-static \
		KHDR_INCLUDES="-isystem $BUILD/kernel/usr/include" \
		TEST_GEN_PROGS_EXTENDED_x86_64="${extended[*]}" "$@"
}

all_tests() {
	# shellcheck disable=SC2016 # a make variable
	kvm_selftests_make -s -f Makefile \
		-f <(printf 'e2e-list:\n\t@echo $(TEST_GEN_PROGS)\n') e2e-list |
		tr ' ' '\n' | sed -n 's@.*/@@p'
	[ ${#PROJ_TESTS[@]} -eq 0 ] || printf '%s\n' "${PROJ_TESTS[@]}"
}

build_selftests() {
	local t0=$SECONDS

	log "building the KVM selftests in $BUILD/selftests"
	mkdir -p "$BUILD/selftests"
	if ! kvm_selftests_make -j"$JOBS" all >"$BUILD/selftests.log" 2>&1; then
		grep -E -B2 -A3 'error' "$BUILD/selftests.log" | head -n 40 >&2
		die "selftests build failed (see $BUILD/selftests.log)"
	fi
	log "selftests built in $((SECONDS - t0)) s"
}

# Per-test limit: scripts/e2e-timeouts.txt ("name seconds"), else TIMEOUT.
limit_of() {
	local t

	t=$(awk -v n="$1" '!/^#/ && $1 == n { print $2 }' "$TIMEOUT_LIST" 2>/dev/null)
	echo "${t:-$TIMEOUT}"
}

# Per-test arguments: the fields of scripts/e2e-timeouts.txt after the
# third, up to a "#".
args_of() {
	awk -v n="$1" '!/^#/ && $1 == n {
		for (i = 4; i <= NF && $i !~ /^#/; i++)
			printf "%s%s", (i > 4 ? " " : ""), $i
	}' "$TIMEOUT_LIST" 2>/dev/null
}

# Locate a built test binary by its name.
binary_of() {
	local f

	for f in "$BUILD/selftests/x86_64/$1" "$BUILD/selftests/$1"; do
		[ -x "$f" ] && { echo "$f"; return; }
	done
	die "no binary for test '$1' in $BUILD/selftests"
}

# make_initramfs CMDFILE: lines "name<TAB>limit<TAB>command".
make_initramfs() {
	local root=$BUILD/initramfs n f

	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,kvm,e2e}
	cp /bin/busybox "$root/bin/busybox"
	for n in $(all_tests); do
		f=$(binary_of "$n")
		strip --strip-debug -o "$root/kvm/$n" "$f"
	done
	cp "$1" "$root/e2e/cmds"
	cat >"$root/init" <<'EOF'
#!/bin/busybox sh
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
mark "E2E-BOOTED $(uname -r) $(nproc) cpus"
# The CPU model as the guest sees it: vGIF, and KVM's use of it.
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
vgif=0
case " $flags " in *" vgif "*) vgif=1 ;; esac
mark "E2E-CPU vgif=$vgif kvm_amd.vgif=$(cat /sys/module/kvm_amd/parameters/vgif 2>/dev/null)"
echo "E2E-CPUFLAGS $flags" >&3
# A sign of life on the console every 20 s, so that the host can tell
# a guest whose CPUs all hang (it then prints nothing) from a quiet test.
alive() {
	while sleep 20; do echo E2E-ALIVE >/dev/kmsg; done &
}
alive
tab=$(printf '\t')
cd /kvm
while IFS=$tab read -r name limit cmd; do
	mark "E2E-BEGIN $name"
	t0=$(date +%s)
	timeout -k 10 "$limit" sh -c "$cmd" </dev/null >&3 2>&3
	rc=$?
	t=$(($(date +%s) - t0))
	to=0
	if [ "$t" -ge "$limit" ] && { [ $rc -eq 143 ] || [ $rc -eq 137 ]; }; then
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
EOF
	chmod +x "$root/init"
	# E2E_GCOV=1: the coverage data, as a gzipped tar in base64.  The
	# .gcda files of debugfs have no size: they are read with cat.
	cat >"$root/e2e/gcov-dump" <<'EOF'
#!/bin/busybox sh
set -e
cd /sys/kernel/debug/gcov
find . -name '*.gcda' | while read -r f; do
	mkdir -p "/tmp/gcov/${f%/*}"
	cat "$f" >"/tmp/gcov/$f"
done
tar -C /tmp/gcov -cz . | base64
EOF
	chmod +x "$root/e2e/gcov-dump"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
		>"$BUILD/initramfs.cpio"
}

# use_cpu MODEL: the CPU model of the next boot; its logs go to $RUN.
use_cpu() {
	CPU=$1
	RUN=$BUILD/${CPU//[^A-Za-z0-9._-]/_}
	mkdir -p "$RUN"
}

# boot CMDFILE: boot the built kernel on $CPU with the initramfs of that
# command list (make_initramfs); leaves $RUN/console.log (kernel) and
# $RUN/output.log (the commands).
# Returns 0 if the guest got through the list and rebooted.
boot() {
	local cmds=$1 total idle last=0 now size qpid rc=0 t0=$SECONDS
	local kernel=$BUILD/kernel/arch/x86/boot/bzImage

	STOP=

	[ -f "$kernel" ] ||
		die "no kernel in $BUILD: run 'scripts/e2e.sh build KERNEL=$KERNEL' first"
	total=$(awk -F'\t' '{ s += $2 + 15 } END { print s + 600 }' "$cmds")
	total=${E2E_QEMU_TIMEOUT:-$total}
	# init prints E2E-ALIVE every 20 s: 120 s of silence is a hung guest.
	idle=${E2E_IDLE:-120}
	local qemu_args=()
	read -r -a qemu_args <<<"${E2E_QEMU_ARGS:-}"
	rm -f "$RUN/console.log" "$RUN/output.log"
	log "booting $kernel on -cpu $CPU (limit ${total} s; log: $RUN/console.log)"
	qemu-system-x86_64 -accel tcg -cpu "$CPU" -smp "$SMP" -m "$MEM" -no-reboot \
		-display none -nodefaults \
		-monitor "unix:$RUN/monitor.sock,server=on,wait=off" \
		-serial "file:$RUN/console.log" -serial "file:$RUN/output.log" \
		-kernel "$kernel" -initrd "$BUILD/initramfs.cpio" \
		-append "console=ttyS0 kvm_amd.nested=1 panic=-1 printk.devkmsg=on ${E2E_APPEND:-}" \
		"${qemu_args[@]}" \
		</dev/null >"$RUN/qemu.log" 2>&1 &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		now=$SECONDS
		size=$(cat "$RUN/console.log" "$RUN/output.log" 2>/dev/null | wc -c)
		if [ "$size" != "${lastsize:-}" ]; then
			lastsize=$size
			last=$now
		fi
		if [ $((now - t0)) -ge "$total" ]; then
			STOP="QEMU stopped at the limit of $total s"
		elif [ $((now - last)) -ge "$idle" ]; then
			STOP="guest hung: no output for $idle s, QEMU stopped"
		fi
		if [ -n "$STOP" ]; then
			log "$STOP, after $((now - t0)) s"
			cpu_state
			kill "$qpid" 2>/dev/null || true
			rc=1
			break
		fi
	done
	wait "$qpid" || true
	tr -d '\r' <"$RUN/console.log" >"$RUN/console.log.tmp" &&
		mv "$RUN/console.log.tmp" "$RUN/console.log"
	log "boot took $((SECONDS - t0)) s"
	if ! grep -q 'E2E-DONE' "$RUN/output.log"; then
		rc=1
		if [ -z "$STOP" ]; then
			STOP="the guest stopped: $(panic_line)"
		fi
		# What the console said last, for logs that keep only stdout
		# and stderr (CI).
		log "the boot did not complete ($STOP); the console's last lines:"
		tail -n 25 "$RUN/console.log" | sed 's/^/e2e: | /' >&2
	fi
	return $rc
}

# cpu_state: what the guest's CPUs are doing, through QEMU's monitor,
# on stderr (one line per CPU) and, all of it, added to $RUN/cpus.txt.
cpu_state() {
	local raw=$RUN/cpus.boot.txt

	[ -S "$RUN/monitor.sock" ] || return 0
	log "the guest's CPUs (registers and local APIC: $RUN/cpus.txt):"
	python3 "$PROJ/scripts/e2e-monitor.py" "$RUN/monitor.sock" "$SMP" "$raw" 2>&1 |
		sed 's/^/e2e: | /' >&2 || true
	if [ -f "$raw" ]; then
		cat "$raw" >>"$RUN/cpus.txt"
		rm -f "$raw"
	fi
}

# The first line of a kernel panic or of a reboot the kernel did by
# itself, or "QEMU exited".
panic_line() {
	local l

	l=$(grep -a -m1 -E 'Kernel panic|reboot: ' "$RUN/console.log" |
		sed 's/^\[ *[0-9.]*\] //' || true)
	echo "${l:-QEMU exited}"
}

# Splats on the console: "test<TAB>first line", test "-" outside tests.
splats() {
	awk -v re="$SPLAT_RE" '
		/E2E-BEGIN / { sub(/.*E2E-BEGIN /, ""); cur = $1; next }
		/E2E-END / { cur = ""; next }
		/^E2E-REBOOT$/ { cur = ""; dump = 0; next }
		/E2E-DUMP-BEGIN / { dump = 1; next }
		/E2E-DUMP-END / { dump = 0; next }
		dump { next }
		$0 ~ re {
			t = cur == "" ? "-" : cur
			if (!(t in seen)) {
				seen[t] = 1
				line = $0
				sub(/^\[ *[0-9.]+\] /, "", line)
				print t "\t" line
			}
		}' "$RUN/console.log"
}

# Split output.log into out/<test>.log, and print "name rc secs timeout".
split_output() {
	rm -rf "$RUN/out"
	mkdir -p "$RUN/out"
	awk -v dir="$RUN/out" '
		{ sub(/\r$/, "") }
		/^E2E-BEGIN / { cur = $2; file = dir "/" cur ".log"; printf "" > file; next }
		/^E2E-END / {
			rc = $3; sub(/rc=/, "", rc)
			s = $4; sub(/secs=/, "", s)
			to = $5; sub(/timeout=/, "", to)
			print $2, rc, s, to
			close(file); cur = ""
			next
		}
		cur != "" { print > file }' "$RUN/output.log"
}

# Why a test failed, from its output.
fail_reason() {
	local out=$1 rc=$2 secs=$3 to=$4 r

	if [ "$to" = 1 ]; then
		echo "timeout after $secs s"
		return
	fi
	# The assertion ("file:line: expression") and its message, which
	# follows the pid line and the stack frames.
	r=$(awk '
		/Test Assertion Failure/ { n = 1; next }
		n == 1 { sub(/^[ \t]+/, ""); r = $0; n = 2; next }
		n == 2 && /^[ \t]*(pid=|[0-9]+[ \t]+0x|$)|addr2line/ { next }
		n == 2 { sub(/^[ \t]+/, ""); r = r ": " $0; exit }
		END { print r }' "$out")
	[ -n "$r" ] || r=$(grep -m1 -E '^not ok ' "$out" || true)
	if [ -n "$r" ]; then
		echo "exit $rc: ${r:0:160}"
	elif [ "$rc" -gt 128 ]; then
		echo "killed by signal $((rc - 128))"
	else
		echo "exit $rc"
	fi
}

skip_reason() {
	local r

	r=$(grep -E -m1 'SKIP|[Nn]ot supported|Requirement not met' "$1" | sed 's/^[ #]*//' || true)
	echo "${r:0:120}"
}

# xfail NAME: prints "reason<TAB>regex" if NAME is an expected failure on
# $CPU: a line for "NAME@$CPU" if there is one, else one for NAME.
xfail() {
	[ -f "$XFAIL_LIST" ] || return 0
	awk -v n="$1" -v cpu="$CPU" '
		/^[ \t]*(#|$)/ { next }
		{
			i = index($0, "|"); name = substr($0, 1, i - 1); rest = substr($0, i + 1)
			j = index(rest, "|"); reason = substr(rest, 1, j - 1); re = substr(rest, j + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", name)
			gsub(/^[ \t]+|[ \t]+$/, "", reason)
			gsub(/^[ \t]+|[ \t]+$/, "", re)
			if (name == n "@" cpu) { print reason "\t" re; found = 1; exit }
			if (name == n && any == "") any = reason "\t" re
		}
		END { if (!found && any != "") print any }' "$XFAIL_LIST"
}

# result STATUS NAME [REASON]: one line of the report.
result() {
	printf '%-5s %s [%s]%s\n' "$1" "$2" "$CPU" "${3:+ ($3)}"
}

# check_cpu: the header of a model's report, from what the guest saw;
# fails if the model's vGIF is not what VGIF_OF says it must be.
check_cpu() {
	local line vgif kvm want tsc

	line=$(grep -a -m1 '^E2E-CPU ' "$RUN/output.log" | tr -d '\r' || true)
	sed -n 's/^E2E-CPUFLAGS //p' "$RUN/output.log" | head -n 1 | tr -d '\r' |
		tr ' ' '\n' | sort >"$RUN/cpuflags.txt"
	if [ -z "$line" ]; then
		echo "e2e $KERNEL [$CPU]: -cpu $CPU, the guest did not report its CPU"
		return 1
	fi
	vgif=$(sed -n 's/.* vgif=\([01]\).*/\1/p' <<<"$line")
	kvm=$(sed -n 's/.* kvm_amd.vgif=\([^ ]*\).*/\1/p' <<<"$line")
	echo "e2e $KERNEL [$CPU]: -cpu $CPU, vGIF (CPUID 0x8000000A EDX[16])" \
		"$([ "$vgif" = 1 ] && echo present || echo absent)," \
		"kvm_amd.vgif=${kvm:-?}, $(grep -c . "$RUN/cpuflags.txt") CPU flags"
	# Built-in KVM takes the TSC rate of the early calibration, which
	# under TCG can be off; then the clock tests fail (e2e-xfail.txt).
	# One "early/refined" pair per boot (run_model), ";" between boots.
	tsc=$(awk '
		function flush() {
			if (cur != "")
				out = out (out == "" ? "" : "; ") cur
			cur = ""
		}
		/^E2E-REBOOT$/ { flush(); next }
		match($0, /tsc: (Detected|Refined TSC clocksource calibration:) [0-9.]+ MHz/) {
			v = substr($0, RSTART, RLENGTH)
			sub(/ MHz$/, "", v)
			sub(/.* /, "", v)
			cur = cur (cur == "" ? "" : "/") v " MHz"
		}
		END { flush(); print out }' "$RUN/console.log")
	echo "e2e $KERNEL [$CPU]: TSC ${tsc:-?} (early/refined)$(grep -q 'user requested TSC rate below hardware speed' "$RUN/console.log" &&
		echo ", KVM's default TSC rate is the early one: clock tests may fail")"
	want=${VGIF_OF[$CPU]:-}
	if [ -n "$want" ] && [ "$vgif" != "$want" ]; then
		echo "e2e $KERNEL [$CPU]: vGIF should be $([ "$want" = 1 ] && echo present || echo absent) under -cpu $CPU" >&2
		return 1
	fi
}

# report TEST...: the report of the boot on $CPU; adds its counts to the
# totals of all models.
TOTAL_PASS=0 TOTAL_FAIL=0 TOTAL_SKIP=0 TOTAL_XFAIL=0
report() {
	local tests=("$@") n rc secs to out reason x xreason xre splat
	local pass=0 fail=0 skip=0 xf=0 status=0
	declare -A res splat_of stopped

	while read -r n rc secs to; do
		res[$n]="$rc $secs $to"
	done < <(split_output)
	while IFS=$'\t' read -r n splat; do
		splat_of[$n]=$splat
	done < <(splats)
	if [ -f "$RUN/stopped.txt" ]; then
		while IFS=$'\t' read -r n reason; do
			stopped[$n]=$reason
		done <"$RUN/stopped.txt"
	fi

	rm -f "$RUN/times.txt"
	for n in "${tests[@]}"; do
		out=$RUN/out/$n.log
		x=$(xfail "$n")
		xreason=${x%%$'\t'*}
		xre=${x#*$'\t'}
		if [ -z "${res[$n]:-}" ]; then
			if [ -n "${stopped[$n]:-}" ]; then
				reason="did not finish: ${stopped[$n]}"
			elif [ -f "$out" ]; then
				reason="did not finish"
			else
				reason="not run"
			fi
			if [ -f "$out" ] && [ -n "$x" ] &&
			   grep -q -E -- "$xre" <<<"$reason"; then
				result XFAIL "$n" "$xreason"
				xf=$((xf + 1))
			else
				result FAIL "$n" "$reason"
				fail=$((fail + 1))
			fi
			continue
		fi
		read -r rc secs to <<<"${res[$n]}"
		echo "$n $secs" >>"$RUN/times.txt"
		if [ -n "${splat_of[$n]:-}" ]; then
			result FAIL "$n" "kernel splat: ${splat_of[$n]}"
			fail=$((fail + 1))
		elif [ "$rc" = 4 ] && [ "$to" = 0 ]; then
			result SKIP "$n" "$(skip_reason "$out")"
			skip=$((skip + 1))
		elif [ "$rc" = 0 ]; then
			if [ -n "$x" ] && [ "${xreason#flaky:}" = "$xreason" ]; then
				result XPASS "$n" "expected to fail: $xreason"
				fail=$((fail + 1))
			else
				result PASS "$n"
				pass=$((pass + 1))
			fi
		else
			reason=$(fail_reason "$out" "$rc" "$secs" "$to")
			if [ -n "$x" ] && grep -q -E -- "$xre" "$out" - <<<"$reason"; then
				result XFAIL "$n" "$xreason"
				xf=$((xf + 1))
			elif [ -n "$x" ]; then
				result FAIL "$n" "$reason; expected to fail matching /$xre/"
				fail=$((fail + 1))
			else
				result FAIL "$n" "$reason"
				fail=$((fail + 1))
			fi
		fi
	done

	if [ -n "${splat_of[-]:-}" ]; then
		echo "e2e $KERNEL [$CPU]: kernel splat outside the tests: ${splat_of[-]}" >&2
		status=1
	fi
	echo "e2e $KERNEL [$CPU]: $pass passed, $fail failed, $skip skipped, $xf expected failures"
	TOTAL_PASS=$((TOTAL_PASS + pass)) TOTAL_FAIL=$((TOTAL_FAIL + fail))
	TOTAL_SKIP=$((TOTAL_SKIP + skip)) TOTAL_XFAIL=$((TOTAL_XFAIL + xf))
	[ "$fail" -eq 0 ] && [ $((pass + skip + xf)) -gt 0 ] || status=1
	return $status
}

# gcov_data: E2E_GCOV=1, the coverage data the boot on $CPU wrote out,
# decoded into $RUN/gcda.tar.gz.
gcov_data() {
	local out=$RUN/out/e2e-gcov.log

	rm -f "$RUN/gcda.tar.gz"
	if ! { [ -s "$out" ] && base64 -d <"$out" >"$RUN/gcda.tar.gz" &&
	       tar -tzf "$RUN/gcda.tar.gz" >/dev/null; } 2>/dev/null; then
		echo "e2e $KERNEL [$CPU]: no coverage data from the guest (see $out)" >&2
		rm -f "$RUN/gcda.tar.gz"
		return 1
	fi
	log "coverage data of -cpu $CPU: $RUN/gcda.tar.gz ($(tar -tzf "$RUN/gcda.tar.gz" | grep -c '\.gcda$') files)"
}

# cmds_of TEST...: the command list (make_initramfs) that runs TEST...,
# then, with E2E_GCOV=1, copies the coverage data out.
cmds_of() {
	local n a limit cmd

	for n in "$@"; do
		a=$(args_of "$n")
		limit=$(limit_of "$n") cmd="exec /kvm/$n${a:+ $a}"
		if [ "$n" = "${E2E_CRASH_IN:-}" ]; then
			limit=60 cmd="echo c >/proc/sysrq-trigger"
		elif [ "$n" = "${E2E_HANG_IN:-}" ]; then
			limit=60 cmd="kill -STOP -1; sleep 3600"
		fi
		printf '%s\t%s\t%s\n' "$n" "$limit" "$cmd"
	done
	if [ "$GCOV" = 1 ]; then
		printf '%s\t%s\t%s\n' e2e-gcov 600 "exec /e2e/gcov-dump"
	fi
}

# run_model TEST...: run the tests on $CPU, in as many boots as it takes.
# A boot that stops inside a test (a guest that hangs, a kernel that
# panics) is followed by one that starts at the next test, up to
# E2E_REBOOTS (3) more boots per model; $RUN/stopped.txt gets "test<TAB>
# why the boot stopped".  The logs of the boots end up one after the
# other in $RUN/console.log and $RUN/output.log, each after the first
# behind an "E2E-REBOOT" line.  Returns non-zero if a boot stopped
# outside the tests; a test a boot stopped in, and the tests left unrun,
# fail in the report.
# Coverage data (E2E_GCOV=1) is that of the last boot only.
run_model() {
	local left=("$@") boots=0 last i rc=0

	: >"$RUN/stopped.txt"
	rm -f "$RUN/cpus.txt"
	: >"$RUN/console.all"
	: >"$RUN/output.all"
	while :; do
		cmds_of "${left[@]}" >"$BUILD/cmds"
		make_initramfs "$BUILD/cmds"
		boots=$((boots + 1))
		boot "$BUILD/cmds" || true
		cat "$RUN/console.log" >>"$RUN/console.all"
		cat "$RUN/output.log" >>"$RUN/output.all"
		grep -q 'E2E-DONE' "$RUN/output.log" && break
		# The test the boot stopped in: the last one begun, if it
		# did not end.
		last=$(awk '{ sub(/\r$/, "") }
			/^E2E-BEGIN / { n = $2 } /^E2E-END / { n = "" }
			END { print n }' "$RUN/output.log")
		if [ -z "$last" ]; then
			log "the boot on -cpu $CPU stopped outside the tests"
			rc=1
			break
		fi
		printf '%s\t%s\n' "$last" "$STOP" >>"$RUN/stopped.txt"
		for i in "${!left[@]}"; do
			[ "${left[i]}" = "$last" ] && break
		done
		left=("${left[@]:i+1}")
		[ ${#left[@]} -gt 0 ] || break
		if [ "$boots" -gt "${E2E_REBOOTS:-3}" ]; then
			log "the boots on -cpu $CPU stopped $boots times: not booting again"
			break
		fi
		log "booting -cpu $CPU again for the tests after $last (${#left[@]} left)"
		echo E2E-REBOOT | tee -a "$RUN/console.all" >>"$RUN/output.all"
	done
	mv "$RUN/console.all" "$RUN/console.log"
	mv "$RUN/output.all" "$RUN/output.log"
	return $rc
}

selected_tests() {
	local all n

	all=$(all_tests)
	if [ -z "${TESTS:-}" ] && [ "${E2E_QUICK:-0}" = 1 ]; then
		grep -vx -F -f <(awk '!/^#/ && $3 == "slow" { print $1 }' \
			"$TIMEOUT_LIST") <<<"$all"
		return
	fi
	if [ -z "${TESTS:-}" ]; then
		echo "$all"
		return
	fi
	for n in $TESTS; do
		n=${n##*/}
		grep -qx -- "$n" <<<"$all" || die "unknown test '$n' (see 'scripts/e2e.sh list')"
		echo "$n"
	done
}

build() {
	prepare_tree
	mkdir -p "$BUILD"
	build_kernel
	build_selftests
}

case $MODE in
tree)
	prepare_tree
	echo "$TREE"
	;;
build)
	build
	;;
list)
	prepare_tree
	selected_tests
	;;
boot)
	prepare_tree
	[ -n "${CMDS:-}" ] || die "boot: set CMDS to the commands to run"
	use_cpu "${CPUS[0]}"
	i=0
	while read -r c; do
		[ -n "$c" ] || continue
		i=$((i + 1))
		printf '%s\t%s\t%s\n' "$i" "$TIMEOUT" "$c"
	done <<<"$CMDS" >"$BUILD/cmds"
	make_initramfs "$BUILD/cmds"
	rm -f "$RUN/cpus.txt"
	rc=0
	boot "$BUILD/cmds" || rc=$?
	cat "$RUN/output.log"
	splats | sed 's/^/e2e: kernel splat: /' >&2
	log "kernel log: $RUN/console.log"
	[ -z "$(splats)" ] || rc=1
	exit $rc
	;;
run)
	t0=$SECONDS
	build
	mapfile -t tests < <(selected_tests)
	rc=0
	for cpu in "${CPUS[@]}"; do
		use_cpu "$cpu"
		run_model "${tests[@]}" || rc=1
		check_cpu || rc=1
		report "${tests[@]}" || rc=1
		if [ "$GCOV" = 1 ]; then
			gcov_data || rc=1
		fi
		log "logs of -cpu $CPU: $RUN/console.log, $RUN/output.log, $RUN/out/"
	done
	echo "e2e $KERNEL: $TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped, $TOTAL_XFAIL expected failures"
	log "${#CPUS[@]} CPU models (${CPUS[*]}); total $((SECONDS - t0)) s"
	exit $rc
	;;
*)
	echo "usage: $0 [run|build|boot|list|tree] [KERNEL=layer|stock] [TESTS=...]" >&2
	exit 2
	;;
esac

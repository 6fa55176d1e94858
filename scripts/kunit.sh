#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the layer's KUnit suites with kunit.py.
#
# Usage: scripts/kunit.sh ARCH [SUITE_GLOB]
#   ARCH        um (User Mode Linux) or x86_64 (QEMU, 2 vCPUs)
#   SUITE_GLOB  kunit.py filter, e.g. 'nested_tlbtags*'
#
# With BENCH=1, runs the benchmark suites (nested_*bench*) in a separate
# build without lock debugging, which would otherwise dominate the
# figures, and prints their "bench" lines.
#
# The last line printed is "kunit ARCH: N passed, N failed, N skipped";
# the exit status is non-zero if any test failed or crashed, if no test
# ran, or if the kernel log shows a warning, BUG, Oops or lockdep report.

set -euo pipefail

ARCH=${1:?usage: $0 um|x86_64 [suite-glob]}
FILTER=${2:-}
PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
BUILD=$CACHE/build/${NESTED_FARM:-kunit}-$ARCH
BENCH=${BENCH:-0}
[ "$BENCH" = 1 ] && BUILD=$BUILD-bench && FILTER=${FILTER:-'nested_*bench*'}
JOBS=${JOBS:-$(nproc)}

"$PROJ/scripts/ktree.sh" deps
TREE=$("$PROJ/scripts/ktree.sh" kunit)
LOG=$BUILD/kunit-run.log
mkdir -p "$BUILD"

args=(run --kunitconfig=drivers/nested/kunit --build_dir="$BUILD"
      --jobs="$JOBS" --timeout="${KUNIT_TIMEOUT:-1800}")
case $ARCH in
um)
	# Without a virtio device UML's PCI-over-virtio warns at boot.
	args+=(--kconfig_add CONFIG_UML_PCI_OVER_VIRTIO=n)
	;;
x86_64)
	args+=(--arch=x86_64 --qemu_args='-smp 2'
	       --kconfig_add CONFIG_SMP=y
	       --kconfig_add CONFIG_NR_CPUS=8
	       --kconfig_add CONFIG_MODULES=y)
	;;
*)
	echo "kunit.sh: unknown arch '$ARCH' (um or x86_64)" >&2
	exit 2
	;;
esac
if [ "$BENCH" = 1 ]; then
	args+=(--kconfig_add CONFIG_PROVE_LOCKING=n
	       --kconfig_add CONFIG_DEBUG_ATOMIC_SLEEP=n
	       --kconfig_add CONFIG_DEBUG_KERNEL=n)
fi
[ -n "$FILTER" ] && args+=("$FILTER")

cd "$TREE"
set +e
python3 tools/testing/kunit/kunit.py "${args[@]}" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

# kunit.py prints "Testing complete. Ran N tests: passed: P, failed: F, ..."
summary=$(grep -a 'Testing complete\.' "$LOG" | tail -n 1 || true)
count() {
	sed -n "s/.*[ ,]$1: \([0-9]*\).*/\1/p" <<<"$summary"
}
passed=$(count passed)
failed=$(count failed)
crashed=$(count crashed)
skipped=$(count skipped)
errors=$(count errors)
passed=${passed:-0}
failed=$((${failed:-0} + ${crashed:-0} + ${errors:-0}))
skipped=${skipped:-0}

# Splats do not fail a KUnit case by themselves: look for them.  Tests
# that provoke a warning on purpose (internal misuse must WARN_ON_ONCE)
# bracket it with the markers of kunit/nested_kunit.h.
splats=0
if [ -f "$BUILD/test.log" ]; then
	splats=$(awk '
		/NESTED-KUNIT: expect warning begin/ { expect = 1 }
		/NESTED-KUNIT: expect warning end/ { expect = 0 }
		/WARNING:|BUG:|Oops|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|sleeping function called/ {
			if (!expect) { n++; print > "/dev/stderr" }
		}
		END { print n + 0 }' "$BUILD/test.log")
fi

if [ "$BENCH" = 1 ] && [ -f "$BUILD/test.log" ]; then
	grep -a -o 'bench .*' "$BUILD/test.log"
fi
echo "kunit $ARCH: $passed passed, $failed failed, $skipped skipped"
if [ "$splats" -gt 0 ]; then
	echo "kunit $ARCH: $splats kernel warning/BUG/lockdep lines in $BUILD/test.log" >&2
	exit 1
fi
if [ -z "$summary" ] || [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] ||
   [ "$passed" -eq 0 ]; then
	exit 1
fi

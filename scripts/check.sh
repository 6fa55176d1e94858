#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's test command: KUnit on UML and on x86_64, the style
# gates, a short fuzzing pass over the nested-state parsers, the unit
# tests of the e2e runner, then the layer kernel end to end: the quick
# part of KVM's nested-relevant selftests and the project's own, with the
# patch series applied, once per CPU model of scripts/e2e_models/ (AMD
# under QEMU, Intel under Bochs; scripts/e2e.py), and the series'
# W=1/sparse comparison with the stock kernel.  Ends with one line "N
# passed, N failed, N skipped" summed over the KUnit and e2e runs, and
# exits non-zero naming every step that failed.

set -uo pipefail

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
mkdir -p "$CACHE"
cd "$PROJ" || exit 1

"$PROJ/scripts/ktree.sh" deps || exit 1

failed=()
passed=0 nfailed=0 skipped=0
start=$SECONDS

step() {
	local name=$1 log=$CACHE/check-$1.log t0=$SECONDS

	shift
	echo "== $name: $*"
	"$@" 2>&1 | tee "$log" | grep -E '^(kunit |lint|kvm-lint|fuzz|e2e |(PASS|FAIL|SKIP|XFAIL|XPASS) |    [A-Z#+]|\[.*\] (=|\[FAILED|\[CRASHED|\[SKIPPED|Testing complete))'
	local rc=${PIPESTATUS[0]}
	echo "== $name: $([ "$rc" = 0 ] && echo ok || echo FAILED) in $((SECONDS - t0)) s"
	[ "$rc" = 0 ] || failed+=("$name")

	local line
	line=$(grep -E '^(kunit|e2e) [a-z0-9_]+: [0-9]+ passed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		read -r p f s < <(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$line")
		passed=$((passed + p)) nfailed=$((nfailed + f)) skipped=$((skipped + s))
	fi
}

step kunit-um scripts/kunit.sh um
step kunit-x86_64 scripts/kunit.sh x86_64
step lint scripts/lint.sh
step fuzz-smoke scripts/fuzz.sh smoke
step e2e-tool python3 scripts/e2e_tool_test.py
step e2e-layer scripts/e2e.py run --kernel layer --quick
step kvm-lint scripts/kvm-lint.sh

echo "check: $((SECONDS - start)) s"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED: ${failed[*]}"
	echo "$passed passed, $nfailed failed, $skipped skipped"
	exit 1
fi
echo "$passed passed, $nfailed failed, $skipped skipped"

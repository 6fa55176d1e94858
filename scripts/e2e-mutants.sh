#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation proof end to end: for each mutant in scripts/e2e-mutants/
# (a patch applied with -F0 on top of the series), build the layer
# kernel with it under an E2E_NAME of its own, run the tests it names in
# QEMU (scripts/e2e.sh) and require them to fail.  Prints a table,
# "mutant | test | result", and exits non-zero if a mutant expected to be
# killed survived, one expected to survive was killed, or a run broke.
#
# Usage: scripts/e2e-mutants.sh [NAME_GLOB]
#
# Each scripts/e2e-mutants/NAME.patch says, in its description:
#   E2E-Tests: the tests to run (space-separated)
#   E2E-Expect: "killed", or "survives: why" for a mutant that these
#               tests cannot catch under QEMU TCG
#
# Environment: E2E_NAME (prefix, default "mutant": the build of mutant
# NAME is $NESTED_CACHE/build/mutant-NAME-layer), JOBS, NESTED_CACHE.

set -uo pipefail

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
PREFIX=${E2E_NAME:-mutant}
PICK=${1:-*}
bad=0
rows=()

field() {
	sed -n "s/^$1: *//p" "$2" | head -n 1
}

for patch in "$PROJ"/scripts/e2e-mutants/*.patch; do
	[ -f "$patch" ] || continue
	name=$(basename "$patch" .patch)
	# shellcheck disable=SC2053
	[[ $name == $PICK ]] || continue
	tests=$(field E2E-Tests "$patch")
	expect=$(field E2E-Expect "$patch")
	if [ -z "$tests" ] || [ -z "$expect" ]; then
		rows+=("$name | - | ERROR (no E2E-Tests or E2E-Expect line)")
		bad=$((bad + 1))
		continue
	fi
	log=$CACHE/e2e-mutant-$name.log
	for try in 1 2; do
		echo "e2e-mutants: $name: building and running $tests (log: $log)" >&2
		E2E_EXTRA_PATCHES=$patch E2E_NAME=$PREFIX-$name KERNEL=layer \
			TESTS=$tests "$PROJ/scripts/e2e.sh" run >"$log" 2>&1
		# A guest that died before the tests (under a loaded host,
		# TCG sometimes fails the kernel's IO-APIC timer check) says
		# nothing of the mutant: boot once more.
		grep -q -E '^FAIL .*\(not run\)$' "$log" || break
		[ "$try" = 2 ] || echo "e2e-mutants: $name: the tests did not run, booting again" >&2
	done
	if ! grep -q '^e2e layer: ' "$log" ||
	   grep -q -E '^FAIL .*\(not run\)$' "$log"; then
		grep -E 'e2e: error' "$log" | tail -n 3 >&2
		rows+=("$name | $tests | ERROR (no test report: build or boot failed, see $log)")
		bad=$((bad + 1))
		continue
	fi
	for t in $tests; do
		# One line per CPU model: "STATUS NAME [CPU] (reason)".
		lines=$(grep -E "^(PASS|FAIL|SKIP|XFAIL|XPASS) +$t( |$)" "$log")
		fail=$(grep -m1 -E '^FAIL' <<<"$lines")
		if [ -n "$fail" ]; then
			result="KILLED on $(grep -c '^FAIL' <<<"$lines") of $(grep -c . <<<"$lines") CPU models: $(sed -E 's/^FAIL +//' <<<"$fail")"
			# The selftests print "ok N name" per passing case.
			cpu=$(sed -n -E 's/^FAIL +[^ ]+ \[([^]]*)\].*/\1/p' <<<"$fail")
			out=$CACHE/build/$PREFIX-$name-layer/${cpu:+${cpu//[^A-Za-z0-9._-]/_}/}out/$t.log
			after=$(grep -E '^ok [0-9]+ ' "$out" 2>/dev/null | tail -n 1)
			[ -z "$after" ] || result="$result; failed after \"$after\""
			[ "$expect" = killed ] || {
				result="$result; expected to survive"
				bad=$((bad + 1))
			}
		elif [ -n "$lines" ] && ! grep -q -v -E '^PASS' <<<"$lines"; then
			if [ "$expect" = killed ]; then
				result="SURVIVED (expected to be killed)"
				bad=$((bad + 1))
			else
				result="SURVIVED, as expected: ${expect#survives: }"
			fi
		else
			result="ERROR (${lines:-no result})"
			result=${result//$'\n'/; }
			bad=$((bad + 1))
		fi
		rows+=("$name | $t | $result")
	done
done

echo "mutant | test | result"
printf '%s\n' "${rows[@]}"
exit $((bad > 0))

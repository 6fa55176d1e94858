#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Line coverage of KVM and the layer by the end-to-end selftests: build
# the e2e kernel with gcov on arch/x86/kvm/ and the layer only
# (scripts/e2e.sh E2E_GCOV=1, its own tree and build directory), boot it
# on each CPU model of E2E_CPUS, run the quick set (the project's
# selftests/* included), copy the counters out of each guest, and turn
# them into an lcov report on the host.
#
# Usage: scripts/e2e-coverage.sh [run] [KERNEL=layer|stock] [TESTS='a b']
#        [E2E_QUICK=0] [E2E_CPUS='EPYC max']
#        scripts/e2e-coverage.sh report [KERNEL=...]   the report of the
#                               last run's data again, without booting
#
# Writes, in $NESTED_CACHE/build/${E2E_NAME:-e2e}-KERNEL-gcov/coverage/:
# html/index.html (genhtml), CPU.info per model and all.info merged, and
# summary.txt, which is also printed: lines of svm/nested.c, svm/svm.c and
# of each layer directory per model and merged, and whether nested SVM's
# NPT functions ran.  Exits non-zero if a test failed or the data of a
# boot is missing; the report is written all the same.

set -euo pipefail

MODE=run
for arg in "$@"; do
	case $arg in
	[A-Z]*=*) export "${arg?}" ;;
	run|report) MODE=$arg ;;
	*) echo "usage: $0 [run|report] [KERNEL=layer|stock] [TESTS='a b'] [E2E_QUICK=0|1]" >&2; exit 2 ;;
	esac
done

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
KERNEL=${KERNEL:-layer}
NAME=${E2E_NAME:-e2e}
BUILD=$CACHE/build/$NAME-$KERNEL-gcov
TREE=$CACHE/trees/$NAME-$KERNEL-gcov
OUT=$BUILD/coverage
read -r -a CPUS <<<"${E2E_CPUS:-EPYC max}"
export E2E_QUICK=${E2E_QUICK:-1}

# The functions of svm/nested.c that only nested NPT runs.
NPT_FUNCS=(nested_svm_init_mmu_context nested_svm_get_tdp_cr3
	   nested_svm_inject_npf_exit)

die() {
	echo "e2e-coverage: error: $*" >&2
	exit 1
}

log() {
	echo "e2e-coverage: $*" >&2
}

# The gcov of the gcc that built the kernel: gcov's data format changes
# with gcc's version.
gcov_tool() {
	local v

	v=$(gcc -dumpversion | cut -d. -f1)
	if command -v "gcov-$v" >/dev/null; then
		echo "gcov-$v"
	else
		echo gcov
	fi
}

# capture CPU: CPU.info from the counters of the boot on that model.
capture() {
	local cpu=$1 run=$BUILD/${1//[^A-Za-z0-9._-]/_} kobj=$BUILD/kernel
	local tmp=$OUT/gcda-${1//[^A-Za-z0-9._-]/_}

	[ -f "$run/gcda.tar.gz" ] || { log "no coverage data of -cpu $cpu"; return 1; }
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xzf "$run/gcda.tar.gz" -C "$tmp"
	# debugfs names each file by its absolute path at build time: the
	# .gcda files go next to the .gcno files of the build directory.
	[ -d "$tmp/${kobj#/}" ] ||
		die "the data of -cpu $cpu is not of $kobj (see $tmp)"
	find "$kobj" -name '*.gcda' -delete
	cp -r "$tmp/${kobj#/}/." "$kobj/"
	rm -rf "$tmp"
	# virt/kvm/ is built by arch/x86/kvm/Makefile but lands in
	# virt/kvm/ of the build directory.
	lcov --quiet --capture --directory "$kobj/arch/x86/kvm" \
		--directory "$kobj/virt/kvm" \
		--gcov-tool "$GCOV" --test-name "${cpu//[^A-Za-z0-9_]/_}" \
		--output-file "$OUT/$cpu.raw.info" >"$OUT/lcov-$cpu.log" 2>&1 ||
		{ tail -n 20 "$OUT/lcov-$cpu.log" >&2; die "lcov --capture failed"; }
	# KVM's sources and the layer's, without the kernel headers.
	lcov --quiet --extract "$OUT/$cpu.raw.info" '*/arch/x86/kvm/*' \
		'*/virt/kvm/*' --output-file "$OUT/$cpu.info" >>"$OUT/lcov-$cpu.log" 2>&1 ||
		die "lcov --extract failed (see $OUT/lcov-$cpu.log)"
	rm -f "$OUT/$cpu.raw.info"
}

# lines INFO PATTERN: "hit found" of the files whose path, after
# arch/x86/kvm/, starts with PATTERN.  A merged file has a record per
# model for each source file: lines are counted once.
lines() {
	awk -v pat="$2" '
		/^SF:/ { f = $0; sub(/.*\/arch\/x86\/kvm\//, "", f); on = index(f, pat) == 1 }
		on && /^DA:/ {
			split(substr($0, 4), a, ",")
			k = f ":" a[1]
			found[k] = 1
			if (a[2] > 0) hit[k] = 1
		}
		END { print length(hit), length(found) }' "$1"
}

# calls INFO FUNCTION: how often svm/nested.c's FUNCTION ran ("-": not
# in the data).
calls() {
	awk -v fn="$2" '
		/^SF:/ { on = $0 ~ /\/arch\/x86\/kvm\/svm\/nested\.c$/ }
		on && /^FNDA:/ { split(substr($0, 6), a, ","); if (a[2] == fn) n += a[1] }
		END { print n == "" ? "-" : n }' "$1"
}

pct() {
	awk -v h="$1" -v f="$2" 'BEGIN {
		if (f == 0) printf "%14s", "-"
		else printf "%5.1f%% %7s", 100 * h / f, h "/" f }'
}

summary() {
	local infos=("$@") what i hf n

	printf '%-30s' "coverage: lines"
	for i in "${infos[@]}"; do
		printf ' %15s' "$(basename "$i" .info)"
	done
	echo
	for what in svm/nested.c svm/svm.c nested/core/ nested/tlbtags/ \
		    nested/vendor/svm/ nested/vendor/vmx/ nested/ ""; do
		printf '%-30s' "coverage: ${what:-arch/x86/kvm, virt/kvm}"
		for i in "${infos[@]}"; do
			read -r -a hf < <(lines "$i" "$what")
			printf ' %15s' "$(pct "${hf[0]}" "${hf[1]}")"
		done
		echo
	done
	for what in "${NPT_FUNCS[@]}"; do
		n=$(calls "${infos[-1]}" "$what")
		case $n in
		-) echo "coverage: $what(): not in the data" ;;
		0) echo "coverage: $what(): not executed" ;;
		*) echo "coverage: $what(): executed, $n calls" ;;
		esac
	done
}

t0=$SECONDS
"$PROJ/scripts/ktree.sh" deps
GCOV=$(gcov_tool)
rc=0
if [ "$MODE" = run ]; then
	"$PROJ/scripts/e2e.sh" run KERNEL="$KERNEL" E2E_GCOV=1 || rc=$?
fi

mkdir -p "$OUT"
infos=()
for cpu in "${CPUS[@]}"; do
	if capture "$cpu"; then
		infos+=("$OUT/$cpu.info")
	else
		rc=1
	fi
done
[ ${#infos[@]} -ne 0 ] || die "no coverage data"
args=()
for i in "${infos[@]}"; do
	args+=(--add-tracefile "$i")
done
lcov --quiet "${args[@]}" --output-file "$OUT/all.info" >"$OUT/lcov-all.log" 2>&1 ||
	die "lcov --add-tracefile failed (see $OUT/lcov-all.log)"
rm -rf "$OUT/html"
genhtml --quiet --prefix "$TREE" --title "nested e2e, $KERNEL kernel (${CPUS[*]})" \
	--legend --output-directory "$OUT/html" "$OUT/all.info" \
	>"$OUT/genhtml.log" 2>&1 ||
	die "genhtml failed (see $OUT/genhtml.log)"

summary "${infos[@]}" "$OUT/all.info" | tee "$OUT/summary.txt"
echo "coverage: report $OUT/html/index.html, in $((SECONDS - t0)) s"
exit $rc

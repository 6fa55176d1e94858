#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The series must not add compiler or sparse warnings to KVM: build
# arch/x86/kvm/ of the stock and of the layer kernel with W=1 and sparse
# (C=2: every file, built or not) and compare the warnings, per file and
# without line numbers, so that moved lines do not count as new.
#
# Usage: scripts/kvm-lint.sh
#
# Both e2e kernels are built first if needed (scripts/e2e.py build).
# Prints the counts and every warning the layer tree adds; exits non-zero
# if there is one.

set -euo pipefail

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
NAME=${E2E_NAME:-e2e}
OUT=$CACHE/kvm-lint
JOBS=${JOBS:-2}

die() {
	echo "kvm-lint: error: $*" >&2
	exit 1
}

log() {
	echo "kvm-lint: $*" >&2
}

# warnings KERNEL: the normalized W=1 + sparse warnings of arch/x86/kvm/.
warnings() {
	local out=$CACHE/build/$NAME-$1/kernel log=$OUT/$1.log

	if [ ! -f "$out/.config" ] || [ ! -e "$out/source" ]; then
		"$PROJ/scripts/e2e.py" build --kernel "$1" >&2
	fi
	log "W=1 C=2 arch/x86/kvm/ of the $1 kernel (log: $log)"
	make -C "$out" -j"$JOBS" W=1 C=2 arch/x86/kvm/ >"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "build of arch/x86/kvm/ failed"; }
	grep -E '(warning|error):' "$log" |
		sed -E 's#^.*/((arch|include|virt)/[^:]*):[0-9]+(:[0-9]+)?:#\1:#' |
		sort >"$OUT/$1.warnings"
}

mkdir -p "$OUT"
warnings stock
warnings layer

new=$(comm -13 "$OUT/stock.warnings" "$OUT/layer.warnings")
echo "kvm-lint: stock $(wc -l <"$OUT/stock.warnings") warnings," \
     "layer $(wc -l <"$OUT/layer.warnings"), new $(grep -c . <<<"$new" || true)"
if [ -n "$new" ]; then
	echo "$new"
	exit 1
fi

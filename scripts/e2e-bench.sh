#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Nested round-trip benchmark, stock 6.12 against the layer, in one run:
# both e2e kernels are built, then booted RUNS times each, alternating,
# and selftests/nested_vmmcall_bench (L1 runs L2, L2 does VMMCALL in a
# loop) runs once per boot.  Reported per round trip: KVM's tlb_flush and
# nested_run statistics of the vCPU, and the time, min/median/max over the
# runs, with the layer/stock ratio of the medians.
#
# Usage: scripts/e2e-bench.sh [RUNS=5] [ROUND_TRIPS=100000]
#
# A benchmark, not a test: it fails only if a run does not produce its
# figures.  TCG inflates absolute times; compare the ratios.

set -euo pipefail

for arg in "$@"; do
	case $arg in
	[A-Z]*=*) export "${arg?}" ;;
	*) echo "usage: $0 [RUNS=n] [ROUND_TRIPS=n]" >&2; exit 2 ;;
	esac
done

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
RUNS=${RUNS:-5}
ROUND_TRIPS=${ROUND_TRIPS:-100000}
OUT=$CACHE/e2e-bench
KERNELS=(stock layer)

die() {
	echo "e2e-bench: error: $*" >&2
	exit 1
}

log() {
	echo "e2e-bench: $*" >&2
}

# stats FILE: "min median max" of the numbers in FILE, one a line.
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s\n", v[1], m, v[NR]
		}'
}

mkdir -p "$OUT"
rm -f "$OUT"/*.ns "$OUT"/*.flush "$OUT"/*.run

for k in "${KERNELS[@]}"; do
	log "building the $k kernel"
	"$PROJ/scripts/e2e.sh" build KERNEL="$k" >&2
done

for ((r = 1; r <= RUNS; r++)); do
	order=("${KERNELS[@]}")
	# Alternate which kernel boots first, so that drift hits both.
	((r % 2)) || order=(layer stock)
	for k in "${order[@]}"; do
		log "run $r/$RUNS: $k kernel, $ROUND_TRIPS round trips"
		"$PROJ/scripts/e2e.sh" boot KERNEL="$k" \
			CMDS="nested_vmmcall_bench -n $ROUND_TRIPS" \
			>"$OUT/$k-$r.log" 2>&1 ||
			die "boot of the $k kernel failed (see $OUT/$k-$r.log)"
		line=$(grep -a 'per_round_trip' "$OUT/$k-$r.log" | tail -n 1)
		[ -n "$line" ] ||
			die "no figures from the $k kernel (see $OUT/$k-$r.log)"
		sed -E 's/.* tlb_flush=([0-9.]+).*/\1/' <<<"$line" >>"$OUT/$k.flush"
		sed -E 's/.* nested_run=([0-9.]+).*/\1/' <<<"$line" >>"$OUT/$k.run"
		sed -E 's/.* ns=([0-9.]+).*/\1/' <<<"$line" >>"$OUT/$k.ns"
	done
done

echo "nested VMMCALL round trips: $RUNS runs x $ROUND_TRIPS round trips per kernel"
printf '%-6s %-22s %-22s %-26s\n' kernel 'tlb_flush/RT min/med/max' \
	'nested_run/RT min/med/max' 'ns/RT min/median/max'
for k in "${KERNELS[@]}"; do
	printf '%-6s %-22s %-22s %-26s\n' "$k" \
		"$(stats "$OUT/$k.flush" | tr ' ' /)" \
		"$(stats "$OUT/$k.run" | tr ' ' /)" \
		"$(stats "$OUT/$k.ns" | tr ' ' /)"
done
read -r _ smed _ < <(stats "$OUT/stock.ns")
read -r _ lmed _ < <(stats "$OUT/layer.ns")
paste "$OUT/layer.ns" "$OUT/stock.ns" | awk '{ print $1 / $2 }' >"$OUT/ratio"
read -r rmin rmed rmax < <(stats "$OUT/ratio")
awk -v l="$lmed" -v s="$smed" -v a="$rmin" -v m="$rmed" -v b="$rmax" 'BEGIN {
	printf "time per round trip, layer/stock: %.3f (medians); per run pair min/median/max %.3f/%.3f/%.3f\n", l / s, a, m, b
}'

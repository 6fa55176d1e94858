#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The style gates: checkpatch --strict, kernel-doc -Wall, a W=1 build with
# sparse (C=2) of the layer in every configured KUnit build directory, and
# an out-of-tree module build.  Each gate prints one "lint NAME: ok" or
# "lint NAME: FAILED (...)" line; the exit status is non-zero if any failed.

set -uo pipefail

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
SRC=$("$PROJ/scripts/ktree.sh" src) || exit 1
TREE=$("$PROJ/scripts/ktree.sh" kunit) || exit 1
JOBS=${JOBS:-$(nproc)}
FARM=${NESTED_FARM:-kunit}
OUT=$CACHE/lint${NESTED_FARM:+-$NESTED_FARM}
mkdir -p "$OUT"
failed=()

cd "$PROJ"
mapfile -t cfiles < <(git ls-files -co --exclude-standard '*.c' '*.h' | sort)
mapfile -t docfiles < <(git ls-files -co --exclude-standard \
	'include/nested/*.h' 'core/*.c' 'tlbtags/*.c' 'vendor/*.c' | sort)

gate() {
	local name=$1 log=$2 bad=$3

	if [ "$bad" = 0 ]; then
		echo "lint $name: ok"
	else
		echo "lint $name: FAILED ($bad problems, see $log)"
		sed 's/^/    /' "$log" | head -n 40
		failed+=("$name")
	fi
}

# checkpatch: every C and header file, strict, as a kernel tree would.
log=$OUT/checkpatch.log
: >"$log"
bad=0
for f in "${cfiles[@]}"; do
	res=$("$SRC/scripts/checkpatch.pl" --no-tree --strict --quiet \
		--show-types -f "$f" 2>&1)
	if [ -n "$res" ]; then
		echo "$res" >>"$log"
		bad=$((bad + $(grep -c -E '^(ERROR|WARNING|CHECK):' <<<"$res")))
	fi
done
gate checkpatch "$log" "$bad"

# kernel-doc: the public headers and the files that document exports.
log=$OUT/kernel-doc.log
"$SRC/scripts/kernel-doc" -none -Wall "${docfiles[@]}" >"$log" 2>&1
gate kernel-doc "$log" "$(grep -c . "$log")"

# W=1 and sparse over the layer's directory, in each configured build.
for arch in um x86_64; do
	build=$CACHE/build/$FARM-$arch
	[ -f "$build/.config" ] || continue
	log=$OUT/w1-sparse-$arch.log
	make -C "$TREE" O="$build" ARCH=$arch -j"$JOBS" W=1 C=2 \
		drivers/nested/ >"$log" 2>&1
	rc=$?
	bad=$(grep -E 'drivers/nested/.*(warning|error):' "$log" | sort -u |
	      wc -l)
	[ $rc -ne 0 ] && [ "$bad" = 0 ] && bad=1
	gate "w1-sparse-$arch" "$log" "$bad"
done

# Out of tree: "make -C $KDIR M=$PWD" against a prepared x86_64 kernel
# that does not have the layer built in, from a copy so that no object
# lands in the source directory.
build=$CACHE/build/oot-x86_64
log=$OUT/out-of-tree.log
: >"$log"
if [ ! -f "$build/.nested-prepared" ]; then
	mkdir -p "$build"
	{ make -C "$TREE" O="$build" ARCH=x86_64 tinyconfig &&
	  "$TREE/scripts/config" --file "$build/.config" -e 64BIT -e MODULES &&
	  make -C "$TREE" O="$build" ARCH=x86_64 olddefconfig &&
	  make -C "$TREE" O="$build" ARCH=x86_64 -j"$JOBS" modules_prepare &&
	  touch "$build/.nested-prepared"; } >>"$log" 2>&1
fi
rm -rf "$OUT/oot"
mkdir -p "$OUT/oot"
git ls-files -co --exclude-standard | rsync -a --files-from=- . "$OUT/oot/"
# modules_prepare leaves no vmlinux symbol table to resolve against.
make -C "$OUT/oot" KDIR="$build" KBUILD_MODPOST_WARN=1 modules >>"$log" 2>&1
rc=$?
bad=$(grep -cE '/oot/.*(warning|error):' "$log")
[ $rc -ne 0 ] && [ "$bad" = 0 ] && bad=1
[ -f "$OUT/oot/nested.ko" ] || bad=$((bad + 1))
gate out-of-tree "$log" "$bad"

if [ ${#failed[@]} -ne 0 ]; then
	echo "lint: FAILED: ${failed[*]}"
	exit 1
fi
echo "lint: all gates clean"

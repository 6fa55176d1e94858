#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Obtain the pinned Debian kernel source and prepare build trees with the
# project grafted in.  The extracted source is never modified: every tree
# is a symlink farm over it, with real copies only of the few files that
# are edited or that resolve paths relative to themselves.
#
# Usage: scripts/ktree.sh deps      install the build dependencies (apt)
#        scripts/ktree.sh src       print the extracted source directory
#        scripts/ktree.sh kunit     print a prepared tree for kunit.py
#
# Environment:
#   NESTED_CACHE  cache directory (default: ~/.cache/nested)
#   NESTED_FARM   name of the kunit tree (default: kunit); runs that graft
#                 another copy of the project use their own

set -euo pipefail

PKG=linux-source-6.12
PKG_VERSION=6.12.117-1~deb12u1
TARBALL=/usr/src/linux-source-6.12.tar.xz

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
SRC=$CACHE/src/linux-${PKG_VERSION//[^0-9a-z.]/-}

DEPS=(bc flex bison libelf-dev libssl-dev qemu-system-x86 sparse python3
      busybox-static cpio xz-utils gcc make perl rsync kmod patch
      clang libclang-rt-14-dev lcov)

die() {
	echo "ktree: error: $*" >&2
	exit 1
}

log() {
	echo "ktree: $*" >&2
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "need root to run: $*"
	fi
}

installed_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

deps() {
	local missing=() p

	for p in "${DEPS[@]}"; do
		[ -n "$(installed_version "$p")" ] || missing+=("$p")
	done
	[ "$(installed_version $PKG)" = "$PKG_VERSION" ] ||
		missing+=("$PKG=$PKG_VERSION")
	[ ${#missing[@]} -eq 0 ] && return 0

	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! as_root apt-get install -y --no-install-recommends "${missing[@]}" \
			>"$CACHE/apt.log" 2>&1; then
		as_root apt-get update >>"$CACHE/apt.log" 2>&1 || true
		as_root apt-get install -y --no-install-recommends \
			"${missing[@]}" >>"$CACHE/apt.log" 2>&1 ||
			die "apt-get install failed (see $CACHE/apt.log); $PKG must be available at version $PKG_VERSION"
	fi
}

src() {
	local have

	have=$(installed_version $PKG)
	[ -n "$have" ] ||
		die "$PKG is not installed; run 'scripts/ktree.sh deps' (needs $PKG=$PKG_VERSION)"
	[ "$have" = "$PKG_VERSION" ] ||
		die "$PKG is at version $have, need $PKG_VERSION (apt-get install $PKG=$PKG_VERSION)"
	[ -f $TARBALL ] || die "$TARBALL missing; reinstall $PKG=$PKG_VERSION"

	if [ ! -f "$SRC/.nested-extracted" ]; then
		log "extracting $TARBALL into $SRC"
		rm -rf "$SRC" "$SRC.tmp"
		mkdir -p "$SRC.tmp"
		tar -xJf $TARBALL -C "$SRC.tmp" --strip-components=1
		chmod -R a-w "$SRC.tmp"
		mv "$SRC.tmp" "$SRC"
		chmod u+w "$SRC"
		echo "$PKG_VERSION" >"$SRC/.nested-extracted"
		chmod u-w "$SRC"
	fi
	grep -qx "$PKG_VERSION" "$SRC/.nested-extracted" ||
		die "$SRC does not hold $PKG $PKG_VERSION; remove it and retry"
}

# farm NAME: a symlink farm of the source with the project as drivers/nested
farm() {
	local tree=$CACHE/trees/$1 f

	if [ ! -f "$tree/.nested-farm" ]; then
		log "preparing tree $tree"
		rm -rf "$tree"
		mkdir -p "$(dirname "$tree")"
		cp -rs "$SRC" "$tree"
		# kunit.py and the edited Kbuild files must be real files:
		# kunit.py finds the tree from its own path.
		for f in tools/testing/kunit drivers/Kconfig drivers/Makefile; do
			rm -rf "${tree:?}/$f"
			cp -r "$SRC/$f" "$tree/$f"
			chmod -R u+w "$tree/$f"
		done
		echo 'source "drivers/nested/Kconfig"' >>"$tree/drivers/Kconfig"
		sed -i '/^endmenu/d' "$tree/drivers/Kconfig"
		echo 'endmenu' >>"$tree/drivers/Kconfig"
		echo 'obj-$(CONFIG_NESTED)	+= nested/' >>"$tree/drivers/Makefile"
		touch "$tree/.nested-farm"
	fi
	ln -sfn "$PROJ" "$tree/drivers/nested"
	echo "$tree"
}

mkdir -p "$CACHE"
case "${1:-}" in
deps)
	deps
	;;
src)
	src
	echo "$SRC"
	;;
kunit)
	src
	farm "${NESTED_FARM:-kunit}"
	;;
*)
	echo "usage: $0 deps|src|kunit" >&2
	exit 2
	;;
esac

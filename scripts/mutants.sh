#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation proof: for each mutant in scripts/mutants.txt, apply it to a
# scratch copy of the project, run the named KUnit suites and require
# that at least one test fails.  Prints one line per mutant and exits
# non-zero if any mutant survived.
#
# Usage: scripts/mutants.sh [NAME_GLOB]
#
# scripts/mutants.txt, one mutant per line, fields separated by " @@ ":
#   name | file | perl substitution | suite glob | arch (um or x86_64)

set -uo pipefail

PROJ=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NESTED_CACHE:-$HOME/.cache/nested}
WORK=$CACHE/mutant-tree
PICK=${1:-*}
survived=0

while read -r line; do
	case $line in ''|'#'*) continue ;; esac
	IFS=$'\t' read -r name file subst suite arch < <(sed 's/ @@ /\t/g' <<<"$line")
	name=$(echo "$name" | xargs)
	# shellcheck disable=SC2053
	[[ $name == $PICK ]] || continue
	file=$(echo "$file" | xargs)
	subst=$(echo "$subst" | sed 's/^ *//; s/ *$//')
	suite=$(echo "$suite" | xargs)
	arch=$(echo "$arch" | xargs)

	rm -rf "$WORK"
	mkdir -p "$WORK"
	# Fresh modification times: a file the previous mutant changed
	# must be rebuilt from its restored copy, which is older than the
	# object that mutant left behind.
	(cd "$PROJ" && git ls-files -co --exclude-standard |
		rsync -a --no-times --files-from=- . "$WORK/")
	before=$(md5sum <"$WORK/$file")
	perl -0pi -e "$subst" "$WORK/$file"
	if [ "$(md5sum <"$WORK/$file")" = "$before" ]; then
		echo "mutant $name: NOT APPLIED (pattern not found in $file)"
		survived=$((survived + 1))
		continue
	fi
	log=$CACHE/mutant-$name.log
	# A tree and build directories of their own: the mutant's objects
	# must never be mistaken for the project's.
	# A mutant that hangs the kernel counts as caught: a bounded run.
	KUNIT_TIMEOUT=300 NESTED_CACHE=$CACHE NESTED_FARM=mutant \
		"$WORK/scripts/kunit.sh" "$arch" "$suite" >"$log" 2>&1
	fails=$(grep -a -E '^\[.*\] +\[(FAILED|CRASHED)\] ' "$log" |
		grep -v '\] ===' | sed -E 's/.*\[(FAILED|CRASHED)\] ?//' |
		sed 's/^$/(crashed)/' | sort -u | paste -sd, -)
	if [ -n "$fails" ]; then
		echo "mutant $name: killed by $suite: $fails"
	else
		echo "mutant $name: SURVIVED ($suite on $arch, see $log)"
		survived=$((survived + 1))
	fi
done <"$PROJ/scripts/mutants.txt"

exit $((survived > 0))

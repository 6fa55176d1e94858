#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The guest's coverage data (E2E_GCOV=1), as a gzipped tar in base64 on
# standard output: scripts/e2e_kernel.py packs this as /e2e/gcov-dump and
# the runner runs it after the tests.  The .gcda files of debugfs have no
# size: they are read with cat.

set -e
cd /sys/kernel/debug/gcov
find . -name '*.gcda' | while read -r f; do
	mkdir -p "/tmp/gcov/${f%/*}"
	cat "$f" >"/tmp/gcov/$f"
done
tar -C /tmp/gcov -cz . | base64

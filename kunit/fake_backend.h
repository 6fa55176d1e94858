/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake vendor backend for the core's KUnit suites: it allocates a small
 * buffer as the "control structure" and records every leaf it is asked to
 * run, with the CPU it ran on.
 */
#ifndef _NESTED_FAKE_BACKEND_H
#define _NESTED_FAKE_BACKEND_H

#include <kunit/test.h>
#include <nested/ctx.h>
#include <nested/vendor.h>

/* Which optional leaves the fake provides. */
enum fake_kind {
	FAKE_VMX_LIKE,	/* load + clear, no dirty tracking */
	FAKE_SVM_LIKE,	/* mark_dirty, nothing to load or clear */
};

struct fake_counts {
	unsigned int alloc, free, load, clear, all_dirty, flush_tag,
		     flush_all;
	/* A clear run on a CPU other than the one the context was on. */
	unsigned int clear_wrong_cpu;
	/* Allocations still live. */
	int live;
};

extern struct fake_counts fake;
/* Fail the alloc leaf once this many more allocations have succeeded. */
extern int fake_fail_alloc_after;

void fake_backend_register(struct kunit *test, enum fake_kind kind);

#endif /* _NESTED_FAKE_BACKEND_H */

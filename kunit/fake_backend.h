/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake vendor backend for the core's KUnit suites: it records every leaf
 * it is asked to run, with the CPU it ran on.  Contexts get a small buffer
 * as their "control structure" from fake_ctx_alloc(), which counts too.
 */
#ifndef _NESTED_FAKE_BACKEND_H
#define _NESTED_FAKE_BACKEND_H

#include <kunit/test.h>
#include <nested/ctx.h>
#include <nested/pool.h>
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
/* Fail fake_ctx_alloc() once this many more allocations have succeeded. */
extern int fake_fail_alloc_after;
extern const struct nested_pool_ops fake_pool_ops;

void fake_backend_register(struct kunit *test, enum fake_kind kind);
int fake_ctx_alloc(struct nested_ctx *ctx, gfp_t gfp);
void fake_ctx_free(struct nested_ctx *ctx);

#endif /* _NESTED_FAKE_BACKEND_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the files of the core, not part of the API.
 */
#ifndef _NESTED_CORE_INTERNAL_H
#define _NESTED_CORE_INTERNAL_H

#include <nested/vendor.h>

/*
 * The registered backend's table, copied in at registration.  Nothing may
 * call through it unless a backend is registered, which holds for as long
 * as a context exists: contexts are created by the backend's users.
 */
extern struct nested_vendor_ops nested_ops;

/* Optional leaves, NULL-checked here once. */
static inline void nested_op_load(struct nested_ctx *ctx)
{
	if (nested_ops.load)
		nested_ops.load(ctx);
}

static inline void nested_op_clear(struct nested_ctx *ctx)
{
	if (nested_ops.clear)
		nested_ops.clear(ctx);
}

static inline void nested_op_mark_dirty(struct nested_ctx *ctx, u32 groups)
{
	if (nested_ops.mark_dirty)
		nested_ops.mark_dirty(ctx, groups);
}

void nested_ctx_cpu_lists_init(void);

#endif /* _NESTED_CORE_INTERNAL_H */

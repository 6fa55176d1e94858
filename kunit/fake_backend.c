// SPDX-License-Identifier: GPL-2.0
/*
 * A fake vendor backend that records every leaf, for the core's suites.
 */

#include <linux/slab.h>
#include <linux/smp.h>

#include "fake_backend.h"

struct fake_counts fake;
int fake_fail_alloc_after = -1;

/*
 * A context with a small buffer as its "control structure", allocated by
 * the test as KVM allocates its VMCSs and VMCBs.
 */
int fake_ctx_alloc(struct nested_ctx *ctx, gfp_t gfp)
{
	nested_ctx_init(ctx);
	if (fake_fail_alloc_after == 0)
		return -ENOMEM;
	if (fake_fail_alloc_after > 0)
		fake_fail_alloc_after--;
	ctx->ptr = kzalloc(64, gfp);
	if (!ctx->ptr)
		return -ENOMEM;
	ctx->pa = (u64)(unsigned long)ctx->ptr;
	fake.alloc++;
	fake.live++;
	return 0;
}

/* Clear it where it is loaded, then free it, as KVM does. */
void fake_ctx_free(struct nested_ctx *ctx)
{
	nested_ctx_clear(ctx);
	kfree(ctx->ptr);
	ctx->ptr = NULL;
	fake.free++;
	fake.live--;
}

static struct nested_ctx *fake_pool_alloc(struct nested_ctx_pool *pool,
					  gfp_t gfp)
{
	struct nested_ctx *ctx = kzalloc(sizeof(*ctx), gfp);

	if (!ctx)
		return NULL;
	if (fake_ctx_alloc(ctx, gfp)) {
		kfree(ctx);
		return NULL;
	}
	return ctx;
}

static void fake_pool_free(struct nested_ctx_pool *pool,
			   struct nested_ctx *ctx)
{
	fake_ctx_free(ctx);
	kfree(ctx);
}

/* Bare contexts from fake_ctx_alloc(), for pools of the core's suites. */
const struct nested_pool_ops fake_pool_ops = {
	.alloc	= fake_pool_alloc,
	.free	= fake_pool_free,
};

static void fake_flush_tag(struct nested_ctx *ctx, enum nested_flush how)
{
	if (how == NESTED_FLUSH_ALL)
		fake.flush_all++;
	else
		fake.flush_tag++;
}

static void fake_load(struct nested_ctx *ctx)
{
	fake.load++;
}

static void fake_clear(struct nested_ctx *ctx)
{
	if (ctx->cpu != raw_smp_processor_id())
		fake.clear_wrong_cpu++;
	fake.clear++;
}

static void fake_mark_dirty(struct nested_ctx *ctx, u32 groups)
{
	if (groups == NESTED_DIRTY_ALL)
		fake.all_dirty++;
}

static const struct nested_vendor_ops fake_vmx_ops = {
	.name		= "fake-vmx",
	.flush_tag	= fake_flush_tag,
	.load		= fake_load,
	.clear		= fake_clear,
};

static const struct nested_vendor_ops fake_svm_ops = {
	.name		= "fake-svm",
	.flush_tag	= fake_flush_tag,
	.mark_dirty	= fake_mark_dirty,
};

static void fake_unregister(void *ops)
{
	nested_vendor_unregister(ops);
}

/*
 * Register the fake for the rest of @test, with zeroed counts; skip the
 * test if a real backend holds the registry.
 */
void fake_backend_register(struct kunit *test, enum fake_kind kind)
{
	const struct nested_vendor_ops *ops;

	ops = kind == FAKE_VMX_LIKE ? &fake_vmx_ops : &fake_svm_ops;
	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");
	memset(&fake, 0, sizeof(fake));
	fake_fail_alloc_after = -1;
	KUNIT_ASSERT_EQ(test, nested_vendor_register(ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, fake_unregister,
							(void *)ops), 0);
}

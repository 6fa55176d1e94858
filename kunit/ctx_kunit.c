// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for loaded contexts: allocation, load on the same and on
 * another CPU, switch, clear, CPU offline and crash, and the VM-entry TLB
 * decision, through a fake backend that counts every leaf.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include <nested/ctx.h>

#include "fake_backend.h"

static void ctx_free_action(void *ctx)
{
	fake_ctx_free(ctx);
}

/* A context freed when the test ends. */
static struct nested_ctx *ctx_for_test(struct kunit *test)
{
	struct nested_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, fake_ctx_alloc(ctx, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ctx_free_action,
							ctx), 0);
	return ctx;
}

static void ctx_tags_destroy(void *tags)
{
	tlb_tags_destroy(tags);
}

/* A context with a tag of an 8-tag space, both gone when the test ends. */
static struct nested_ctx *ctx_with_tag(struct kunit *test,
				       struct tlb_tags **tagsp,
				       struct tlb_tag *tag)
{
	struct tlb_tags *tags;
	struct nested_ctx *ctx;

	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "t", 1, 8, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ctx_tags_destroy,
							tags), 0);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(tags, tag), 0);
	ctx = ctx_for_test(test);
	nested_ctx_set_tag(ctx, tags, tag);
	*tagsp = tags;
	return ctx;
}

static bool load_here(struct nested_ctx *ctx)
{
	bool moved;

	preempt_disable();
	moved = nested_ctx_load(ctx);
	preempt_enable();
	return moved;
}

static long load_fn(void *ctx)
{
	return load_here(ctx);
}

/* Load @ctx on @cpu, from a worker bound there. */
static bool load_on(struct nested_ctx *ctx, int cpu)
{
	return work_on_cpu(cpu, load_fn, ctx);
}

static bool entry_here(struct nested_ctx *ctx)
{
	unsigned long flags;
	bool flushed;

	local_irq_save(flags);
	flushed = nested_ctx_prepare_entry(ctx);
	nested_ctx_entered(ctx);
	local_irq_restore(flags);
	return flushed;
}

static long entry_fn(void *ctx)
{
	return entry_here(ctx);
}

static void need_cpus(struct kunit *test, unsigned int n)
{
	if (num_online_cpus() < n)
		kunit_skip(test, "needs %u CPUs, %u online", n,
			   num_online_cpus());
}

/* The first two online CPUs, or skip the test. */
static void two_cpus(struct kunit *test, int *a, int *b)
{
	need_cpus(test, 2);
	*a = cpumask_first(cpu_online_mask);
	*b = cpumask_next(*a, cpu_online_mask);
}

static void ctx_alloc_not_loaded(struct kunit *test)
{
	struct nested_ctx *ctx;

	fake_backend_register(test, FAKE_VMX_LIKE);
	ctx = ctx_for_test(test);
	KUNIT_EXPECT_NOT_NULL(test, ctx->ptr);
	KUNIT_EXPECT_EQ(test, ctx->pa, (u64)(unsigned long)ctx->ptr);
	KUNIT_EXPECT_EQ(test, ctx->cpu, -1);
	KUNIT_EXPECT_FALSE(test, ctx->launched);
	KUNIT_EXPECT_EQ(test, fake.alloc, 1);
	KUNIT_EXPECT_EQ(test, fake.load + fake.clear, 0);
}

static void ctx_free_releases(struct kunit *test)
{
	struct nested_ctx ctx;

	fake_backend_register(test, FAKE_VMX_LIKE);
	KUNIT_ASSERT_EQ(test, fake_ctx_alloc(&ctx, GFP_KERNEL), 0);
	load_here(&ctx);
	fake_ctx_free(&ctx);
	KUNIT_EXPECT_EQ(test, fake.live, 0);
	/* A loaded VMCS is cleared before its memory goes. */
	KUNIT_EXPECT_EQ(test, fake.clear, 1);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_NULL(test, ctx.ptr);
}

static void ctx_load_first_then_same_cpu_vmx(struct kunit *test)
{
	struct nested_ctx *ctx;

	fake_backend_register(test, FAKE_VMX_LIKE);
	ctx = ctx_for_test(test);

	preempt_disable();
	KUNIT_EXPECT_TRUE(test, nested_ctx_load(ctx));
	KUNIT_EXPECT_EQ(test, ctx->cpu, smp_processor_id());
	KUNIT_EXPECT_FALSE(test, nested_ctx_load(ctx));
	KUNIT_EXPECT_FALSE(test, nested_ctx_load(ctx));
	preempt_enable();

	/* Made current each time; never cleared, nothing to mark. */
	KUNIT_EXPECT_EQ(test, fake.load, 3);
	KUNIT_EXPECT_EQ(test, fake.clear, 0);
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 0);
}

static void ctx_load_first_then_same_cpu_svm(struct kunit *test)
{
	struct nested_ctx *ctx;

	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_for_test(test);

	KUNIT_EXPECT_TRUE(test, load_here(ctx));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 1);
	KUNIT_EXPECT_FALSE(test, load_here(ctx));
	KUNIT_EXPECT_FALSE(test, load_here(ctx));
	/* Clean bits stay trusted while the VMCB stays on its CPU. */
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 1);
	KUNIT_EXPECT_EQ(test, fake.load + fake.clear, 0);
}

static void ctx_switch_same_cpu_marks_nothing(struct kunit *test)
{
	struct nested_ctx *c01, *c02;
	int i;

	fake_backend_register(test, FAKE_SVM_LIKE);
	c01 = ctx_for_test(test);
	c02 = ctx_for_test(test);

	preempt_disable();
	nested_ctx_load(c01);
	KUNIT_EXPECT_TRUE(test, nested_ctx_load(c02));
	for (i = 0; i < 10; i++) {
		KUNIT_EXPECT_FALSE(test, nested_ctx_load(c01));
		KUNIT_EXPECT_FALSE(test, nested_ctx_load(c02));
	}
	preempt_enable();

	/* Each marked once, when first loaded; never on a switch. */
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 2);
}

static void ctx_switch_same_cpu_keeps_launch_state(struct kunit *test)
{
	struct nested_ctx *c01, *c02;

	fake_backend_register(test, FAKE_VMX_LIKE);
	c01 = ctx_for_test(test);
	c02 = ctx_for_test(test);

	load_here(c01);
	entry_here(c01);
	preempt_disable();
	nested_ctx_load(c02);
	preempt_enable();
	entry_here(c02);
	preempt_disable();
	nested_ctx_load(c01);
	preempt_enable();

	/* Both stay active here: VMRESUME next, no VMCLEAR. */
	KUNIT_EXPECT_TRUE(test, c01->launched);
	KUNIT_EXPECT_TRUE(test, c02->launched);
	KUNIT_EXPECT_EQ(test, fake.clear, 0);
}

static void ctx_migrate_vmx_clears_on_old_cpu(struct kunit *test)
{
	struct nested_ctx *ctx;
	int a, b;

	two_cpus(test, &a, &b);
	fake_backend_register(test, FAKE_VMX_LIKE);
	ctx = ctx_for_test(test);

	KUNIT_EXPECT_TRUE(test, load_on(ctx, a));
	work_on_cpu(a, entry_fn, ctx);
	KUNIT_EXPECT_TRUE(test, ctx->launched);

	KUNIT_EXPECT_TRUE(test, load_on(ctx, b));
	KUNIT_EXPECT_EQ(test, ctx->cpu, b);
	KUNIT_EXPECT_EQ(test, fake.clear, 1);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	/* Cleared: the next entry must VMLAUNCH. */
	KUNIT_EXPECT_FALSE(test, ctx->launched);

	/* And back: cleared on b this time. */
	KUNIT_EXPECT_TRUE(test, load_on(ctx, a));
	KUNIT_EXPECT_EQ(test, fake.clear, 2);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 0);
}

static void ctx_migrate_svm_marks_all_dirty(struct kunit *test)
{
	struct nested_ctx *ctx;
	int a, b;

	two_cpus(test, &a, &b);
	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_for_test(test);

	load_on(ctx, a);
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 1);
	KUNIT_EXPECT_FALSE(test, load_on(ctx, a));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 1);
	KUNIT_EXPECT_TRUE(test, load_on(ctx, b));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 2);
	KUNIT_EXPECT_TRUE(test, load_on(ctx, a));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 3);
	KUNIT_EXPECT_EQ(test, fake.clear, 0);
}

static void ctx_switch_to_context_from_other_cpu(struct kunit *test)
{
	struct nested_ctx *c01, *c02;
	int a, b;

	two_cpus(test, &a, &b);
	fake_backend_register(test, FAKE_SVM_LIKE);
	c01 = ctx_for_test(test);
	c02 = ctx_for_test(test);

	/* vmcb02 ran on a, then the vCPU moved to b while in L1. */
	load_on(c02, a);
	load_on(c01, b);
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 2);
	/* Entering L2 on b: vmcb02 ran elsewhere, so it is all dirty. */
	KUNIT_EXPECT_TRUE(test, load_on(c02, b));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 3);
}

static void ctx_clear_remote(struct kunit *test)
{
	struct nested_ctx *ctx;
	int here, there;

	need_cpus(test, 2);
	fake_backend_register(test, FAKE_VMX_LIKE);
	ctx = ctx_for_test(test);
	here = get_cpu();
	there = cpumask_any_but(cpu_online_mask, here);
	put_cpu();

	load_on(ctx, there);
	nested_ctx_clear(ctx);
	KUNIT_EXPECT_EQ(test, fake.clear, 1);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, ctx->cpu, -1);
	/* Cleared already: nothing more to do. */
	nested_ctx_clear(ctx);
	KUNIT_EXPECT_EQ(test, fake.clear, 1);
}

static void ctx_clear_svm_forgets_cpu(struct kunit *test)
{
	struct nested_ctx *ctx;

	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_for_test(test);
	load_here(ctx);
	nested_ctx_clear(ctx);
	KUNIT_EXPECT_EQ(test, ctx->cpu, -1);
	/* The next load cannot trust anything cached. */
	KUNIT_EXPECT_TRUE(test, load_here(ctx));
	KUNIT_EXPECT_EQ(test, fake.all_dirty, 2);
}

static void ctx_clear_cpu_clears_all_loaded_here(struct kunit *test)
{
	struct nested_ctx *c[3];
	unsigned long flags;
	int i;

	fake_backend_register(test, FAKE_VMX_LIKE);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		c[i] = ctx_for_test(test);
		load_here(c[i]);
	}
	/* What KVM's CPU-offline and hardware-disable paths run. */
	local_irq_save(flags);
	nested_ctx_clear_cpu();
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, fake.clear, 3);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		KUNIT_EXPECT_EQ(test, c[i]->cpu, -1);
		KUNIT_EXPECT_TRUE(test, list_empty(&c[i]->cpu_link));
	}
	/* Nothing is left to clear. */
	local_irq_save(flags);
	nested_ctx_clear_cpu();
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, fake.clear, 3);
}

static void ctx_emergency_clear_touches_nothing_else(struct kunit *test)
{
	struct nested_ctx *c[2];
	unsigned long flags;
	int i, cpu;

	fake_backend_register(test, FAKE_VMX_LIKE);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		c[i] = ctx_for_test(test);
		load_here(c[i]);
	}
	local_irq_save(flags);
	cpu = smp_processor_id();
	nested_ctx_emergency_clear_cpu();
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, fake.clear, 2);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		KUNIT_EXPECT_EQ(test, c[i]->cpu, cpu);
		KUNIT_EXPECT_FALSE(test, list_empty(&c[i]->cpu_link));
	}
}

static void ctx_entry_flushes_on_first_use_only(struct kunit *test)
{
	struct tlb_tags *tags;
	struct nested_ctx *ctx;
	struct tlb_tag tag;

	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_with_tag(test, &tags, &tag);

	load_here(ctx);
	KUNIT_EXPECT_TRUE(test, entry_here(ctx));
	KUNIT_EXPECT_FALSE(test, entry_here(ctx));
	KUNIT_EXPECT_FALSE(test, entry_here(ctx));
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 1);
	KUNIT_EXPECT_EQ(test, fake.flush_all, 0);

	/* A new allocation of the same tag number flushes again. */
	tlb_tags_free(tags, &tag);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(tags, &tag), 0);
	nested_ctx_set_tag(ctx, tags, &tag);
	KUNIT_EXPECT_TRUE(test, entry_here(ctx));
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 2);

	tlb_tags_free(tags, &tag);
}

static void ctx_entry_owed_flush_not_dropped(struct kunit *test)
{
	struct tlb_tags *tags;
	struct nested_ctx *ctx;
	struct tlb_tag tag;

	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_with_tag(test, &tags, &tag);
	load_here(ctx);
	entry_here(ctx);

	/* Ownership alone would not flush; the owed flush must happen. */
	nested_ctx_request_flush(ctx);
	KUNIT_EXPECT_TRUE(test, entry_here(ctx));
	KUNIT_EXPECT_FALSE(test, ctx->flush_pending);
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 2);
	/* Issued once, then gone. */
	KUNIT_EXPECT_FALSE(test, entry_here(ctx));

	tlb_tags_free(tags, &tag);
}

static void ctx_entry_without_tag_flushes_all(struct kunit *test)
{
	struct tlb_tags *tags;
	struct nested_ctx *ctx, *fallback;
	struct tlb_tag none = {};

	fake_backend_register(test, FAKE_VMX_LIKE);
	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "t", 1, 8, NULL), 0);

	/* No tag space at all, and a space that was exhausted. */
	ctx = ctx_for_test(test);
	fallback = ctx_for_test(test);
	nested_ctx_set_tag(fallback, tags, &none);
	load_here(ctx);
	load_here(fallback);
	KUNIT_EXPECT_TRUE(test, entry_here(ctx));
	KUNIT_EXPECT_TRUE(test, entry_here(ctx));
	KUNIT_EXPECT_TRUE(test, entry_here(fallback));
	KUNIT_EXPECT_TRUE(test, entry_here(fallback));
	KUNIT_EXPECT_EQ(test, fake.flush_all, 4);
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 0);
	tlb_tags_destroy(tags);
}

static void ctx_entry_after_migration_flushes(struct kunit *test)
{
	struct tlb_tags *tags;
	struct nested_ctx *ctx;
	struct tlb_tag tag;
	int a, b;

	two_cpus(test, &a, &b);
	fake_backend_register(test, FAKE_SVM_LIKE);
	ctx = ctx_with_tag(test, &tags, &tag);

	load_on(ctx, a);
	KUNIT_EXPECT_TRUE(test, work_on_cpu(a, entry_fn, ctx));
	KUNIT_EXPECT_FALSE(test, work_on_cpu(a, entry_fn, ctx));
	load_on(ctx, b);
	KUNIT_EXPECT_TRUE(test, work_on_cpu(b, entry_fn, ctx));
	/* Back on a: entries there may predate invalidations made on b. */
	load_on(ctx, a);
	KUNIT_EXPECT_TRUE(test, work_on_cpu(a, entry_fn, ctx));
	KUNIT_EXPECT_FALSE(test, work_on_cpu(a, entry_fn, ctx));

	tlb_tags_free(tags, &tag);
}

static struct kunit_case ctx_cases[] = {
	KUNIT_CASE(ctx_alloc_not_loaded),
	KUNIT_CASE(ctx_free_releases),
	KUNIT_CASE(ctx_load_first_then_same_cpu_vmx),
	KUNIT_CASE(ctx_load_first_then_same_cpu_svm),
	KUNIT_CASE(ctx_switch_same_cpu_marks_nothing),
	KUNIT_CASE(ctx_switch_same_cpu_keeps_launch_state),
	KUNIT_CASE(ctx_migrate_vmx_clears_on_old_cpu),
	KUNIT_CASE(ctx_migrate_svm_marks_all_dirty),
	KUNIT_CASE(ctx_switch_to_context_from_other_cpu),
	KUNIT_CASE(ctx_clear_remote),
	KUNIT_CASE(ctx_clear_svm_forgets_cpu),
	KUNIT_CASE(ctx_clear_cpu_clears_all_loaded_here),
	KUNIT_CASE(ctx_emergency_clear_touches_nothing_else),
	KUNIT_CASE(ctx_entry_flushes_on_first_use_only),
	KUNIT_CASE(ctx_entry_owed_flush_not_dropped),
	KUNIT_CASE(ctx_entry_without_tag_flushes_all),
	KUNIT_CASE(ctx_entry_after_migration_flushes),
	{}
};

static struct kunit_suite ctx_suite = {
	.name = "nested_ctx",
	.test_cases = ctx_cases,
};

kunit_test_suite(ctx_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the TLB tag allocator and per-CPU tag ownership.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/sched/task.h>

#include <nested/ctx.h>
#include <nested/tlbtags.h>

#include "nested_kunit.h"

/*
 * A VM-entry with @tag on this CPU that entered the guest: the core's
 * nested_ctx_prepare_entry() decision, then nested_ctx_entered()'s record.
 */
static bool enter_here(struct tlb_tags *tags, const struct tlb_tag *tag,
		       struct tlb_tag_owner *owner)
{
	int cpu = smp_processor_id();
	bool flush = tlb_tags_needs_flush(tags, tag, owner, cpu);

	if (flush)
		tlb_tags_ran(tags, tag, owner, cpu);
	return flush;
}

static void tags_destroy_action(void *tags)
{
	tlb_tags_destroy(tags);
}

/* A space that is destroyed when the test ends. */
static struct tlb_tags *tags_for_test(struct kunit *test, u32 min, u32 max,
				      tlb_tags_flush_all_t flush_all)
{
	struct tlb_tags *tags;

	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "test", min, max, flush_all),
			0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							tags_destroy_action,
							tags), 0);
	return tags;
}

/* Allocate every tag of [min, max] in order, checking each. */
static struct tlb_tag *fill_space(struct kunit *test, struct tlb_tags *tags)
{
	unsigned int n = tags->max - tags->min + 1, i;
	struct tlb_tag *all;

	all = kunit_kcalloc(test, n, sizeof(*all), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, all);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &all[i]),
				tags->min + i);
	return all;
}

struct tags_range_case {
	const char *desc;
	u32 min, max;
	int ret;
};

static const struct tags_range_case tags_range_cases[] = {
	{ "vpid range 1..65535", 1, TLB_TAGS_MAX, 0 },
	{ "one tag", 7, 7, 0 },
	{ "asid range above sev", 100, 32767, 0 },
	{ "min 0 is the host's", 0, 10, -EINVAL },
	{ "empty: max is min - 1", 5, 4, 0 },
	{ "max below min - 1", 5, 3, -EINVAL },
	{ "max above 65535", 1, TLB_TAGS_MAX + 1, -EINVAL },
};

static void tags_range_desc(const struct tags_range_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tags_range, tags_range_cases, tags_range_desc);

static void tlb_tags_init_range(struct kunit *test)
{
	const struct tags_range_case *c = test->param_value;
	struct tlb_tags tags;
	struct tlb_tag tag;

	KUNIT_ASSERT_EQ(test, tlb_tags_init(&tags, "t", c->min, c->max, NULL),
			c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(&tags), c->max + 1 - c->min);
	/* An empty space hands out the fallback, 0. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(&tags, &tag),
			c->max < c->min ? 0 : c->min);
	tlb_tags_free(&tags, &tag);
	tlb_tags_destroy(&tags);
}

static void tlb_tags_alloc_in_order_then_exhausted(struct kunit *test)
{
	/* 70 tags starting at 3: the last word is partly padding. */
	struct tlb_tags *tags = tags_for_test(test, 3, 72, NULL);
	struct tlb_tag extra;

	fill_space(test, tags);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &extra), 0);
	KUNIT_EXPECT_EQ(test, extra.hw, 0);
	/* Exhaustion persists and stays quiet. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &extra), 0);
}

/* A shared tag is taken on first use, once, and again after exhaustion. */
static void tlb_tags_get_first_use_and_retry(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 2, NULL);
	struct tlb_tag shared = {}, other = {}, hog;
	struct nested_ctx ctx;
	u64 seq;

	KUNIT_EXPECT_EQ(test, tlb_tags_get(tags, &shared), 1);
	seq = shared.seq;
	KUNIT_EXPECT_EQ(test, tlb_tags_get(tags, &shared), 1);
	KUNIT_EXPECT_EQ(test, shared.seq, seq);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 1);

	/* Exhausted: the fallback, until a tag is freed. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &hog), 2);
	nested_ctx_init(&ctx);
	KUNIT_EXPECT_FALSE(test, nested_ctx_share_tag(&ctx, tags, &other));
	KUNIT_EXPECT_EQ(test, ctx.tag.hw, 0);
	KUNIT_EXPECT_PTR_EQ(test, ctx.tags, tags);
	tlb_tags_free(tags, &hog);
	KUNIT_EXPECT_TRUE(test, nested_ctx_share_tag(&ctx, tags, &other));
	KUNIT_EXPECT_EQ(test, ctx.tag.hw, 2);
	KUNIT_EXPECT_EQ(test, ctx.tag.seq, other.seq);
	tlb_tags_free(tags, &other);
	tlb_tags_free(tags, &shared);
}

static void tlb_tags_alloc_boundaries(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, TLB_TAGS_MAX, NULL);
	struct tlb_tag *all = fill_space(test, tags);
	struct tlb_tag tag;

	/* The highest tag is usable and comes back when freed. */
	KUNIT_EXPECT_EQ(test, all[TLB_TAGS_MAX - 1].hw, TLB_TAGS_MAX);
	tlb_tags_free(tags, &all[TLB_TAGS_MAX - 1]);
	KUNIT_EXPECT_EQ(test, all[TLB_TAGS_MAX - 1].hw, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &tag), TLB_TAGS_MAX);

	/* So is the lowest. */
	tlb_tags_free(tags, &all[0]);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &tag), 1);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &tag), 0);
}

static void tlb_tags_free_then_realloc_lowest(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 10, 300, NULL);
	struct tlb_tag *all = fill_space(test, tags);
	struct tlb_tag a, b;

	tlb_tags_free(tags, &all[200]);
	tlb_tags_free(tags, &all[65]);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 2);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &a), 10 + 65);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &b), 10 + 200);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &b), 0);
}

static void tlb_tags_alloc_stamps_unique(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 4, NULL);
	struct tlb_tag a, b;
	u64 first;

	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &a), 1);
	first = a.seq;
	tlb_tags_free(tags, &a);
	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &b), 1);
	/* The same number, allocated again: a different allocation. */
	KUNIT_EXPECT_NE(test, b.seq, first);
	KUNIT_EXPECT_NE(test, b.seq, 0);
}

static void tlb_tags_free_zero_ignored(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 8, NULL);
	struct tlb_tag none = { 0 };

	tlb_tags_free(tags, &none);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 8);
}

struct tags_misuse_case {
	const char *desc;
	u32 hw;
	bool allocate_first;
};

static const struct tags_misuse_case tags_misuse_cases[] = {
	{ "below min", 4, false },
	{ "above max", 21, false },
	{ "far above max", 0x12345, false },
	{ "never allocated", 12, false },
	{ "double free", 5, true },
};

static void tags_misuse_desc(const struct tags_misuse_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tags_misuse, tags_misuse_cases, tags_misuse_desc);

static void run_misuse(struct kunit *test, tlb_tags_flush_all_t flush_all)
{
	const struct tags_misuse_case *c = test->param_value;
	struct tlb_tags *tags = tags_for_test(test, 5, 20, flush_all);
	struct tlb_tag held, bad = { .hw = c->hw, .seq = 1 }, t;
	unsigned int before, n;

	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &held), 5);
	if (c->allocate_first) {
		t = held;
		tlb_tags_free(tags, &t);
	}
	before = tlb_tags_nr_free(tags);

	NESTED_KUNIT_EXPECT_WARN_BEGIN();
	tlb_tags_free(tags, &bad);
	NESTED_KUNIT_EXPECT_WARN_END();

	/* Nothing changed: the same tags are free and allocate in order. */
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), before);
	for (n = 0; tlb_tags_alloc(tags, &t); n++)
		;
	KUNIT_EXPECT_EQ(test, n, before);
}

static void tlb_tags_free_misuse_warns(struct kunit *test)
{
	run_misuse(test, NULL);
}

static int flush_all_calls;

static void count_flush_all(struct tlb_tags *tags)
{
	lockdep_assert_held(&tags->lock);
	flush_all_calls++;
}

static void tlb_tags_free_misuse_warns_deferred(struct kunit *test)
{
	run_misuse(test, count_flush_all);
}

static void tlb_tags_deferred_reuse(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 8, count_flush_all);
	struct tlb_tag *all = fill_space(test, tags);
	struct tlb_tag t;
	int i;

	flush_all_calls = 0;
	tlb_tags_free(tags, &all[2]);
	tlb_tags_free(tags, &all[5]);
	tlb_tags_free(tags, &all[6]);
	/* Pending tags count as free but are not reused without a flush. */
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 3);
	KUNIT_EXPECT_EQ(test, flush_all_calls, 0);

	/* The next allocation reclaims all three after one flush. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &t), 3);
	KUNIT_EXPECT_EQ(test, flush_all_calls, 1);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &t), 6);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &t), 7);
	KUNIT_EXPECT_EQ(test, flush_all_calls, 1);

	/* Exhausted with nothing pending: no flush, no tag. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &t), 0);
	KUNIT_EXPECT_EQ(test, flush_all_calls, 1);

	for (i = 0; i < 8; i++)
		if (i != 2 && i != 5 && i != 6)
			tlb_tags_free(tags, &all[i]);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 5);
}

static void tlb_tags_deferred_prefers_clean(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 8, count_flush_all);
	struct tlb_tag a, b, c;

	flush_all_calls = 0;
	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &a), 1);
	tlb_tags_free(tags, &a);
	/* Clean tags remain: the freed one waits, nothing is flushed. */
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &b), 2);
	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &c), 3);
	KUNIT_EXPECT_EQ(test, flush_all_calls, 0);
}

static void tlb_tags_exhaustion_recovers(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 16, NULL);
	struct tlb_tag *all = fill_space(test, tags);
	struct tlb_tag t;
	int i;

	KUNIT_EXPECT_EQ(test, tlb_tags_alloc(tags, &t), 0);
	for (i = 0; i < 16; i++)
		tlb_tags_free(tags, &all[i]);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), 16);
	fill_space(test, tags);
}

static struct kunit_case tlb_tags_alloc_cases[] = {
	KUNIT_CASE_PARAM(tlb_tags_init_range, tags_range_gen_params),
	KUNIT_CASE(tlb_tags_alloc_in_order_then_exhausted),
	KUNIT_CASE(tlb_tags_get_first_use_and_retry),
	KUNIT_CASE(tlb_tags_alloc_boundaries),
	KUNIT_CASE(tlb_tags_free_then_realloc_lowest),
	KUNIT_CASE(tlb_tags_alloc_stamps_unique),
	KUNIT_CASE(tlb_tags_free_zero_ignored),
	KUNIT_CASE_PARAM(tlb_tags_free_misuse_warns, tags_misuse_gen_params),
	KUNIT_CASE_PARAM(tlb_tags_free_misuse_warns_deferred,
			 tags_misuse_gen_params),
	KUNIT_CASE(tlb_tags_deferred_reuse),
	KUNIT_CASE(tlb_tags_deferred_prefers_clean),
	KUNIT_CASE(tlb_tags_exhaustion_recovers),
	{}
};

static struct kunit_suite tlb_tags_alloc_suite = {
	.name = "nested_tlbtags",
	.test_cases = tlb_tags_alloc_cases,
};

/*
 * The ownership matrix: a sequence of VM-entries (owner, tag, CPU) and
 * reallocations, each entry with the flush decision it must get.
 */
enum own_op { RUN, REALLOC, END };

struct own_step {
	enum own_op op;
	int owner;	/* 0..2 */
	int tag;	/* 0..2: a, b, and a tag sharing a's slot; 3: none */
	int cpu;
	bool flush;
};

struct own_case {
	const char *desc;
	struct own_step steps[8];
};

#define TAG_NONE 3

static const struct own_case own_cases[] = {
	{ "first entry flushes", {
		{ RUN, 0, 0, 0, true }, { END } } },
	{ "same owner same cpu again", {
		{ RUN, 0, 0, 0, true }, { RUN, 0, 0, 0, false },
		{ RUN, 0, 0, 0, false }, { END } } },
	{ "other owner same tag here", {
		{ RUN, 0, 0, 0, true }, { RUN, 1, 0, 0, true },
		{ RUN, 0, 0, 0, true }, { RUN, 0, 0, 0, false }, { END } } },
	{ "other owner other tag here", {
		{ RUN, 0, 0, 0, true }, { RUN, 1, 1, 0, true },
		{ RUN, 0, 0, 0, false }, { RUN, 1, 1, 0, false }, { END } } },
	{ "owner ran elsewhere since", {
		{ RUN, 0, 0, 0, true }, { RUN, 0, 0, 1, true },
		{ RUN, 0, 0, 0, true }, { RUN, 0, 0, 0, false }, { END } } },
	{ "other owner same tag elsewhere", {
		{ RUN, 0, 0, 0, true }, { RUN, 1, 0, 1, true },
		{ RUN, 0, 0, 0, false }, { RUN, 1, 0, 1, false }, { END } } },
	{ "owner alternates tags here", {
		{ RUN, 0, 0, 0, true }, { RUN, 0, 1, 0, true },
		{ RUN, 0, 0, 0, false }, { RUN, 0, 1, 0, false }, { END } } },
	{ "tag reallocated to same owner", {
		{ RUN, 0, 0, 0, true }, { REALLOC, 0, 0 },
		{ RUN, 0, 0, 0, true }, { RUN, 0, 0, 0, false }, { END } } },
	{ "tag reallocated, never ran here", {
		{ RUN, 0, 0, 0, true }, { REALLOC, 0, 0 },
		{ RUN, 1, 0, 1, true }, { RUN, 0, 0, 0, true }, { END } } },
	{ "no tag always flushes", {
		{ RUN, 0, TAG_NONE, 0, true }, { RUN, 0, TAG_NONE, 0, true },
		{ END } } },
	{ "slot shared by two tags", {
		{ RUN, 0, 0, 0, true }, { RUN, 1, 2, 0, true },
		{ RUN, 0, 0, 0, true }, { RUN, 1, 2, 0, true }, { END } } },
	{ "three owners round robin", {
		{ RUN, 0, 0, 0, true }, { RUN, 1, 0, 0, true },
		{ RUN, 2, 0, 0, true }, { RUN, 0, 0, 0, true },
		{ RUN, 0, 0, 0, false }, { END } } },
};

static void own_desc(const struct own_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(own, own_cases, own_desc);

static void tlb_tags_ownership_matrix(struct kunit *test)
{
	const struct own_case *c = test->param_value;
	struct tlb_tags *tags = tags_for_test(test, 1, 2048, NULL);
	struct tlb_tag tag[4] = {}, *filler;
	struct tlb_tag_owner owner[3];
	const struct own_step *s;
	int i;

	for (s = c->steps; s->op != END; s++)
		if (s->cpu >= nr_cpu_ids || !cpu_possible(s->cpu))
			kunit_skip(test, "needs CPU %d", s->cpu);

	filler = kunit_kcalloc(test, 1022, sizeof(*filler), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, filler);

	/* Tags 1 and 2, and tag 1025, which shares tag 1's slot. */
	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &tag[0]), 1);
	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &tag[1]), 2);
	for (i = 0; i < 1022; i++)
		KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &filler[i]), 3 + i);
	KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &tag[2]), 1025);
	for (i = 0; i < 1022; i++)
		tlb_tags_free(tags, &filler[i]);

	for (i = 0; i < ARRAY_SIZE(owner); i++)
		tlb_tag_owner_init(&owner[i]);

	for (s = c->steps, i = 0; s->op != END; s++, i++) {
		struct tlb_tag *t = &tag[s->tag];

		if (s->op == REALLOC) {
			u32 hw = t->hw;

			tlb_tags_free(tags, t);
			KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, t), hw);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test,
				    tlb_tags_needs_flush(tags, t,
							 &owner[s->owner],
							 s->cpu),
				    s->flush, "step %d", i);
		tlb_tags_ran(tags, t, &owner[s->owner], s->cpu);
	}
}

static void tlb_tags_enter_current_cpu(struct kunit *test)
{
	struct tlb_tags *tags = tags_for_test(test, 1, 16, NULL);
	struct tlb_tag_owner a, b;
	struct tlb_tag tag;
	bool first, again, other, back;

	tlb_tag_owner_init(&a);
	tlb_tag_owner_init(&b);
	KUNIT_EXPECT_NE(test, a.id, b.id);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(tags, &tag), 0);

	preempt_disable();
	first = enter_here(tags, &tag, &a);
	again = enter_here(tags, &tag, &a);
	other = enter_here(tags, &tag, &b);
	back = enter_here(tags, &tag, &a);
	KUNIT_EXPECT_EQ(test, a.last_cpu, smp_processor_id());
	preempt_enable();

	KUNIT_EXPECT_TRUE(test, first);
	KUNIT_EXPECT_FALSE(test, again);
	KUNIT_EXPECT_TRUE(test, other);
	KUNIT_EXPECT_TRUE(test, back);
}

static struct kunit_case tlb_tags_owner_cases[] = {
	KUNIT_CASE_PARAM(tlb_tags_ownership_matrix, own_gen_params),
	KUNIT_CASE(tlb_tags_enter_current_cpu),
	{}
};

static struct kunit_suite tlb_tags_owner_suite = {
	.name = "nested_tlbtags_owner",
	.test_cases = tlb_tags_owner_cases,
};

/*
 * SMP stress: threads on every CPU allocate, claim and free tags of one
 * small space at once.  A shared bitmap catches a tag handed to two
 * holders; lockdep watches the locking.
 */
#define STRESS_TAGS		24
#define STRESS_HOLD		16
#define STRESS_ITERS		3000
#define STRESS_PER_CPU		2

struct stress_ctx {
	struct tlb_tags *tags;
	unsigned long held[BITS_TO_LONGS(STRESS_TAGS + 1)];
	atomic_t dup, lost, allocs, exhausted;
	atomic_t running;
	struct completion done;
};

static int stress_thread(void *data)
{
	struct stress_ctx *ctx = data;
	struct tlb_tag mine[STRESS_HOLD];
	struct tlb_tag_owner owner;
	int it, i, n;

	tlb_tag_owner_init(&owner);
	for (it = 0; it < STRESS_ITERS; it++) {
		n = 1 + get_random_u32_below(STRESS_HOLD);
		for (i = 0; i < n; i++) {
			if (!tlb_tags_alloc(ctx->tags, &mine[i])) {
				atomic_inc(&ctx->exhausted);
				continue;
			}
			atomic_inc(&ctx->allocs);
			if (test_and_set_bit(mine[i].hw, ctx->held))
				atomic_inc(&ctx->dup);
			preempt_disable();
			enter_here(ctx->tags, &mine[i], &owner);
			preempt_enable();
		}
		for (i = 0; i < n; i++) {
			if (!mine[i].hw)
				continue;
			if (!test_and_clear_bit(mine[i].hw, ctx->held))
				atomic_inc(&ctx->lost);
			tlb_tags_free(ctx->tags, &mine[i]);
		}
		cond_resched();
	}
	if (atomic_dec_and_test(&ctx->running))
		complete(&ctx->done);
	return 0;
}

static void run_stress(struct kunit *test, tlb_tags_flush_all_t flush_all)
{
	struct stress_ctx *ctx;
	struct task_struct **tasks;
	unsigned int nr = 0, cpu, i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->tags = tags_for_test(test, 1, STRESS_TAGS, flush_all);
	tasks = kunit_kcalloc(test, num_online_cpus() * STRESS_PER_CPU,
			      sizeof(*tasks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tasks);

	for_each_online_cpu(cpu) {
		for (i = 0; i < STRESS_PER_CPU; i++) {
			struct task_struct *t;

			t = kthread_create(stress_thread, ctx, "tlbtags/%u:%u",
					   cpu, i);
			if (IS_ERR(t)) {
				KUNIT_FAIL(test, "kthread_create: %ld",
					   PTR_ERR(t));
				goto run;
			}
			kthread_bind(t, cpu);
			get_task_struct(t);
			tasks[nr++] = t;
		}
	}
run:
	/* Stopping a thread before it ran would skip it: wait for all. */
	init_completion(&ctx->done);
	atomic_set(&ctx->running, nr);
	for (i = 0; i < nr; i++)
		wake_up_process(tasks[i]);
	wait_for_completion(&ctx->done);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, kthread_stop_put(tasks[i]), 0);

	kunit_info(test, "%u threads on %u CPUs: %d allocations, %d exhausted\n",
		   nr, num_online_cpus(), atomic_read(&ctx->allocs),
		   atomic_read(&ctx->exhausted));
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dup), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->lost), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&ctx->allocs), 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(ctx->tags), STRESS_TAGS);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(ctx->held, STRESS_TAGS + 1));
}

static void tlb_tags_stress_smp(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs, %u online", num_online_cpus());
	run_stress(test, NULL);
}

static void stress_flush_all(struct tlb_tags *tags)
{
	lockdep_assert_held(&tags->lock);
}

static void tlb_tags_stress_smp_deferred(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs, %u online", num_online_cpus());
	run_stress(test, stress_flush_all);
}

static struct kunit_case tlb_tags_stress_cases[] = {
	KUNIT_CASE_SLOW(tlb_tags_stress_smp),
	KUNIT_CASE_SLOW(tlb_tags_stress_smp_deferred),
	{}
};

static struct kunit_suite tlb_tags_stress_suite = {
	.name = "nested_tlbtags_stress",
	.test_cases = tlb_tags_stress_cases,
};

kunit_test_suites(&tlb_tags_alloc_suite, &tlb_tags_owner_suite,
		  &tlb_tags_stress_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * Count benchmark of nested transitions: what one L1 vCPU running K L2
 * guests in turn costs in hardware operations, with Linux 6.12's policy
 * and with the pool, both through the core and the fake backend.
 *
 * Counts, not time: each leaf the fake records stands for a hardware
 * operation (VMCLEAR, VMPTRLD, VMCB clean bits cleared, a TLB flush), and
 * a pool miss for a vmcs02/vmcb02 prepared from scratch.
 *
 * The workload: one vCPU, K vmcs12s or vmcb12s (K different addresses,
 * each L2 with its own guest tag), 1000 round trips; round trip i enters
 * L2 number i % K and exits back to L1.  With migrations, the vCPU's
 * thread moves to the other CPU every 10th round trip (needs 2 CPUs).
 *
 * The policies:
 *  - 6.12: one L2 context (a pool of capacity 1), L2 running on L1's TLB
 *    tag, flushed on every nested entry and exit, as SVM does;
 *  - ours: a pool of capacity K, a TLB tag of its own for each L2 context,
 *    flushed only when ownership requires it.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/math64.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <nested/ctx.h>
#include <nested/pool.h>
#include <nested/tlbtags.h>

#include "fake_backend.h"

#define BENCH_TRIPS		1000
#define BENCH_MIGRATE_EVERY	10
#define BENCH_TAGS		64

struct bench_policy {
	const char *name;
	bool shared_tag;	/* 6.12: L2 on L1's tag, flushed each time */
};

static const struct bench_policy policy_612 = { "6.12", true };
static const struct bench_policy policy_ours = { "ours", false };

/* What the fake counted, and what the pool did. */
struct bench_counts {
	u64 clears, loads, moved, all_dirty, flushes, hits, misses;
};

struct bench_result {
	struct bench_counts all;	/* every round trip */
	struct bench_counts steady;	/* round trips from the K-th on */
	struct bench_counts same_cpu;	/* round trips where nothing moved */
	struct bench_counts steady_same_cpu;
};

/* One L1 vCPU: its own context and tag, and its pool of L2 contexts. */
struct bench_vcpu {
	struct tlb_tags tags;
	struct nested_ctx_pool pool;
	struct nested_ctx l1;
};

static void bench_counts_add(struct bench_counts *sum,
			     const struct bench_counts *d)
{
	sum->clears += d->clears;
	sum->loads += d->loads;
	sum->moved += d->moved;
	sum->all_dirty += d->all_dirty;
	sum->flushes += d->flushes;
	sum->hits += d->hits;
	sum->misses += d->misses;
}

static void bench_snapshot(struct bench_counts *s)
{
	s->clears = fake.clear;
	s->loads = fake.load;
	s->all_dirty = fake.all_dirty;
	s->flushes = fake.flush_tag + fake.flush_all;
}

static u64 bench_key(unsigned int k)
{
	return 0x200000ULL + (u64)k * 0x1000;
}

static void bench_tags_destroy(void *tags)
{
	tlb_tags_destroy(tags);
}

static void bench_pool_destroy(void *pool)
{
	nested_pool_destroy(pool);
}

static void bench_l1_free(void *arg)
{
	struct bench_vcpu *v = arg;

	fake_ctx_free(&v->l1);
	tlb_tags_free(&v->tags, &v->l1.tag);
}

static void bench_restore_affinity(void *unused)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

static void bench_move_to_cpu(struct kunit *test, int cpu)
{
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);
	KUNIT_ASSERT_EQ(test, raw_smp_processor_id(), cpu);
}

/*
 * Switch the vCPU from @from to @to and enter a guest with @to, as a
 * backend does.  Returns whether @to was migrated or loaded for the first
 * time.
 */
static bool bench_enter(struct nested_ctx *from, struct nested_ctx *to)
{
	bool moved;

	preempt_disable();
	moved = nested_ctx_load(to);
	local_irq_disable();
	nested_ctx_prepare_entry(to);
	nested_ctx_entered(to);
	local_irq_enable();
	preempt_enable();
	return moved;
}

static void bench_run(struct kunit *test, enum fake_kind kind, unsigned int k,
		      bool migrate, const struct bench_policy *p,
		      struct bench_result *r)
{
	bool svm = kind == FAKE_SVM_LIKE;
	struct nested_transition entry_tx = {
		.entry = true,
		.shared_tag = p->shared_tag,
		.flush_syncs_mmu = svm,
	};
	struct nested_transition exit_tx = {
		.shared_tag = p->shared_tag,
		.flush_syncs_mmu = svm,
	};
	int cpu[2] = { cpumask_first(cpu_online_mask), -1 };
	struct bench_counts before, d;
	struct nested_ctx *l2;
	struct bench_vcpu *v;
	struct tlb_tag tag;
	unsigned int trip;
	bool hit;

	if (migrate)
		cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	bench_move_to_cpu(test, cpu[0]);

	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(&v->tags, "bench", 1, BENCH_TAGS,
					    NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							bench_tags_destroy,
							&v->tags), 0);
	/* 6.12 has one L2 context; ours one per L2, each with its tag. */
	KUNIT_ASSERT_EQ(test, nested_pool_init(&v->pool, p->shared_tag ? 1 : k,
					       p->shared_tag ? NULL : &v->tags,
					       &fake_pool_ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							bench_pool_destroy,
							&v->pool), 0);
	KUNIT_ASSERT_EQ(test, fake_ctx_alloc(&v->l1, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, bench_l1_free,
							v), 0);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(&v->tags, &tag), 0);
	nested_ctx_set_tag(&v->l1, &v->tags, &tag);

	/* L1 is running when the workload starts. */
	preempt_disable();
	nested_ctx_load(&v->l1);
	local_irq_disable();
	nested_ctx_prepare_entry(&v->l1);
	nested_ctx_entered(&v->l1);
	local_irq_enable();
	preempt_enable();

	memset(r, 0, sizeof(*r));
	for (trip = 0; trip < BENCH_TRIPS; trip++) {
		if (migrate && trip && trip % BENCH_MIGRATE_EVERY == 0)
			bench_move_to_cpu(test, cpu[trip /
						   BENCH_MIGRATE_EVERY % 2]);
		memset(&d, 0, sizeof(d));
		bench_snapshot(&before);

		/* Nested VM-entry into L2 number trip % k. */
		l2 = nested_pool_get(&v->pool, bench_key(trip % k), &hit);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, l2);
		if (hit) {
			d.hits++;
		} else {
			d.misses++;
			/* 6.12: L2 runs on L1's tag. */
			if (p->shared_tag)
				nested_ctx_set_tag(l2, &v->tags, &v->l1.tag);
		}
		entry_tx.guest_tag = 1 + trip % k;
		nested_transition(&v->l1, l2, &entry_tx);
		d.moved = bench_enter(&v->l1, l2);

		/* Nested VM-exit back to L1. */
		nested_transition(l2, &v->l1, &exit_tx);
		d.moved += bench_enter(l2, &v->l1);

		bench_snapshot(&d);
		d.clears -= before.clears;
		d.loads -= before.loads;
		d.all_dirty -= before.all_dirty;
		d.flushes -= before.flushes;

		bench_counts_add(&r->all, &d);
		if (trip >= k)
			bench_counts_add(&r->steady, &d);
		if (!d.moved) {
			bench_counts_add(&r->same_cpu, &d);
			if (trip >= k)
				bench_counts_add(&r->steady_same_cpu, &d);
		}
	}

	/* Everything is freed before the next policy runs. */
	kunit_release_action(test, bench_l1_free, v);
	kunit_release_action(test, bench_pool_destroy, &v->pool);
	kunit_release_action(test, bench_tags_destroy, &v->tags);
}

/* Append "@name N.NNN", @x per round trip with three decimals. */
static size_t bench_put(char *buf, size_t size, size_t len, const char *name,
			u64 x)
{
	u64 milli = div_u64(x * 1000, BENCH_TRIPS);

	return len + scnprintf(buf + len, size - len, "%s%s %llu.%03llu",
			       len ? " " : "", name, milli / 1000,
			       milli % 1000);
}

static void bench_format(char *buf, size_t size, const struct bench_counts *c)
{
	u64 permille = div64_u64(c->hits * 1000, c->hits + c->misses ?: 1);
	size_t len = 0;

	len = bench_put(buf, size, len, "clears", c->clears);
	len = bench_put(buf, size, len, "loads", c->loads);
	len = bench_put(buf, size, len, "moved", c->moved);
	len = bench_put(buf, size, len, "all-dirty", c->all_dirty);
	len = bench_put(buf, size, len, "flushes", c->flushes);
	len += scnprintf(buf + len, size - len, " hit %llu.%llu%%",
			 permille / 10, permille % 10);
	bench_put(buf, size, len, "re-prep", c->misses);
}

struct core_bench_case {
	const char *desc;
	enum fake_kind kind;
	unsigned int k;
	bool migrate;
};

static const struct core_bench_case core_bench_cases[] = {
	{ "vmx K=1 migrate=0", FAKE_VMX_LIKE, 1, false },
	{ "vmx K=2 migrate=0", FAKE_VMX_LIKE, 2, false },
	{ "vmx K=4 migrate=0", FAKE_VMX_LIKE, 4, false },
	{ "vmx K=8 migrate=0", FAKE_VMX_LIKE, 8, false },
	{ "vmx K=1 migrate=1", FAKE_VMX_LIKE, 1, true },
	{ "vmx K=2 migrate=1", FAKE_VMX_LIKE, 2, true },
	{ "vmx K=4 migrate=1", FAKE_VMX_LIKE, 4, true },
	{ "vmx K=8 migrate=1", FAKE_VMX_LIKE, 8, true },
	{ "svm K=1 migrate=0", FAKE_SVM_LIKE, 1, false },
	{ "svm K=2 migrate=0", FAKE_SVM_LIKE, 2, false },
	{ "svm K=4 migrate=0", FAKE_SVM_LIKE, 4, false },
	{ "svm K=8 migrate=0", FAKE_SVM_LIKE, 8, false },
	{ "svm K=1 migrate=1", FAKE_SVM_LIKE, 1, true },
	{ "svm K=2 migrate=1", FAKE_SVM_LIKE, 2, true },
	{ "svm K=4 migrate=1", FAKE_SVM_LIKE, 4, true },
	{ "svm K=8 migrate=1", FAKE_SVM_LIKE, 8, true },
};

static void core_bench_desc(const struct core_bench_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(core_bench, core_bench_cases, core_bench_desc);

static void nested_core_bench_round_trips(struct kunit *test)
{
	const struct core_bench_case *c = test->param_value;
	struct bench_result *old, *ours;
	char *a, *b;

	if (c->migrate && num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs, %u online", num_online_cpus());
	fake_backend_register(test, c->kind);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							bench_restore_affinity,
							NULL), 0);
	old = kunit_kzalloc(test, sizeof(*old), GFP_KERNEL);
	ours = kunit_kzalloc(test, sizeof(*ours), GFP_KERNEL);
	a = kunit_kzalloc(test, 256, GFP_KERNEL);
	b = kunit_kzalloc(test, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, ours);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);

	bench_run(test, c->kind, c->k, c->migrate, &policy_612, old);
	bench_run(test, c->kind, c->k, c->migrate, &policy_ours, ours);

	bench_format(a, 256, &old->all);
	bench_format(b, 256, &ours->all);
	kunit_info(test, "bench core %s 6.12: %s | ours: %s\n", c->desc, a,
		   b);

	/* 6.12: every nested entry and exit flushes. */
	KUNIT_EXPECT_GE(test, old->all.flushes, 2 * BENCH_TRIPS);

	/* Ours: a same-CPU switch costs no clear and no all-dirty mark... */
	KUNIT_EXPECT_EQ(test, ours->same_cpu.clears, 0);
	KUNIT_EXPECT_EQ(test, ours->same_cpu.all_dirty, 0);
	/* ...nor, once each L2 has run, a flush or a re-preparation. */
	KUNIT_EXPECT_EQ(test, ours->steady_same_cpu.flushes, 0);
	KUNIT_EXPECT_EQ(test, ours->steady.misses, 0);
	KUNIT_EXPECT_EQ(test, ours->all.misses, c->k);
	if (!c->migrate) {
		/* Pinned to one CPU: nothing moves after the first K. */
		KUNIT_EXPECT_EQ(test, ours->steady.moved, 0);
		KUNIT_EXPECT_EQ(test, ours->steady.clears, 0);
		KUNIT_EXPECT_EQ(test, ours->steady.all_dirty, 0);
		KUNIT_EXPECT_EQ(test, ours->steady.flushes, 0);
	} else {
		KUNIT_EXPECT_GT(test, ours->steady.moved, 0);
	}
}

static struct kunit_case nested_core_bench_cases[] = {
	KUNIT_CASE_PARAM_ATTR(nested_core_bench_round_trips,
			      core_bench_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite nested_core_bench_suite = {
	.name = "nested_core_bench",
	.test_cases = nested_core_bench_cases,
};

kunit_test_suite(nested_core_bench_suite);

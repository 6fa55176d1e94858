// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the L2 context pool, through the fake backend.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/hashtable.h>
#include <linux/irqflags.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include <nested/pool.h>
#include <nested/tlbtags.h>

#include "fake_backend.h"

/* Distinct page-aligned guest-physical addresses, as vmcs12s have. */
static u64 key(unsigned int n)
{
	return 0x100000ULL + (u64)n * 0x1000;
}

static void pool_destroy_action(void *pool)
{
	nested_pool_destroy(pool);
}

static void tags_destroy_action(void *tags)
{
	tlb_tags_destroy(tags);
}

/* A space of tags [1, @max] that is destroyed when the test ends. */
static struct tlb_tags *tags_for_test(struct kunit *test, u32 max)
{
	struct tlb_tags *tags;

	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "pool", 1, max, NULL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							tags_destroy_action,
							tags), 0);
	return tags;
}

/*
 * The fake backend of @kind, and a pool of @capacity with tags from a
 * space of @max_tags tags (none if 0).  The pool is destroyed when the
 * test ends, before the space and before the backend is unregistered.
 */
static struct nested_ctx_pool *pool_for_test(struct kunit *test,
					     enum fake_kind kind,
					     unsigned int capacity,
					     u32 max_tags)
{
	struct nested_ctx_pool *pool;
	struct tlb_tags *tags = NULL;

	fake_backend_register(test, kind);
	if (max_tags)
		tags = tags_for_test(test, max_tags);
	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, nested_pool_init(pool, capacity, tags,
					       &fake_pool_ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pool_destroy_action,
							pool), 0);
	return pool;
}

/* Get the context of @n, which must succeed. */
static struct nested_ctx *get(struct kunit *test, struct nested_ctx_pool *pool,
			      unsigned int n, bool *hit)
{
	struct nested_ctx *ctx = nested_pool_get(pool, key(n), hit);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	return ctx;
}

/* The pool's keys, most recently used first, as numbers for key(). */
static unsigned int lru_keys(struct nested_ctx_pool *pool, unsigned int *out,
			     unsigned int max)
{
	struct nested_pool_entry *e;
	unsigned int n = 0;

	list_for_each_entry(e, &pool->lru, lru) {
		if (n < max)
			out[n] = (e->key - key(0)) / 0x1000;
		n++;
	}
	return n;
}

/* Entries in the hash table; each must also be on the LRU list. */
static unsigned int hashed_entries(struct nested_ctx_pool *pool)
{
	struct nested_pool_entry *e;
	unsigned int n = 0, bkt;

	hash_for_each(pool->hash, bkt, e, node)
		n++;
	return n;
}

/*
 * Enter a guest with @ctx once on this CPU, as a backend does: load it,
 * decide the flush with interrupts off, record the entry.  Returns
 * whether the entry flushed.
 */
static bool run_once(struct nested_ctx *ctx)
{
	bool flushed;

	preempt_disable();
	nested_ctx_load(ctx);
	local_irq_disable();
	flushed = nested_ctx_prepare_entry(ctx);
	nested_ctx_entered(ctx);
	local_irq_enable();
	preempt_enable();
	return flushed;
}

static void restore_affinity(void *unused)
{
	set_cpus_allowed_ptr(current, cpu_possible_mask);
}

/* Move the test's thread to @cpu; it may run anywhere again at the end. */
static void move_to_cpu(struct kunit *test, int cpu)
{
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							restore_affinity,
							NULL), 0);
	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, cpumask_of(cpu)),
			0);
	KUNIT_ASSERT_EQ(test, raw_smp_processor_id(), cpu);
}

struct capacity_case {
	const char *desc;
	unsigned int capacity;
	int ret;
};

static const struct capacity_case capacity_cases[] = {
	{ "capacity 0", 0, -EINVAL },
	{ "capacity 1", 1, 0 },
	{ "capacity 16", 16, 0 },
	{ "capacity 64", NESTED_POOL_MAX_CAPACITY, 0 },
	{ "capacity 65", NESTED_POOL_MAX_CAPACITY + 1, -EINVAL },
};

static void capacity_desc(const struct capacity_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(capacity, capacity_cases, capacity_desc);

static void nested_pool_init_capacity_bounds(struct kunit *test)
{
	const struct capacity_case *c = test->param_value;
	struct nested_ctx_pool *pool;
	unsigned int i;
	bool hit;

	fake_backend_register(test, FAKE_VMX_LIKE);
	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_EQ(test, nested_pool_init(pool, c->capacity, NULL,
					       &fake_pool_ops), c->ret);
	if (c->ret)
		return;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pool_destroy_action,
							pool), 0);
	KUNIT_EXPECT_EQ(test, pool->nr, 0);
	KUNIT_EXPECT_EQ(test, fake.alloc, 0);

	/* Exactly @capacity contexts are held: one more key evicts. */
	for (i = 0; i < c->capacity; i++)
		get(test, pool, i, &hit);
	KUNIT_EXPECT_EQ(test, pool->nr, c->capacity);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 0);
	get(test, pool, c->capacity, &hit);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 1);
	KUNIT_EXPECT_EQ(test, fake.live, c->capacity);
}

static void nested_pool_get_miss_then_hit(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 4,
						     16);
	struct nested_ctx *a, *b;
	bool hit = true;

	a = get(test, pool, 1, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.alloc, 1);
	KUNIT_EXPECT_NOT_NULL(test, a->ptr);
	KUNIT_EXPECT_EQ(test, a->cpu, -1);
	KUNIT_EXPECT_FALSE(test, a->launched);

	KUNIT_EXPECT_PTR_EQ(test, get(test, pool, 1, &hit), a);
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.alloc, 1);

	b = get(test, pool, 2, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_PTR_NE(test, b, a);
	KUNIT_EXPECT_PTR_EQ(test, get(test, pool, 1, &hit), a);
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_PTR_EQ(test, get(test, pool, 2, &hit), b);
	KUNIT_EXPECT_TRUE(test, hit);

	KUNIT_EXPECT_EQ(test, pool->stats.hits, 3);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, 2);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 0);
	KUNIT_EXPECT_EQ(test, pool->nr, 2);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), 2);
	KUNIT_EXPECT_EQ(test, fake.live, 2);
}

#define LRU_STEPS 8

struct lru_case {
	const char *desc;
	unsigned int capacity;
	/* Keys got in turn, terminated by 0, and whether each hits. */
	unsigned int keys[LRU_STEPS];
	bool hit[LRU_STEPS];
	/* The pool's keys at the end, most recent first. */
	unsigned int lru[4];
	unsigned int nr;
};

static const struct lru_case lru_cases[] = {
	{ "least recently got goes first", 3,
	  { 1, 2, 3, 4, 5 }, { 0, 0, 0, 0, 0 }, { 5, 4, 3 }, 3 },
	{ "hit makes most recent", 3,
	  { 1, 2, 3, 1, 4 }, { 0, 0, 0, 1, 0 }, { 4, 1, 3 }, 3 },
	{ "hits reorder the tail", 3,
	  { 1, 2, 3, 1, 2, 4, 3 }, { 0, 0, 0, 1, 1, 0, 0 }, { 3, 4, 2 }, 3 },
	{ "repeated key stays", 2,
	  { 1, 1, 2, 1, 3, 1 }, { 0, 1, 0, 1, 0, 1 }, { 1, 3 }, 2 },
	{ "capacity 1 keeps the last", 1,
	  { 1, 2, 2, 1 }, { 0, 0, 1, 0 }, { 1 }, 1 },
};

static void lru_desc(const struct lru_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lru, lru_cases, lru_desc);

static void nested_pool_get_evicts_lru(struct kunit *test)
{
	const struct lru_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE,
						     c->capacity, 16);
	struct nested_ctx *lru_ctx, *ctx;
	unsigned int got[LRU_STEPS], n, i;
	bool hit;

	for (i = 0; i < LRU_STEPS && c->keys[i]; i++) {
		/* A miss on a full pool reuses the least recent context. */
		lru_ctx = NULL;
		if (pool->nr == c->capacity)
			lru_ctx = list_last_entry(&pool->lru,
						  struct nested_pool_entry,
						  lru)->ctx;
		ctx = get(test, pool, c->keys[i], &hit);
		KUNIT_EXPECT_EQ_MSG(test, hit, c->hit[i], "step %u", i);
		if (!hit && lru_ctx)
			KUNIT_EXPECT_PTR_EQ_MSG(test, ctx, lru_ctx, "step %u",
						i);
	}

	n = lru_keys(pool, got, ARRAY_SIZE(got));
	KUNIT_ASSERT_EQ(test, n, c->nr);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, got[i], c->lru[i], "position %u", i);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), c->nr);
	KUNIT_EXPECT_EQ(test, fake.live, c->nr);
}

struct kind_case {
	const char *desc;
	enum fake_kind kind;
};

static const struct kind_case kind_cases[] = {
	{ "vmx-like", FAKE_VMX_LIKE },
	{ "svm-like", FAKE_SVM_LIKE },
};

static void kind_desc(const struct kind_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kind, kind_cases, kind_desc);

static void nested_pool_get_evicted_cleared_before_reuse(struct kunit *test)
{
	const struct kind_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, c->kind, 1, 16);
	struct nested_transition tx = { .entry = true, .guest_tag = 5 };
	struct nested_ctx *a, *b;
	u64 owner, seq;
	void *ptr;
	bool hit;

	a = get(test, pool, 1, &hit);
	nested_transition(NULL, a, &tx);
	KUNIT_ASSERT_TRUE(test, run_once(a));
	nested_ctx_request_flush(a);
	KUNIT_ASSERT_GE(test, a->cpu, 0);
	KUNIT_ASSERT_TRUE(test, a->launched);
	KUNIT_ASSERT_EQ(test, a->guest_tag, 5);
	KUNIT_ASSERT_EQ(test, fake.clear, 0);
	owner = a->owner.id;
	seq = a->tag.seq;
	ptr = a->ptr;

	b = get(test, pool, 2, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	/* The same memory and control structure, for another key... */
	KUNIT_EXPECT_PTR_EQ(test, b, a);
	KUNIT_EXPECT_PTR_EQ(test, b->ptr, ptr);
	KUNIT_EXPECT_EQ(test, fake.alloc, 1);
	KUNIT_EXPECT_EQ(test, fake.free, 0);
	/* ...cleared where it was loaded (VMCLEAR if there is one)... */
	KUNIT_EXPECT_EQ(test, fake.clear, c->kind == FAKE_VMX_LIKE ? 1 : 0);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, b->cpu, -1);
	KUNIT_EXPECT_FALSE(test, b->launched);
	/* ...with no L2 state left over and a new identity and tag. */
	KUNIT_EXPECT_EQ(test, b->guest_tag, 0);
	KUNIT_EXPECT_FALSE(test, b->flush_pending);
	KUNIT_EXPECT_NE(test, b->owner.id, owner);
	KUNIT_EXPECT_EQ(test, b->owner.last_cpu, -1);
	KUNIT_EXPECT_PTR_EQ(test, b->tags, pool->tags);
	KUNIT_EXPECT_NE(test, b->tag.hw, 0);
	KUNIT_EXPECT_NE(test, b->tag.seq, seq);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 1);

	/* Its next entry starts afresh: loaded anew and flushed. */
	KUNIT_EXPECT_TRUE(test, run_once(b));
	if (c->kind == FAKE_SVM_LIKE)
		KUNIT_EXPECT_EQ(test, fake.all_dirty, 2);
	else
		KUNIT_EXPECT_EQ(test, fake.load, 2);
}

static void nested_pool_get_evicted_cleared_on_its_cpu(struct kunit *test)
{
	struct nested_ctx_pool *pool;
	struct nested_ctx *a;
	int here, there;
	bool hit;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs, %u online", num_online_cpus());
	pool = pool_for_test(test, FAKE_VMX_LIKE, 1, 16);

	here = cpumask_first(cpu_online_mask);
	there = cpumask_next(here, cpu_online_mask);
	move_to_cpu(test, there);
	a = get(test, pool, 1, &hit);
	run_once(a);
	KUNIT_ASSERT_EQ(test, a->cpu, there);

	move_to_cpu(test, here);
	KUNIT_EXPECT_PTR_EQ(test, get(test, pool, 2, &hit), a);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.clear, 1);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, a->cpu, -1);
	KUNIT_EXPECT_FALSE(test, a->launched);
}

struct invalidate_case {
	const char *desc;
	unsigned int key;
	unsigned int nr, freed, cleared;
	unsigned int lru[3];
};

/* Keys 1, 2 and 3 are cached, most recent first 3, 2, 1; 2 is loaded. */
static const struct invalidate_case invalidate_cases[] = {
	{ "present and loaded", 2, 2, 1, 1, { 3, 1 } },
	{ "present, never loaded", 1, 2, 1, 0, { 3, 2 } },
	{ "absent", 9, 3, 0, 0, { 3, 2, 1 } },
};

static void invalidate_desc(const struct invalidate_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(invalidate, invalidate_cases, invalidate_desc);

static void nested_pool_invalidate_by_key(struct kunit *test)
{
	const struct invalidate_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 4,
						     16);
	unsigned int got[4], n, i;
	bool hit;

	get(test, pool, 1, &hit);
	run_once(get(test, pool, 2, &hit));
	get(test, pool, 3, &hit);
	KUNIT_ASSERT_EQ(test, tlb_tags_nr_free(pool->tags), 13);

	nested_pool_invalidate(pool, key(c->key));
	KUNIT_EXPECT_EQ(test, pool->nr, c->nr);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), c->nr);
	KUNIT_EXPECT_EQ(test, fake.free, c->freed);
	KUNIT_EXPECT_EQ(test, fake.live, c->nr);
	KUNIT_EXPECT_EQ(test, fake.clear, c->cleared);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 16 - c->nr);
	n = lru_keys(pool, got, ARRAY_SIZE(got));
	KUNIT_ASSERT_EQ(test, n, c->nr);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, got[i], c->lru[i], "position %u", i);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 0);

	/* An invalidated key must be prepared from scratch next time. */
	get(test, pool, c->key, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
}

static void nested_pool_destroy_frees_all(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 8,
						     16);
	unsigned int i;
	bool hit;

	for (i = 1; i <= 5; i++) {
		struct nested_ctx *ctx = get(test, pool, i, &hit);

		if (i % 2)
			run_once(ctx);
	}
	KUNIT_ASSERT_EQ(test, fake.live, 5);

	nested_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, pool->nr, 0);
	KUNIT_EXPECT_TRUE(test, list_empty(&pool->lru));
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), 0);
	KUNIT_EXPECT_EQ(test, fake.free, 5);
	KUNIT_EXPECT_EQ(test, fake.live, 0);
	KUNIT_EXPECT_EQ(test, fake.clear, 3);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 16);
	KUNIT_EXPECT_EQ(test, pool->capacity, 8);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, 5);

	/* Still usable; emptying an empty pool does nothing. */
	get(test, pool, 1, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.live, 1);
	nested_pool_destroy(pool);
	nested_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, fake.live, 0);
}

struct rotation_case {
	const char *desc;
	unsigned int capacity, nr_keys, rounds;
	unsigned int hits, misses, evictions;
};

static const struct rotation_case rotation_cases[] = {
	{ "capacity 1, one key", 1, 1, 8, 7, 1, 0 },
	/* Linux 6.12: one vmcs02/vmcb02, prepared again for every switch. */
	{ "capacity 1, two keys", 1, 2, 8, 0, 16, 15 },
	{ "capacity 16, 16 keys", 16, 16, 4, 48, 16, 0 },
	/* LRU's worst case: a cycle one longer than the pool. */
	{ "capacity 16, 17 keys", 16, 17, 4, 0, 68, 52 },
	{ "capacity 64, 64 keys", 64, 64, 3, 128, 64, 0 },
};

static void rotation_desc(const struct rotation_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rotation, rotation_cases, rotation_desc);

static void nested_pool_get_rotation(struct kunit *test)
{
	const struct rotation_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_SVM_LIKE,
						     c->capacity, 128);
	unsigned int r, k, max_live = 0;
	bool hit;

	for (r = 0; r < c->rounds; r++) {
		for (k = 0; k < c->nr_keys; k++) {
			get(test, pool, k, &hit);
			max_live = max_t(unsigned int, max_live, fake.live);
		}
	}
	KUNIT_EXPECT_EQ(test, pool->stats.hits, c->hits);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, c->misses);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, c->evictions);
	/* Memory stays bounded by the capacity. */
	KUNIT_EXPECT_LE(test, max_live, c->capacity);
	KUNIT_EXPECT_EQ(test, fake.alloc, min(c->capacity, c->nr_keys));
	KUNIT_EXPECT_EQ(test, pool->nr, min(c->capacity, c->nr_keys));
}

struct fail_case {
	const char *desc;
	int fail_after;
};

static const struct fail_case fail_cases[] = {
	{ "first allocation fails", 0 },
	{ "second allocation fails", 1 },
	{ "third allocation fails", 2 },
	{ "fourth allocation fails", 3 },
};

static void fail_desc(const struct fail_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fail, fail_cases, fail_desc);

static void nested_pool_get_alloc_failure(struct kunit *test)
{
	const struct fail_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 4,
						     16);
	unsigned int before[4], after[4], n, i, free_tags;
	struct nested_pool_stats stats;
	struct nested_ctx *ctx;
	bool hit;

	fake_fail_alloc_after = c->fail_after;
	for (i = 0; i < c->fail_after; i++)
		run_once(get(test, pool, i, &hit));
	n = lru_keys(pool, before, ARRAY_SIZE(before));
	KUNIT_ASSERT_EQ(test, n, c->fail_after);
	stats = pool->stats;
	free_tags = tlb_tags_nr_free(pool->tags);

	hit = true;
	ctx = nested_pool_get(pool, key(c->fail_after), &hit);
	KUNIT_EXPECT_TRUE(test, IS_ERR(ctx));
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ctx), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, hit);

	/* Nothing changed: no entry, no tag, no count, same order. */
	KUNIT_EXPECT_EQ(test, pool->nr, n);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), n);
	KUNIT_EXPECT_EQ(test, fake.live, n);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), free_tags);
	KUNIT_EXPECT_EQ(test, pool->stats.hits, stats.hits);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, stats.misses);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, stats.evictions);
	KUNIT_ASSERT_EQ(test, lru_keys(pool, after, ARRAY_SIZE(after)), n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, after[i], before[i], "position %u",
				    i);

	/* The cached keys still hit, and the failed key works later. */
	for (i = 0; i < n; i++) {
		get(test, pool, i, &hit);
		KUNIT_EXPECT_TRUE(test, hit);
	}
	fake_fail_alloc_after = -1;
	get(test, pool, c->fail_after, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.live, n + 1);

	/* No leak: everything comes back. */
	nested_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, fake.live, 0);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 16);
	KUNIT_ASSERT_EQ(test, nested_pool_init(pool, 4, pool->tags,
					       &fake_pool_ops), 0);
}

static void nested_pool_get_full_allocates_nothing(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 2,
						     16);
	bool hit;

	get(test, pool, 1, &hit);
	get(test, pool, 2, &hit);
	/* A full pool reuses an entry: no allocation that could fail. */
	fake_fail_alloc_after = 0;
	get(test, pool, 3, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.alloc, 2);
	KUNIT_EXPECT_EQ(test, fake.live, 2);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 14);
}

/*
 * A reservation allocates what a later lookup of its key would, and
 * nothing when the key is cached or the pool is full; it evicts nothing,
 * and the lookup then sees a context new to the key.
 */
static void nested_pool_reserve_then_get(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 2,
						     16);
	struct nested_ctx *a, *b;
	unsigned int keys[2];
	bool hit;

	a = get(test, pool, 1, &hit);
	KUNIT_ASSERT_TRUE(test, run_once(a));
	KUNIT_EXPECT_EQ(test, nested_pool_reserve(pool, key(1)), 0);
	KUNIT_EXPECT_EQ(test, fake.alloc, 1);

	KUNIT_EXPECT_EQ(test, nested_pool_reserve(pool, key(2)), 0);
	KUNIT_EXPECT_EQ(test, fake.alloc, 2);
	KUNIT_EXPECT_EQ(test, pool->nr, 2);
	/* Key 1 is still the most recently used, and still loaded. */
	KUNIT_ASSERT_EQ(test, lru_keys(pool, keys, 2), 2);
	KUNIT_EXPECT_EQ(test, keys[0], 1);
	KUNIT_EXPECT_GE(test, a->cpu, 0);

	/* Full: nothing to reserve, and nothing that could fail. */
	fake_fail_alloc_after = 0;
	KUNIT_EXPECT_EQ(test, nested_pool_reserve(pool, key(3)), 0);
	KUNIT_EXPECT_EQ(test, pool->nr, 2);
	KUNIT_EXPECT_EQ(test, pool->stats.evictions, 0);
	fake_fail_alloc_after = -1;

	b = get(test, pool, 2, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_FALSE(test, b->launched);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, 2);
	get(test, pool, 2, &hit);
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_EQ(test, fake.alloc, 2);
}

static void nested_pool_reserve_failure_changes_nothing(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 4,
						     16);
	unsigned int free_tags;
	bool hit;

	get(test, pool, 1, &hit);
	free_tags = tlb_tags_nr_free(pool->tags);
	fake_fail_alloc_after = 0;
	KUNIT_EXPECT_EQ(test, nested_pool_reserve(pool, key(2)), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pool->nr, 1);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), 1);
	KUNIT_EXPECT_EQ(test, fake.live, 1);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), free_tags);
	fake_fail_alloc_after = -1;
	get(test, pool, 1, &hit);
	KUNIT_EXPECT_TRUE(test, hit);
}

struct tags_case {
	const char *desc;
	u32 max_tags;	/* 0: the pool has no space */
	u32 hw[4];	/* each entry's tag in order of creation */
};

static const struct tags_case tags_cases[] = {
	{ "a tag of its own each", 16, { 1, 2, 3, 4 } },
	{ "space exhausted", 2, { 1, 2, 0, 0 } },
	{ "no space", 0, { 0, 0, 0, 0 } },
};

static void tags_desc(const struct tags_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tags, tags_cases, tags_desc);

static void nested_pool_get_tag_per_entry(struct kunit *test)
{
	const struct tags_case *c = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_SVM_LIKE, 4,
						     c->max_tags);
	struct nested_ctx *ctx[4];
	unsigned int i, tagged = 0;
	bool hit;

	for (i = 0; i < 4; i++) {
		ctx[i] = get(test, pool, i, &hit);
		KUNIT_EXPECT_EQ_MSG(test, ctx[i]->tag.hw, c->hw[i], "entry %u",
				    i);
		KUNIT_EXPECT_PTR_EQ(test, ctx[i]->tags, pool->tags);
		tagged += !!c->hw[i];
	}

	/*
	 * Own tags flush on their first entry only; the shared fallback
	 * flushes all tags on every entry.
	 */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_TRUE(test, run_once(ctx[i]));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, run_once(ctx[i]), !c->hw[i]);
	KUNIT_EXPECT_EQ(test, fake.flush_tag, tagged);
	KUNIT_EXPECT_EQ(test, fake.flush_all, 2 * (4 - tagged));

	/* A freed tag goes back to the space and to the next entry. */
	nested_pool_invalidate(pool, key(0));
	if (c->max_tags)
		KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags),
				c->max_tags - tagged + !!c->hw[0]);
	KUNIT_EXPECT_EQ(test, get(test, pool, 9, &hit)->tag.hw, c->hw[0]);
}

static void nested_pool_get_evicted_flushes_new_tag(struct kunit *test)
{
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE, 2,
						     16);
	struct nested_ctx *a, *c;
	u64 seq;
	bool hit;

	a = get(test, pool, 1, &hit);
	KUNIT_EXPECT_TRUE(test, run_once(a));
	KUNIT_EXPECT_FALSE(test, run_once(a));
	seq = a->tag.seq;
	get(test, pool, 2, &hit);

	/* Key 1's entry is the least recent: key 3 takes it over. */
	c = get(test, pool, 3, &hit);
	KUNIT_ASSERT_PTR_EQ(test, c, a);
	KUNIT_EXPECT_NE(test, c->tag.seq, seq);
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 1);
	/* L2 translations of key 1 must not survive into key 3. */
	KUNIT_EXPECT_TRUE(test, run_once(c));
	KUNIT_EXPECT_EQ(test, fake.flush_tag, 2);
	KUNIT_EXPECT_FALSE(test, run_once(c));
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 14);
}

static void nested_pool_get_spreads_keys(struct kunit *test)
{
	struct nested_ctx_pool *pool;
	unsigned int i, bkt, used = 0, longest = 0;
	bool hit;

	pool = pool_for_test(test, FAKE_SVM_LIKE, NESTED_POOL_MAX_CAPACITY, 0);
	/* Page-aligned addresses, one page apart: the low bits never vary. */
	for (i = 0; i < NESTED_POOL_MAX_CAPACITY; i++)
		get(test, pool, i, &hit);

	for (bkt = 0; bkt < HASH_SIZE(pool->hash); bkt++) {
		struct nested_pool_entry *e;
		unsigned int n = 0;

		hlist_for_each_entry(e, &pool->hash[bkt], node)
			n++;
		used += !!n;
		longest = max(longest, n);
	}
	/* Lookups stay O(1): no bucket collects the keys. */
	KUNIT_EXPECT_GE(test, used, HASH_SIZE(pool->hash) / 2);
	KUNIT_EXPECT_LE(test, longest, 4);
	kunit_info(test, "%u keys in %u of %zu buckets, longest chain %u\n",
		   NESTED_POOL_MAX_CAPACITY, used, HASH_SIZE(pool->hash),
		   longest);
}

/*
 * Random gets, invalidations, capacity changes and emptyings, checked
 * step by step against a plain array model of an LRU cache.
 */
#define MODEL_KEYS	24
#define MODEL_OPS	3000
#define MODEL_MAX_CAP	12

struct pool_model {
	unsigned int keys[MODEL_MAX_CAP];	/* most recent first */
	unsigned int nr, capacity;
};

static int model_find(const struct pool_model *m, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (m->keys[i] == k)
			return i;
	return -1;
}

static void model_remove(struct pool_model *m, unsigned int i)
{
	memmove(&m->keys[i], &m->keys[i + 1], (m->nr - i - 1) * sizeof(m->keys[0]));
	m->nr--;
}

static bool model_get(struct pool_model *m, unsigned int k)
{
	int i = model_find(m, k);

	if (i >= 0)
		model_remove(m, i);
	else if (m->nr == m->capacity)
		model_remove(m, m->nr - 1);
	memmove(&m->keys[1], &m->keys[0], m->nr * sizeof(m->keys[0]));
	m->keys[0] = k;
	m->nr++;
	return i >= 0;
}

static bool model_matches(struct kunit *test, struct nested_ctx_pool *pool,
			  const struct pool_model *m, unsigned int op)
{
	unsigned int got[MODEL_MAX_CAP], n, i;

	n = lru_keys(pool, got, ARRAY_SIZE(got));
	if (n != m->nr || pool->nr != m->nr || hashed_entries(pool) != m->nr ||
	    fake.live != m->nr || pool->nr > pool->capacity) {
		KUNIT_FAIL(test, "op %u: %u listed, nr %u, live %d, model %u",
			   op, n, pool->nr, fake.live, m->nr);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (got[i] != m->keys[i]) {
			KUNIT_FAIL(test, "op %u: position %u holds %u, not %u",
				   op, i, got[i], m->keys[i]);
			return false;
		}
	}
	return true;
}

static const unsigned int model_capacities[] = { 1, 5, 8, MODEL_MAX_CAP };

static void model_capacity_desc(const unsigned int *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "capacity %u", *c);
}

KUNIT_ARRAY_PARAM(model_capacity, model_capacities, model_capacity_desc);

static void nested_pool_ops_match_lru_model(struct kunit *test)
{
	const unsigned int *capacity = test->param_value;
	struct nested_ctx_pool *pool = pool_for_test(test, FAKE_VMX_LIKE,
						     *capacity, 64);
	struct pool_model m = { .capacity = *capacity };
	unsigned int op, k, r, gets = 0;
	struct rnd_state rnd;
	bool hit;

	prandom_seed_state(&rnd, 0x6e6573746564ULL);
	for (op = 0; op < MODEL_OPS; op++) {
		r = prandom_u32_state(&rnd) % 1000;
		k = prandom_u32_state(&rnd) % MODEL_KEYS;
		if (r < 900) {
			struct nested_ctx *ctx = get(test, pool, k, &hit);

			gets++;
			if (hit != model_get(&m, k)) {
				KUNIT_FAIL(test, "op %u: key %u hit %d", op, k,
					   hit);
				return;
			}
			if (r % 3 == 0)
				run_once(ctx);
		} else if (r < 970) {
			int i = model_find(&m, k);

			nested_pool_invalidate(pool, key(k));
			if (i >= 0)
				model_remove(&m, i);
		} else {
			nested_pool_destroy(pool);
			m.nr = 0;
		}
		if (!model_matches(test, pool, &m, op))
			return;
	}
	KUNIT_EXPECT_EQ(test, pool->stats.hits + pool->stats.misses, gets);
	KUNIT_EXPECT_GT(test, pool->stats.hits, 0);
	KUNIT_EXPECT_GT(test, pool->stats.evictions, 0);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 64 - pool->nr);
}

/*
 * Contexts in containers of the caller's, as KVM keeps a struct loaded_vmcs
 * around each vmcs02.
 */
#define BOX_MAGIC	0x626f78

struct pool_box {
	u32 magic;
	unsigned long state;	/* the caller's own, kept across eviction */
	struct nested_ctx ctx;
};

static struct {
	unsigned int alloc, free, free_loaded;
	bool fail;
} box;

static struct nested_ctx *box_alloc(struct nested_ctx_pool *pool, gfp_t gfp)
{
	struct pool_box *b;

	if (box.fail)
		return NULL;
	b = kzalloc(sizeof(*b), gfp);
	if (!b)
		return NULL;
	if (fake_ctx_alloc(&b->ctx, gfp)) {
		kfree(b);
		return NULL;
	}
	b->magic = BOX_MAGIC;
	box.alloc++;
	return &b->ctx;
}

static void box_free(struct nested_ctx_pool *pool, struct nested_ctx *ctx)
{
	struct pool_box *b = container_of(ctx, struct pool_box, ctx);

	WARN_ON(b->magic != BOX_MAGIC);
	/* The pool clears a context before its container goes. */
	if (ctx->cpu >= 0)
		box.free_loaded++;
	box.free++;
	fake_ctx_free(ctx);
	kfree(b);
}

static const struct nested_pool_ops box_ops = {
	.alloc = box_alloc,
	.free = box_free,
};

static struct nested_ctx_pool *box_pool_for_test(struct kunit *test,
						 unsigned int capacity)
{
	struct nested_ctx_pool *pool;

	fake_backend_register(test, FAKE_VMX_LIKE);
	memset(&box, 0, sizeof(box));
	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_ASSERT_EQ(test, nested_pool_init(pool, capacity,
					       tags_for_test(test, 16),
					       &box_ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							pool_destroy_action,
							pool), 0);
	return pool;
}

static struct pool_box *box_of(struct nested_ctx *ctx)
{
	return container_of(ctx, struct pool_box, ctx);
}

static void nested_pool_ops_caller_containers(struct kunit *test)
{
	struct nested_ctx_pool *pool = box_pool_for_test(test, 2);
	struct nested_ctx *a, *b, *c;
	bool hit;

	a = get(test, pool, 1, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, box_of(a)->magic, BOX_MAGIC);
	box_of(a)->state = 1;
	run_once(a);
	b = get(test, pool, 2, &hit);
	box_of(b)->state = 2;
	run_once(b);
	KUNIT_EXPECT_EQ(test, box.alloc, 2);

	/* Hits return the same container. */
	KUNIT_EXPECT_PTR_EQ(test, get(test, pool, 1, &hit), a);
	KUNIT_EXPECT_TRUE(test, hit);

	/*
	 * A miss on a full pool reuses the least recent container, cleared
	 * and reset like a new context; the caller's state is left to it.
	 */
	c = get(test, pool, 3, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_PTR_EQ(test, c, b);
	KUNIT_EXPECT_EQ(test, box_of(c)->state, 2);
	KUNIT_EXPECT_EQ(test, c->cpu, -1);
	KUNIT_EXPECT_FALSE(test, c->launched);
	KUNIT_EXPECT_EQ(test, box.alloc, 2);
	KUNIT_EXPECT_EQ(test, box.free, 0);
	KUNIT_EXPECT_EQ(test, fake.clear_wrong_cpu, 0);

	/* Invalidation and emptying free containers, cleared first. */
	nested_pool_invalidate(pool, key(1));
	KUNIT_EXPECT_EQ(test, box.free, 1);
	run_once(c);
	nested_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, box.free, 2);
	KUNIT_EXPECT_EQ(test, box.free_loaded, 0);
	KUNIT_EXPECT_EQ(test, pool->nr, 0);
	KUNIT_EXPECT_EQ(test, fake.live, 0);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 16);
}

static void nested_pool_ops_alloc_failure(struct kunit *test)
{
	struct nested_ctx_pool *pool = box_pool_for_test(test, 4);
	struct nested_ctx *ctx;
	bool hit;

	get(test, pool, 1, &hit);
	box.fail = true;
	hit = true;
	ctx = nested_pool_get(pool, key(2), &hit);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(ctx), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, hit);
	KUNIT_EXPECT_EQ(test, pool->nr, 1);
	KUNIT_EXPECT_EQ(test, hashed_entries(pool), 1);
	KUNIT_EXPECT_EQ(test, pool->stats.misses, 1);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(pool->tags), 15);
	box.fail = false;
	get(test, pool, 2, &hit);
	KUNIT_EXPECT_FALSE(test, hit);
	KUNIT_EXPECT_EQ(test, box.alloc, 2);
}

static void nested_pool_init_checks_ops(struct kunit *test)
{
	const struct nested_pool_ops no_free = { .alloc = box_alloc };
	struct nested_ctx_pool *pool;

	pool = kunit_kzalloc(test, sizeof(*pool), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	KUNIT_EXPECT_EQ(test, nested_pool_init(pool, 1, NULL, &no_free),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nested_pool_init(pool, 0, NULL, &box_ops),
			-EINVAL);
	/* The layer allocates no contexts of its own. */
	KUNIT_EXPECT_EQ(test, nested_pool_init(pool, 1, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nested_pool_init(pool, 1, NULL, &box_ops), 0);
	nested_pool_destroy(pool);
}

static struct kunit_case nested_pool_cases[] = {
	KUNIT_CASE_PARAM(nested_pool_init_capacity_bounds,
			 capacity_gen_params),
	KUNIT_CASE(nested_pool_get_miss_then_hit),
	KUNIT_CASE_PARAM(nested_pool_get_evicts_lru, lru_gen_params),
	KUNIT_CASE_PARAM(nested_pool_get_evicted_cleared_before_reuse,
			 kind_gen_params),
	KUNIT_CASE(nested_pool_get_evicted_cleared_on_its_cpu),
	KUNIT_CASE(nested_pool_get_evicted_flushes_new_tag),
	KUNIT_CASE_PARAM(nested_pool_invalidate_by_key,
			 invalidate_gen_params),
	KUNIT_CASE(nested_pool_destroy_frees_all),
	KUNIT_CASE_PARAM(nested_pool_get_rotation, rotation_gen_params),
	KUNIT_CASE_PARAM(nested_pool_get_alloc_failure, fail_gen_params),
	KUNIT_CASE(nested_pool_get_full_allocates_nothing),
	KUNIT_CASE(nested_pool_reserve_then_get),
	KUNIT_CASE(nested_pool_reserve_failure_changes_nothing),
	KUNIT_CASE_PARAM(nested_pool_get_tag_per_entry, tags_gen_params),
	KUNIT_CASE(nested_pool_get_spreads_keys),
	KUNIT_CASE_PARAM(nested_pool_ops_match_lru_model,
			 model_capacity_gen_params),
	KUNIT_CASE(nested_pool_ops_caller_containers),
	KUNIT_CASE(nested_pool_ops_alloc_failure),
	KUNIT_CASE(nested_pool_init_checks_ops),
	{}
};

static struct kunit_suite nested_pool_suite = {
	.name = "nested_pool",
	.test_cases = nested_pool_cases,
};

kunit_test_suite(nested_pool_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the TLB tag allocator against the allocator shape of Linux
 * 6.12's allocate_vpid(): a first-fit scan of a 64K bitmap under a
 * spinlock.  Both run in the same boot on the same occupancy patterns;
 * the figures are printed, and only the functional results are asserted.
 *
 * Occupancy pattern: the lowest tags are taken, as a first-fit allocator
 * leaves them, and each measured operation is one allocation plus one free
 * of the tag it returned.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>

#include <nested/tlbtags.h>

#define BENCH_ITERS	20000
#define BENCH_CLAIMS	1000000

/* The 6.12 shape: VPID 0 reserved, first zero bit wins. */
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

struct scan_space {
	spinlock_t lock;	/* protects map */
	unsigned long map[BITS_TO_LONGS(TLB_TAGS_MAX + 1)];
};

static u32 scan_alloc(struct scan_space *s)
{
	u32 tag;

	spin_lock(&s->lock);
	tag = find_first_zero_bit(s->map, TLB_TAGS_MAX + 1);
	if (tag <= TLB_TAGS_MAX)
		__set_bit(tag, s->map);
	else
		tag = 0;
	spin_unlock(&s->lock);
	return tag;
}

static void scan_free(struct scan_space *s, u32 tag)
{
	if (!tag)
		return;
	spin_lock(&s->lock);
	__clear_bit(tag, s->map);
	spin_unlock(&s->lock);
}

struct bench_case {
	const char *desc;
	unsigned int permille;
};

static const struct bench_case bench_cases[] = {
	{ "occupancy 0%", 0 },
	{ "occupancy 50%", 500 },
	{ "occupancy 99%", 990 },
	{ "occupancy 100%", 1000 },
};

static void bench_desc(const struct bench_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bench, bench_cases, bench_desc);

static void tlb_tags_bench_alloc_free(struct kunit *test)
{
	const struct bench_case *c = test->param_value;
	unsigned int fill = TLB_TAGS_MAX * c->permille / 1000, i;
	bool full = fill == TLB_TAGS_MAX;
	struct scan_space *scan;
	struct tlb_tags *tags;
	struct tlb_tag *held, t;
	u64 t0, ours, theirs;
	u32 hw, fails = 0;

	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	scan = kunit_kzalloc(test, sizeof(*scan), GFP_KERNEL);
	held = kunit_kcalloc(test, TLB_TAGS_MAX, sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_NOT_NULL(test, scan);
	KUNIT_ASSERT_NOT_NULL(test, held);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "bench", 1, TLB_TAGS_MAX,
					    NULL), 0);
	spin_lock_init(&scan->lock);
	__set_bit(0, scan->map);

	for (i = 0; i < fill; i++) {
		KUNIT_ASSERT_EQ(test, tlb_tags_alloc(tags, &held[i]), i + 1);
		KUNIT_ASSERT_EQ(test, scan_alloc(scan), i + 1);
	}

	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_ITERS; i++) {
		hw = tlb_tags_alloc(tags, &t);
		fails += hw != (full ? 0 : fill + 1);
		tlb_tags_free(tags, &t);
	}
	ours = ktime_get_ns() - t0;

	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_ITERS; i++) {
		hw = scan_alloc(scan);
		fails += hw != (full ? 0 : fill + 1);
		scan_free(scan, hw);
	}
	theirs = ktime_get_ns() - t0;

	KUNIT_EXPECT_EQ(test, fails, 0);
	kunit_info(test,
		   "bench tlbtags alloc+free %s: tlbtags %llu ns/op, 6.12 scan %llu ns/op, speedup %llu.%llux\n",
		   c->desc, div_u64(ours, BENCH_ITERS),
		   div_u64(theirs, BENCH_ITERS),
		   div64_u64(theirs, ours ?: 1),
		   div64_u64(theirs * 10, ours ?: 1) % 10);

	for (i = 0; i < fill; i++)
		tlb_tags_free(tags, &held[i]);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(tags), TLB_TAGS_MAX);
	tlb_tags_destroy(tags);
}

static void tlb_tags_bench_claim(struct kunit *test)
{
	struct tlb_tag_owner owner[2];
	struct tlb_tags *tags;
	struct tlb_tag tag;
	u64 t0, same, alternating;
	unsigned int i, flushes = 0;

	tags = kunit_kzalloc(test, sizeof(*tags), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tags);
	KUNIT_ASSERT_EQ(test, tlb_tags_init(tags, "bench", 1, TLB_TAGS_MAX,
					    NULL), 0);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(tags, &tag), 0);
	tlb_tag_owner_init(&owner[0]);
	tlb_tag_owner_init(&owner[1]);

	preempt_disable();
	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_CLAIMS; i++)
		flushes += enter_here(tags, &tag, &owner[0]);
	same = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < BENCH_CLAIMS; i++)
		flushes += enter_here(tags, &tag, &owner[i & 1]);
	alternating = ktime_get_ns() - t0;
	preempt_enable();

	/* One flush on first use, then one per change of owner. */
	KUNIT_EXPECT_EQ(test, flushes, 1 + BENCH_CLAIMS - 1);
	kunit_info(test,
		   "bench tlbtags claim: same owner %llu.%02llu ns/op, alternating owners %llu.%02llu ns/op\n",
		   div_u64(same, BENCH_CLAIMS),
		   div_u64(same * 100, BENCH_CLAIMS) % 100,
		   div_u64(alternating, BENCH_CLAIMS),
		   div_u64(alternating * 100, BENCH_CLAIMS) % 100);

	tlb_tags_free(tags, &tag);
	tlb_tags_destroy(tags);
}

static struct kunit_case tlb_tags_bench_cases[] = {
	KUNIT_CASE_PARAM_ATTR(tlb_tags_bench_alloc_free, bench_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_SLOW(tlb_tags_bench_claim),
	{}
};

static struct kunit_suite tlb_tags_bench_suite = {
	.name = "nested_tlbtags_bench",
	.test_cases = tlb_tags_bench_cases,
};

kunit_test_suite(tlb_tags_bench_suite);

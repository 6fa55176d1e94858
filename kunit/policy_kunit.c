// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nested transition policy: every branch, table-driven.
 */

#include <kunit/test.h>

#include <nested/ctx.h>

struct policy_case {
	const char *desc;
	struct nested_transition tx;
	u32 guest_tag_before;
	bool pending_before;
	unsigned int actions;
	bool pending_after;
	u32 guest_tag_after;
	bool from_pending_after;
};

#define ENTRY(tag, ...) { .entry = true, .guest_tag = (tag), __VA_ARGS__ }
#define EXIT(...) { .entry = false, __VA_ARGS__ }
#define FLUSH NESTED_TX_FLUSH
#define SYNC NESTED_TX_SYNC_MMU

static const struct policy_case policy_cases[] = {
	{ "entry same tag no request", ENTRY(5), 5, false, 0, false, 5 },
	{ "entry same tag, syncs mmu, no request",
	  ENTRY(5, .flush_syncs_mmu = true), 5, false, 0, false, 5 },
	{ "entry first time", ENTRY(5), 0, false, FLUSH, true, 5 },
	{ "entry l1 changed tag", ENTRY(6), 5, false, FLUSH, true, 6 },
	{ "entry l1 changed tag, syncs mmu",
	  ENTRY(6, .flush_syncs_mmu = true), 5, false, FLUSH | SYNC, true, 6 },
	{ "entry l1 flush request", ENTRY(5, .l1_flush = true), 5, false,
	  FLUSH, true, 5 },
	{ "entry l1 flush request, syncs mmu",
	  ENTRY(5, .l1_flush = true, .flush_syncs_mmu = true), 5, false,
	  FLUSH | SYNC, true, 5 },
	{ "entry shared tag", ENTRY(5, .shared_tag = true), 5, false, FLUSH,
	  true, 5 },
	{ "entry shared tag, syncs mmu",
	  ENTRY(5, .shared_tag = true, .flush_syncs_mmu = true), 5, false,
	  FLUSH | SYNC, true, 5 },
	{ "entry owed flush kept", ENTRY(5), 5, true, 0, true, 5 },
	{ "exit separate tags", EXIT(), 5, false, 0, false, 5 },
	{ "exit separate tags, syncs mmu", EXIT(.flush_syncs_mmu = true), 5,
	  false, 0, false, 5 },
	{ "exit shared tag", EXIT(.shared_tag = true), 5, false, FLUSH, true,
	  5 },
	{ "exit shared tag, syncs mmu",
	  EXIT(.shared_tag = true, .flush_syncs_mmu = true), 5, false,
	  FLUSH | SYNC, true, 5 },
	{ "exit owed flush kept", EXIT(), 5, true, 0, true, 5 },
	{ "exit ignores guest tag", EXIT(.guest_tag = 9), 5, false, 0, false,
	  5 },
	{ "entry l1 flushes every tag",
	  ENTRY(5, .l1_flush = true, .l1_flush_all = true), 5, false, FLUSH,
	  true, 5, true },
	{ "entry l1 flushes every tag, syncs mmu",
	  ENTRY(5, .l1_flush = true, .l1_flush_all = true,
		.flush_syncs_mmu = true), 5, false, FLUSH | SYNC, true, 5, true },
	{ "exit ignores l1 flush of every tag", EXIT(.l1_flush_all = true), 5,
	  false, 0, false, 5 },
};

static void policy_desc(const struct policy_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_desc);

static void nested_transition_decides(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct nested_ctx from, to;

	nested_ctx_init(&from);
	nested_ctx_init(&to);
	to.guest_tag = c->guest_tag_before;
	to.flush_pending = c->pending_before;

	KUNIT_EXPECT_EQ(test, nested_transition(&from, &to, &c->tx),
			c->actions);
	KUNIT_EXPECT_EQ(test, to.flush_pending, c->pending_after);
	KUNIT_EXPECT_EQ(test, to.guest_tag, c->guest_tag_after);
	KUNIT_EXPECT_EQ(test, from.flush_pending, c->from_pending_after);
}

static void nested_transition_repeat_entry_settles(struct kunit *test)
{
	struct nested_transition tx = { .entry = true, .guest_tag = 3 };
	struct nested_ctx from, to;

	nested_ctx_init(&from);
	nested_ctx_init(&to);
	KUNIT_EXPECT_EQ(test, nested_transition(&from, &to, &tx),
			NESTED_TX_FLUSH);
	to.flush_pending = false;	/* the entry flushed */
	KUNIT_EXPECT_EQ(test, nested_transition(&from, &to, &tx), 0);
	KUNIT_EXPECT_EQ(test, nested_transition(&from, &to, &tx), 0);
	KUNIT_EXPECT_FALSE(test, from.flush_pending);
	KUNIT_EXPECT_FALSE(test, to.flush_pending);
}

static struct kunit_case policy_cases_list[] = {
	KUNIT_CASE_PARAM(nested_transition_decides, policy_gen_params),
	KUNIT_CASE(nested_transition_repeat_entry_settles),
	{}
};

static struct kunit_suite policy_suite = {
	.name = "nested_policy",
	.test_cases = policy_cases_list,
};

kunit_test_suite(policy_suite);

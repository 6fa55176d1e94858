// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the vendor registry, through a fake backend that counts
 * the calls it receives.
 */

#include <kunit/test.h>
#include <kunit/visibility.h>
#include <linux/module.h>
#include <linux/preempt.h>

#include <nested/ctx.h>
#include <nested/vendor.h>

#include "../core/internal.h"

struct fake_calls {
	int load, clear, mark_dirty;
	u32 groups;
};

static struct fake_calls fake_calls;

static void fake_flush_tag(struct nested_ctx *ctx, enum nested_flush how)
{
}

static void fake_load(struct nested_ctx *ctx)
{
	fake_calls.load++;
}

static void fake_clear(struct nested_ctx *ctx)
{
	fake_calls.clear++;
}

static void fake_mark_dirty(struct nested_ctx *ctx, u32 groups)
{
	fake_calls.mark_dirty++;
	fake_calls.groups = groups;
}

static const struct nested_vendor_ops fake_full_ops = {
	.name		= "fake",
	.flush_tag	= fake_flush_tag,
	.load		= fake_load,
	.clear		= fake_clear,
	.mark_dirty	= fake_mark_dirty,
};

/*
 * Load a context on this CPU, for the first time, then clear it: the core
 * calls mark_dirty (ALL) and load, then clear, of those the backend has.
 */
static void load_and_clear(void)
{
	struct nested_ctx ctx = {};

	nested_ctx_init(&ctx);
	preempt_disable();
	nested_ctx_load(&ctx);
	preempt_enable();
	nested_ctx_clear(&ctx);
}

static void registry_unregister_action(void *ops)
{
	nested_vendor_unregister(ops);
}

static int registry_test_init(struct kunit *test)
{
	memset(&fake_calls, 0, sizeof(fake_calls));
	/* The suites own the registry: no real backend may be loaded. */
	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");
	return 0;
}

/* Register @ops for the rest of the test, or fail the test. */
static void register_for_test(struct kunit *test,
			      const struct nested_vendor_ops *ops)
{
	KUNIT_ASSERT_EQ(test, nested_vendor_register(ops), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							registry_unregister_action,
							(void *)ops), 0);
}

static void registry_register_valid(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, nested_vendor_registered());
	register_for_test(test, &fake_full_ops);
	KUNIT_EXPECT_TRUE(test, nested_vendor_registered());
	KUNIT_EXPECT_STREQ(test, nested_ops.name, "fake");
	KUNIT_EXPECT_TRUE(test, nested_ops.flush_tag == fake_flush_tag);
}

static void registry_register_copies_table(struct kunit *test)
{
	struct nested_vendor_ops *ops;

	ops = kunit_kzalloc(test, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	*ops = fake_full_ops;
	register_for_test(test, ops);

	/* A later change to the caller's table must not reach the core. */
	ops->load = NULL;
	load_and_clear();
	KUNIT_EXPECT_EQ(test, fake_calls.load, 1);
}

static void registry_register_twice_fails(struct kunit *test)
{
	struct nested_vendor_ops other = fake_full_ops;

	other.name = "other";
	register_for_test(test, &fake_full_ops);
	KUNIT_EXPECT_EQ(test, nested_vendor_register(&other), -EEXIST);
	KUNIT_EXPECT_EQ(test, nested_vendor_register(&fake_full_ops), -EEXIST);
	/* The first registration is intact. */
	KUNIT_EXPECT_STREQ(test, nested_ops.name, "fake");
}

static void registry_unregister_allows_new(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, nested_vendor_register(&fake_full_ops), 0);
	nested_vendor_unregister(&fake_full_ops);
	KUNIT_EXPECT_FALSE(test, nested_vendor_registered());
	KUNIT_EXPECT_NULL(test, nested_ops.flush_tag);
	register_for_test(test, &fake_full_ops);
	KUNIT_EXPECT_TRUE(test, nested_vendor_registered());
}

struct registry_bad_case {
	const char *desc;
	void (*mutate)(struct nested_vendor_ops *ops);
};

static void no_name(struct nested_vendor_ops *ops)
{
	ops->name = NULL;
}

static void no_flush(struct nested_vendor_ops *ops)
{
	ops->flush_tag = NULL;
}

static void no_load(struct nested_vendor_ops *ops)
{
	ops->load = NULL;
}

static void no_migration(struct nested_vendor_ops *ops)
{
	ops->clear = NULL;
	ops->mark_dirty = NULL;
}

static void emergency_without_clear(struct nested_vendor_ops *ops)
{
	ops->clear = NULL;
	ops->emergency_clear = fake_clear;
}

static const struct registry_bad_case registry_bad_cases[] = {
	{ "name missing", no_name },
	{ "flush_tag missing", no_flush },
	{ "clear without load", no_load },
	{ "no way to migrate", no_migration },
	{ "emergency_clear without clear", emergency_without_clear },
};

static void registry_bad_desc(const struct registry_bad_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(registry_bad, registry_bad_cases, registry_bad_desc);

static void registry_register_incomplete_fails(struct kunit *test)
{
	const struct registry_bad_case *c = test->param_value;
	struct nested_vendor_ops ops = fake_full_ops;

	c->mutate(&ops);
	KUNIT_EXPECT_EQ(test, nested_vendor_register(&ops), -EINVAL);
	KUNIT_EXPECT_FALSE(test, nested_vendor_registered());
}

static void registry_optional_ops_absent(struct kunit *test)
{
	struct nested_vendor_ops ops = fake_full_ops;

	/* The minimal SVM-like table: no load, no clear. */
	ops.load = NULL;
	ops.clear = NULL;
	register_for_test(test, &ops);

	load_and_clear();
	KUNIT_EXPECT_EQ(test, fake_calls.load, 0);
	KUNIT_EXPECT_EQ(test, fake_calls.clear, 0);
	KUNIT_EXPECT_EQ(test, fake_calls.mark_dirty, 1);
	KUNIT_EXPECT_EQ(test, fake_calls.groups, NESTED_DIRTY_ALL);
}

static void registry_optional_ops_present(struct kunit *test)
{
	struct nested_vendor_ops ops = fake_full_ops;

	/* The minimal VMX-like table: no mark_dirty. */
	ops.mark_dirty = NULL;
	register_for_test(test, &ops);

	load_and_clear();
	KUNIT_EXPECT_EQ(test, fake_calls.load, 1);
	KUNIT_EXPECT_EQ(test, fake_calls.clear, 1);
	KUNIT_EXPECT_EQ(test, fake_calls.mark_dirty, 0);
}

static struct kunit_case registry_test_cases[] = {
	KUNIT_CASE(registry_register_valid),
	KUNIT_CASE(registry_register_copies_table),
	KUNIT_CASE(registry_register_twice_fails),
	KUNIT_CASE(registry_unregister_allows_new),
	KUNIT_CASE_PARAM(registry_register_incomplete_fails,
			 registry_bad_gen_params),
	KUNIT_CASE(registry_optional_ops_absent),
	KUNIT_CASE(registry_optional_ops_present),
	{}
};

static struct kunit_suite registry_test_suite = {
	.name = "nested_registry",
	.init = registry_test_init,
	.test_cases = registry_test_cases,
};

kunit_test_suite(registry_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for the nested layer");
MODULE_LICENSE("GPL");

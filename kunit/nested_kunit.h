/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the nested layer's KUnit suites.
 */
#ifndef _NESTED_KUNIT_H
#define _NESTED_KUNIT_H

#include <linux/printk.h>

/*
 * Internal misuse must WARN_ON_ONCE; tests that provoke it on purpose
 * bracket the call with these markers, and scripts/kunit.sh does not count
 * a warning between them as a failure.
 */
#define NESTED_KUNIT_EXPECT_WARN_BEGIN() \
	pr_info("NESTED-KUNIT: expect warning begin\n")
#define NESTED_KUNIT_EXPECT_WARN_END() \
	pr_info("NESTED-KUNIT: expect warning end\n")

#endif /* _NESTED_KUNIT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: static_assert() with an optional message.  A failed
 * assertion declares an array of negative size.
 */
#ifndef _FUZZ_LINUX_BUILD_BUG_H
#define _FUZZ_LINUX_BUILD_BUG_H

#undef static_assert
#define static_assert(expr, ...)	__fuzz_static_assert(expr, ##__VA_ARGS__, #expr)
#define __fuzz_static_assert(expr, msg, ...) \
	extern int __fuzz_static_assert_failed[sizeof(msg) && (expr) ? 1 : -1]

#endif /* _FUZZ_LINUX_BUILD_BUG_H */

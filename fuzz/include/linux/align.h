/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: alignment helpers for power-of-two alignments. */
#ifndef _FUZZ_LINUX_ALIGN_H
#define _FUZZ_LINUX_ALIGN_H

#include <linux/types.h>

static inline u64 fuzz_align(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

#define ALIGN(x, a)		((__typeof__(x))fuzz_align(x, a))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

#endif /* _FUZZ_LINUX_ALIGN_H */

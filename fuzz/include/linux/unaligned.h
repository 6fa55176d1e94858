/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: unaligned and little-endian accesses, through a packed
 * one-member struct so that the compiler (and UBSan) treat the access as
 * byte-aligned.
 */
#ifndef _FUZZ_LINUX_UNALIGNED_H
#define _FUZZ_LINUX_UNALIGNED_H

#include <linux/types.h>

/* The member has the type @ptr points to; @ptr is evaluated once. */
#define get_unaligned(ptr)						\
	(((const struct { __typeof__(*(__typeof__(ptr))0) v; } __packed *) \
	  (ptr))->v)
#define put_unaligned(val, ptr)						\
	((void)(((struct { __typeof__(*(__typeof__(ptr))0) v; } __packed *) \
		 (ptr))->v = (val)))

#define get_unaligned_le16(p)	get_unaligned((const u16 *)(p))
#define get_unaligned_le32(p)	get_unaligned((const u32 *)(p))
#define get_unaligned_le64(p)	get_unaligned((const u64 *)(p))
#define put_unaligned_le16(v, p)	put_unaligned((u16)(v), (u16 *)(p))
#define put_unaligned_le32(v, p)	put_unaligned((u32)(v), (u32 *)(p))
#define put_unaligned_le64(v, p)	put_unaligned((u64)(v), (u64 *)(p))

#endif /* _FUZZ_LINUX_UNALIGNED_H */

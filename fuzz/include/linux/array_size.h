/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: ARRAY_SIZE() without the kernel's type check. */
#ifndef _FUZZ_LINUX_ARRAY_SIZE_H
#define _FUZZ_LINUX_ARRAY_SIZE_H

#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))

#endif /* _FUZZ_LINUX_ARRAY_SIZE_H */

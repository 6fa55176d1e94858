/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the kernel's errno values, from the uapi header the C
 * library's own <errno.h> uses (which itself includes <linux/errno.h>, so
 * this shim cannot go through it).
 */
#ifndef _FUZZ_LINUX_ERRNO_H
#define _FUZZ_LINUX_ERRNO_H

#include <asm-generic/errno-base.h>

#endif /* _FUZZ_LINUX_ERRNO_H */

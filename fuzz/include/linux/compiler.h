/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim, included first in every file of the fuzz build (as the
 * kernel includes its compiler attributes): the attributes the shims use.
 */
#ifndef _FUZZ_LINUX_COMPILER_H
#define _FUZZ_LINUX_COMPILER_H

#define __fuzz_attr(attr)	__attribute__((attr))
#define __packed		__fuzz_attr(__packed__)

#endif /* _FUZZ_LINUX_COMPILER_H */

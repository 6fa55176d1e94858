/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: memcpy(), memset() and friends. */
#ifndef _FUZZ_LINUX_STRING_H
#define _FUZZ_LINUX_STRING_H

#include <string.h>

#endif /* _FUZZ_LINUX_STRING_H */

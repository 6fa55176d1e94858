/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: offsetof() and NULL. */
#ifndef _FUZZ_LINUX_STDDEF_H
#define _FUZZ_LINUX_STDDEF_H

#include <stddef.h>

#endif /* _FUZZ_LINUX_STDDEF_H */

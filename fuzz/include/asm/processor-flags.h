/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the CR0, CR4 and RFLAGS bits the layer uses. */
#ifndef _FUZZ_ASM_PROCESSOR_FLAGS_H
#define _FUZZ_ASM_PROCESSOR_FLAGS_H

#include <linux/bits.h>

#define X86_EFLAGS_FIXED	BIT(1)
#define X86_EFLAGS_VM		BIT(17)

#define X86_CR0_PE		BIT(0)
#define X86_CR0_ET		BIT(4)
#define X86_CR0_WP		BIT(16)
#define X86_CR0_NW		BIT(29)
#define X86_CR0_CD		BIT(30)
#define X86_CR0_PG		BIT(31)

#define X86_CR4_PAE		BIT(5)
#define X86_CR4_PGE		BIT(7)

#endif /* _FUZZ_ASM_PROCESSOR_FLAGS_H */

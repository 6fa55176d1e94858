/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the EFER bits the layer and its fuzz targets use. */
#ifndef _FUZZ_ASM_MSR_INDEX_H
#define _FUZZ_ASM_MSR_INDEX_H

#include <linux/bits.h>

#define EFER_SCE	BIT_ULL(0)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define EFER_NX		BIT_ULL(11)
#define EFER_SVME	BIT_ULL(12)
#define EFER_FFXSR	BIT_ULL(14)

#endif /* _FUZZ_ASM_MSR_INDEX_H */

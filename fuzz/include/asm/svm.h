/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the VMCB as the layer reads it.  Only the fields the
 * layer and its fuzz targets use are named; the rest are reserved bytes
 * that keep every named field at its architectural offset (AMD APM vol. 2,
 * appendix B), which the asserts below pin.
 */
#ifndef _FUZZ_ASM_SVM_H
#define _FUZZ_ASM_SVM_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* Intercept bit numbers: vector word 3 bit 1, vector word 4 bit 0. */
#define INTERCEPT_NMI			97
#define INTERCEPT_VMRUN			128

#define V_NMI_ENABLE_MASK		BIT(26)
#define SVM_NESTED_CTL_NP_ENABLE	BIT_ULL(0)

#define SVM_SELECTOR_P_MASK		BIT(7)
#define SVM_SELECTOR_L_MASK		BIT(9)
#define SVM_SELECTOR_DB_MASK		BIT(10)

struct vmcb_control_area {
	u32 intercepts[6];
	u8 reserved_0x18[0x28];
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 asid;
	u8 reserved_0x5c[4];
	u32 int_ctl;
	u8 reserved_0x64[0x2c];
	u64 nested_ctl;
	u8 reserved_0x98[0x18];
	u64 nested_cr3;
	u8 reserved_0xb8[0x348];
} __packed;

struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save_area {
	struct vmcb_seg es;
	struct vmcb_seg cs;
	u8 reserved_0x20[0xb0];
	u64 efer;
	u8 reserved_0xd8[0x70];
	u64 cr4;
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;
	u8 reserved_0x180[0x58];
	u64 rsp;
	u8 reserved_0x1e0[0x108];
} __packed;

struct vmcb {
	struct vmcb_control_area control;
	struct vmcb_save_area save;
} __packed;

static_assert(sizeof(struct vmcb_control_area) == 0x400);
static_assert(offsetof(struct vmcb_control_area, iopm_base_pa) == 0x40);
static_assert(offsetof(struct vmcb_control_area, asid) == 0x58);
static_assert(offsetof(struct vmcb_control_area, int_ctl) == 0x60);
static_assert(offsetof(struct vmcb_control_area, nested_ctl) == 0x90);
static_assert(offsetof(struct vmcb_control_area, nested_cr3) == 0xb0);
static_assert(sizeof(struct vmcb_save_area) == 0x2e8);
static_assert(offsetof(struct vmcb_save_area, efer) == 0xd0);
static_assert(offsetof(struct vmcb_save_area, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save_area, rflags) == 0x170);
static_assert(offsetof(struct vmcb_save_area, rsp) == 0x1d8);

#endif /* _FUZZ_ASM_SVM_H */

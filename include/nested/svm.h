/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architectural SVM definitions that <asm/svm.h> lacks, and the SVM
 * backend's interface.
 */
#ifndef _NESTED_SVM_H
#define _NESTED_SVM_H

#include <linux/bits.h>
#include <linux/types.h>

/**
 * enum nested_vmcb_clean - The VMCB clean-field groups (AMD APM vol. 2,
 * "VMCB Clean Field").
 * @NESTED_VMCB_INTERCEPTS: Intercept vectors, TSC offset, pause filter.
 * @NESTED_VMCB_PERM_MAP: IOPM and MSRPM base addresses.
 * @NESTED_VMCB_ASID: The guest ASID.
 * @NESTED_VMCB_INTR: int_ctl, int_vector.
 * @NESTED_VMCB_NPT: np_enable, nCR3, gPAT.
 * @NESTED_VMCB_CR: CR0, CR3, CR4, EFER.
 * @NESTED_VMCB_DR: DR6, DR7.
 * @NESTED_VMCB_DT: GDT, IDT.
 * @NESTED_VMCB_SEG: CS, DS, SS, ES, CPL.
 * @NESTED_VMCB_CR2: CR2.
 * @NESTED_VMCB_LBR: DBGCTL and the last-branch records.
 * @NESTED_VMCB_AVIC: AVIC backing page and table pointers.
 * @NESTED_VMCB_NR_GROUPS: Number of architectural groups.
 *
 * A set bit in the VMCB's clean field lets the processor use its cached
 * copy of the group; software must clear the bit whenever it changes the
 * group, and clear all bits when the VMCB last ran on another processor.
 */
enum nested_vmcb_clean {
	NESTED_VMCB_INTERCEPTS,
	NESTED_VMCB_PERM_MAP,
	NESTED_VMCB_ASID,
	NESTED_VMCB_INTR,
	NESTED_VMCB_NPT,
	NESTED_VMCB_CR,
	NESTED_VMCB_DR,
	NESTED_VMCB_DT,
	NESTED_VMCB_SEG,
	NESTED_VMCB_CR2,
	NESTED_VMCB_LBR,
	NESTED_VMCB_AVIC,
	NESTED_VMCB_NR_GROUPS,
};

/* Every architectural clean bit. */
#define NESTED_VMCB_ALL_CLEAN	GENMASK(NESTED_VMCB_NR_GROUPS - 1, 0)

/* TPR and CR2 are written before every VMRUN: never marked clean. */
#define NESTED_VMCB_ALWAYS_DIRTY \
	(BIT(NESTED_VMCB_INTR) | BIT(NESTED_VMCB_CR2))

struct nested_ctx;
struct tlb_tags;
struct vmcb;

/**
 * struct nested_svm_caps - What the processor's SVM supports.
 * @flushbyasid: TLB_CONTROL 3 and 7 (flush one ASID) are supported
 *	(CPUID 0x8000000A EDX[6]); without it every flush is of all ASIDs.
 * @min_asid: Lowest ASID to hand out: above the SEV range, at least 1.
 * @max_asid: Highest ASID the processor has (CPUID 0x8000000A EBX - 1).
 *	It is kept out of the space as the shared fallback for contexts
 *	that found the space exhausted.
 */
struct nested_svm_caps {
	bool flushbyasid;
	u32 min_asid;
	u32 max_asid;
};

int nested_svm_register(const struct nested_svm_caps *caps);
void nested_svm_unregister(void);
struct tlb_tags *nested_svm_asids(void);

void nested_svm_pre_run(struct nested_ctx *ctx);
void nested_svm_post_run(struct nested_ctx *ctx);
void nested_svm_mark_dirty(struct nested_ctx *ctx, unsigned int group);

u32 nested_svm_vmcb12_groups(bool same_vmcb12, u32 vmcb12_clean);
void nested_svm_copy_vmcb12(struct nested_ctx *vmcb02,
			    const struct vmcb *vmcb12, u32 groups);

#endif /* _NESTED_SVM_H */

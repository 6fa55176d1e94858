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
 * enum vmcb_clean - The VMCB clean-field groups (AMD APM vol. 2, "VMCB
 * Clean Field"), for KVM's SVM code and the layer alike.
 * @VMCB_INTERCEPTS: Intercept vectors, TSC offset, pause filter.
 * @VMCB_PERM_MAP: IOPM and MSRPM base addresses.
 * @VMCB_ASID: The guest ASID.
 * @VMCB_INTR: int_ctl, int_vector.
 * @VMCB_NPT: np_enable, nCR3, gPAT.
 * @VMCB_CR: CR0, CR3, CR4, EFER.
 * @VMCB_DR: DR6, DR7.
 * @VMCB_DT: GDT, IDT.
 * @VMCB_SEG: CS, DS, SS, ES, CPL.
 * @VMCB_CR2: CR2.
 * @VMCB_LBR: DBGCTL and the last-branch records.
 * @VMCB_AVIC: AVIC backing page and table pointers.
 * @VMCB_NR_GROUPS: Number of architectural groups.
 * @VMCB_SW: Reserved for the hypervisor: Hyper-V's nested enlightenments
 *	when KVM runs on Hyper-V.  Never copied from a vmcb12.
 *
 * A set bit in the VMCB's clean field lets the processor use its cached
 * copy of the group; software must clear the bit whenever it changes the
 * group, and clear all bits when the VMCB last ran on another processor.
 */
enum vmcb_clean {
	VMCB_INTERCEPTS,
	VMCB_PERM_MAP,
	VMCB_ASID,
	VMCB_INTR,
	VMCB_NPT,
	VMCB_CR,
	VMCB_DR,
	VMCB_DT,
	VMCB_SEG,
	VMCB_CR2,
	VMCB_LBR,
	VMCB_AVIC,
	VMCB_NR_GROUPS,
	VMCB_SW = 31,
};

/* Every clean bit. */
#define VMCB_ALL_CLEAN_MASK	(GENMASK(VMCB_NR_GROUPS - 1, 0) | BIT(VMCB_SW))

/* TPR and CR2 are written before every VMRUN: never marked clean. */
#define VMCB_ALWAYS_DIRTY_MASK	(BIT(VMCB_INTR) | BIT(VMCB_CR2))

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

bool nested_svm_pre_run(struct nested_ctx *ctx);
void nested_svm_post_run(struct nested_ctx *ctx);

u32 nested_svm_vmcb12_groups(bool same_vmcb12, u32 vmcb12_clean);
void nested_svm_copy_vmcb12(struct nested_ctx *vmcb02,
			    const struct vmcb *vmcb12, u32 groups);

#endif /* _NESTED_SVM_H */

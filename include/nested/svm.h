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

#endif /* _NESTED_SVM_H */

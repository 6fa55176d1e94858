/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMCB fields the processor reads at VMRUN, written in one place each
 * so that tests can redirect the writes onto the hardware model.
 */
#ifndef _NESTED_SVM_HW_H
#define _NESTED_SVM_HW_H

#include <linux/types.h>

struct vmcb;

void svm_hw_set_asid(struct vmcb *vmcb, u32 asid);
void svm_hw_set_tlb_ctl(struct vmcb *vmcb, u8 tlb_ctl);
void svm_hw_set_clean(struct vmcb *vmcb, u32 clean);
void svm_hw_copy_group(struct vmcb *dst, const struct vmcb *src,
		       unsigned int group);
/* The copy itself, for a redirected svm_hw_copy_group() to call. */
void __svm_hw_copy_group(struct vmcb *dst, const struct vmcb *src,
			 unsigned int group);

#endif /* _NESTED_SVM_HW_H */

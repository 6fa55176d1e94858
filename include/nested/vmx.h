/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX backend of the nested layer.
 */
#ifndef _NESTED_VMX_H
#define _NESTED_VMX_H

#include <linux/types.h>

#include <nested/tlbtags.h>

/**
 * struct nested_vmx_caps - What the processor's VMX supports.
 * @revision_id: VMCS revision identifier (IA32_VMX_BASIC[30:0]).
 * @max_vpid: Highest VPID to hand out (at most 65535); 0 disables VPID:
 *	every context then runs untagged and hardware flushes on every
 *	VM-entry and VM-exit.
 * @invvpid_single: INVVPID single-context (type 1) is supported.
 * @invvpid_single_nonglobal: INVVPID single-context retaining globals
 *	(type 3) is supported.
 * @invvpid_all: INVVPID all-context (type 2) is supported.
 */
struct nested_vmx_caps {
	u32 revision_id;
	u32 max_vpid;
	bool invvpid_single;
	bool invvpid_single_nonglobal;
	bool invvpid_all;
};

int nested_vmx_register(const struct nested_vmx_caps *caps);
void nested_vmx_unregister(void);
struct tlb_tags *nested_vmx_vpids(void);

#endif /* _NESTED_VMX_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX backend of the nested layer.
 */
#ifndef _NESTED_VMX_H
#define _NESTED_VMX_H

#include <linux/percpu-defs.h>
#include <linux/types.h>

#include <nested/tlbtags.h>

struct nested_ctx;
struct vmcs;

/**
 * struct nested_vmx_insns - VMCS instructions supplied by the backend's user.
 * @vmclear: VMCLEAR @vmcs, reporting a failure itself.  Called with
 *	interrupts disabled, and from NMI context on the emergency path,
 *	where VMX may already be off: a fault must be tolerated there.
 * @vmptrld: Make @vmcs the current VMCS of this CPU (VMPTRLD, or what an
 *	enlightened VMCS needs instead), reporting a failure itself.  Called
 *	with preemption disabled.
 *
 * KVM executes VMX instructions with its own fault handling and error
 * reports, and on Hyper-V with an enlightened VMCS replaces VMPTRLD; it
 * hands the backend its own instructions through this table.
 */
struct nested_vmx_insns {
	void (*vmclear)(struct vmcs *vmcs);
	void (*vmptrld)(struct vmcs *vmcs);
};

/**
 * struct nested_vmx_caps - What the processor's VMX supports.
 * @max_vpid: Highest VPID to hand out (at most 65535); 0 disables VPID:
 *	every context then runs untagged and hardware flushes on every
 *	VM-entry and VM-exit.
 * @invvpid_single: INVVPID single-context (type 1) is supported.
 * @invvpid_single_nonglobal: INVVPID single-context retaining globals
 *	(type 3) is supported.
 * @invvpid_all: INVVPID all-context (type 2) is supported.
 * @insns: VMCLEAR and VMPTRLD as the caller executes them, both set.
 *	Must stay valid while registered.
 */
struct nested_vmx_caps {
	u32 max_vpid;
	bool invvpid_single;
	bool invvpid_single_nonglobal;
	bool invvpid_all;
	const struct nested_vmx_insns *insns;
};

/*
 * The current VMCS of each CPU as far as software knows: the VMCS last made
 * current by the backend, or NULL after it was cleared.  The one record of
 * it; KVM reads it, e.g. as the enlightened VMCS it writes on Hyper-V, and
 * never writes it.
 */
DECLARE_PER_CPU(struct vmcs *, nested_vmx_current_vmcs);

int nested_vmx_register(const struct nested_vmx_caps *caps);
void nested_vmx_unregister(void);
struct tlb_tags *nested_vmx_vpids(void);
void nested_vmx_load_shadow(struct nested_ctx *ctx);
void nested_vmx_put_shadow(struct nested_ctx *ctx);

#endif /* _NESTED_VMX_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vendor backend interface of the nested layer.
 *
 * The core owns every rule that VMX and SVM share; a backend supplies only
 * the leaves that touch hardware.  Exactly one backend is registered at a
 * time (the vendor module that is loaded), and the core keeps its own copy
 * of the table.
 */
#ifndef _NESTED_VENDOR_H
#define _NESTED_VENDOR_H

#include <linux/types.h>

struct nested_ctx;

/*
 * NESTED_DIRTY_ALL - every dirty-tracking group of a context.
 *
 * Passed to &nested_vendor_ops.mark_dirty when nothing cached by the
 * hardware for the context may be trusted, e.g. after it ran on another CPU.
 */
#define NESTED_DIRTY_ALL	(~0U)

/**
 * enum nested_flush - How much of a TLB tag to invalidate.
 * @NESTED_FLUSH_TAG: all entries of the context's tag (SVM TLB_CONTROL 3,
 *	VMX INVVPID single-context).
 * @NESTED_FLUSH_TAG_NONGLOBAL: the tag's non-global entries only (SVM
 *	TLB_CONTROL 7, VMX INVVPID single-context retaining globals).
 * @NESTED_FLUSH_ALL: every tag on this CPU (SVM TLB_CONTROL 1, VMX INVVPID
 *	all-context); what a context on the shared fallback tag 0 needs.
 */
enum nested_flush {
	NESTED_FLUSH_TAG,
	NESTED_FLUSH_TAG_NONGLOBAL,
	NESTED_FLUSH_ALL,
};

/**
 * struct nested_vendor_ops - Hardware leaves supplied by a vendor backend.
 * @name: Short vendor name for messages ("svm", "vmx").  Mandatory.
 * @flush_tag: Arrange for the next VM-entry with @ctx to invalidate its TLB
 *	tag as described by the &enum nested_flush argument.  Called on the
 *	CPU that will enter, preemption disabled.  Mandatory.
 * @load: Make @ctx the current control structure of this CPU (VMPTRLD).
 *	Called with preemption disabled each time a context is loaded.
 *	Optional: SVM names its VMCB at VMRUN and needs none.
 * @clear: Flush @ctx's hardware-cached copy back to memory and make it
 *	inactive on this CPU (VMCLEAR), so that it can be loaded elsewhere
 *	and must next be launched.  Called on the CPU in &nested_ctx.cpu with
 *	interrupts disabled, possibly from an IPI.  Optional; requires @load.
 * @emergency_clear: As @clear, for the crash and emergency-reboot paths:
 *	called in any context, NMI included, on a CPU interrupted anywhere;
 *	it must only execute instructions, and clear whatever hardware may
 *	hold active for @ctx, whatever the context's recorded state says.
 *	Optional: @clear is used if it is absent; requires @clear.
 * @mark_dirty: Mark groups of @ctx's state as modified, so hardware does
 *	not reuse a cached copy of them (SVM VMCB clean bits).  The bitmask
 *	is vendor-defined; %NESTED_DIRTY_ALL means every group.  Called with
 *	preemption disabled.  Optional: VMX reloads everything on VMPTRLD.
 *
 * A backend must provide at least one way to migrate a context between
 * CPUs: @clear (the copy on the old CPU is written back and deactivated)
 * or @mark_dirty (the new CPU must not trust cached state).
 */
struct nested_vendor_ops {
	const char *name;
	void (*flush_tag)(struct nested_ctx *ctx, enum nested_flush how);
	void (*load)(struct nested_ctx *ctx);
	void (*clear)(struct nested_ctx *ctx);
	void (*emergency_clear)(struct nested_ctx *ctx);
	void (*mark_dirty)(struct nested_ctx *ctx, u32 groups);
};

int nested_vendor_register(const struct nested_vendor_ops *ops);
void nested_vendor_unregister(const struct nested_vendor_ops *ops);
bool nested_vendor_registered(void);

#endif /* _NESTED_VENDOR_H */

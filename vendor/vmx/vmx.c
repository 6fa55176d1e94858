// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX backend: what only VMX has.
 *
 * DOC: VMX backend
 *
 * A VMCS is a page whose first word is the revision identifier.  It is
 * made current with VMPTRLD (only if it is not already this CPU's current
 * VMCS) and written back and deactivated with VMCLEAR, which the core runs
 * on the CPU where it is active.  VPIDs come from one tag space for L1
 * (vmcs01) and L2 (each vmcs02); a context on VPID 0 (VPID disabled, or
 * the space exhausted) needs no flush, because hardware flushes VPID 0 on
 * every VM-entry and VM-exit.  A flush of a tag uses INVVPID
 * single-context, falling back to all-context when the processor lacks it;
 * a flush of everything uses all-context, or without it single-context on
 * the context's VPID, the only one its TLB entries can carry.
 *
 * KVM executes VMCLEAR and VMPTRLD itself (its fault handling, its error
 * reports, the enlightened VMCS of Hyper-V) and passes them in with the
 * capabilities: the backend has no copy of its own.  It decides when they
 * run and keeps the one per-CPU record of the current VMCS,
 * nested_vmx_current_vmcs.  A shadow
 * VMCS linked from a context (&nested_ctx.shadow_vmcs) becomes active on
 * the context's CPU with the first VM-entry, so it is cleared with a
 * launched context, and always on the emergency path, where a transient
 * load (nested_vmx_load_shadow()) may have been interrupted.
 */

#define pr_fmt(fmt) "nested: vmx: " fmt

/*
 * First: UML's <sysdep/ptrace_64.h> defines HOST_FS_BASE and friends as
 * macros, which must not reach the VMCS field enum of <asm/vmx.h>.
 */
#include <asm/vmx.h>

#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/static_call.h>
#include <linux/mm.h>

#include <nested/ctx.h>
#include <nested/vendor.h>
#include <nested/vmx.h>

#include "hw.h"

static struct nested_vmx_caps vmx_caps;
static struct tlb_tags vmx_vpids;
static bool vmx_registered;

DEFINE_PER_CPU(struct vmcs *, nested_vmx_current_vmcs);
EXPORT_PER_CPU_SYMBOL_GPL(nested_vmx_current_vmcs);

/* The caller's instructions, called directly once registered. */
DEFINE_STATIC_CALL_NULL(nested_vmx_vmclear,
			*(((struct nested_vmx_insns *)0)->vmclear));
DEFINE_STATIC_CALL_NULL(nested_vmx_vmptrld,
			*(((struct nested_vmx_insns *)0)->vmptrld));

static void vmx_vmclear(struct vmcs *vmcs)
{
	static_call(nested_vmx_vmclear)(vmcs);
}

static void vmx_vmptrld(struct vmcs *vmcs)
{
	static_call(nested_vmx_vmptrld)(vmcs);
}

static void vmx_nested_load(struct nested_ctx *ctx)
{
	if (this_cpu_read(nested_vmx_current_vmcs) == ctx->vmcs)
		return;
	this_cpu_write(nested_vmx_current_vmcs, ctx->vmcs);
	vmx_vmptrld(ctx->vmcs);
}

static void vmx_nested_clear(struct nested_ctx *ctx)
{
	if (this_cpu_read(nested_vmx_current_vmcs) == ctx->vmcs)
		this_cpu_write(nested_vmx_current_vmcs, NULL);
	vmx_vmclear(ctx->vmcs);
	/* Only a VM-entry makes the shadow VMCS active behind our back. */
	if (ctx->shadow_vmcs && ctx->launched)
		vmx_vmclear(ctx->shadow_vmcs);
}

static void vmx_nested_emergency_clear(struct nested_ctx *ctx)
{
	vmx_vmclear(ctx->vmcs);
	if (ctx->shadow_vmcs)
		vmx_vmclear(ctx->shadow_vmcs);
}

static void vmx_nested_flush_tag(struct nested_ctx *ctx,
				 enum nested_flush how)
{
	u16 vpid = ctx->tag.hw;

	/* Untagged: hardware flushes on every transition. */
	if (!vpid)
		return;

	if (how == NESTED_FLUSH_TAG_NONGLOBAL &&
	    vmx_caps.invvpid_single_nonglobal)
		vmx_hw_invvpid(VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, vpid, 0);
	else if ((how != NESTED_FLUSH_ALL || !vmx_caps.invvpid_all) &&
		 vmx_caps.invvpid_single)
		vmx_hw_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
	else
		vmx_hw_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
}

static const struct nested_vendor_ops vmx_nested_ops = {
	.name		= "vmx",
	.flush_tag	= vmx_nested_flush_tag,
	.load		= vmx_nested_load,
	.clear		= vmx_nested_clear,
	.emergency_clear = vmx_nested_emergency_clear,
};

/**
 * nested_vmx_register() - Register the VMX backend.
 * @caps: What the processor supports; copied.
 *
 * Creates the VPID space [1, @caps->max_vpid] shared by L1 and L2
 * contexts, unless @caps->max_vpid is 0.
 *
 * Context: Process context.
 * Return: 0; -EINVAL if @caps->max_vpid exceeds 65535, VPIDs are enabled
 * without INVVPID single-context or all-context, or @caps->insns is NULL
 * or lacks an instruction;
 * -ENOMEM; -EEXIST if a backend is registered.
 */
int nested_vmx_register(const struct nested_vmx_caps *caps)
{
	int ret;

	if (caps->max_vpid > TLB_TAGS_MAX ||
	    (caps->max_vpid && !caps->invvpid_single && !caps->invvpid_all))
		return -EINVAL;
	if (!caps->insns || !caps->insns->vmclear || !caps->insns->vmptrld)
		return -EINVAL;

	if (vmx_registered)
		return -EEXIST;

	vmx_caps = *caps;
	static_call_update(nested_vmx_vmclear, caps->insns->vmclear);
	static_call_update(nested_vmx_vmptrld, caps->insns->vmptrld);
	if (caps->max_vpid) {
		ret = tlb_tags_init(&vmx_vpids, "vpid", 1, caps->max_vpid,
				    NULL);
		if (ret)
			goto fail;
	}
	ret = nested_vendor_register(&vmx_nested_ops);
	if (ret) {
		if (caps->max_vpid)
			tlb_tags_destroy(&vmx_vpids);
		goto fail;
	}
	vmx_registered = true;
	return 0;

fail:
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	return ret;
}
EXPORT_SYMBOL_GPL(nested_vmx_register);

/**
 * nested_vmx_unregister() - Unregister the VMX backend.
 *
 * Every context and VPID must have been freed.  Does nothing if the
 * backend is not registered, so that a vendor module can call it on
 * every teardown path.
 *
 * Context: Process context.
 */
void nested_vmx_unregister(void)
{
	if (!vmx_registered)
		return;
	vmx_registered = false;
	nested_vendor_unregister(&vmx_nested_ops);
	if (vmx_caps.max_vpid)
		tlb_tags_destroy(&vmx_vpids);
	vmx_caps.max_vpid = 0;
	vmx_caps.insns = NULL;
}
EXPORT_SYMBOL_GPL(nested_vmx_unregister);

/**
 * nested_vmx_vpids() - The VPID space of the registered VMX backend.
 *
 * VPIDs for L1 (vmcs01) and for each L2 context (vmcs02) are allocated
 * from it.
 *
 * Context: Any context, while the backend is registered.
 * Return: The space, or NULL if VPIDs are disabled.
 */
struct tlb_tags *nested_vmx_vpids(void)
{
	return vmx_caps.max_vpid ? &vmx_vpids : NULL;
}
EXPORT_SYMBOL_GPL(nested_vmx_vpids);

/**
 * nested_vmx_load_shadow() - Make a context's shadow VMCS current for a while.
 * @ctx: The context with a &nested_ctx.shadow_vmcs.
 *
 * For reading or writing the shadow VMCS with VMREAD/VMWRITE: the shadow
 * VMCS becomes this CPU's current VMCS until nested_vmx_put_shadow().
 * @ctx itself need not be loaded here (KVM may be running L2 on this CPU
 * while vmcs01 was last loaded on another), but the shadow VMCS must not be
 * active on another CPU: it may be only where @ctx entered a guest since
 * its last clear.
 *
 * Context: Preemption disabled.
 */
void nested_vmx_load_shadow(struct nested_ctx *ctx)
{
	lockdep_assert_preemption_disabled();

	this_cpu_write(nested_vmx_current_vmcs, ctx->shadow_vmcs);
	vmx_vmptrld(ctx->shadow_vmcs);
}
EXPORT_SYMBOL_GPL(nested_vmx_load_shadow);

/**
 * nested_vmx_put_shadow() - End a nested_vmx_load_shadow().
 * @ctx: The context whose shadow VMCS was made current.
 *
 * Clears the shadow VMCS, so that it is inactive again until @ctx enters a
 * guest; this CPU then has no current VMCS until the next
 * nested_ctx_load(), which the caller makes before its next VMREAD.
 *
 * Context: Preemption disabled, on the CPU of nested_vmx_load_shadow().
 */
void nested_vmx_put_shadow(struct nested_ctx *ctx)
{
	lockdep_assert_preemption_disabled();

	vmx_vmclear(ctx->shadow_vmcs);
	this_cpu_write(nested_vmx_current_vmcs, NULL);
}
EXPORT_SYMBOL_GPL(nested_vmx_put_shadow);

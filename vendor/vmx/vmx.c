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
 * single-context, falling back to all-context when the processor lacks it.
 */

#define pr_fmt(fmt) "nested: vmx: " fmt

/*
 * First: UML's <sysdep/ptrace_64.h> defines HOST_FS_BASE and friends as
 * macros, which must not reach the VMCS field enum of <asm/vmx.h>.
 */
#include <asm/vmx.h>

#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/mm.h>

#include <nested/ctx.h>
#include <nested/vendor.h>
#include <nested/vmx.h>

#include "hw.h"

static struct nested_vmx_caps vmx_caps;
static struct tlb_tags vmx_vpids;
static bool vmx_registered;
static DEFINE_PER_CPU(void *, vmx_current_vmcs);

static int vmx_nested_alloc(struct nested_ctx *ctx, gfp_t gfp)
{
	void *vmcs = (void *)__get_free_page(gfp | __GFP_ZERO);

	if (!vmcs)
		return -ENOMEM;
	*(u32 *)vmcs = vmx_caps.revision_id;
	ctx->ptr = vmcs;
	ctx->pa = __pa(vmcs);
	/* A new VMCS region starts with its launch state clear. */
	vmx_hw_vmclear(ctx->pa);
	return 0;
}

static void vmx_nested_free(struct nested_ctx *ctx)
{
	free_page((unsigned long)ctx->ptr);
}

static void vmx_nested_load(struct nested_ctx *ctx)
{
	if (this_cpu_read(vmx_current_vmcs) == ctx->ptr)
		return;
	this_cpu_write(vmx_current_vmcs, ctx->ptr);
	vmx_hw_vmptrld(ctx->pa);
}

static void vmx_nested_clear(struct nested_ctx *ctx)
{
	if (this_cpu_read(vmx_current_vmcs) == ctx->ptr)
		this_cpu_write(vmx_current_vmcs, NULL);
	vmx_hw_vmclear(ctx->pa);
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
	else if (how != NESTED_FLUSH_ALL && vmx_caps.invvpid_single)
		vmx_hw_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
	else
		vmx_hw_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
}

static const struct nested_vendor_ops vmx_nested_ops = {
	.name		= "vmx",
	.alloc		= vmx_nested_alloc,
	.free		= vmx_nested_free,
	.flush_tag	= vmx_nested_flush_tag,
	.load		= vmx_nested_load,
	.clear		= vmx_nested_clear,
};

/**
 * nested_vmx_register() - Register the VMX backend.
 * @caps: What the processor supports; copied.
 *
 * Creates the VPID space [1, @caps->max_vpid] shared by L1 and L2
 * contexts, unless @caps->max_vpid is 0.
 *
 * Context: Process context.
 * Return: 0; -EINVAL if @caps->max_vpid exceeds 65535 or VPIDs are enabled
 * without INVVPID all-context; -ENOMEM; -EEXIST if a backend is
 * registered.
 */
int nested_vmx_register(const struct nested_vmx_caps *caps)
{
	int ret;

	if (caps->max_vpid > TLB_TAGS_MAX ||
	    (caps->max_vpid && !caps->invvpid_all))
		return -EINVAL;

	vmx_caps = *caps;
	if (caps->max_vpid) {
		ret = tlb_tags_init(&vmx_vpids, "vpid", 1, caps->max_vpid,
				    NULL);
		if (ret)
			return ret;
	}
	ret = nested_vendor_register(&vmx_nested_ops);
	if (ret && caps->max_vpid)
		tlb_tags_destroy(&vmx_vpids);
	vmx_registered = !ret;
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

// SPDX-License-Identifier: GPL-2.0
/*
 * The SVM backend: what only SVM has.
 *
 * DOC: SVM backend
 *
 * A VMCB is a zeroed page; VMRUN names it by physical address, so there is
 * nothing to load or clear.  What the processor may cache of a VMCB is
 * governed by the clean field: a group whose bit is set may be taken from
 * the cache, so the backend clears a group's bit whenever software changes
 * it, clears them all when the VMCB last ran elsewhere (the core's
 * migration rule), sets them all after a VMRUN except INTR and CR2, which
 * are written before every run, and honours L1's clean bits when it
 * prepares vmcb02 from a vmcb12 it has seen at the same address.
 *
 * ASIDs come from one tag space for L1 (one per VM) and L2 (one per L2
 * context).  The processor's highest ASID stays out of the space: it is
 * the shared fallback of contexts that found the space exhausted, flushed
 * on every VMRUN.  A flush is TLB_CONTROL 3 (this ASID) or 7 (its
 * non-global entries) when FLUSHBYASID exists, else 1 (every ASID).
 */

#define pr_fmt(fmt) "nested: svm: " fmt

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/mem_encrypt.h>
#include <asm/svm.h>

#include <nested/ctx.h>
#include <nested/svm.h>
#include <nested/vendor.h>

#include "hw.h"

/*
 * The groups of a vmcb12 that are copied to vmcb02: not L1's ASID, AVIC
 * or software group, which are KVM's own in vmcb02.
 */
#define SVM_VMCB12_GROUPS \
	(VMCB_ALL_CLEAN_MASK & ~(BIT(VMCB_ASID) | BIT(VMCB_AVIC) | \
				 BIT(VMCB_SW)))

static struct nested_svm_caps svm_caps;
static struct tlb_tags svm_asids;
static bool svm_registered;

static void svm_nested_mark_dirty(struct nested_ctx *ctx, u32 groups)
{
	struct vmcb *vmcb = ctx->ptr;

	svm_hw_set_clean(vmcb, vmcb->control.clean & ~groups);
}

static void svm_nested_flush_tag(struct nested_ctx *ctx,
				 enum nested_flush how)
{
	struct vmcb *vmcb = ctx->ptr;
	u8 ctl;

	if (!svm_caps.flushbyasid)
		ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	else if (how == NESTED_FLUSH_TAG_NONGLOBAL)
		ctl = TLB_CONTROL_FLUSH_ASID_LOCAL;
	else if (how == NESTED_FLUSH_TAG || !ctx->tag.hw)
		/* The fallback ASID is a tag of its own: flush just it. */
		ctl = TLB_CONTROL_FLUSH_ASID;
	else
		ctl = TLB_CONTROL_FLUSH_ALL_ASID;

	/* Never weaken a flush already requested for this VMRUN. */
	if (vmcb->control.tlb_ctl == TLB_CONTROL_FLUSH_ALL_ASID ||
	    (vmcb->control.tlb_ctl == TLB_CONTROL_FLUSH_ASID &&
	     ctl == TLB_CONTROL_FLUSH_ASID_LOCAL))
		return;
	svm_hw_set_tlb_ctl(vmcb, ctl);
}

static const struct nested_vendor_ops svm_nested_ops = {
	.name		= "svm",
	.flush_tag	= svm_nested_flush_tag,
	.mark_dirty	= svm_nested_mark_dirty,
};

/**
 * nested_svm_register() - Register the SVM backend.
 * @caps: What the processor supports; copied.
 *
 * Creates the ASID space [@caps->min_asid, @caps->max_asid - 1], capped at
 * 65535; ASID @caps->max_asid is the shared fallback.  A processor whose
 * ASIDs SEV takes up to @caps->max_asid - 1 gets an empty space: every
 * VMCB runs on the fallback, flushed at each VMRUN, as 6.12 ran them on
 * its one ASID left with a flush at each generation.
 *
 * Context: Process context.
 * Return: 0; -EEXIST if a backend is registered, before anything changes;
 * -EINVAL if @caps->min_asid is 0 or above @caps->max_asid; -ENOMEM.
 */
int nested_svm_register(const struct nested_svm_caps *caps)
{
	u32 top;
	int ret;

	if (svm_registered || nested_vendor_registered())
		return -EEXIST;
	if (!caps->min_asid || caps->min_asid > caps->max_asid)
		return -EINVAL;

	svm_caps = *caps;
	top = min_t(u32, caps->max_asid - 1, TLB_TAGS_MAX);
	ret = tlb_tags_init(&svm_asids, "asid", caps->min_asid, top, NULL);
	if (ret)
		return ret;
	ret = nested_vendor_register(&svm_nested_ops);
	if (ret)
		tlb_tags_destroy(&svm_asids);
	else
		svm_registered = true;
	return ret;
}
EXPORT_SYMBOL_GPL(nested_svm_register);

/**
 * nested_svm_unregister() - Unregister the SVM backend.
 *
 * Every context and ASID must have been freed.  Does nothing if the
 * backend is not registered, so that a vendor module can call it on
 * every teardown path.
 *
 * Context: Process context.
 */
void nested_svm_unregister(void)
{
	if (!svm_registered)
		return;
	svm_registered = false;
	nested_vendor_unregister(&svm_nested_ops);
	tlb_tags_destroy(&svm_asids);
}
EXPORT_SYMBOL_GPL(nested_svm_unregister);

/**
 * nested_svm_asids() - The ASID space of the registered SVM backend.
 *
 * One ASID per L1 VM and one per L2 context are allocated from it.
 *
 * Context: Any context, while the backend is registered.
 * Return: The space.
 */
struct tlb_tags *nested_svm_asids(void)
{
	return &svm_asids;
}
EXPORT_SYMBOL_GPL(nested_svm_asids);

/**
 * nested_svm_pre_run() - Program the VMCB's ASID and TLB_CONTROL for VMRUN.
 * @ctx: The context about to run, loaded on this CPU.
 *
 * Sets the ASID field to the context's tag (the shared fallback ASID if it
 * has none), then lets the core decide the flush (nested_ctx_prepare_entry()).
 *
 * Context: Interrupts disabled, immediately before VMRUN.
 * Return: true if the VMRUN flushes the ASID (or every ASID), for KVM's
 * statistics.
 */
bool nested_svm_pre_run(struct nested_ctx *ctx)
{
	struct vmcb *vmcb = ctx->ptr;
	u32 asid = ctx->tag.hw ?: svm_caps.max_asid;

	if (vmcb->control.asid != asid) {
		svm_hw_set_asid(vmcb, asid);
		svm_nested_mark_dirty(ctx, BIT(VMCB_ASID));
	}
	return nested_ctx_prepare_entry(ctx);
}
EXPORT_SYMBOL_GPL(nested_svm_pre_run);

/**
 * nested_svm_post_run() - Update the VMCB after a successful VMRUN.
 * @ctx: The context that ran.
 *
 * The requested flush is done and everything the processor loaded may be
 * cached from now on, except INTR and CR2, which are written before every
 * VMRUN.
 *
 * Context: Interrupts disabled, after #VMEXIT.
 */
void nested_svm_post_run(struct nested_ctx *ctx)
{
	struct vmcb *vmcb = ctx->ptr;

	svm_hw_set_tlb_ctl(vmcb, TLB_CONTROL_DO_NOTHING);
	svm_hw_set_clean(vmcb, VMCB_ALL_CLEAN_MASK & ~VMCB_ALWAYS_DIRTY_MASK);
	nested_ctx_entered(ctx);
}
EXPORT_SYMBOL_GPL(nested_svm_post_run);

/**
 * nested_svm_vmcb12_groups() - Which groups of vmcb12 to copy to vmcb02.
 * @same_vmcb12: vmcb02 was last prepared from this vmcb12, at this
 *	address, on this vCPU (a context pool hit).
 * @vmcb12_clean: The clean field of vmcb12, as L1 set it.
 *
 * L1 follows the same rule as KVM: it clears a group's clean bit when it
 * changes the group.  So when vmcb02 was built from this very vmcb12, only
 * the groups L1 marked dirty need copying; otherwise everything does.
 * L1's ASID and AVIC groups are never copied: vmcb02 has KVM's own.
 *
 * Context: Any context.
 * Return: A mask of BIT(&enum vmcb_clean) groups.
 */
u32 nested_svm_vmcb12_groups(bool same_vmcb12, u32 vmcb12_clean)
{
	if (!same_vmcb12)
		return SVM_VMCB12_GROUPS;
	return ~vmcb12_clean & SVM_VMCB12_GROUPS;
}
EXPORT_SYMBOL_GPL(nested_svm_vmcb12_groups);

/**
 * nested_svm_copy_vmcb12() - Copy groups of vmcb12 into vmcb02.
 * @vmcb02: The L2 context.
 * @vmcb12: L1's VMCB (KVM's cached copy of it).
 * @groups: From nested_svm_vmcb12_groups().
 *
 * Each copied group is marked dirty in vmcb02.
 *
 * Context: The vCPU's own context.
 */
void nested_svm_copy_vmcb12(struct nested_ctx *vmcb02,
			    const struct vmcb *vmcb12, u32 groups)
{
	unsigned long mask = groups;
	unsigned int group;

	for_each_set_bit(group, &mask, VMCB_NR_GROUPS) {
		svm_hw_copy_group(vmcb02->ptr, vmcb12, group);
		svm_nested_mark_dirty(vmcb02, BIT(group));
	}
}
EXPORT_SYMBOL_GPL(nested_svm_copy_vmcb12);

// SPDX-License-Identifier: GPL-2.0
/*
 * Loaded contexts: loading, switching, clearing, CPU migration and the
 * VM-entry TLB decision, once for VMX and SVM.
 *
 * DOC: Loaded contexts
 *
 * A context is loaded on the CPU that is about to enter a guest with it.
 * Loading on the CPU it was last loaded on costs nothing but the backend's
 * load leaf (VMPTRLD if it is not already current).  Loading anywhere else
 * is a migration, handled here for both vendors: a backend with a clear
 * leaf (VMX) has the context cleared on its old CPU by a synchronous
 * cross-CPU call, after which it must be launched again; a backend that
 * tracks dirty state (SVM) gets every group marked dirty, because the new
 * CPU must not trust anything it may have cached.  Switching a vCPU
 * between its contexts (vmcs01/vmcs02, vmcb01/vmcb02) is a load of the
 * target, so nothing is marked dirty unless the target ran elsewhere:
 * VMX loads at the switch (vmx_switch_vmcs()), SVM before VMRUN
 * (pre_svm_run()).
 *
 * Contexts of a backend with a clear leaf sit on a per-CPU list while they
 * are active there, so that a CPU going offline, or a crash, can clear all
 * of them.  The ordering follows VMX's: a context is removed from its old
 * CPU's list and its @cpu reset there, before the new CPU adds it to its
 * own list (smp_wmb() in __nested_ctx_clear() pairs with smp_rmb() in
 * nested_ctx_load()).
 */

#define pr_fmt(fmt) "nested: " fmt

#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/static_call.h>
#include <kunit/visibility.h>

#include <nested/ctx.h>

#include "internal.h"

static DEFINE_PER_CPU(struct list_head, nested_loaded_ctxs);

void nested_ctx_cpu_lists_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(nested_loaded_ctxs, cpu));
}

/**
 * nested_ctx_init() - Initialise a context that is not loaded anywhere.
 * @ctx: The context; @ctx->ptr and @ctx->pa are left as they are, and
 *	@ctx->shadow_vmcs is reset to NULL.
 *
 * KVM allocates the control structure itself (a VMCS with its revision
 * identifier and a VMCLEAR, a VMCB), sets @ctx->ptr and @ctx->pa, and frees
 * it after nested_ctx_clear().
 *
 * Context: Any context.
 */
void nested_ctx_init(struct nested_ctx *ctx)
{
	ctx->cpu = -1;
	ctx->launched = false;
	ctx->flush_pending = false;
	ctx->tags = NULL;
	ctx->tag.hw = 0;
	ctx->tag.seq = 0;
	ctx->guest_tag = 0;
	tlb_tag_owner_init(&ctx->owner);
	INIT_LIST_HEAD(&ctx->cpu_link);
	ctx->shadow_vmcs = NULL;
}
EXPORT_SYMBOL_GPL(nested_ctx_init);

/**
 * nested_ctx_set_tag() - Give a context the TLB tag it enters guests with.
 * @ctx: The context.
 * @tags: The space @tag belongs to, NULL for none.
 * @tag: The tag (hw 0: the shared fallback, flushed on every entry).
 *
 * The first entry with a tag that is new to the context flushes it:
 * ownership records on each CPU do not match the new allocation.
 *
 * Context: The context is not in use by a running guest.
 */
void nested_ctx_set_tag(struct nested_ctx *ctx, struct tlb_tags *tags,
			const struct tlb_tag *tag)
{
	ctx->tags = tags;
	ctx->tag = *tag;
}
EXPORT_SYMBOL_IF_KUNIT(nested_ctx_set_tag);

/**
 * nested_ctx_share_tag() - Run a context with a tag taken on first use.
 * @ctx: The context.
 * @tags: The space @shared comes from.
 * @shared: The tag @ctx shares with others (L1's or L2's ASID of a VM,
 *	shared by its vCPUs): allocated by the first call, and by a later
 *	one if the space was exhausted at every call before.
 *
 * Called before each VM-entry that may be the first with @shared (SVM:
 * every KVM_RUN for L1, every nested VMRUN for L2), so that a VM holds no
 * tag it does not run with, and one on the fallback takes a tag of its
 * own as soon as the space has room.  @ctx takes the tag if it runs with
 * another one (its first entry then flushes, see nested_ctx_set_tag()).
 *
 * Context: Process context; may sleep while @shared has no tag.  @ctx is
 * not in use by a running guest.
 * Return: true if @ctx has a tag, false if it runs on the fallback.
 */
bool nested_ctx_share_tag(struct nested_ctx *ctx, struct tlb_tags *tags,
			  struct tlb_tag *shared)
{
	u32 hw = tlb_tags_get(tags, shared);

	if (ctx->tags != tags || ctx->tag.hw != hw ||
	    ctx->tag.seq != shared->seq)
		nested_ctx_set_tag(ctx, tags, shared);
	return hw;
}
EXPORT_SYMBOL_GPL(nested_ctx_share_tag);

/* Runs on ctx->cpu with interrupts disabled. */
static void __nested_ctx_clear(void *arg)
{
	struct nested_ctx *ctx = arg;
	int cpu = raw_smp_processor_id();

	lockdep_assert_irqs_disabled();

	/* Migrated by a racing load since the caller looked: not ours. */
	if (ctx->cpu != cpu)
		return;

	static_call(nested_op_clear)(ctx);
	list_del_init(&ctx->cpu_link);
	/*
	 * Off this CPU's list before cpu says "nowhere", or the next CPU
	 * could add it to its list while it is still on this one.
	 */
	smp_wmb();
	ctx->cpu = -1;
	ctx->launched = false;
}

/**
 * nested_ctx_clear() - Clear a context on the CPU where it is loaded.
 * @ctx: The context.
 *
 * With a clear leaf (VMX), the leaf runs on @ctx->cpu, by a synchronous
 * cross-CPU call if that is another CPU, and the context must next be
 * launched.  Without one (SVM) nothing is cached that needs writing back:
 * the context only forgets its CPU, so that its next load marks it dirty.
 *
 * Context: Process context, interrupts enabled.
 */
void nested_ctx_clear(struct nested_ctx *ctx)
{
	int cpu = READ_ONCE(ctx->cpu);

	if (cpu < 0)
		return;
	if (!nested_ops.clear) {
		ctx->cpu = -1;
		ctx->launched = false;
		return;
	}
	smp_call_function_single(cpu, __nested_ctx_clear, ctx, 1);
}
EXPORT_SYMBOL_GPL(nested_ctx_clear);

/**
 * nested_ctx_load() - Load a context on this CPU.
 * @ctx: The context.
 *
 * If @ctx was last loaded on another CPU it is migrated (see the DOC
 * section): cleared there or marked all-dirty.  The backend's load leaf
 * then makes it current.
 *
 * Context: Preemption disabled, interrupts enabled (a migration calls the
 * old CPU synchronously).
 * Return: true if the context was migrated or never loaded, false if it
 * was last loaded on this CPU.
 */
bool nested_ctx_load(struct nested_ctx *ctx)
{
	int cpu = smp_processor_id();
	bool moved = ctx->cpu != cpu;

	lockdep_assert_preemption_disabled();

	if (moved) {
		if (nested_ops.clear) {
			nested_ctx_clear(ctx);
			/* Pairs with smp_wmb() in __nested_ctx_clear(). */
			smp_rmb();
			local_irq_disable();
			list_add(&ctx->cpu_link,
				 this_cpu_ptr(&nested_loaded_ctxs));
			local_irq_enable();
		}
		static_call_cond(nested_op_mark_dirty)(ctx, NESTED_DIRTY_ALL);
		ctx->cpu = cpu;
	}
	static_call_cond(nested_op_load)(ctx);
	return moved;
}
EXPORT_SYMBOL_GPL(nested_ctx_load);

/**
 * nested_ctx_clear_cpu() - Clear every context loaded on this CPU.
 *
 * For a CPU going offline, and for disabling virtualization on it.
 *
 * Context: Interrupts disabled.
 */
void nested_ctx_clear_cpu(void)
{
	struct list_head *head = this_cpu_ptr(&nested_loaded_ctxs);
	struct nested_ctx *ctx, *tmp;

	list_for_each_entry_safe(ctx, tmp, head, cpu_link)
		__nested_ctx_clear(ctx);
}
EXPORT_SYMBOL_GPL(nested_ctx_clear_cpu);

/**
 * nested_ctx_emergency_clear_cpu() - Clear this CPU's contexts on a crash.
 *
 * For the crash and emergency-reboot paths: calls the emergency_clear leaf
 * (the clear leaf if the backend has none) on every context loaded here,
 * and changes nothing else (no list update, no lock),
 * so that it is safe from NMI context on a CPU that was interrupted
 * anywhere.
 *
 * Context: Any context, including NMI.
 */
void nested_ctx_emergency_clear_cpu(void)
{
	struct list_head *head = this_cpu_ptr(&nested_loaded_ctxs);
	struct nested_ctx *ctx;

	if (!nested_ops.clear)
		return;
	list_for_each_entry(ctx, head, cpu_link) {
		if (nested_ops.emergency_clear)
			static_call(nested_op_emergency_clear)(ctx);
		else
			static_call(nested_op_clear)(ctx);
	}
}
EXPORT_SYMBOL_GPL(nested_ctx_emergency_clear_cpu);

/**
 * nested_ctx_request_flush() - Owe a flush of a context's TLB tag.
 * @ctx: The context.
 *
 * For flushes that must reach a context that is not the one running: a
 * remote TLB flush reaches both L1's and L2's tags, and an INVVPID or
 * INVLPGA emulated for L1 targets L2's.  The flush is issued on the next
 * VM-entry with @ctx, by nested_ctx_prepare_entry(), and is never dropped
 * before then.
 *
 * Context: Any context; the vCPU owning @ctx is not entering a guest
 * concurrently.
 */
void nested_ctx_request_flush(struct nested_ctx *ctx)
{
	ctx->flush_pending = true;
}
EXPORT_SYMBOL_GPL(nested_ctx_request_flush);

/**
 * nested_ctx_prepare_entry() - Decide the TLB flush for a VM-entry.
 * @ctx: The context about to enter a guest on this CPU.
 *
 * Flushes the context's tag, through the backend's flush_tag leaf, if a
 * flush is pending or tag ownership requires it (another owner or another
 * allocation of the tag ran here since, or the context ran on another
 * CPU since).  A context on the shared fallback tag is flushed every time,
 * with a flush of all tags.
 *
 * Nothing is recorded here: the pending flush and the ownership of the
 * tag change hands in nested_ctx_entered(), once the guest was entered.
 * A VM-entry that fails before the guest runs (a VMRUN that fails its
 * consistency checks) may never have carried out the flush, so the next
 * attempt decides, and flushes, again.
 *
 * Context: Interrupts disabled, immediately before VM-entry.
 * Return: true if a flush was requested.
 */
bool nested_ctx_prepare_entry(struct nested_ctx *ctx)
{
	bool flush = ctx->flush_pending;

	lockdep_assert_irqs_disabled();

	if (ctx->tags)
		flush |= tlb_tags_needs_flush(ctx->tags, &ctx->tag, &ctx->owner,
					      smp_processor_id());
	else
		flush = true;
	if (!flush)
		return false;

	static_call(nested_op_flush_tag)(ctx, ctx->tags && ctx->tag.hw ?
					 NESTED_FLUSH_TAG : NESTED_FLUSH_ALL);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nested_ctx_prepare_entry);

/**
 * nested_ctx_entered() - Record a VM-entry that entered the guest.
 * @ctx: The context.
 *
 * The flush nested_ctx_prepare_entry() requested was carried out: no flush
 * is pending any more, and on this CPU the tag is the context's.  After a
 * successful VMLAUNCH the context must be resumed, not launched.  Not
 * called for a VM-entry that failed before entering the guest.
 *
 * Context: Interrupts disabled, after the VM-exit, on the CPU of the
 * VM-entry.
 */
void nested_ctx_entered(struct nested_ctx *ctx)
{
	int cpu = smp_processor_id();

	ctx->launched = true;
	ctx->flush_pending = false;
	if (ctx->tags &&
	    tlb_tags_needs_flush(ctx->tags, &ctx->tag, &ctx->owner, cpu))
		tlb_tags_ran(ctx->tags, &ctx->tag, &ctx->owner, cpu);
}
EXPORT_SYMBOL_GPL(nested_ctx_entered);

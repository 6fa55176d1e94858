/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loaded contexts: one hardware control structure (a VMCS or a VMCB) and
 * what the layer tracks about it.
 */
#ifndef _NESTED_CTX_H
#define _NESTED_CTX_H

#include <linux/list.h>
#include <linux/types.h>

#include <nested/tlbtags.h>

struct vmcb;
struct vmcs;

/**
 * struct nested_ctx - A VMCS or VMCB, and where it was last loaded.
 * @ptr: The control structure, as KVM allocated it.
 * @vmcb: @ptr seen as a VMCB, for the SVM backend and KVM's SVM code.
 * @vmcs: @ptr seen as a VMCS, for the VMX backend and KVM's VMX code.
 * @pa: Its physical address, in the form hardware is given (for SVM with
 *	the SME C-bit set).  Read by KVM's VM-entry assembly through an
 *	asm-offsets entry for offsetof(struct nested_ctx, pa).
 * @cpu: CPU the context was last loaded on, or -1 if it was cleared or
 *	never loaded.  For a backend with a clear leaf (VMX) the context is
 *	active on that CPU until cleared.
 * @launched: The context entered a guest since it was last cleared or
 *	allocated: VMX must VMRESUME rather than VMLAUNCH it.
 * @flush_pending: Its TLB tag must be flushed before the next VM-entry
 *	with it, whatever tag ownership says; set by
 *	nested_ctx_request_flush() and cleared only when the flush is issued.
 * @tags: Space @tag was allocated from, or NULL if the context has no tag.
 * @tag: The TLB tag it enters guests with (hw 0: the shared fallback).
 * @owner: Its identity for tag ownership: each context is a distinct owner.
 * @guest_tag: For an L2 context, the tag L1 last gave this L2 (vmcs12 VPID
 *	or vmcb12 ASID); 0 until the first nested VM-entry.
 * @cpu_link: On the per-CPU list of loaded contexts while @cpu >= 0, for
 *	backends with a clear leaf.
 * @shadow_vmcs: VMX only: the shadow VMCS named by this VMCS's link
 *	pointer, or NULL.  A VM-entry with VMCS shadowing makes it active on
 *	@cpu as well, so the backend clears it together with a launched
 *	context, and always on the emergency path.  Set and reset by the
 *	context's user while the context is not running a guest.
 *
 * KVM embeds the context in its own per-VMCS/VMCB structure; nothing on the
 * VM-entry path goes through an extra pointer to reach it.  For SVM the
 * dirty state (the VMCB clean bits) lives in the VMCB itself.
 */
struct nested_ctx {
	union {
		void *ptr;
		struct vmcb *vmcb;
		struct vmcs *vmcs;
	};
	u64 pa;
	int cpu;
	bool launched;
	bool flush_pending;
	struct tlb_tags *tags;
	struct tlb_tag tag;
	struct tlb_tag_owner owner;
	u32 guest_tag;
	struct list_head cpu_link;
	struct vmcs *shadow_vmcs;
};

void nested_ctx_init(struct nested_ctx *ctx);
void nested_ctx_set_tag(struct nested_ctx *ctx, struct tlb_tags *tags,
			const struct tlb_tag *tag);
bool nested_ctx_share_tag(struct nested_ctx *ctx, struct tlb_tags *tags,
			  struct tlb_tag *shared);

bool nested_ctx_load(struct nested_ctx *ctx);
void nested_ctx_clear(struct nested_ctx *ctx);
void nested_ctx_clear_cpu(void);
void nested_ctx_emergency_clear_cpu(void);

void nested_ctx_request_flush(struct nested_ctx *ctx);
bool nested_ctx_prepare_entry(struct nested_ctx *ctx);
void nested_ctx_entered(struct nested_ctx *ctx);

/**
 * struct nested_transition - What a nested VM-entry or VM-exit is.
 * @entry: true for a nested VM-entry (L1 runs L2), false for a VM-exit.
 * @shared_tag: L1 and L2 share one TLB tag: no separate tag could be
 *	allocated for L2, or L1 runs L2 without VPID, so architecturally L1
 *	and L2 share VPID 0.
 * @guest_tag: On entry, the tag L1 gives L2 (vmcs12 VPID, vmcb12 ASID).
 * @l1_flush: On entry, L1 asked to flush L2's tag (vmcb12 TLB_CONTROL
 *	other than DO_NOTHING).
 * @l1_flush_all: On entry, L1 asked to flush every tag, its own included
 *	(vmcb12 TLB_CONTROL FLUSH_ALL_ASID): L1's context is flushed as well
 *	before L1 runs again.
 * @flush_syncs_mmu: A flush of L2's tag must also resynchronize KVM's
 *	shadow of L2's translations: true for SVM, where flushing an ASID
 *	also drops guest-physical mappings (nested NPT), and whenever L2
 *	runs on shadow paging.
 */
struct nested_transition {
	bool entry;
	bool shared_tag;
	u32 guest_tag;
	bool l1_flush;
	bool l1_flush_all;
	bool flush_syncs_mmu;
};

/**
 * enum nested_transition_action - What a nested transition requires.
 * @NESTED_TX_FLUSH: The target context's tag is flushed before the next
 *	VM-entry (already recorded in its &nested_ctx.flush_pending).
 * @NESTED_TX_SYNC_MMU: KVM must resynchronize its shadow MMU roots for
 *	the target before entering (KVM_REQ_MMU_SYNC).
 */
enum nested_transition_action {
	NESTED_TX_FLUSH		= BIT(0),
	NESTED_TX_SYNC_MMU	= BIT(1),
};

unsigned int nested_transition(struct nested_ctx *from, struct nested_ctx *to,
			       const struct nested_transition *tx);

#endif /* _NESTED_CTX_H */

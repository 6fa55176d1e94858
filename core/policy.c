// SPDX-License-Identifier: GPL-2.0
/*
 * The nested-transition TLB policy, once for VMX and SVM.
 *
 * DOC: Nested transition policy
 *
 * On a nested VM-entry or VM-exit the backend describes the transition
 * (struct nested_transition) and nested_transition() decides whether the
 * target context's tag must be flushed and whether KVM's shadow of the
 * target's translations must be resynchronized.  What it does not decide
 * here is decided at the VM-entry itself by nested_ctx_prepare_entry():
 * tag ownership on the CPU and flushes owed from elsewhere.
 *
 * =============================  =======  ===========================
 * transition                     flush    sync MMU
 * =============================  =======  ===========================
 * L1 and L2 share a tag          yes      if flush_syncs_mmu
 * entry, L1 changed L2's tag     yes      if flush_syncs_mmu
 * entry, L1 asked for a flush    yes      if flush_syncs_mmu
 * entry, L1 flushes every tag    yes (*)  if flush_syncs_mmu
 * entry, otherwise               no       no
 * exit, separate tags            no       no
 * =============================  =======  ===========================
 *
 * (*) L1's own context is flushed as well: a flush of every ASID (vmcb12
 * TLB_CONTROL 1) reaches the tag L1 runs with, as it did in 6.12, where
 * both transitions flushed the one ASID L1 and L2 shared.
 *
 * A decided flush is recorded in the target's flush_pending, where only
 * the flush itself clears it: a later transition that needs none cannot
 * cancel it.
 */

#include <linux/export.h>

#include <nested/ctx.h>

/**
 * nested_transition() - Decide the TLB work of a nested transition.
 * @from: The context the vCPU leaves (L1's on entry, L2's on exit).
 * @to: The context the vCPU enters next (L2's on entry, L1's on exit).
 * @tx: The transition.
 *
 * Records a decided flush in @to (see nested_ctx_request_flush()), and in
 * @from for an entry that flushes every tag, and, on entry, the tag L1
 * gave L2, against which the next entry is compared.
 *
 * Context: The vCPU's own context, before the VM-entry with @to.
 * Return: A mask of &enum nested_transition_action.
 */
unsigned int nested_transition(struct nested_ctx *from, struct nested_ctx *to,
			       const struct nested_transition *tx)
{
	bool flush = tx->shared_tag;

	if (tx->entry) {
		flush |= tx->l1_flush || tx->l1_flush_all ||
			 tx->guest_tag != to->guest_tag;
		to->guest_tag = tx->guest_tag;
		if (tx->l1_flush_all)
			nested_ctx_request_flush(from);
	}
	if (!flush)
		return 0;

	nested_ctx_request_flush(to);
	return NESTED_TX_FLUSH | (tx->flush_syncs_mmu ? NESTED_TX_SYNC_MMU : 0);
}
EXPORT_SYMBOL_GPL(nested_transition);

// SPDX-License-Identifier: GPL-2.0
/*
 * The SVM sections of the nested state v2 container.
 *
 * DOC: SVM nested state sections
 *
 * Outside guest mode SVM has only its flags to save (GIF, SMM).  In guest
 * mode it saves, as Levitsky's v2 proposal asks, L1's save area as it was
 * before VMRUN (not stitched into the VMCB12 image), the control registers
 * as L1 sees them, and the whole VMCB12, control and save areas; L2's
 * registers are then in the VMCB12 image instead of travelling separately.
 * The VMCB-format payloads are copied byte for byte: the VMCB is a
 * little-endian memory structure by architecture.
 */

#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <asm/msr-index.h>
#include <asm/svm.h>

#include <nested/state.h>

static_assert(sizeof(struct vmcb_save_area) == NESTED_STATE_SVM_L1_SAVE_SIZE);
static_assert(sizeof(struct vmcb) <= NESTED_STATE_PAGE_SIZE);

/* The semantic rules shared by the encoder and the decoder. */
static int nested_svm_state_check(u64 flags, u64 l1_efer)
{
	if (flags & ~NESTED_SVM_F_ALL)
		return -EINVAL;
	if ((flags & NESTED_SVM_F_RUN_PENDING) &&
	    !(flags & NESTED_SVM_F_GUEST_MODE))
		return -EINVAL;
	if ((flags & NESTED_SVM_F_SMM_GUEST_MODE) &&
	    !(flags & NESTED_SVM_F_SMM))
		return -EINVAL;
	/* SMM is entered by a nested VM-exit: never in guest mode. */
	if ((flags & NESTED_SVM_F_GUEST_MODE) && (flags & NESTED_SVM_F_SMM))
		return -EINVAL;
	if ((flags & NESTED_SVM_F_GUEST_MODE) && !(l1_efer & EFER_SVME))
		return -EINVAL;
	return 0;
}

/**
 * nested_svm_state_encode() - Build a container from SVM nested state.
 * @state: The state; the guest-mode fields are ignored outside guest mode.
 * @buf: Destination, or NULL with @len 0 to query the size.
 * @len: Size of @buf in bytes.
 * @size: Set to the size of the container, also when it does not fit.
 *
 * Writes the flags section and, in guest mode, the L1 save area, L1
 * control registers and VMCB12 sections, all marked required.
 *
 * Return: 0 on success; -EINVAL if @state breaks a rule of
 * nested_svm_state_decode(); -E2BIG if the container does not fit in @len.
 */
int nested_svm_state_encode(const struct nested_svm_state *state, void *buf,
			    size_t len, size_t *size)
{
	struct nested_state_section secs[4];
	struct nested_state_svm_flags f;
	struct nested_state_svm_l1_crs crs;
	unsigned int nr = 0;
	int ret;

	ret = nested_svm_state_check(state->flags, state->l1_efer);
	if (ret)
		return ret;

	f.flags = cpu_to_le64(state->flags);
	secs[nr++] = (struct nested_state_section) {
		NESTED_STATE_SEC_SVM_FLAGS, NESTED_STATE_SEC_REQUIRED,
		sizeof(f), &f };
	if (state->flags & NESTED_SVM_F_GUEST_MODE) {
		crs.cr0 = cpu_to_le64(state->l1_cr0);
		crs.cr3 = cpu_to_le64(state->l1_cr3);
		crs.cr4 = cpu_to_le64(state->l1_cr4);
		crs.efer = cpu_to_le64(state->l1_efer);
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_L1_SAVE, NESTED_STATE_SEC_REQUIRED,
			sizeof(state->l1_save), &state->l1_save };
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_L1_CRS, NESTED_STATE_SEC_REQUIRED,
			sizeof(crs), &crs };
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_VMCB12, NESTED_STATE_SEC_REQUIRED,
			sizeof(state->vmcb12), state->vmcb12 };
	}
	return nested_state_encode(secs, nr, buf, len, size);
}
EXPORT_SYMBOL_GPL(nested_svm_state_encode);

/**
 * nested_svm_state_decode() - Check and extract SVM nested state.
 * @view: A view filled by nested_state_parse().
 * @state: Filled on success (guest-mode fields zero outside guest mode),
 *         untouched on error.
 *
 * Everything is checked before @state is written.
 *
 * Return: 0 on success; -EINVAL if the flags section is missing, a VMX
 * section is present, the flags have undefined bits, RUN_PENDING is set
 * outside guest mode, SMM_GUEST_MODE without SMM, GUEST_MODE with SMM, the
 * L1 save area, L1 control registers or VMCB12 section is present outside
 * guest mode or missing in guest mode, or L1's EFER lacks SVME in guest
 * mode.
 */
int nested_svm_state_decode(const struct nested_state_view *view,
			    struct nested_svm_state *state)
{
	const struct nested_state_svm_l1_crs *crs;
	u64 flags, efer = 0;
	bool guest;
	int ret, t;

	if (!view->data[NESTED_STATE_SEC_SVM_FLAGS])
		return -EINVAL;
	for (t = NESTED_STATE_SEC_VMX_FLAGS;
	     t <= NESTED_STATE_SEC_VMX_PREEMPTION_TIMER; t++)
		if (view->data[t])
			return -EINVAL;

	flags = get_unaligned_le64(view->data[NESTED_STATE_SEC_SVM_FLAGS]);
	guest = flags & NESTED_SVM_F_GUEST_MODE;
	if (!view->data[NESTED_STATE_SEC_SVM_L1_SAVE] != !guest ||
	    !view->data[NESTED_STATE_SEC_SVM_L1_CRS] != !guest ||
	    !view->data[NESTED_STATE_SEC_SVM_VMCB12] != !guest)
		return -EINVAL;
	crs = view->data[NESTED_STATE_SEC_SVM_L1_CRS];
	if (crs)
		efer = get_unaligned_le64(&crs->efer);
	ret = nested_svm_state_check(flags, efer);
	if (ret)
		return ret;

	memset(state, 0, sizeof(*state));
	state->flags = flags;
	if (guest) {
		memcpy(&state->l1_save, view->data[NESTED_STATE_SEC_SVM_L1_SAVE],
		       sizeof(state->l1_save));
		state->l1_cr0 = get_unaligned_le64(&crs->cr0);
		state->l1_cr3 = get_unaligned_le64(&crs->cr3);
		state->l1_cr4 = get_unaligned_le64(&crs->cr4);
		state->l1_efer = efer;
		memcpy(state->vmcb12, view->data[NESTED_STATE_SEC_SVM_VMCB12],
		       sizeof(state->vmcb12));
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nested_svm_state_decode);

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

/**
 * DOC: SVM legacy nested state
 *
 * Linux 6.12's SVM blob is the 128-byte header (flags, format, size and
 * VMCB12's address) and, in guest mode, one page laid out as a VMCB:
 * VMCB12's control area at 0 and, at 0x400, L1's save area as 6.12 keeps
 * it in vmcb01 while L2 runs, with L1's guest-visible CR0, CR3, CR4 and
 * EFER in it.  L2's registers are not in the blob: they travel through
 * KVM_SET_REGS, KVM_SET_SREGS and the other register ioctls, so the
 * converter from the legacy format takes L2's save area as an argument,
 * and what 6.12 reads from the vCPU (its EFER, SMM, MAXPHYADDR) as a
 * struct nested_legacy_ctx.  It applies every check 6.12's
 * svm_set_nested_state() makes, in the same order and with the same
 * errors, before it writes anything.
 */

#include <linux/align.h>
#include <linux/array_size.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <asm/kvm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>

#include <nested/state.h>

#include "../legacy.h"

/* Where the save area starts in a VMCB-format page. */
#define NESTED_SVM_SAVE_OFFSET	0x400
/* The sizes 6.12 checks the MSR and I/O permission map addresses with. */
#define NESTED_SVM_MSRPM_SIZE	(2 * NESTED_STATE_PAGE_SIZE)
#define NESTED_SVM_IOPM_SIZE	(3 * NESTED_STATE_PAGE_SIZE)
/* Size of a legacy blob in guest mode. */
#define NESTED_SVM_LEGACY_SIZE	(NESTED_LEGACY_HDR_SIZE + \
				 KVM_STATE_NESTED_SVM_VMCB_SIZE)

static_assert(offsetof(struct vmcb, save) == NESTED_SVM_SAVE_OFFSET);
static_assert(sizeof(struct vmcb_control_area) == NESTED_SVM_SAVE_OFFSET);

static_assert(sizeof(struct vmcb_save_area) == NESTED_STATE_SVM_L1_SAVE_SIZE);
static_assert(sizeof(struct vmcb) <= NESTED_STATE_PAGE_SIZE);
static_assert(NESTED_SVM_SAVE_OFFSET + NESTED_STATE_SVM_L1_SAVE_SIZE <=
	      NESTED_STATE_PAGE_SIZE);

/* The semantic rules shared by the encoder and the decoder. */
static int nested_svm_state_check(u64 flags, u64 l1_efer, u64 vmcb12_pa)
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
	if (!IS_ALIGNED(vmcb12_pa, NESTED_STATE_PAGE_SIZE))
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
 * control registers, VMCB12 and VMCB12 address sections, all marked
 * required.
 *
 * Return: 0 on success; -EINVAL if @state breaks a rule of
 * nested_svm_state_decode(); -E2BIG if the container does not fit in @len.
 */
int nested_svm_state_encode(const struct nested_svm_state *state, void *buf,
			    size_t len, size_t *size)
{
	struct nested_state_section secs[5];
	struct nested_state_svm_flags f;
	struct nested_state_svm_l1_crs crs;
	struct nested_state_svm_vmcb12_pa pa;
	bool guest = state->flags & NESTED_SVM_F_GUEST_MODE;
	unsigned int nr = 0;
	int ret;

	ret = nested_svm_state_check(state->flags, guest ? state->l1_efer : 0,
				     guest ? state->vmcb12_pa : 0);
	if (ret)
		return ret;

	f.flags = cpu_to_le64(state->flags);
	secs[nr++] = (struct nested_state_section) {
		NESTED_STATE_SEC_SVM_FLAGS, NESTED_STATE_SEC_REQUIRED,
		sizeof(f), &f };
	if (guest) {
		crs.cr0 = cpu_to_le64(state->l1_cr0);
		crs.cr3 = cpu_to_le64(state->l1_cr3);
		crs.cr4 = cpu_to_le64(state->l1_cr4);
		crs.efer = cpu_to_le64(state->l1_efer);
		pa.vmcb12_pa = cpu_to_le64(state->vmcb12_pa);
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_L1_SAVE, NESTED_STATE_SEC_REQUIRED,
			sizeof(state->l1_save), &state->l1_save };
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_L1_CRS, NESTED_STATE_SEC_REQUIRED,
			sizeof(crs), &crs };
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_VMCB12, NESTED_STATE_SEC_REQUIRED,
			sizeof(state->vmcb12), state->vmcb12 };
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_SVM_VMCB12_PA,
			NESTED_STATE_SEC_REQUIRED, sizeof(pa), &pa };
	}
	return nested_state_encode(secs, nr, buf, len, size);
}
EXPORT_SYMBOL_GPL(nested_svm_state_encode);

/**
 * nested_svm_state_max_size() - Largest container of SVM nested state.
 *
 * Return: the size of the container nested_svm_state_encode() writes for
 * a vCPU in guest mode, the largest it writes.
 */
size_t nested_svm_state_max_size(void)
{
	static const u16 types[] = {
		NESTED_STATE_SEC_SVM_FLAGS, NESTED_STATE_SEC_SVM_L1_SAVE,
		NESTED_STATE_SEC_SVM_L1_CRS, NESTED_STATE_SEC_SVM_VMCB12,
		NESTED_STATE_SEC_SVM_VMCB12_PA,
	};

	return nested_state_size(types, ARRAY_SIZE(types));
}
EXPORT_SYMBOL_GPL(nested_svm_state_max_size);

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
 * L1 save area, L1 control registers, VMCB12 or VMCB12 address section is
 * present outside guest mode or missing in guest mode, L1's EFER lacks
 * SVME in guest mode, or the VMCB12 address is not page-aligned.
 */
int nested_svm_state_decode(const struct nested_state_view *view,
			    struct nested_svm_state *state)
{
	const struct nested_state_svm_l1_crs *crs;
	const struct nested_state_svm_vmcb12_pa *pa;
	u64 flags, efer = 0, vmcb12_pa = 0;
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
	    !view->data[NESTED_STATE_SEC_SVM_VMCB12] != !guest ||
	    !view->data[NESTED_STATE_SEC_SVM_VMCB12_PA] != !guest)
		return -EINVAL;
	crs = view->data[NESTED_STATE_SEC_SVM_L1_CRS];
	if (crs)
		efer = get_unaligned_le64(&crs->efer);
	pa = view->data[NESTED_STATE_SEC_SVM_VMCB12_PA];
	if (pa)
		vmcb12_pa = get_unaligned_le64(&pa->vmcb12_pa);
	ret = nested_svm_state_check(flags, efer, vmcb12_pa);
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
		state->vmcb12_pa = vmcb12_pa;
		memcpy(state->vmcb12, view->data[NESTED_STATE_SEC_SVM_VMCB12],
		       sizeof(state->vmcb12));
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nested_svm_state_decode);

static bool nested_svm_intercepted(const struct vmcb_control_area *ctl,
				   unsigned int bit)
{
	return ctl->intercepts[bit / 32] & BIT(bit % 32);
}

/* A permission map inside the guest-physical address space. */
static bool nested_svm_bitmap_ok(const struct nested_legacy_ctx *ctx,
				 u64 pa, u32 size)
{
	u64 addr = pa & ~(u64)(NESTED_STATE_PAGE_SIZE - 1);

	return nested_legacy_gpa_ok(ctx, addr) &&
	       nested_legacy_gpa_ok(ctx, addr + size - 1);
}

/* The checks of 6.12's __nested_vmcb_check_controls(). */
static bool nested_svm_controls_ok(const struct nested_legacy_ctx *ctx,
				   const struct vmcb_control_area *ctl)
{
	if (!nested_svm_intercepted(ctl, INTERCEPT_VMRUN))
		return false;
	if (!ctl->asid)
		return false;
	if ((ctl->nested_ctl & SVM_NESTED_CTL_NP_ENABLE) &&
	    (!ctx->npt || !nested_legacy_gpa_ok(ctx, ctl->nested_cr3)))
		return false;
	if (!nested_svm_bitmap_ok(ctx, ctl->msrpm_base_pa,
				  NESTED_SVM_MSRPM_SIZE) ||
	    !nested_svm_bitmap_ok(ctx, ctl->iopm_base_pa,
				  NESTED_SVM_IOPM_SIZE))
		return false;
	if ((ctl->int_ctl & V_NMI_ENABLE_MASK) &&
	    !nested_svm_intercepted(ctl, INTERCEPT_NMI))
		return false;
	return true;
}

/*
 * The checks of 6.12's __nested_vmcb_check_save() that do not depend on
 * the vCPU model; CR4 and EFER bits it reserves are for KVM to check.
 */
static bool nested_svm_save_ok(const struct nested_legacy_ctx *ctx,
			       const struct vmcb_save_area *save)
{
	u64 cr0 = save->cr0;

	if (!(save->efer & EFER_SVME))
		return false;
	if ((!(cr0 & X86_CR0_CD) && (cr0 & X86_CR0_NW)) || (cr0 >> 32))
		return false;
	if ((save->dr6 >> 32) || (save->dr7 >> 32))
		return false;
	if ((save->efer & EFER_LME) && (cr0 & X86_CR0_PG)) {
		if (!(save->cr4 & X86_CR4_PAE) || !(cr0 & X86_CR0_PE) ||
		    !nested_legacy_gpa_ok(ctx, save->cr3))
			return false;
		if ((save->cs.attrib & SVM_SELECTOR_L_MASK) &&
		    (save->cs.attrib & SVM_SELECTOR_DB_MASK))
			return false;
	}
	return true;
}

/*
 * The checks of 6.12's svm_set_nested_state() on a guest-mode blob whose
 * header passed, from the vmcb12 address on.
 */
static int nested_svm_legacy_check_guest(const void *buf, size_t len,
					 const struct kvm_nested_state *hdr,
					 const struct nested_legacy_ctx *ctx,
					 const struct vmcb_save_area *l2_save)
{
	const struct vmcb_save_area *l1;

	if (!nested_legacy_page_ok(ctx, hdr->hdr.svm.vmcb_pa))
		return -EINVAL;
	if (hdr->size < NESTED_SVM_LEGACY_SIZE)
		return -EINVAL;
	if (len < NESTED_SVM_LEGACY_SIZE)
		return -EFAULT;
	if (!nested_svm_controls_ok(ctx, buf + NESTED_LEGACY_HDR_SIZE))
		return -EINVAL;
	/* The vCPU's CR0, which is L2's in guest mode. */
	if (!(l2_save->cr0 & X86_CR0_CD) && (l2_save->cr0 & X86_CR0_NW))
		return -EINVAL;
	l1 = buf + NESTED_LEGACY_HDR_SIZE + NESTED_SVM_SAVE_OFFSET;
	if (!(l1->cr0 & X86_CR0_PG) || !(l1->cr0 & X86_CR0_PE) ||
	    (l1->rflags & X86_EFLAGS_VM) || !nested_svm_save_ok(ctx, l1))
		return -EINVAL;
	/* 6.12 loads L2's CR3 last (nested_svm_load_cr3()) and may fail. */
	if (!nested_legacy_gpa_ok(ctx, l2_save->cr3))
		return -EINVAL;
	return 0;
}

/**
 * nested_svm_state_from_legacy() - Convert 6.12's SVM nested state to v2.
 * @buf: A struct kvm_nested_state as KVM_SET_NESTED_STATE takes it.
 * @len: Number of readable bytes at @buf; reading beyond them is what
 *       makes 6.12's copy_from_user() fail.
 * @ctx: What 6.12 reads from the vCPU rather than from the blob.
 * @l2_save: In guest mode, L2's registers as a VMCB save area (the legacy
 *           blob leaves them to the register ioctls); may be NULL outside
 *           guest mode.
 * @state: Filled on success, untouched on error.
 *
 * Applies every check of 6.12's KVM_SET_NESTED_STATE for the SVM format,
 * in its order, with its errors (see Documentation/nested-state.rst).  In
 * guest mode VMCB12's image is the blob's control area with @l2_save as
 * its save area, the rest of the page zero; L1's save area is the blob's,
 * and L1's guest-visible control registers are the CR0, CR3, CR4 and EFER
 * in it, where 6.12 keeps them while L2 runs.  Outside guest mode the
 * state has only GIF and, from @ctx, the SMM flags.
 *
 * Return: 0 on success; -EFAULT if @buf is NULL or a part 6.12 reads lies
 * beyond @len; -EINVAL if a check fails or @l2_save is NULL in guest mode.
 */
int nested_svm_state_from_legacy(const void *buf, size_t len,
				 const struct nested_legacy_ctx *ctx,
				 const struct vmcb_save_area *l2_save,
				 struct nested_svm_state *state)
{
	const struct vmcb_save_area *l1;
	struct kvm_nested_state hdr;
	u64 flags = 0, efer;
	bool guest;
	int ret;

	ret = nested_legacy_header(buf, len, &hdr);
	if (ret)
		return ret;
	if (hdr.format != KVM_STATE_NESTED_FORMAT_SVM)
		return -EINVAL;
	if (hdr.flags & ~(KVM_STATE_NESTED_GUEST_MODE |
			  KVM_STATE_NESTED_RUN_PENDING |
			  KVM_STATE_NESTED_GIF_SET))
		return -EINVAL;
	guest = hdr.flags & KVM_STATE_NESTED_GUEST_MODE;
	if (guest && !l2_save)
		return -EINVAL;
	/* Without EFER.SVME only GIF=1 outside guest mode is valid. */
	efer = guest ? l2_save->efer : ctx->efer;
	if (!(efer & EFER_SVME) && hdr.flags != KVM_STATE_NESTED_GIF_SET)
		return -EINVAL;
	/* SMM is entered by a nested VM-exit: never in guest mode. */
	if (ctx->smm && guest)
		return -EINVAL;
	if (ctx->smm_guest_mode && !ctx->smm)
		return -EINVAL;
	if (guest) {
		ret = nested_svm_legacy_check_guest(buf, len, &hdr, ctx,
						    l2_save);
		if (ret)
			return ret;
	}

	if (hdr.flags & KVM_STATE_NESTED_GIF_SET)
		flags |= NESTED_SVM_F_GIF;
	if (guest)
		flags |= NESTED_SVM_F_GUEST_MODE;
	if (hdr.flags & KVM_STATE_NESTED_RUN_PENDING)
		flags |= NESTED_SVM_F_RUN_PENDING;
	if (ctx->smm)
		flags |= NESTED_SVM_F_SMM;
	if (ctx->smm_guest_mode)
		flags |= NESTED_SVM_F_SMM_GUEST_MODE;

	memset(state, 0, sizeof(*state));
	state->flags = flags;
	if (!guest)
		return 0;
	l1 = buf + NESTED_LEGACY_HDR_SIZE + NESTED_SVM_SAVE_OFFSET;
	memcpy(&state->l1_save, l1, sizeof(state->l1_save));
	state->l1_cr0 = l1->cr0;
	state->l1_cr3 = l1->cr3;
	state->l1_cr4 = l1->cr4;
	state->l1_efer = l1->efer;
	state->vmcb12_pa = hdr.hdr.svm.vmcb_pa;
	memcpy(state->vmcb12, buf + NESTED_LEGACY_HDR_SIZE,
	       sizeof(struct vmcb_control_area));
	memcpy(state->vmcb12 + NESTED_SVM_SAVE_OFFSET, l2_save,
	       sizeof(*l2_save));
	return 0;
}
EXPORT_SYMBOL_GPL(nested_svm_state_from_legacy);

/**
 * nested_svm_state_hdr_flags() - The KVM_STATE_NESTED_* flags of a state.
 * @state: The state.
 *
 * What &kvm_nested_state.flags says of @state in either format: guest
 * mode, a pending VMRUN, GIF.
 *
 * Context: Any context.
 * Return: The flags.
 */
u16 nested_svm_state_hdr_flags(const struct nested_svm_state *state)
{
	u16 flags = 0;

	if (state->flags & NESTED_SVM_F_GUEST_MODE)
		flags |= KVM_STATE_NESTED_GUEST_MODE;
	if (state->flags & NESTED_SVM_F_RUN_PENDING)
		flags |= KVM_STATE_NESTED_RUN_PENDING;
	if (state->flags & NESTED_SVM_F_GIF)
		flags |= KVM_STATE_NESTED_GIF_SET;
	return flags;
}
EXPORT_SYMBOL_GPL(nested_svm_state_hdr_flags);

/**
 * nested_svm_state_to_legacy() - Convert SVM nested state v2 to 6.12's
 * format.
 * @state: The state.
 * @buf: Destination, or NULL with @len 0 to query the size.
 * @len: Size of @buf in bytes.
 * @size: Set to the size of the blob, also when it does not fit.
 *
 * Writes what 6.12's KVM_GET_NESTED_STATE would: the header, and in guest
 * mode VMCB12's control area followed by L1's save area with L1's
 * guest-visible CR0, CR3, CR4 and EFER in place of the saved ones, the
 * rest of the page zero.  What the format has no room for is dropped:
 * L2's registers (VMCB12's save area, for the register ioctls), the
 * values L1's save area held for those four registers, and the SMM flags
 * (6.12 keeps them in the vCPU events and SMRAM).
 *
 * Return: 0 on success; -EINVAL if @state breaks a rule of
 * nested_svm_state_decode(); -E2BIG if the blob does not fit in @len.
 */
int nested_svm_state_to_legacy(const struct nested_svm_state *state,
			       void *buf, size_t len, size_t *size)
{
	struct kvm_nested_state hdr = {
		.format = KVM_STATE_NESTED_FORMAT_SVM,
		.size = NESTED_LEGACY_HDR_SIZE,
	};
	bool guest = state->flags & NESTED_SVM_F_GUEST_MODE;
	struct vmcb_save_area *l1;
	int ret;

	ret = nested_svm_state_check(state->flags, guest ? state->l1_efer : 0,
				     guest ? state->vmcb12_pa : 0);
	if (ret)
		return ret;

	hdr.flags = nested_svm_state_hdr_flags(state);
	if (guest) {
		hdr.size = NESTED_SVM_LEGACY_SIZE;
		hdr.hdr.svm.vmcb_pa = state->vmcb12_pa;
	}
	*size = hdr.size;
	if (!buf || len < hdr.size)
		return -E2BIG;

	memset(buf, 0, hdr.size);
	memcpy(buf, &hdr, sizeof(hdr));
	if (!guest)
		return 0;
	memcpy(buf + NESTED_LEGACY_HDR_SIZE, state->vmcb12,
	       sizeof(struct vmcb_control_area));
	l1 = buf + NESTED_LEGACY_HDR_SIZE + NESTED_SVM_SAVE_OFFSET;
	memcpy(l1, &state->l1_save, sizeof(*l1));
	l1->cr0 = state->l1_cr0;
	l1->cr3 = state->l1_cr3;
	l1->cr4 = state->l1_cr4;
	l1->efer = state->l1_efer;
	return 0;
}
EXPORT_SYMBOL_GPL(nested_svm_state_to_legacy);

// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX sections of the nested state v2 container.
 *
 * DOC: VMX nested state sections
 *
 * VMX saves its flags (guest mode, pending run, enlightened VMCS, SMM),
 * the VMXON and current-VMCS pointers, the vmcs12 and shadow vmcs12 when
 * there are any, and the VMX-preemption timer deadline in guest mode.
 * The rules are those of Linux 6.12's vmx_set_nested_state(), made
 * strict where 6.12 silently accepts a meaningless combination (guest
 * mode without a vmcs12, eVMCS outside VMX operation); unlike 6.12, all
 * of them are checked before anything is written.
 */

/**
 * DOC: VMX legacy nested state
 *
 * Linux 6.12's VMX blob is the 128-byte header (flags, the VMXON and
 * vmcs12 pointers, SMM flags, the preemption timer deadline) followed by
 * vmcs12 when there is one and by the shadow vmcs12 in guest mode when
 * vmcs12 enables VMCS shadowing.  The converter from it applies every
 * check 6.12's vmx_set_nested_state() makes on the blob, in the same
 * order and with the same errors, before it writes anything; what 6.12
 * reads from the vCPU (VMX in CPUID, eVMCS enabled, SMM, MAXPHYADDR) comes
 * in a struct nested_legacy_ctx.  vmcs12 stays opaque except for the
 * fields 6.12 looks at while loading it: the revision identifier, the
 * controls that enable VMCS shadowing and the VMCS link pointer.  6.12's
 * consistency checks of vmcs12 against the VMX capability MSRs
 * (nested_vmx_check_controls() and the host and guest state checks) are
 * not repeated: KVM makes them when it enters guest mode.
 */

#include <linux/align.h>
#include <linux/array_size.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <asm/kvm.h>

#include <nested/state.h>

#include "../legacy.h"

/* The vmcs12 revision identifier of KVM (vmcs12.h's VMCS12_REVISION). */
#define NESTED_VMCS12_REVISION		0x11e57ed0U
/* Bit 31 of a VMCS region's first word: it is a shadow VMCS. */
#define NESTED_VMCS_SHADOW		BIT(31)
/* Offsets of the vmcs12 fields read here; vmcs12's layout is ABI. */
#define NESTED_VMCS12_LINK_POINTER	176
#define NESTED_VMCS12_CPU_BASED		748
#define NESTED_VMCS12_SECONDARY		804
/* Primary processor-based control 31: activate secondary controls. */
#define NESTED_VMX_SECONDARY_CONTROLS	BIT(31)
/* Secondary processor-based control 14: VMCS shadowing. */
#define NESTED_VMX_SHADOW_VMCS		BIT(14)
/* Where vmcs12 and the shadow vmcs12 are in a legacy blob. */
#define NESTED_VMX_LEGACY_VMCS12	NESTED_LEGACY_HDR_SIZE
#define NESTED_VMX_LEGACY_SHADOW	(NESTED_LEGACY_HDR_SIZE + \
					 KVM_STATE_NESTED_VMX_VMCS_SIZE)
#define NESTED_VMX_LEGACY_MAX		(NESTED_VMX_LEGACY_SHADOW + \
					 KVM_STATE_NESTED_VMX_VMCS_SIZE)

#define INVALID		NESTED_STATE_INVALID_GPA

static bool nested_vmx_gpa_ok(u64 gpa)
{
	return gpa == INVALID || IS_ALIGNED(gpa, NESTED_STATE_PAGE_SIZE);
}

/* Whether the state carries a vmcs12 image. */
static bool nested_vmx_has_vmcs12(u64 flags, u64 vmcs12_pa)
{
	return vmcs12_pa != INVALID || (flags & NESTED_VMX_F_EVMCS);
}

/* The semantic rules shared by the encoder and the decoder. */
static int nested_vmx_state_check(u64 flags, u64 vmxon_pa, u64 vmcs12_pa,
				  bool has_vmcs12, bool has_shadow,
				  bool has_timer)
{
	if (flags & ~NESTED_VMX_F_ALL)
		return -EINVAL;
	if (!nested_vmx_gpa_ok(vmxon_pa) || !nested_vmx_gpa_ok(vmcs12_pa))
		return -EINVAL;
	/* Outside VMX operation there is nothing but the pointers. */
	if (vmxon_pa == INVALID && (flags || vmcs12_pa != INVALID))
		return -EINVAL;
	if (vmcs12_pa != INVALID && vmcs12_pa == vmxon_pa)
		return -EINVAL;
	if ((flags & NESTED_VMX_F_SMM_GUEST_MODE) &&
	    !(flags & NESTED_VMX_F_SMM_VMXON))
		return -EINVAL;
	/* SMM is entered by a nested VM-exit: never in guest mode. */
	if ((flags & NESTED_VMX_F_GUEST_MODE) &&
	    (flags & NESTED_VMX_F_SMM_VMXON))
		return -EINVAL;
	if ((flags & (NESTED_VMX_F_RUN_PENDING | NESTED_VMX_F_MTF_PENDING)) &&
	    !(flags & NESTED_VMX_F_GUEST_MODE))
		return -EINVAL;
	/* An enlightened VMCS is not addressed by a VMPTRLD pointer. */
	if ((flags & NESTED_VMX_F_EVMCS) && vmcs12_pa != INVALID)
		return -EINVAL;
	if (has_vmcs12 != nested_vmx_has_vmcs12(flags, vmcs12_pa))
		return -EINVAL;
	if ((flags & NESTED_VMX_F_GUEST_MODE) && !has_vmcs12)
		return -EINVAL;
	if (has_shadow && !has_vmcs12)
		return -EINVAL;
	if (has_timer && !(flags & NESTED_VMX_F_GUEST_MODE))
		return -EINVAL;
	return 0;
}

/**
 * nested_vmx_state_encode() - Build a container from VMX nested state.
 * @state: The state; @state->vmcs12 is ignored without a vmcs12, the
 *         shadow vmcs12 and timer deadline without their has_ flags.
 * @buf: Destination, or NULL with @len 0 to query the size.
 * @len: Size of @buf in bytes.
 * @size: Set to the size of the container, also when it does not fit.
 *
 * Writes the flags and pointers sections, and the vmcs12, shadow vmcs12
 * and preemption timer sections when the state has them, all marked
 * required.
 *
 * Return: 0 on success; -EINVAL if @state breaks a rule of
 * nested_vmx_state_decode(); -E2BIG if the container does not fit in @len.
 */
int nested_vmx_state_encode(const struct nested_vmx_state *state, void *buf,
			    size_t len, size_t *size)
{
	bool has_vmcs12 = nested_vmx_has_vmcs12(state->flags, state->vmcs12_pa);
	struct nested_state_section secs[5];
	struct nested_state_vmx_flags f;
	struct nested_state_vmx_pointers p;
	struct nested_state_vmx_timer t;
	unsigned int nr = 0;
	int ret;

	ret = nested_vmx_state_check(state->flags, state->vmxon_pa,
				     state->vmcs12_pa, has_vmcs12,
				     state->has_shadow_vmcs12,
				     state->has_preemption_timer_deadline);
	if (ret)
		return ret;

	f.flags = cpu_to_le64(state->flags);
	p.vmxon_pa = cpu_to_le64(state->vmxon_pa);
	p.vmcs12_pa = cpu_to_le64(state->vmcs12_pa);
	t.deadline = cpu_to_le64(state->preemption_timer_deadline);
	secs[nr++] = (struct nested_state_section) {
		NESTED_STATE_SEC_VMX_FLAGS, NESTED_STATE_SEC_REQUIRED,
		sizeof(f), &f };
	secs[nr++] = (struct nested_state_section) {
		NESTED_STATE_SEC_VMX_POINTERS, NESTED_STATE_SEC_REQUIRED,
		sizeof(p), &p };
	if (has_vmcs12)
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_VMX_VMCS12, NESTED_STATE_SEC_REQUIRED,
			sizeof(state->vmcs12), state->vmcs12 };
	if (state->has_shadow_vmcs12)
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_VMX_SHADOW_VMCS12,
			NESTED_STATE_SEC_REQUIRED,
			sizeof(state->shadow_vmcs12), state->shadow_vmcs12 };
	if (state->has_preemption_timer_deadline)
		secs[nr++] = (struct nested_state_section) {
			NESTED_STATE_SEC_VMX_PREEMPTION_TIMER,
			NESTED_STATE_SEC_REQUIRED, sizeof(t), &t };
	return nested_state_encode(secs, nr, buf, len, size);
}
EXPORT_SYMBOL_GPL(nested_vmx_state_encode);

/**
 * nested_vmx_state_max_size() - Largest container of VMX nested state.
 *
 * Return: the size of the container nested_vmx_state_encode() writes
 * with every optional section present (vmcs12, shadow vmcs12 and the
 * preemption timer deadline), the largest it writes.
 */
size_t nested_vmx_state_max_size(void)
{
	static const u16 types[] = {
		NESTED_STATE_SEC_VMX_FLAGS, NESTED_STATE_SEC_VMX_POINTERS,
		NESTED_STATE_SEC_VMX_VMCS12, NESTED_STATE_SEC_VMX_SHADOW_VMCS12,
		NESTED_STATE_SEC_VMX_PREEMPTION_TIMER,
	};

	return nested_state_size(types, ARRAY_SIZE(types));
}
EXPORT_SYMBOL_GPL(nested_vmx_state_max_size);

/**
 * nested_vmx_state_decode() - Check and extract VMX nested state.
 * @view: A view filled by nested_state_parse().
 * @state: Filled on success (absent parts zero), untouched on error.
 *
 * Everything is checked before @state is written.
 *
 * Return: 0 on success; -EINVAL if the flags or pointers section is
 * missing, an SVM section is present, the flags have undefined bits, a
 * pointer is neither page-aligned nor NESTED_STATE_INVALID_GPA, flags or
 * a vmcs12 pointer come without a VMXON pointer, the vmcs12 pointer equals
 * the VMXON pointer, SMM_GUEST_MODE is set without SMM_VMXON, GUEST_MODE
 * with SMM_VMXON, RUN_PENDING or MTF_PENDING outside guest mode, EVMCS with a vmcs12
 * pointer, the vmcs12 section is present without a vmcs12 pointer or
 * EVMCS or missing with one, guest mode has no vmcs12, the shadow vmcs12
 * comes without a vmcs12, or the preemption timer deadline outside guest
 * mode.
 */
int nested_vmx_state_decode(const struct nested_state_view *view,
			    struct nested_vmx_state *state)
{
	const struct nested_state_vmx_pointers *p;
	const void *vmcs12, *shadow, *timer;
	u64 flags, vmxon_pa, vmcs12_pa;
	int ret, t;

	if (!view->data[NESTED_STATE_SEC_VMX_FLAGS] ||
	    !view->data[NESTED_STATE_SEC_VMX_POINTERS])
		return -EINVAL;
	for (t = NESTED_STATE_SEC_SVM_FLAGS;
	     t <= NESTED_STATE_SEC_SVM_VMCB12; t++)
		if (view->data[t])
			return -EINVAL;
	if (view->data[NESTED_STATE_SEC_SVM_VMCB12_PA])
		return -EINVAL;

	flags = get_unaligned_le64(view->data[NESTED_STATE_SEC_VMX_FLAGS]);
	p = view->data[NESTED_STATE_SEC_VMX_POINTERS];
	vmxon_pa = get_unaligned_le64(&p->vmxon_pa);
	vmcs12_pa = get_unaligned_le64(&p->vmcs12_pa);
	vmcs12 = view->data[NESTED_STATE_SEC_VMX_VMCS12];
	shadow = view->data[NESTED_STATE_SEC_VMX_SHADOW_VMCS12];
	timer = view->data[NESTED_STATE_SEC_VMX_PREEMPTION_TIMER];
	ret = nested_vmx_state_check(flags, vmxon_pa, vmcs12_pa, vmcs12,
				     shadow, timer);
	if (ret)
		return ret;

	memset(state, 0, sizeof(*state));
	state->flags = flags;
	state->vmxon_pa = vmxon_pa;
	state->vmcs12_pa = vmcs12_pa;
	if (vmcs12)
		memcpy(state->vmcs12, vmcs12, sizeof(state->vmcs12));
	if (shadow) {
		state->has_shadow_vmcs12 = true;
		memcpy(state->shadow_vmcs12, shadow,
		       sizeof(state->shadow_vmcs12));
	}
	if (timer) {
		state->has_preemption_timer_deadline = true;
		state->preemption_timer_deadline = get_unaligned_le64(timer);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nested_vmx_state_decode);

static u32 nested_vmcs12_u32(const u8 *vmcs12, unsigned int off)
{
	return get_unaligned((const u32 *)(vmcs12 + off));
}

/* Whether vmcs12 uses a shadow vmcs12 (6.12's nested_cpu_has_shadow_vmcs). */
static bool nested_vmcs12_shadowing(const u8 *vmcs12)
{
	return (nested_vmcs12_u32(vmcs12, NESTED_VMCS12_CPU_BASED) &
		NESTED_VMX_SECONDARY_CONTROLS) &&
	       (nested_vmcs12_u32(vmcs12, NESTED_VMCS12_SECONDARY) &
		NESTED_VMX_SHADOW_VMCS) &&
	       get_unaligned((const u64 *)(vmcs12 + NESTED_VMCS12_LINK_POINTER))
			!= INVALID;
}

/*
 * The bytes of a vmcs12 page of the blob that 6.12 reads; a size that
 * would not cover the fields read here counts as the whole page.
 */
static size_t nested_vmcs12_size(const struct nested_legacy_ctx *ctx)
{
	if (ctx->vmcs12_size < NESTED_VMCS12_SECONDARY + sizeof(u32) ||
	    ctx->vmcs12_size > NESTED_STATE_PAGE_SIZE)
		return NESTED_STATE_PAGE_SIZE;
	return ctx->vmcs12_size;
}

/*
 * The checks of 6.12's vmx_set_nested_state() that read only the header,
 * up to the point where it leaves VMX operation when the blob has no
 * VMXON pointer.
 */
static int nested_vmx_legacy_check_header(const struct kvm_nested_state *hdr,
					  const struct nested_legacy_ctx *ctx)
{
	const struct kvm_vmx_nested_state_hdr *vmx = &hdr->hdr.vmx;
	u16 smm = vmx->smm.flags;

	if (hdr->format != KVM_STATE_NESTED_FORMAT_VMX)
		return -EINVAL;
	if (vmx->vmxon_pa == INVALID) {
		if (smm || vmx->vmcs12_pa != INVALID)
			return -EINVAL;
		/* 6.12 tolerates a stray EVMCS flag here. */
		if (hdr->flags & ~KVM_STATE_NESTED_EVMCS)
			return -EINVAL;
	} else if (!ctx->vmx || !nested_legacy_page_ok(ctx, vmx->vmxon_pa)) {
		return -EINVAL;
	}
	if ((smm & KVM_STATE_NESTED_SMM_GUEST_MODE) &&
	    (hdr->flags & KVM_STATE_NESTED_GUEST_MODE))
		return -EINVAL;
	if (smm & ~(KVM_STATE_NESTED_SMM_GUEST_MODE |
		    KVM_STATE_NESTED_SMM_VMXON))
		return -EINVAL;
	if (vmx->flags & ~KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE)
		return -EINVAL;
	/* SMM disables VMX: no guest mode there, and no SMM flags outside. */
	if (ctx->smm ? hdr->flags & (KVM_STATE_NESTED_GUEST_MODE |
				     KVM_STATE_NESTED_RUN_PENDING) : smm)
		return -EINVAL;
	if ((smm & KVM_STATE_NESTED_SMM_GUEST_MODE) &&
	    !(smm & KVM_STATE_NESTED_SMM_VMXON))
		return -EINVAL;
	if ((hdr->flags & KVM_STATE_NESTED_EVMCS) &&
	    (!ctx->vmx || !ctx->evmcs))
		return -EINVAL;
	return 0;
}

/*
 * The checks of 6.12's vmx_set_nested_state() from the vmcs12 pointer on,
 * for a blob in VMX operation.  *@has_vmcs12 and *@has_shadow say what
 * 6.12 would load.
 */
static int nested_vmx_legacy_check_vmcs(const void *buf, size_t len,
					const struct kvm_nested_state *hdr,
					const struct nested_legacy_ctx *ctx,
					bool *has_vmcs12, bool *has_shadow)
{
	const struct kvm_vmx_nested_state_hdr *vmx = &hdr->hdr.vmx;
	const u8 *vmcs12 = buf + NESTED_VMX_LEGACY_VMCS12;
	const u8 *shadow = buf + NESTED_VMX_LEGACY_SHADOW;
	size_t vmcs12_end = NESTED_VMX_LEGACY_VMCS12 + nested_vmcs12_size(ctx);
	size_t shadow_end = NESTED_VMX_LEGACY_SHADOW + nested_vmcs12_size(ctx);
	u32 rev;

	*has_vmcs12 = false;
	*has_shadow = false;
	/* VMXON without a current VMCS: nothing follows the header. */
	if (hdr->size < vmcs12_end) {
		if ((hdr->flags & (KVM_STATE_NESTED_GUEST_MODE |
				   KVM_STATE_NESTED_EVMCS)) ||
		    vmx->vmcs12_pa != INVALID)
			return -EINVAL;
		return 0;
	}
	if (vmx->vmcs12_pa != INVALID) {
		if (vmx->vmcs12_pa == vmx->vmxon_pa ||
		    !nested_legacy_page_ok(ctx, vmx->vmcs12_pa))
			return -EINVAL;
	} else if (!(hdr->flags & KVM_STATE_NESTED_EVMCS)) {
		return -EINVAL;
	}
	if (len < vmcs12_end)
		return -EFAULT;
	if ((nested_vmcs12_u32(vmcs12, 0) & ~NESTED_VMCS_SHADOW) !=
	    NESTED_VMCS12_REVISION)
		return -EINVAL;
	*has_vmcs12 = true;
	if (!(hdr->flags & KVM_STATE_NESTED_GUEST_MODE) ||
	    !nested_vmcs12_shadowing(vmcs12))
		return 0;
	if (hdr->size < shadow_end)
		return -EINVAL;
	if (len < shadow_end)
		return -EFAULT;
	rev = nested_vmcs12_u32(shadow, 0);
	if ((rev & ~NESTED_VMCS_SHADOW) != NESTED_VMCS12_REVISION ||
	    !(rev & NESTED_VMCS_SHADOW))
		return -EINVAL;
	*has_shadow = true;
	return 0;
}

/**
 * nested_vmx_state_from_legacy() - Convert 6.12's VMX nested state to v2.
 * @buf: A struct kvm_nested_state as KVM_SET_NESTED_STATE takes it.
 * @len: Number of readable bytes at @buf; reading beyond them is what
 *       makes 6.12's copy_from_user() fail.
 * @ctx: What 6.12 reads from the vCPU rather than from the blob.
 * @state: Filled on success, untouched on error.
 *
 * Applies every check of 6.12's KVM_SET_NESTED_STATE for the VMX format
 * on the blob, in its order, with its errors (see
 * Documentation/nested-state.rst), vmcs12's consistency checks aside.
 * Flags 6.12 accepts but ignores are dropped: EVMCS without VMXON or with
 * a vmcs12 pointer, MTF_PENDING and the preemption timer deadline outside
 * guest mode, GIF_SET; so is a shadow vmcs12 that 6.12 would not load.
 *
 * Return: 0 on success; -EFAULT if @buf is NULL or a part 6.12 reads lies
 * beyond @len; -EINVAL if a check fails.
 */
int nested_vmx_state_from_legacy(const void *buf, size_t len,
				 const struct nested_legacy_ctx *ctx,
				 struct nested_vmx_state *state)
{
	const struct kvm_vmx_nested_state_hdr *vmx;
	bool has_vmcs12 = false, has_shadow = false, has_timer, guest;
	struct kvm_nested_state hdr;
	u64 flags = 0;
	int ret;

	ret = nested_legacy_header(buf, len, &hdr);
	if (ret)
		return ret;
	ret = nested_vmx_legacy_check_header(&hdr, ctx);
	if (ret)
		return ret;
	vmx = &hdr.hdr.vmx;
	if (vmx->vmxon_pa != INVALID) {
		ret = nested_vmx_legacy_check_vmcs(buf, len, &hdr, ctx,
						   &has_vmcs12, &has_shadow);
		if (ret)
			return ret;
	}

	guest = has_vmcs12 && (hdr.flags & KVM_STATE_NESTED_GUEST_MODE);
	if (guest) {
		flags |= NESTED_VMX_F_GUEST_MODE;
		if (hdr.flags & KVM_STATE_NESTED_RUN_PENDING)
			flags |= NESTED_VMX_F_RUN_PENDING;
		if (hdr.flags & KVM_STATE_NESTED_MTF_PENDING)
			flags |= NESTED_VMX_F_MTF_PENDING;
	}
	if (has_vmcs12 && vmx->vmcs12_pa == INVALID)
		flags |= NESTED_VMX_F_EVMCS;
	if (vmx->smm.flags & KVM_STATE_NESTED_SMM_VMXON)
		flags |= NESTED_VMX_F_SMM_VMXON;
	if (vmx->smm.flags & KVM_STATE_NESTED_SMM_GUEST_MODE)
		flags |= NESTED_VMX_F_SMM_GUEST_MODE;
	has_timer = guest &&
		    (vmx->flags & KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE);
	/* What passed 6.12's checks is a valid v2 state. */
	ret = nested_vmx_state_check(flags, vmx->vmxon_pa, vmx->vmcs12_pa,
				     has_vmcs12, has_shadow, has_timer);
	if (ret)
		return ret;

	memset(state, 0, sizeof(*state));
	state->flags = flags;
	state->vmxon_pa = vmx->vmxon_pa;
	state->vmcs12_pa = vmx->vmcs12_pa;
	/* The rest of a page 6.12 does not read stays zero. */
	if (has_vmcs12)
		memcpy(state->vmcs12, buf + NESTED_VMX_LEGACY_VMCS12,
		       nested_vmcs12_size(ctx));
	if (has_shadow) {
		state->has_shadow_vmcs12 = true;
		memcpy(state->shadow_vmcs12, buf + NESTED_VMX_LEGACY_SHADOW,
		       nested_vmcs12_size(ctx));
	}
	if (has_timer) {
		state->has_preemption_timer_deadline = true;
		state->preemption_timer_deadline =
			vmx->preemption_timer_deadline;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(nested_vmx_state_from_legacy);

/**
 * nested_vmx_state_hdr_flags() - The KVM_STATE_NESTED_* flags of a state.
 * @state: The state.
 *
 * What &kvm_nested_state.flags says of @state in either format: guest
 * mode, a pending VM-entry, an enlightened VMCS, a pending MTF VM-exit.
 *
 * Context: Any context.
 * Return: The flags.
 */
u16 nested_vmx_state_hdr_flags(const struct nested_vmx_state *state)
{
	u16 flags = 0;

	if (state->flags & NESTED_VMX_F_GUEST_MODE)
		flags |= KVM_STATE_NESTED_GUEST_MODE;
	if (state->flags & NESTED_VMX_F_RUN_PENDING)
		flags |= KVM_STATE_NESTED_RUN_PENDING;
	if (state->flags & NESTED_VMX_F_EVMCS)
		flags |= KVM_STATE_NESTED_EVMCS;
	if (state->flags & NESTED_VMX_F_MTF_PENDING)
		flags |= KVM_STATE_NESTED_MTF_PENDING;
	return flags;
}
EXPORT_SYMBOL_GPL(nested_vmx_state_hdr_flags);

/**
 * nested_vmx_state_has_vmcs12() - Whether a state has a current VMCS.
 * @state: The state.
 *
 * Context: Any context.
 * Return: true if @state has a vmcs12 image: a vmcs12 pointer, or an
 * enlightened VMCS.
 */
bool nested_vmx_state_has_vmcs12(const struct nested_vmx_state *state)
{
	return nested_vmx_has_vmcs12(state->flags, state->vmcs12_pa);
}
EXPORT_SYMBOL_GPL(nested_vmx_state_has_vmcs12);

/**
 * nested_vmx_state_to_legacy() - Convert VMX nested state v2 to 6.12's
 * format.
 * @state: The state.
 * @buf: Destination, or NULL with @len 0 to query the size.
 * @len: Size of @buf in bytes.
 * @size: Set to the size of the blob, also when it does not fit.
 *
 * Writes what 6.12's KVM_GET_NESTED_STATE would: the header, vmcs12 when
 * there is one and, in guest mode, the shadow vmcs12 when the state has
 * it.  Outside guest mode a shadow vmcs12 is dropped: 6.12 neither saves
 * nor loads it there.
 *
 * Return: 0 on success; -EINVAL if @state breaks a rule of
 * nested_vmx_state_decode(); -E2BIG if the blob does not fit in @len.
 */
int nested_vmx_state_to_legacy(const struct nested_vmx_state *state,
			       void *buf, size_t len, size_t *size)
{
	bool has_vmcs12 = nested_vmx_state_has_vmcs12(state);
	bool guest = state->flags & NESTED_VMX_F_GUEST_MODE;
	struct kvm_nested_state hdr = {
		.format = KVM_STATE_NESTED_FORMAT_VMX,
		.size = NESTED_LEGACY_HDR_SIZE,
		.hdr.vmx.vmxon_pa = state->vmxon_pa,
		.hdr.vmx.vmcs12_pa = state->vmcs12_pa,
	};
	struct kvm_vmx_nested_state_hdr *vmx = &hdr.hdr.vmx;
	bool shadow = guest && state->has_shadow_vmcs12;
	int ret;

	ret = nested_vmx_state_check(state->flags, state->vmxon_pa,
				     state->vmcs12_pa, has_vmcs12,
				     state->has_shadow_vmcs12,
				     state->has_preemption_timer_deadline);
	if (ret)
		return ret;

	hdr.flags = nested_vmx_state_hdr_flags(state);
	if (state->flags & NESTED_VMX_F_SMM_VMXON)
		vmx->smm.flags |= KVM_STATE_NESTED_SMM_VMXON;
	if (state->flags & NESTED_VMX_F_SMM_GUEST_MODE)
		vmx->smm.flags |= KVM_STATE_NESTED_SMM_GUEST_MODE;
	if (state->has_preemption_timer_deadline) {
		vmx->flags |= KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE;
		vmx->preemption_timer_deadline =
			state->preemption_timer_deadline;
	}
	if (has_vmcs12)
		hdr.size += KVM_STATE_NESTED_VMX_VMCS_SIZE;
	if (shadow)
		hdr.size += KVM_STATE_NESTED_VMX_VMCS_SIZE;
	*size = hdr.size;
	if (!buf || len < hdr.size)
		return -E2BIG;

	memset(buf, 0, hdr.size);
	memcpy(buf, &hdr, sizeof(hdr));
	if (has_vmcs12)
		memcpy(buf + NESTED_VMX_LEGACY_VMCS12, state->vmcs12,
		       sizeof(state->vmcs12));
	if (shadow)
		memcpy(buf + NESTED_VMX_LEGACY_SHADOW, state->shadow_vmcs12,
		       sizeof(state->shadow_vmcs12));
	return 0;
}
EXPORT_SYMBOL_GPL(nested_vmx_state_to_legacy);

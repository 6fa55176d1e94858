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

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include <nested/state.h>

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
	if ((flags & NESTED_VMX_F_RUN_PENDING) &&
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
 * with SMM_VMXON, RUN_PENDING outside guest mode, EVMCS with a vmcs12
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

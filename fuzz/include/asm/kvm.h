/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the part of the x86 KVM uapi the converters use, the
 * nested state header of KVM_GET/SET_NESTED_STATE.  The layout is ABI;
 * the asserts below pin it.
 */
#ifndef _FUZZ_ASM_KVM_H
#define _FUZZ_ASM_KVM_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define KVM_STATE_NESTED_FORMAT_VMX		0
#define KVM_STATE_NESTED_FORMAT_SVM		1

#define KVM_STATE_NESTED_GUEST_MODE		0x00000001
#define KVM_STATE_NESTED_RUN_PENDING		0x00000002
#define KVM_STATE_NESTED_EVMCS			0x00000004
#define KVM_STATE_NESTED_MTF_PENDING		0x00000008
#define KVM_STATE_NESTED_GIF_SET		0x00000100

#define KVM_STATE_NESTED_SMM_GUEST_MODE		0x00000001
#define KVM_STATE_NESTED_SMM_VMXON		0x00000002

#define KVM_STATE_NESTED_VMX_VMCS_SIZE		0x1000
#define KVM_STATE_NESTED_SVM_VMCB_SIZE		0x1000

#define KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE	0x00000001

struct kvm_vmx_nested_state_hdr {
	__u64 vmxon_pa;
	__u64 vmcs12_pa;
	struct {
		__u16 flags;
	} smm;
	__u16 pad;
	__u32 flags;
	__u64 preemption_timer_deadline;
};

struct kvm_svm_nested_state_hdr {
	__u64 vmcb_pa;
};

struct kvm_nested_state {
	__u16 flags;
	__u16 format;
	__u32 size;
	union {
		struct kvm_vmx_nested_state_hdr vmx;
		struct kvm_svm_nested_state_hdr svm;
		__u8 pad[120];
	} hdr;
	/* The data pages follow; the converters address them by offset. */
};

static_assert(sizeof(struct kvm_nested_state) == 128);
static_assert(offsetof(struct kvm_nested_state, hdr) == 8);
static_assert(offsetof(struct kvm_nested_state, hdr.vmx.vmcs12_pa) == 16);
static_assert(offsetof(struct kvm_nested_state, hdr.vmx.smm.flags) == 24);
static_assert(offsetof(struct kvm_nested_state, hdr.vmx.flags) == 28);
static_assert(offsetof(struct kvm_nested_state,
		       hdr.vmx.preemption_timer_deadline) == 32);

#endif /* _FUZZ_ASM_KVM_H */

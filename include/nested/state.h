/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The nested state v2 container and its SVM and VMX sections.
 */
#ifndef _NESTED_STATE_H
#define _NESTED_STATE_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <asm/svm.h>

/* "NST2" read as a little-endian 32-bit word. */
#define NESTED_STATE_MAGIC		0x3254534eU
#define NESTED_STATE_VERSION		1
/* Largest container the parser accepts. */
#define NESTED_STATE_MAX_SIZE		SZ_64K
/* Largest section table the parser accepts. */
#define NESTED_STATE_MAX_SECTIONS	64
/* Every section payload starts at a multiple of this. */
#define NESTED_STATE_ALIGN		8
/* Descriptor flag: a reader that does not know the type must refuse. */
#define NESTED_STATE_SEC_REQUIRED	BIT(0)
/* Size of the page-sized sections (VMCB12, vmcs12, shadow vmcs12). */
#define NESTED_STATE_PAGE_SIZE		4096
/* An absent guest-physical address (KVM's INVALID_GPA). */
#define NESTED_STATE_INVALID_GPA	(~0ULL)

/**
 * struct nested_state_header - The first bytes of a container.
 * @magic: NESTED_STATE_MAGIC.
 * @version: NESTED_STATE_VERSION.
 * @flags: Reserved, zero.
 * @size: Size of the whole container in bytes, header included.
 * @nr_sections: Number of descriptors that follow the header.
 */
struct nested_state_header {
	__le32 magic;
	__le16 version;
	__le16 flags;
	__le32 size;
	__le32 nr_sections;
};

/**
 * struct nested_state_desc - One entry of the section table.
 * @type: An enum nested_state_sec value, or a type this reader does not
 *        know.
 * @flags: NESTED_STATE_SEC_REQUIRED or zero.
 * @offset: Offset of the payload from the start of the container, a
 *          multiple of NESTED_STATE_ALIGN.
 * @size: Size of the payload in bytes.
 */
struct nested_state_desc {
	__le16 type;
	__le16 flags;
	__le32 offset;
	__le32 size;
};

static_assert(sizeof(struct nested_state_header) == 16);
static_assert(sizeof(struct nested_state_desc) == 12);

/**
 * enum nested_state_sec - The section types this layer knows.
 * @NESTED_STATE_SEC_NONE: Reserved: never valid in a container.
 * @NESTED_STATE_SEC_SVM_FLAGS: struct nested_state_svm_flags.
 * @NESTED_STATE_SEC_SVM_L1_SAVE: L1's VMCB save area, unstitched
 *                                (struct vmcb_save_area).
 * @NESTED_STATE_SEC_SVM_L1_CRS: struct nested_state_svm_l1_crs.
 * @NESTED_STATE_SEC_SVM_VMCB12: The whole VMCB12 (control and save
 *                               areas), NESTED_STATE_PAGE_SIZE bytes.
 * @NESTED_STATE_SEC_VMX_FLAGS: struct nested_state_vmx_flags.
 * @NESTED_STATE_SEC_VMX_POINTERS: struct nested_state_vmx_pointers.
 * @NESTED_STATE_SEC_VMX_VMCS12: vmcs12, NESTED_STATE_PAGE_SIZE opaque
 *                               bytes.
 * @NESTED_STATE_SEC_VMX_SHADOW_VMCS12: The shadow vmcs12,
 *                                      NESTED_STATE_PAGE_SIZE opaque bytes.
 * @NESTED_STATE_SEC_VMX_PREEMPTION_TIMER: struct nested_state_vmx_timer.
 * @NESTED_STATE_SEC_SVM_VMCB12_PA: struct nested_state_svm_vmcb12_pa.
 * @NESTED_STATE_SEC_NR: Number of known types, NONE included.
 *
 * The values are the on-the-wire types and never change; new types are
 * added at the end.
 */
enum nested_state_sec {
	NESTED_STATE_SEC_NONE,
	NESTED_STATE_SEC_SVM_FLAGS,
	NESTED_STATE_SEC_SVM_L1_SAVE,
	NESTED_STATE_SEC_SVM_L1_CRS,
	NESTED_STATE_SEC_SVM_VMCB12,
	NESTED_STATE_SEC_VMX_FLAGS,
	NESTED_STATE_SEC_VMX_POINTERS,
	NESTED_STATE_SEC_VMX_VMCS12,
	NESTED_STATE_SEC_VMX_SHADOW_VMCS12,
	NESTED_STATE_SEC_VMX_PREEMPTION_TIMER,
	NESTED_STATE_SEC_SVM_VMCB12_PA,
	NESTED_STATE_SEC_NR,
};

/* L1 has GIF set. */
#define NESTED_SVM_F_GIF		BIT_ULL(0)
/* The vCPU runs L2. */
#define NESTED_SVM_F_GUEST_MODE		BIT_ULL(1)
/* A VMRUN was emulated but L2 has not run yet. */
#define NESTED_SVM_F_RUN_PENDING	BIT_ULL(2)
/* The vCPU is in SMM. */
#define NESTED_SVM_F_SMM		BIT_ULL(3)
/* SMM was entered from guest mode: RSM returns to L2. */
#define NESTED_SVM_F_SMM_GUEST_MODE	BIT_ULL(4)
#define NESTED_SVM_F_ALL		GENMASK_ULL(4, 0)

/* The vCPU runs L2. */
#define NESTED_VMX_F_GUEST_MODE		BIT_ULL(0)
/* A VMLAUNCH/VMRESUME was emulated but L2 has not run yet. */
#define NESTED_VMX_F_RUN_PENDING	BIT_ULL(1)
/* L1's current VMCS is an enlightened VMCS. */
#define NESTED_VMX_F_EVMCS		BIT_ULL(2)
/* The vCPU is in SMM and was in VMX operation when it entered it. */
#define NESTED_VMX_F_SMM_VMXON		BIT_ULL(3)
/* SMM was entered from guest mode: RSM returns to L2. */
#define NESTED_VMX_F_SMM_GUEST_MODE	BIT_ULL(4)
/* A monitor trap flag VM-exit to L1 is pending (guest mode only). */
#define NESTED_VMX_F_MTF_PENDING	BIT_ULL(5)
#define NESTED_VMX_F_ALL		GENMASK_ULL(5, 0)

/**
 * struct nested_state_svm_flags - Payload of NESTED_STATE_SEC_SVM_FLAGS.
 * @flags: NESTED_SVM_F_* bits.
 */
struct nested_state_svm_flags {
	__le64 flags;
};

/**
 * struct nested_state_svm_l1_crs - Payload of NESTED_STATE_SEC_SVM_L1_CRS:
 * the control registers as L1 sees them, which may differ from the values
 * in its save area (e.g. CR0.CD without hardware support, or CR3 with
 * shadow paging).
 * @cr0: L1's CR0.
 * @cr3: L1's CR3.
 * @cr4: L1's CR4.
 * @efer: L1's EFER.
 */
struct nested_state_svm_l1_crs {
	__le64 cr0;
	__le64 cr3;
	__le64 cr4;
	__le64 efer;
};

/**
 * struct nested_state_svm_vmcb12_pa - Payload of
 * NESTED_STATE_SEC_SVM_VMCB12_PA.
 * @vmcb12_pa: Guest-physical address of L1's VMCB12, page-aligned.
 */
struct nested_state_svm_vmcb12_pa {
	__le64 vmcb12_pa;
};

/**
 * struct nested_state_vmx_flags - Payload of NESTED_STATE_SEC_VMX_FLAGS.
 * @flags: NESTED_VMX_F_* bits.
 */
struct nested_state_vmx_flags {
	__le64 flags;
};

/**
 * struct nested_state_vmx_pointers - Payload of
 * NESTED_STATE_SEC_VMX_POINTERS.
 * @vmxon_pa: The VMXON region, or NESTED_STATE_INVALID_GPA outside VMX
 *            operation.
 * @vmcs12_pa: L1's current VMCS, or NESTED_STATE_INVALID_GPA.
 */
struct nested_state_vmx_pointers {
	__le64 vmxon_pa;
	__le64 vmcs12_pa;
};

/**
 * struct nested_state_vmx_timer - Payload of
 * NESTED_STATE_SEC_VMX_PREEMPTION_TIMER.
 * @deadline: The VMX-preemption timer deadline, in L1 TSC cycles.
 */
struct nested_state_vmx_timer {
	__le64 deadline;
};

/* Payload size of NESTED_STATE_SEC_SVM_L1_SAVE, fixed by the format. */
#define NESTED_STATE_SVM_L1_SAVE_SIZE	744

/**
 * struct nested_state_view - The sections of a container that parsed.
 * @data: For each known type, its payload inside the parsed buffer, or
 *        NULL when the container has no such section.
 * @size: For each known type, the size of its payload, 0 when absent.
 * @nr_sections: Number of sections in the container, unknown ones included.
 * @nr_skipped: Number of unknown optional sections that were skipped.
 *
 * The pointers point into the buffer given to nested_state_parse(): the
 * view is valid only as long as that buffer is.
 */
struct nested_state_view {
	const void *data[NESTED_STATE_SEC_NR];
	u32 size[NESTED_STATE_SEC_NR];
	u32 nr_sections;
	u32 nr_skipped;
};

/**
 * struct nested_state_section - One section handed to the encoder.
 * @type: The wire type.
 * @flags: NESTED_STATE_SEC_REQUIRED or zero.
 * @size: Size of @data in bytes.
 * @data: The payload, already in wire (little-endian) format.
 */
struct nested_state_section {
	u16 type;
	u16 flags;
	u32 size;
	const void *data;
};

/**
 * struct nested_svm_state - SVM nested state, in CPU byte order.
 * @flags: NESTED_SVM_F_* bits.
 * @l1_save: L1's save area, unstitched (only in guest mode, else zero).
 * @l1_cr0: L1's guest-visible CR0 (only in guest mode, else zero).
 * @l1_cr3: L1's guest-visible CR3 (only in guest mode, else zero).
 * @l1_cr4: L1's guest-visible CR4 (only in guest mode, else zero).
 * @l1_efer: L1's guest-visible EFER (only in guest mode, else zero).
 * @vmcb12_pa: Guest-physical address of VMCB12, page-aligned (only in
 *             guest mode, else zero).
 * @vmcb12: Image of L1's VMCB12, struct vmcb padded to a page (only in
 *          guest mode, else zero).
 */
struct nested_svm_state {
	u64 flags;
	struct vmcb_save_area l1_save;
	u64 l1_cr0;
	u64 l1_cr3;
	u64 l1_cr4;
	u64 l1_efer;
	u64 vmcb12_pa;
	u8 vmcb12[NESTED_STATE_PAGE_SIZE];
};

/**
 * struct nested_vmx_state - VMX nested state, in CPU byte order.
 * @flags: NESTED_VMX_F_* bits.
 * @vmxon_pa: The VMXON region, or NESTED_STATE_INVALID_GPA.
 * @vmcs12_pa: L1's current VMCS, or NESTED_STATE_INVALID_GPA.
 * @has_shadow_vmcs12: @shadow_vmcs12 is valid.
 * @has_preemption_timer_deadline: @preemption_timer_deadline is valid.
 * @preemption_timer_deadline: The VMX-preemption timer deadline, in L1 TSC
 *                             cycles (zero when absent).
 * @vmcs12: L1's current vmcs12 (when @vmcs12_pa is valid or with an
 *          enlightened VMCS, else zero).
 * @shadow_vmcs12: The shadow vmcs12 (when @has_shadow_vmcs12, else zero).
 */
struct nested_vmx_state {
	u64 flags;
	u64 vmxon_pa;
	u64 vmcs12_pa;
	bool has_shadow_vmcs12;
	bool has_preemption_timer_deadline;
	u64 preemption_timer_deadline;
	u8 vmcs12[NESTED_STATE_PAGE_SIZE];
	u8 shadow_vmcs12[NESTED_STATE_PAGE_SIZE];
};

/* Size of the header of 6.12's struct kvm_nested_state. */
#define NESTED_LEGACY_HDR_SIZE		128

/**
 * struct nested_legacy_ctx - What KVM reads from the vCPU, not from the
 * blob, when it checks a legacy struct kvm_nested_state.
 * @efer: SVM: the vCPU's EFER outside guest mode (L1's).  In guest mode
 *        the vCPU's registers are L2's and the SVM converter reads them
 *        from the L2 save area it is given.
 * @maxphyaddr: The guest's MAXPHYADDR: a guest-physical address with a
 *              bit at or above it set is illegal.
 * @smm: The vCPU is in SMM.
 * @smm_guest_mode: SVM, legacy to v2 only: SMM was entered from guest
 *                  mode; 6.12 keeps this in SMRAM, not in the blob.
 * @vmx: VMX: the guest CPUID has VMX.
 * @evmcs: VMX: the enlightened VMCS capability is enabled on the vCPU.
 * @npt: SVM: KVM uses nested paging (6.12's npt_enabled), so L1 may
 *       enable it for L2.
 * @vmcs12_size: VMX: how much of each vmcs12 page of the blob 6.12 reads,
 *               KVM's sizeof(struct vmcs12); a blob shorter than the page
 *               but holding that much still carries the vmcs12.  0 reads
 *               the whole page.
 */
struct nested_legacy_ctx {
	u64 efer;
	u8 maxphyaddr;
	bool smm;
	bool smm_guest_mode;
	bool vmx;
	bool evmcs;
	bool npt;
	u16 vmcs12_size;
};

size_t nested_state_size(const u16 *types, unsigned int nr);
int nested_state_encode(const struct nested_state_section *secs,
			unsigned int nr, void *buf, size_t len, size_t *size);
int nested_state_parse(const void *buf, size_t len,
		       struct nested_state_view *view);

int nested_svm_state_encode(const struct nested_svm_state *state, void *buf,
			    size_t len, size_t *size);
size_t nested_svm_state_max_size(void);
int nested_svm_state_decode(const struct nested_state_view *view,
			    struct nested_svm_state *state);
int nested_vmx_state_encode(const struct nested_vmx_state *state, void *buf,
			    size_t len, size_t *size);
size_t nested_vmx_state_max_size(void);
int nested_vmx_state_decode(const struct nested_state_view *view,
			    struct nested_vmx_state *state);

int nested_svm_state_from_legacy(const void *buf, size_t len,
				 const struct nested_legacy_ctx *ctx,
				 const struct vmcb_save_area *l2_save,
				 struct nested_svm_state *state);
int nested_svm_state_to_legacy(const struct nested_svm_state *state,
			       void *buf, size_t len, size_t *size);
u16 nested_svm_state_hdr_flags(const struct nested_svm_state *state);
int nested_vmx_state_from_legacy(const void *buf, size_t len,
				 const struct nested_legacy_ctx *ctx,
				 struct nested_vmx_state *state);
int nested_vmx_state_to_legacy(const struct nested_vmx_state *state,
			       void *buf, size_t len, size_t *size);
u16 nested_vmx_state_hdr_flags(const struct nested_vmx_state *state);
bool nested_vmx_state_has_vmcs12(const struct nested_vmx_state *state);

#endif /* _NESTED_STATE_H */

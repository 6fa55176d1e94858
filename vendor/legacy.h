/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the SVM and VMX converters from and to Linux 6.12's
 * struct kvm_nested_state (the "legacy" format).
 */
#ifndef _NESTED_VENDOR_LEGACY_H
#define _NESTED_VENDOR_LEGACY_H

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/kvm.h>

#include <nested/state.h>

static_assert(sizeof(struct kvm_nested_state) == NESTED_LEGACY_HDR_SIZE);
static_assert(KVM_STATE_NESTED_SVM_VMCB_SIZE == NESTED_STATE_PAGE_SIZE);
static_assert(KVM_STATE_NESTED_VMX_VMCS_SIZE == NESTED_STATE_PAGE_SIZE);

/* The flags 6.12's KVM_SET_NESTED_STATE passes on to the vendor code. */
#define NESTED_LEGACY_FLAGS	(KVM_STATE_NESTED_GUEST_MODE |		\
				 KVM_STATE_NESTED_RUN_PENDING |		\
				 KVM_STATE_NESTED_EVMCS |		\
				 KVM_STATE_NESTED_MTF_PENDING |		\
				 KVM_STATE_NESTED_GIF_SET)

/* A guest-physical address below the guest's MAXPHYADDR. */
static inline bool nested_legacy_gpa_ok(const struct nested_legacy_ctx *ctx,
					u64 gpa)
{
	return ctx->maxphyaddr >= 64 || !(gpa >> ctx->maxphyaddr);
}

/* A legal, page-aligned guest-physical address (6.12's page_address_valid). */
static inline bool nested_legacy_page_ok(const struct nested_legacy_ctx *ctx,
					 u64 gpa)
{
	return IS_ALIGNED(gpa, NESTED_STATE_PAGE_SIZE) &&
	       nested_legacy_gpa_ok(ctx, gpa);
}

/*
 * Copy the header of a legacy blob of @len readable bytes into @hdr and
 * apply the checks that 6.12's KVM_SET_NESTED_STATE ioctl makes before it
 * calls the vendor code.  A blob whose header is not readable gives
 * -EFAULT, as copy_from_user() does there.
 */
static inline int nested_legacy_header(const void *buf, size_t len,
				       struct kvm_nested_state *hdr)
{
	if (!buf || len < sizeof(*hdr))
		return -EFAULT;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->size < sizeof(*hdr))
		return -EINVAL;
	if (hdr->flags & ~NESTED_LEGACY_FLAGS)
		return -EINVAL;
	if ((hdr->flags & KVM_STATE_NESTED_RUN_PENDING) &&
	    !(hdr->flags & KVM_STATE_NESTED_GUEST_MODE))
		return -EINVAL;
	return 0;
}

#endif /* _NESTED_VENDOR_LEGACY_H */

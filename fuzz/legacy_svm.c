// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: nested_svm_state_from_legacy() on an arbitrary blob.
 *
 * Input: FUZZ_CTX_SIZE bytes of vCPU facts (see fuzz_ctx()), L2's save
 * area, then the legacy blob, which ends where the input ends, so that a
 * read past it is a read past the allocation.  A rejected blob leaves the
 * state untouched; an accepted one converts back to a legacy blob that
 * gives the same state again, carries L2's save area in VMCB12 and
 * encodes to a v2 container.
 */

#include <linux/errno.h>
#include <asm/svm.h>

#include "fuzz.h"

#define PREFIX	(FUZZ_CTX_SIZE + sizeof(struct vmcb_save_area))

static struct nested_svm_state state, again;
static struct vmcb_save_area l2_save;
static u8 out[2 * NESTED_STATE_PAGE_SIZE];
static u8 v2[NESTED_STATE_MAX_SIZE];

int fuzz_one_input(const u8 *data, size_t size)
{
	const struct vmcb_save_area *l2 = &l2_save;
	struct nested_legacy_ctx ctx;
	size_t len;
	int ret;

	if (size < PREFIX)
		return 0;
	fuzz_ctx(data, &ctx);
	memcpy(&l2_save, data + FUZZ_CTX_SIZE, sizeof(l2_save));
	if (data[1] & FUZZ_CTX_NO_L2)
		l2 = NULL;

	memset(&state, FUZZ_PATTERN, sizeof(state));
	ret = nested_svm_state_from_legacy(size > PREFIX ? data + PREFIX : NULL,
					   size - PREFIX, &ctx, l2, &state);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EFAULT);
		FUZZ_CHECK(fuzz_mem_is(&state, FUZZ_PATTERN, sizeof(state)));
		return 0;
	}

	FUZZ_CHECK(!nested_svm_state_to_legacy(&state, out, sizeof(out), &len));
	FUZZ_CHECK(!nested_svm_state_from_legacy(out, len, &ctx, l2, &again));
	FUZZ_CHECK(!memcmp(&state, &again, sizeof(state)));
	if (state.flags & NESTED_SVM_F_GUEST_MODE)
		FUZZ_CHECK(!memcmp(state.vmcb12 + 0x400, l2, sizeof(*l2)));
	FUZZ_CHECK(!nested_svm_state_encode(&state, v2, sizeof(v2), &len));
	return 0;
}

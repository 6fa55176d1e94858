// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: nested_vmx_state_from_legacy() on an arbitrary blob.
 *
 * Input: FUZZ_CTX_SIZE bytes of vCPU facts (see fuzz_ctx()), then the
 * legacy blob, which ends where the input ends, so that a read past it is
 * a read past the allocation.  A rejected blob leaves the state
 * untouched; an accepted one converts back to a legacy blob that gives
 * the same state again, and encodes to a v2 container.
 */

#include <linux/errno.h>

#include "fuzz.h"

static struct nested_vmx_state state, again;
static u8 out[3 * NESTED_STATE_PAGE_SIZE];
static u8 v2[NESTED_STATE_MAX_SIZE];

int fuzz_one_input(const u8 *data, size_t size)
{
	struct nested_legacy_ctx ctx;
	size_t len;
	int ret;

	if (size < FUZZ_CTX_SIZE)
		return 0;
	fuzz_ctx(data, &ctx);

	memset(&state, FUZZ_PATTERN, sizeof(state));
	ret = nested_vmx_state_from_legacy(size > FUZZ_CTX_SIZE ?
					   data + FUZZ_CTX_SIZE : NULL,
					   size - FUZZ_CTX_SIZE, &ctx, &state);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -EFAULT);
		FUZZ_CHECK(fuzz_mem_is(&state, FUZZ_PATTERN, sizeof(state)));
		return 0;
	}

	FUZZ_CHECK(!nested_vmx_state_to_legacy(&state, out, sizeof(out), &len));
	memset(&again, FUZZ_PATTERN, sizeof(again));
	FUZZ_CHECK(!nested_vmx_state_from_legacy(out, len, &ctx, &again));
	FUZZ_CHECK(!memcmp(&state, &again, sizeof(state)));
	FUZZ_CHECK(!nested_vmx_state_encode(&state, v2, sizeof(v2), &len));
	return 0;
}

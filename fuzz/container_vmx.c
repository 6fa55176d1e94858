// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: nested_state_parse() and nested_vmx_state_decode() on an
 * arbitrary container.  A rejected input leaves the view and the state
 * untouched; an accepted one maps payloads inside the input only, and
 * its state encodes back to a container that decodes to the same state,
 * and to a legacy blob that converts back to it.
 */

#include <linux/errno.h>

#include "fuzz.h"

static struct nested_vmx_state state, again;
static u8 out[NESTED_STATE_MAX_SIZE];

int fuzz_one_input(const u8 *data, size_t size)
{
	struct nested_legacy_ctx ctx = {
		.maxphyaddr = 64, .vmx = true, .evmcs = true,
	};
	struct nested_state_view view;
	size_t len;
	int ret, t;

	memset(&view, FUZZ_PATTERN, sizeof(view));
	ret = nested_state_parse(data, size, &view);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -E2BIG);
		FUZZ_CHECK(fuzz_mem_is(&view, FUZZ_PATTERN, sizeof(view)));
		return 0;
	}
	for (t = 0; t < NESTED_STATE_SEC_NR; t++) {
		const u8 *p = view.data[t];

		if (!p) {
			FUZZ_CHECK(!view.size[t]);
			continue;
		}
		FUZZ_CHECK(p >= data && p + view.size[t] <= data + size);
	}

	memset(&state, FUZZ_PATTERN, sizeof(state));
	ret = nested_vmx_state_decode(&view, &state);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(fuzz_mem_is(&state, FUZZ_PATTERN, sizeof(state)));
		return 0;
	}

	FUZZ_CHECK(!nested_vmx_state_encode(&state, out, sizeof(out), &len));
	FUZZ_CHECK(!nested_state_parse(out, len, &view));
	FUZZ_CHECK(!nested_vmx_state_decode(&view, &again));
	FUZZ_CHECK(!memcmp(&state, &again, sizeof(state)));

	FUZZ_CHECK(!nested_vmx_state_to_legacy(&state, out, sizeof(out),
					       &len));
	/*
	 * The legacy blob converts back unless vmcs12's revision (opaque in
	 * v2) is not KVM's or SMM needs a vCPU in SMM; either way nothing is
	 * written on a rejection.
	 */
	ctx.smm = state.flags & NESTED_VMX_F_SMM_VMXON;
	memset(&again, FUZZ_PATTERN, sizeof(again));
	ret = nested_vmx_state_from_legacy(out, len, &ctx, &again);
	if (ret)
		FUZZ_CHECK(ret == -EINVAL &&
			   fuzz_mem_is(&again, FUZZ_PATTERN, sizeof(again)));
	return 0;
}

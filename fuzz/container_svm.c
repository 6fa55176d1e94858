// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: nested_state_parse() and nested_svm_state_decode() on an
 * arbitrary container.  A rejected input leaves the view and the state
 * untouched; an accepted one maps payloads inside the input only, and
 * its state encodes, in v2 and in the legacy format, back to a container
 * that decodes to the same state.
 */

#include <linux/errno.h>

#include "fuzz.h"

static struct nested_svm_state state, again;
static u8 out[NESTED_STATE_MAX_SIZE];

int fuzz_one_input(const u8 *data, size_t size)
{
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
	ret = nested_svm_state_decode(&view, &state);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(fuzz_mem_is(&state, FUZZ_PATTERN, sizeof(state)));
		return 0;
	}

	FUZZ_CHECK(!nested_svm_state_encode(&state, out, sizeof(out), &len));
	FUZZ_CHECK(!nested_state_parse(out, len, &view));
	FUZZ_CHECK(!nested_svm_state_decode(&view, &again));
	FUZZ_CHECK(!memcmp(&state, &again, sizeof(state)));
	FUZZ_CHECK(!nested_svm_state_to_legacy(&state, out, sizeof(out),
					       &len));
	FUZZ_CHECK(len == NESTED_LEGACY_HDR_SIZE ||
		   len == NESTED_LEGACY_HDR_SIZE + NESTED_STATE_PAGE_SIZE);
	return 0;
}

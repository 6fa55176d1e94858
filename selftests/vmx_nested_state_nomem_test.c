// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_nested_state_nomem_test: a KVM_SET_NESTED_STATE that runs out of
 * memory leaves the vCPU's nested state as it was.
 *
 * L1 runs an L2 that exits to userspace.  With L2 active, the test sets
 * the vCPU's own nested state back into it, in the 6.12 format, once per
 * allocation the ioctl makes: fault injection (/proc/thread-self/fail-nth,
 * with failslab and fail_page_alloc taking GFP_KERNEL allocations) fails
 * the Nth allocation of the thread for N = 1, 2, ... until the ioctl makes
 * fewer than N (fail-nth reads back what is left of the count).  Each
 * ioctl must succeed (a failed allocation with a fallback, as kvmalloc()'s)
 * or fail with ENOMEM, and after a failure KVM_GET_NESTED_STATE must read
 * back the state from before; then L2 must go on.  6.12 left VMX operation before it allocated what
 * entering it again needs, so an ENOMEM there left the vCPU outside VMX
 * operation.
 *
 * Skipped without VMX or without fault injection (CONFIG_FAULT_INJECTION,
 * CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, debugfs: the sanitizer kernel
 * of make e2e SANITIZE=1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "vmx.h"

#define L2_STACK	256
#define MAX_NTH		200
#define STATE_SIZE	(sizeof(struct kvm_nested_state) + 2 * 4096)

static void l2_guest_code(void)
{
	for (;;) {
		GUEST_SYNC(2);
		vmcall();
	}
}

static void l1_guest_code(struct vmx_pages *vmx)
{
	unsigned long l2_stack[L2_STACK];

	GUEST_ASSERT(prepare_for_vmx_operation(vmx));
	GUEST_ASSERT(load_vmcs(vmx));
	prepare_vmcs(vmx, l2_guest_code, &l2_stack[L2_STACK]);
	GUEST_ASSERT(!vmlaunch());
	for (;;) {
		GUEST_ASSERT_EQ(vmreadz(VM_EXIT_REASON), EXIT_REASON_VMCALL);
		vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) + 3);
		GUEST_ASSERT(!vmresume());
	}
}

/*
 * fail-nth, opened once: while the count is armed, an open() would be an
 * allocation of the thread like any other, and could be the one to fail.
 */
static int fail_nth_fd = -1;

static void fail_nth_set(int n)
{
	char val[16];
	int len = snprintf(val, sizeof(val), "%d", n);

	TEST_ASSERT(pwrite(fail_nth_fd, val, len, 0) == len,
		    "writing fail-nth");
}

static int fail_nth_get(void)
{
	char buf[16] = "";

	TEST_ASSERT(pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) > 0,
		    "reading fail-nth");
	return atoi(buf);
}

static bool write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

/*
 * Let fail-nth reach GFP_KERNEL slab and page allocations, without the
 * stack dump of each injected failure, which the runner would take for a
 * splat.
 */
static bool fault_injection_setup(void)
{
	return write_file("/sys/kernel/debug/failslab/verbose", "0") &&
	       write_file("/sys/kernel/debug/fail_page_alloc/verbose", "0") &&
	       write_file("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") &&
	       write_file("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
			  "N") &&
	       write_file("/sys/kernel/debug/fail_page_alloc/min-order", "0") &&
	       (fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR)) >= 0;
}

static void run_to_l2(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		/* NOT REACHED */
	case UCALL_SYNC:
		TEST_ASSERT_EQ(uc.args[1], 2);
		break;
	default:
		TEST_FAIL("Unknown ucall %lu", uc.cmd);
	}
}

static void get_state(struct kvm_vcpu *vcpu, struct kvm_nested_state *s)
{
	memset(s, 0, STATE_SIZE);
	s->size = STATE_SIZE;
	vcpu_nested_state_get(vcpu, s);
}

int main(int argc, char *argv[])
{
	struct kvm_nested_state *state, *after;
	int nth, r, err, left, nr_nomem = 0, nr_absorbed = 0;
	struct kvm_vcpu *vcpu;
	vm_vaddr_t vmx_gva;
	struct kvm_vm *vm;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE));
	__TEST_REQUIRE(fault_injection_setup(),
		       "fault injection (fail-nth, failslab, fail_page_alloc) not available");

	state = calloc(1, STATE_SIZE);
	after = calloc(1, STATE_SIZE);
	TEST_ASSERT(state && after, "out of memory");

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	vcpu_alloc_vmx(vm, &vmx_gva);
	vcpu_args_set(vcpu, 1, vmx_gva);
	run_to_l2(vcpu);
	get_state(vcpu, state);
	TEST_ASSERT(state->flags & KVM_STATE_NESTED_GUEST_MODE,
		    "L2 is not active");

	for (nth = 1; nth <= MAX_NTH; nth++) {
		fail_nth_set(nth);
		r = __vcpu_nested_state_set(vcpu, state);
		err = errno;
		left = fail_nth_get();
		/* Disarm: what is left of the count must not hit the checks. */
		fail_nth_set(0);
		if (left) {
			TEST_ASSERT(!r, "fail-nth %d: failed with %d, no allocation failed",
				    nth, err);
			pr_info("fail-nth %d: KVM_SET_NESTED_STATE makes %d allocations\n",
				nth, nth - left);
			break;
		}
		if (!r) {
			nr_absorbed++;
			continue;
		}
		TEST_ASSERT(err == ENOMEM,
			    "fail-nth %d: KVM_SET_NESTED_STATE failed with %d, not ENOMEM",
			    nth, err);
		nr_nomem++;
		get_state(vcpu, after);
		TEST_ASSERT(after->size == state->size &&
			    !memcmp(after, state, state->size),
			    "fail-nth %d: the vCPU's nested state changed (flags %#x -> %#x, vmxon %#llx -> %#llx) though KVM_SET_NESTED_STATE failed with ENOMEM",
			    nth, state->flags, after->flags,
			    state->hdr.vmx.vmxon_pa, after->hdr.vmx.vmxon_pa);
	}
	TEST_ASSERT(nth <= MAX_NTH, "more than %d allocations", MAX_NTH);
	TEST_ASSERT(nr_nomem > 0, "no allocation failed");
	pr_info("%d failed allocations gave ENOMEM, each with the state unchanged; %d had a fallback\n",
		nr_nomem, nr_absorbed);

	/* L2 goes on from the state set last. */
	run_to_l2(vcpu);
	run_to_l2(vcpu);

	kvm_vm_free(vm);
	free(state);
	free(after);
	return 0;
}

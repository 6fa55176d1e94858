// SPDX-License-Identifier: GPL-2.0
/*
 * svm_nested_asid_test: ASIDs for L1 and L2 are taken when they are first
 * needed, and taken again once the space has room after running out.
 *
 * The layer gives each VM one ASID for its L1 and one for its L2, from a
 * space of the processor's ASIDs less the last, which is the fallback of
 * VMs that find the space exhausted and is flushed at every VMRUN.  KVM
 * counts those flushes in the vCPU statistic tlb_tag_fallback_flush.
 *
 *  1. Hog VMs, each running once without nested SVM, fill all of the space
 *     but two ASIDs.  A VM that then runs an L2 must find both: a VM that
 *     never ran L2 holds no L2 ASID.
 *  2. Two more hogs fill the space.  Another nested VM runs L1 and L2 on
 *     the fallback, which flushes.
 *  3. The first nested VM goes away.  At its next KVM_RUN and nested VMRUN
 *     the second takes the freed ASIDs: no fallback flush from then on.
 *
 * The test needs the whole space to be small enough to fill with VMs (QEMU
 * emulates 16 ASIDs), SEV off and the layer's statistic; it skips
 * otherwise, so on 6.12.
 */
#include <stdio.h>

#include "nested_svm_util.h"

#define ROUND_TRIPS	20
#define MAX_SPACE	64

static void hog_guest_code(void)
{
	GUEST_DONE();
}

static void l2_guest_code(void)
{
	for (;;)
		__asm__ __volatile__("vmmcall");
}

static void l1_guest_code(struct svm_test_data *svm)
{
	unsigned long l2_guest_stack[L2_STACK_SIZE];
	int i;

	generic_svm_setup(svm, l2_guest_code,
			  &l2_guest_stack[L2_STACK_SIZE]);
	for (;;) {
		for (i = 0; i < ROUND_TRIPS; i++)
			l1_run_l2(svm->vmcb, svm->vmcb_gpa);
		GUEST_SYNC(1);
	}
}

struct nested_vm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct vcpu_stats stats;
	struct kvm_stats_desc *fallback;
};

static void nested_vm_create(struct nested_vm *n)
{
	vm_vaddr_t svm_gva;

	n->vm = vm_create_with_one_vcpu(&n->vcpu, l1_guest_code);
	vcpu_alloc_svm(n->vm, &svm_gva);
	vcpu_args_set(n->vcpu, 1, svm_gva);
	stats_open(&n->stats, n->vcpu);
	n->fallback = stats_find_opt(&n->stats, "tlb_tag_fallback_flush");
	/* 6.12 takes ASIDs per CPU, by generation, and has no fallback. */
	__TEST_REQUIRE(n->fallback,
		       "no vCPU statistic tlb_tag_fallback_flush (6.12)");
}

/* @batches times: ROUND_TRIPS nested round trips, then one KVM_RUN exit. */
static u64 nested_vm_run(struct nested_vm *n, int batches)
{
	struct ucall uc;

	while (batches--) {
		vcpu_run(n->vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(n->vcpu, KVM_EXIT_IO);
		switch (get_ucall(n->vcpu, &uc)) {
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			/* NOT REACHED */
		case UCALL_SYNC:
			break;
		default:
			TEST_FAIL("Unknown ucall 0x%lx.", uc.cmd);
		}
	}
	return stats_read(&n->stats, n->fallback);
}

static void nested_vm_free(struct nested_vm *n)
{
	stats_close(&n->stats);
	kvm_vm_free(n->vm);
}

static struct kvm_vm *hog_create(void)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;

	vm = vm_create_with_one_vcpu(&vcpu, hog_guest_code);
	vcpu_run(vcpu);
	TEST_ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_DONE);
	return vm;
}

static bool sev_enabled(void)
{
	FILE *f = fopen("/sys/module/kvm_amd/parameters/sev", "r");
	int c = 'N';

	if (f) {
		c = fgetc(f);
		fclose(f);
	}
	return c == 'Y' || c == '1';
}

int main(int argc, char *argv[])
{
	struct kvm_vm *hogs[MAX_SPACE + 2];
	struct nested_vm x, y;
	u32 nr_asid, space;
	u64 a, b, c;
	int i, nr_hogs;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));
	TEST_REQUIRE(!sev_enabled());

	/* ASIDs 1 .. nr_asid - 2 make the space; nr_asid - 1 is the fallback. */
	nr_asid = this_cpu_property(X86_PROPERTY_SVM_NR_ASID);
	space = nr_asid - 2;
	__TEST_REQUIRE(nr_asid > 4 && space <= MAX_SPACE,
		       "%u ASIDs: too many to fill with VMs", nr_asid);
	pr_info("%u ASIDs, a space of %u\n", nr_asid, space);

	/* 1. All but two ASIDs taken, one per hog. */
	nr_hogs = space - 2;
	for (i = 0; i < nr_hogs; i++)
		hogs[i] = hog_create();
	nested_vm_create(&x);
	a = nested_vm_run(&x, 2);
	pr_info("nested VM after %d hogs: %lu fallback flushes\n", nr_hogs, a);
	TEST_ASSERT(a == 0,
		    "a nested VM after %d non-nested VMs ran on the fallback ASID (%lu flushes): the VMs took more than one ASID each",
		    nr_hogs, a);

	/* 2. The space is full: a second nested VM runs on the fallback. */
	hogs[nr_hogs++] = hog_create();
	hogs[nr_hogs++] = hog_create();
	nested_vm_create(&y);
	b = nested_vm_run(&y, 2);
	pr_info("nested VM with the space full: %lu fallback flushes\n", b);
	TEST_ASSERT(b >= 2 * 2 * ROUND_TRIPS,
		    "%lu fallback flushes in %d round trips with the space full",
		    b, 2 * ROUND_TRIPS);

	/* 3. Room again: the second VM takes ASIDs of its own. */
	nested_vm_free(&x);
	b = nested_vm_run(&y, 1);
	c = nested_vm_run(&y, 4);
	pr_info("after the first nested VM went away: %lu more fallback flushes\n",
		c - b);
	TEST_ASSERT(c == b,
		    "%lu fallback flushes in %d round trips after ASIDs were freed",
		    c - b, 4 * ROUND_TRIPS);

	nested_vm_free(&y);
	for (i = 0; i < nr_hogs; i++)
		kvm_vm_free(hogs[i]);
	return 0;
}

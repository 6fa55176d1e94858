// SPDX-License-Identifier: GPL-2.0
/*
 * nested_vmmcall_bench: cost of a nested SVM round trip.
 *
 * L1 runs L2, L2 executes VMMCALL in a loop and every VMMCALL exits to L1,
 * which steps over it and re-enters L2.  One round trip is therefore one
 * nested VM-entry (VMRUN emulated by L0) and one nested VM-exit.  After a
 * warm-up, the program samples the vCPU's binary statistics and the wall
 * clock around a measured run of round trips and prints, per round trip,
 * the TLB flushes KVM serviced ("tlb_flush"), the nested VMRUNs it
 * completed ("nested_run") and the time taken.
 *
 * Usage: nested_vmmcall_bench [-n ROUND_TRIPS] [-w WARMUP]
 */
#include <time.h>

#include "nested_svm_util.h"

enum { SYNC_START = 1, SYNC_STOP = 2 };

static void l2_guest_code(void)
{
	for (;;)
		__asm__ __volatile__("vmmcall");
}

static void l1_round_trips(struct svm_test_data *svm, u64 n)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 i;

	/* No NRIP save under every CPU model: VMMCALL is stepped over by hand. */
	for (i = 0; i < n; i++)
		l1_run_l2(vmcb, svm->vmcb_gpa);
}

static void l1_guest_code(struct svm_test_data *svm, u64 warmup,
			  u64 n)
{
	unsigned long l2_guest_stack[L2_STACK_SIZE];

	generic_svm_setup(svm, l2_guest_code,
			  &l2_guest_stack[L2_STACK_SIZE]);

	l1_round_trips(svm, warmup);
	GUEST_SYNC(SYNC_START);
	l1_round_trips(svm, n);
	GUEST_SYNC(SYNC_STOP);
	GUEST_DONE();
}

struct sample {
	u64 tlb_flush;
	u64 nested_run;
	u64 ns;
};

static void take_sample(struct vcpu_stats *stats, struct sample *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	s->tlb_flush = stats_read(stats, stats->tlb_flush);
	s->nested_run = stats_read(stats, stats->nested_run);
}

int main(int argc, char *argv[])
{
	u64 n = 100000, warmup = 1000;
	struct sample start = {}, stop = {};
	struct vcpu_stats stats;
	struct kvm_vcpu *vcpu;
	vm_vaddr_t svm_gva;
	struct kvm_vm *vm;
	struct ucall uc;
	int opt;

	while ((opt = getopt(argc, argv, "n:w:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			warmup = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n ROUND_TRIPS] [-w WARMUP]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_ASSERT(n > 0, "need at least one round trip");

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	vcpu_alloc_svm(vm, &svm_gva);
	vcpu_args_set(vcpu, 3, svm_gva, warmup, n);
	stats_open(&stats, vcpu);

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);

		switch (get_ucall(vcpu, &uc)) {
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			/* NOT REACHED */
		case UCALL_SYNC:
			if (uc.args[1] == SYNC_START)
				take_sample(&stats, &start);
			else
				take_sample(&stats, &stop);
			break;
		case UCALL_DONE:
			goto done;
		default:
			TEST_FAIL("Unknown ucall 0x%lx.", uc.cmd);
		}
	}
done:
	TEST_ASSERT(stop.ns > start.ns, "no measured run");
	TEST_ASSERT_EQ(stop.nested_run - start.nested_run, n);

	printf("nested_vmmcall_bench: round_trips=%lu tlb_flush=%lu nested_run=%lu ns=%lu\n",
	       n, stop.tlb_flush - start.tlb_flush,
	       stop.nested_run - start.nested_run, stop.ns - start.ns);
	printf("nested_vmmcall_bench: per_round_trip tlb_flush=%.3f nested_run=%.3f ns=%.0f\n",
	       (double)(stop.tlb_flush - start.tlb_flush) / n,
	       (double)(stop.nested_run - start.nested_run) / n,
	       (double)(stop.ns - start.ns) / n);

	stats_close(&stats);
	kvm_vm_free(vm);
	return 0;
}

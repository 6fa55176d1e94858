// SPDX-License-Identifier: GPL-2.0
/*
 * nested_vmmcall_bench: cost of a nested SVM round trip.
 *
 * L1 runs L2, L2 executes VMMCALL in a loop and every VMMCALL exits to L1,
 * which steps over it and re-enters L2.  One round trip is therefore one
 * nested VM-entry (VMRUN emulated by L0) and one nested VM-exit.  After a
 * warm-up, the program samples the vCPUs' binary statistics and the wall
 * clock around a measured run of round trips and prints, per round trip,
 * the TLB flushes KVM serviced ("tlb_flush"), the nested VMRUNs it
 * completed ("nested_run"), the flushes of the VMCB's ASID that KVM asked
 * for at VMRUN ("tlb_tag_flush", -1 on a kernel without that statistic,
 * such as 6.12) and the time taken.
 *
 * With -v, VCPUS vCPUs of one VM do the round trips at once, each from a
 * thread of its own; with -p every thread is pinned to CPU 0, so that the
 * vCPUs take turns on one CPU (more vCPUs than CPUs): the case where vCPUs
 * sharing their VM's ASIDs must flush them as they alternate.
 *
 * Usage: nested_vmmcall_bench [-n ROUND_TRIPS] [-w WARMUP] [-v VCPUS] [-p]
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "nested_svm_util.h"

enum { SYNC_START = 1, SYNC_STOP = 2 };

static void l2_guest_code(void)
{
	for (;;)
		__asm__ __volatile__("vmmcall");
}

/*
 * One round trip.  The library's run_guest() keeps the registers in one
 * global area, which two vCPUs running L1 at once would share; L2 here
 * changes no register but RAX, RSP and RIP, which VMRUN and #VMEXIT switch,
 * so a bare VMRUN does, and the benchmark runs any number of vCPUs.
 * FS, GS and the other VMLOAD state are not used by L2.
 */
static void l1_round_trip(struct vmcb *vmcb, u64 vmcb_gpa)
{
	asm volatile("vmrun %%rax" : : "a"(vmcb_gpa) : "memory", "cc");
	__GUEST_ASSERT(vmcb->control.exit_code == SVM_EXIT_VMMCALL,
		       "L2 exit code %#x: expected VMMCALL",
		       vmcb->control.exit_code);
	/* No NRIP save under every CPU model: stepped over by hand. */
	vmcb->save.rip += VMMCALL_LEN;
}

static void l1_round_trips(struct svm_test_data *svm, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		l1_round_trip(svm->vmcb, svm->vmcb_gpa);
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

#define MAX_VCPUS	8

struct sample {
	u64 tlb_flush;
	u64 nested_run;
	u64 tlb_tag_flush;
	u64 ns;
};

struct bench_vcpu {
	struct kvm_vcpu *vcpu;
	struct vcpu_stats stats;
	struct kvm_stats_desc *tlb_tag_flush;
	pthread_t thread;
};

static pthread_barrier_t barrier;
static bool pin;

/* The sum over the vCPUs; tlb_tag_flush is -1 without the statistic. */
static void take_sample(struct bench_vcpu *v, int nr, struct sample *s)
{
	struct timespec ts;
	int i;

	memset(s, 0, sizeof(*s));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	for (i = 0; i < nr; i++) {
		s->tlb_flush += stats_read(&v[i].stats, v[i].stats.tlb_flush);
		s->nested_run += stats_read(&v[i].stats, v[i].stats.nested_run);
		if (v[i].tlb_tag_flush)
			s->tlb_tag_flush += stats_read(&v[i].stats,
						       v[i].tlb_tag_flush);
		else
			s->tlb_tag_flush = -1ULL;
	}
}

/* Run the vCPU to its next ucall, which must be @want. */
static void run_to(struct kvm_vcpu *vcpu, u64 want)
{
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
		/* NOT REACHED */
	case UCALL_SYNC:
		TEST_ASSERT_EQ(uc.args[1], want);
		break;
	case UCALL_DONE:
		TEST_ASSERT_EQ(0, want);
		break;
	default:
		TEST_FAIL("Unknown ucall 0x%lx.", uc.cmd);
	}
}

/*
 * One vCPU: warm up, wait for the others and the start sample, do the
 * measured round trips, wait for the stop sample, finish.
 */
static void *vcpu_thread(void *arg)
{
	struct bench_vcpu *v = arg;

	if (pin) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		TEST_ASSERT(!pthread_setaffinity_np(pthread_self(), sizeof(set),
						    &set), "pinning to CPU 0");
	}
	run_to(v->vcpu, SYNC_START);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	run_to(v->vcpu, SYNC_STOP);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	run_to(v->vcpu, 0);
	return NULL;
}

int main(int argc, char *argv[])
{
	u64 n = 100000, warmup = 1000, total, tags;
	struct kvm_vcpu *vcpus[MAX_VCPUS];
	struct bench_vcpu v[MAX_VCPUS];
	struct sample start, stop;
	vm_vaddr_t svm_gva;
	struct kvm_vm *vm;
	int opt, nr = 1, i;

	while ((opt = getopt(argc, argv, "n:w:v:p")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			warmup = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			nr = atoi(optarg);
			break;
		case 'p':
			pin = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-n ROUND_TRIPS] [-w WARMUP] [-v VCPUS] [-p]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_ASSERT(n > 0, "need at least one round trip");
	TEST_ASSERT(nr >= 1 && nr <= MAX_VCPUS, "1 to %d vCPUs", MAX_VCPUS);

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));

	vm = vm_create_with_vcpus(nr, l1_guest_code, vcpus);
	pthread_barrier_init(&barrier, NULL, nr + 1);
	for (i = 0; i < nr; i++) {
		v[i].vcpu = vcpus[i];
		vcpu_alloc_svm(vm, &svm_gva);
		vcpu_args_set(vcpus[i], 3, svm_gva, warmup, n);
		stats_open(&v[i].stats, vcpus[i]);
		v[i].tlb_tag_flush = stats_find_opt(&v[i].stats,
						    "tlb_tag_flush");
	}
	for (i = 0; i < nr; i++)
		TEST_ASSERT(!pthread_create(&v[i].thread, NULL, vcpu_thread,
					    &v[i]), "creating a vCPU thread");

	pthread_barrier_wait(&barrier);
	take_sample(v, nr, &start);
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	take_sample(v, nr, &stop);
	pthread_barrier_wait(&barrier);
	for (i = 0; i < nr; i++)
		pthread_join(v[i].thread, NULL);

	total = n * nr;
	TEST_ASSERT(stop.ns > start.ns, "no measured run");
	TEST_ASSERT_EQ(stop.nested_run - start.nested_run, total);
	tags = stop.tlb_tag_flush - start.tlb_tag_flush;

	printf("nested_vmmcall_bench: vcpus=%d pinned=%d round_trips=%lu",
	       nr, pin, total);
	printf(" tlb_flush=%lu nested_run=%lu tlb_tag_flush=%ld ns=%lu\n",
	       stop.tlb_flush - start.tlb_flush,
	       stop.nested_run - start.nested_run,
	       stop.tlb_tag_flush == -1ULL ? -1L : (long)tags,
	       stop.ns - start.ns);
	printf("nested_vmmcall_bench: per_round_trip tlb_flush=%.3f",
	       (double)(stop.tlb_flush - start.tlb_flush) / total);
	printf(" nested_run=%.3f tlb_tag_flush=%.3f ns=%.0f\n",
	       (double)(stop.nested_run - start.nested_run) / total,
	       stop.tlb_tag_flush == -1ULL ? -1.0 : (double)tags / total,
	       (double)(stop.ns - start.ns) / total);

	for (i = 0; i < nr; i++)
		stats_close(&v[i].stats);
	kvm_vm_free(vm);
	return 0;
}

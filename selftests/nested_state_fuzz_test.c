// SPDX-License-Identifier: GPL-2.0
/*
 * nested_state_fuzz_test: seeded random sequences of the ioctls around a
 * vCPU that runs an L2, on SVM or VMX.
 *
 * The VM's L1 runs an L2 in a loop; both L1 and L2 exit to userspace in
 * turn (GUEST_SYNC), so KVM_RUN returns with L2 active about half of the
 * time.  Each sequence starts where L2 first exits to userspace: a new VM
 * for every -r sequences, and in between the same VM taken back to that
 * point (out of VMX/SVM operation, guest memory copied back, then the
 * vCPU state that KVM_GET_* returned there, nested state included, set
 * again).  Then, chosen by a PRNG seeded from -s:
 *  - KVM_RUN to the next exit;
 *  - KVM_GET_NESTED_STATE in the 6.12 format or, where the kernel has it,
 *    the v2 format, kept as a snapshot;
 *  - KVM_SET_NESTED_STATE of a snapshot, as saved or with a few bytes
 *    changed (the header, the 6.12 header or the v2 container);
 *  - KVM_SET_REGS and KVM_SET_SREGS of what KVM_GET_* returned, now and
 *    then with a bit changed;
 *  - a memslot change (dirty logging on and off, a spare slot added or
 *    removed);
 *  - the vCPU's thread moving to another CPU.
 * Every ioctl must succeed or fail with an error KVM documents for it
 * (EINVAL, E2BIG, EFAULT, ENOMEM; EEXIST and EINVAL for memslots), and a
 * KVM_SET_NESTED_STATE that fails must leave the state as it was.  A
 * guest that dies of its changed state (an unexpected exit, a failed guest
 * assertion, a KVM_RUN that has not returned after half a second) ends
 * its sequence early, which is not a failure: the kernel must not care.
 * The runner fails the test on any kernel splat.
 *
 * The same seed and -r give the same sequences of operations.
 *
 * Usage: nested_state_fuzz_test [-s SEED] [-n SEQUENCES] [-o OPS]
 *				 [-r SEQUENCES_PER_VM]
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "svm_util.h"
#include "vmx.h"

#ifndef KVM_CAP_NESTED_STATE_V2
#define KVM_CAP_NESTED_STATE_V2		239
#endif

#define L2_STACK	256
#define STATE_SIZE	(sizeof(struct kvm_nested_state) + 65536)
#define NR_SNAPS	4
#define SPARE_SLOT	10
#define SPARE_GPA	0xc0000000UL
#define RUN_LIMIT_US	500000

enum op {
	OP_RUN, OP_SAVE, OP_RESTORE, OP_MUTATE, OP_REGS, OP_SREGS,
	OP_MEMSLOT, OP_MIGRATE, NR_OPS
};

static const char * const op_names[NR_OPS] = {
	"run", "save", "restore", "mutate", "regs", "sregs", "memslot",
	"migrate",
};

static u64 rng;

static void sigalrm(int sig)
{
}

/* xorshift64*: the same seed, the same sequence on every machine. */
static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static u32 rnd_below(u32 n)
{
	return rnd() % n;
}

static void svm_l2_code(void)
{
	for (;;) {
		GUEST_SYNC(2);
		vmmcall();
	}
}

static void svm_l1_code(struct svm_test_data *svm)
{
	unsigned long l2_stack[L2_STACK];
	struct vmcb *vmcb = svm->vmcb;

	generic_svm_setup(svm, svm_l2_code, &l2_stack[L2_STACK]);
	for (;;) {
		GUEST_SYNC(1);
		run_guest(vmcb, svm->vmcb_gpa);
		GUEST_ASSERT_EQ(vmcb->control.exit_code, SVM_EXIT_VMMCALL);
		vmcb->save.rip += 3;
	}
}

static void vmx_l2_code(void)
{
	for (;;) {
		GUEST_SYNC(2);
		vmcall();
	}
}

static void vmx_l1_code(struct vmx_pages *vmx)
{
	unsigned long l2_stack[L2_STACK];

	GUEST_ASSERT(prepare_for_vmx_operation(vmx));
	GUEST_ASSERT(load_vmcs(vmx));
	prepare_vmcs(vmx, vmx_l2_code, &l2_stack[L2_STACK]);
	GUEST_SYNC(1);
	GUEST_ASSERT(!vmlaunch());
	for (;;) {
		GUEST_ASSERT_EQ(vmreadz(VM_EXIT_REASON), EXIT_REASON_VMCALL);
		vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) + 3);
		GUEST_SYNC(1);
		GUEST_ASSERT(!vmresume());
	}
}

struct fuzz {
	bool svm, has_v2;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_nested_state *snap[NR_SNAPS];
	struct kvm_nested_state *buf, *before, *after;
	struct kvm_x86_state *start;
	void *mem, *mem_copy;
	size_t mem_size;
	bool spare_slot, dirty_log;
	u64 ops[NR_OPS], errs[NR_OPS], deaths, timeouts, guest_mode_runs;
	u64 nr_vms, ns_vm, ns_reset, ns_ops;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct kvm_nested_state *state_alloc(void)
{
	struct kvm_nested_state *s = calloc(1, STATE_SIZE);

	TEST_ASSERT(s, "out of memory");
	return s;
}

static void set_v2(struct fuzz *f, bool on)
{
	if (f->has_v2)
		vm_enable_cap(f->vm, KVM_CAP_NESTED_STATE_V2, on);
}

static void get_state(struct fuzz *f, struct kvm_nested_state *s, bool v2)
{
	set_v2(f, v2);
	memset(s, 0, sizeof(*s));
	s->size = STATE_SIZE;
	vcpu_nested_state_get(f->vcpu, s);
	set_v2(f, false);
}

/* Returns false if the guest died: the sequence ends. */
static bool op_run(struct fuzz *f)
{
	struct ucall uc;
	int r;

	/*
	 * The raw ioctl: the library's vcpu_run() fails the test on an
	 * exception the guest did not handle, which a changed state may
	 * cause; here it only ends the sequence.
	 */
	/* A guest that spins without exits is kicked out and ends too. */
	ualarm(RUN_LIMIT_US, 0);
	r = __vcpu_run(f->vcpu);
	ualarm(0, 0);
	if (r && errno == EINTR)
		f->timeouts++;
	if (r || f->vcpu->run->exit_reason != KVM_EXIT_IO)
		return false;
	switch (get_ucall(f->vcpu, &uc)) {
	case UCALL_SYNC:
		f->guest_mode_runs += uc.args[1] == 2;
		return true;
	default:
		return false;
	}
}

static void check_errno(struct fuzz *f, enum op which, const char *what,
			int r, const int *ok, int nr_ok)
{
	int i;

	if (!r)
		return;
	f->errs[which]++;
	for (i = 0; i < nr_ok; i++)
		if (errno == ok[i])
			return;
	TEST_FAIL("%s: error %d (%s), which KVM does not document for it",
		  what, errno, strerror(errno));
}

static const int set_state_errs[] = { EINVAL, E2BIG, EFAULT, ENOMEM };

/* Set @s; a failure must leave the state as it was. */
static void set_state(struct fuzz *f, enum op which,
		      struct kvm_nested_state *s)
{
	int r;

	get_state(f, f->before, false);
	r = __vcpu_nested_state_set(f->vcpu, s);
	check_errno(f, which, "KVM_SET_NESTED_STATE", r, set_state_errs,
		    ARRAY_SIZE(set_state_errs));
	if (!r)
		return;
	get_state(f, f->after, false);
	TEST_ASSERT(f->before->size == f->after->size &&
		    !memcmp(f->before, f->after, f->before->size),
		    "a KVM_SET_NESTED_STATE that failed with %d changed the state",
		    errno);
}

static void op_mutate(struct fuzz *f, struct kvm_nested_state *s)
{
	u32 len = s->size, n = 1 + rnd_below(4), i, at;
	u8 *p = (u8 *)f->buf;

	memcpy(f->buf, s, s->size);
	for (i = 0; i < n; i++) {
		/* Mostly the headers and the first section, sometimes anywhere. */
		at = rnd_below(4) ? rnd_below(len < 512 ? len : 512) :
				    rnd_below(len);
		p[at] ^= 1u << rnd_below(8);
	}
	/* Never let the size run past the buffer the ioctl may read. */
	if (f->buf->size > STATE_SIZE)
		f->buf->size = STATE_SIZE;
	set_state(f, OP_MUTATE, f->buf);
}

static void op_regs(struct fuzz *f)
{
	struct kvm_regs regs;

	vcpu_regs_get(f->vcpu, &regs);
	/* One time in eight, a general-purpose register L1 or L2 may use. */
	if (!rnd_below(8))
		((u64 *)&regs)[rnd_below(16)] ^= 1ull << rnd_below(64);
	vcpu_regs_set(f->vcpu, &regs);
}

static void op_sregs(struct fuzz *f)
{
	static const int errs[] = { EINVAL };
	struct kvm_sregs sregs;
	int r;

	vcpu_sregs_get(f->vcpu, &sregs);
	switch (rnd_below(8)) {
	case 0:
		sregs.cr0 ^= 1ull << rnd_below(32);
		break;
	case 1:
		sregs.cr4 ^= 1ull << rnd_below(32);
		break;
	case 2:
		sregs.efer ^= 1ull << rnd_below(16);
		break;
	default:
		break;
	}
	r = __vcpu_ioctl(f->vcpu, KVM_SET_SREGS, &sregs);
	check_errno(f, OP_SREGS, "KVM_SET_SREGS", r, errs, ARRAY_SIZE(errs));
}

static void op_memslot(struct fuzz *f)
{
	if (rnd_below(2)) {
		f->dirty_log = !f->dirty_log;
		vm_mem_region_set_flags(f->vm, 0, f->dirty_log ?
					KVM_MEM_LOG_DIRTY_PAGES : 0);
	} else if (!f->spare_slot) {
		vm_userspace_mem_region_add(f->vm, VM_MEM_SRC_ANONYMOUS,
					    SPARE_GPA, SPARE_SLOT, 16, 0);
		f->spare_slot = true;
	} else {
		vm_mem_region_delete(f->vm, SPARE_SLOT);
		f->spare_slot = false;
	}
}

static void op_migrate(struct fuzz *f)
{
	int nr = get_nprocs(), cpu = rnd_below(nr);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A new VM, run to L2's first exit; its state and memory are kept. */
static void vm_setup(struct fuzz *f)
{
	struct userspace_mem_region *slot0;
	vm_vaddr_t gva;

	if (f->svm) {
		f->vm = vm_create_with_one_vcpu(&f->vcpu, svm_l1_code);
		vcpu_alloc_svm(f->vm, &gva);
	} else {
		f->vm = vm_create_with_one_vcpu(&f->vcpu, vmx_l1_code);
		vcpu_alloc_vmx(f->vm, &gva);
	}
	vcpu_args_set(f->vcpu, 1, gva);
	f->spare_slot = false;
	f->dirty_log = false;

	/* Into L1, then L2, before the first random operation. */
	if (!op_run(f) || !op_run(f))
		TEST_FAIL("the guest did not reach L2");

	f->start = vcpu_save_state(f->vcpu);
	TEST_ASSERT(f->start->nested.flags & KVM_STATE_NESTED_GUEST_MODE,
		    "L2 is not active at the start of a sequence");
	slot0 = memslot2region(f->vm, 0);
	f->mem = slot0->host_mem;
	f->mem_size = slot0->region.memory_size;
	f->mem_copy = malloc(f->mem_size);
	TEST_ASSERT(f->mem_copy, "out of memory");
	memcpy(f->mem_copy, f->mem, f->mem_size);
	f->nr_vms++;
}

static void vm_teardown(struct fuzz *f)
{
	kvm_x86_state_cleanup(f->start);
	free(f->mem_copy);
	kvm_vm_free(f->vm);
	f->vm = NULL;
}

/*
 * Back to where vm_setup() left the VM.  Out of VMX/SVM operation first:
 * KVM refuses a change of the VMX capability MSRs in VMX operation.
 */
static void vm_reset(struct fuzz *f)
{
	struct kvm_nested_state off = {
		.size = sizeof(off),
	};

	if (f->svm) {
		off.format = KVM_STATE_NESTED_FORMAT_SVM;
		off.flags = KVM_STATE_NESTED_GIF_SET;
	} else {
		off.format = KVM_STATE_NESTED_FORMAT_VMX;
		off.hdr.vmx.vmxon_pa = -1ull;
		off.hdr.vmx.vmcs12_pa = -1ull;
	}
	vcpu_nested_state_set(f->vcpu, &off);
	if (f->spare_slot)
		vm_mem_region_delete(f->vm, SPARE_SLOT);
	if (f->dirty_log)
		vm_mem_region_set_flags(f->vm, 0, 0);
	f->spare_slot = false;
	f->dirty_log = false;
	memcpy(f->mem, f->mem_copy, f->mem_size);
	vcpu_load_state(f->vcpu, f->start);
}

static void sequence(struct fuzz *f, int nr_ops, bool new_vm)
{
	u64 t0 = now_ns(), t1;
	int i, k;

	if (new_vm) {
		if (f->vm)
			vm_teardown(f);
		vm_setup(f);
		t1 = now_ns();
		f->ns_vm += t1 - t0;
	} else {
		vm_reset(f);
		t1 = now_ns();
		f->ns_reset += t1 - t0;
	}
	for (k = 0; k < NR_SNAPS; k++)
		f->snap[k]->size = 0;

	for (i = 0; i < nr_ops; i++) {
		enum op op = rnd_below(NR_OPS);
		struct kvm_nested_state *s;

		k = rnd_below(NR_SNAPS);
		s = f->snap[k];
		if ((op == OP_RESTORE || op == OP_MUTATE) && !s->size)
			op = OP_SAVE;
		f->ops[op]++;
		switch (op) {
		case OP_RUN:
			if (!op_run(f)) {
				f->deaths++;
				goto out;
			}
			break;
		case OP_SAVE:
			get_state(f, s, f->has_v2 && rnd_below(2));
			break;
		case OP_RESTORE:
			set_state(f, op, s);
			break;
		case OP_MUTATE:
			op_mutate(f, s);
			break;
		case OP_REGS:
			op_regs(f);
			break;
		case OP_SREGS:
			op_sregs(f);
			break;
		case OP_MEMSLOT:
			op_memslot(f);
			break;
		default:
			op_migrate(f);
			break;
		}
	}
out:
	f->ns_ops += now_ns() - t1;
}

int main(int argc, char *argv[])
{
	u64 seed = 1;
	int nr_seq = 200, nr_ops = 24, per_vm = 50, opt, i;
	struct fuzz f = {};
	u64 total = 0;

	while ((opt = getopt(argc, argv, "s:n:o:r:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			nr_seq = atoi(optarg);
			break;
		case 'o':
			nr_ops = atoi(optarg);
			break;
		case 'r':
			per_vm = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: %s [-s SEED] [-n SEQS] [-o OPS] [-r SEQS_PER_VM]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE));
	f.svm = kvm_cpu_has(X86_FEATURE_SVM);
	TEST_REQUIRE(f.svm || kvm_cpu_has(X86_FEATURE_VMX));
	f.has_v2 = kvm_check_cap(KVM_CAP_NESTED_STATE_V2) > 0;
	TEST_ASSERT(nr_seq > 0 && nr_ops > 0 && per_vm > 0,
		    "-n, -o and -r take a positive number");
	rng = seed ? seed : 1;

	for (i = 0; i < NR_SNAPS; i++)
		f.snap[i] = state_alloc();
	f.buf = state_alloc();
	f.before = state_alloc();
	f.after = state_alloc();

	pr_info("%s, %s format, seed %lu: %d sequences of up to %d operations, a new VM every %d\n",
		f.svm ? "SVM" : "VMX", f.has_v2 ? "6.12 and v2" : "6.12",
		seed, nr_seq, nr_ops, per_vm);
	sigaction(SIGALRM, &(struct sigaction){ .sa_handler = sigalrm }, NULL);
	for (i = 0; i < nr_seq; i++) {
		sequence(&f, nr_ops, !(i % per_vm));
		if ((i + 1) % 50 == 0)
			pr_info("%d sequences, %lu guests died\n", i + 1,
				f.deaths);
	}

	for (i = 0; i < NR_OPS; i++) {
		pr_info("%-8s %8lu, %lu refused\n", op_names[i], f.ops[i],
			f.errs[i]);
		total += f.ops[i];
	}
	pr_info("%d sequences, %lu operations, %lu KVM_RUNs returned with L2 active, %lu guests died of their state\n",
		nr_seq, total, f.guest_mode_runs, f.deaths);
	pr_info("%lu of them stopped by the %d ms limit of a KVM_RUN\n",
		f.timeouts, RUN_LIMIT_US / 1000);
	pr_info("%lu VMs, %lu ms each; %lu resets, %lu ms each; operations %lu ms per sequence\n",
		f.nr_vms, f.ns_vm / f.nr_vms / 1000000,
		nr_seq - f.nr_vms,
		nr_seq > f.nr_vms ? f.ns_reset / (nr_seq - f.nr_vms) / 1000000 : 0,
		f.ns_ops / nr_seq / 1000000);

	vm_teardown(&f);

	for (i = 0; i < NR_SNAPS; i++)
		free(f.snap[i]);
	free(f.buf);
	free(f.before);
	free(f.after);
	return 0;
}

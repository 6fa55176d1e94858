// SPDX-License-Identifier: GPL-2.0
/*
 * svm_nested_npt_test: what L2 reads through a nested NPT that L1 changes.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guest.  L1 runs L2 with nested paging (vmcb12 NP_ENABLE, nCR3 pointing
 * at an NPT built here).  The NPT maps L1's memory 1:1 with 2M pages, so
 * that L2 runs on L1's page tables, code and stack, and one L2-physical
 * page P with a 4K entry, which points at one of NR_DATA data pages.  L1's
 * own page P (marker P_MARKER) is never mapped for L2.  L2 reads P and
 * exits with VMMCALL; L1 checks what it read.
 *
 * Remap cases.  L1 points P's NPT entry at another data page, then:
 *
 *   tlb_ctl=1, 3, 7  sets vmcb12 TLB_CONTROL to that value: L2 must read
 *                    the new page.  3 and 7 are defined only with
 *                    FLUSHBYASID (CPUID 0x8000000A EDX[6]); without it in
 *                    L1's CPUID those cases are skipped.
 *   new-asid         gives L2 an ASID it never used: nothing can be cached
 *                    for it, so L2 must read the new page.
 *   invlpga          executes INVLPGA for L2's address and ASID.  The APM
 *                    defines INVLPGA as invalidating one virtual page's
 *                    translation, not what is cached of the nested page
 *                    tables, so L2 may read either page: reported.
 *   none             does nothing.  L2 may read either page: reported.
 *   flush-only       does not remap, but sets TLB_CONTROL 1: L2 must read
 *                    the same page.
 *
 * After a reported case L1 flushes (TLB_CONTROL 1) and L2 must then read
 * the new page.  Each case is run with the change made between two exits
 * of one L2 run ("between-exits": L1 remaps in its #VMEXIT handler and L2
 * resumes), and while no L2 runs ("l2-stopped": L2's run ended, L1 went
 * out to userspace with a GUEST_SYNC, remaps, and starts L2 afresh).
 *
 * ASID cases.  L1 runs two L2s from two vmcb12s whose NPTs map P to two
 * different pages, alternating between them:
 *
 *   isolated    ASIDs 1 and 2, 1000 alternations: each reads its own page;
 *   shared      both on ASID 1, no flush: the APM lets either read the
 *               other's translation, never anything L1 did not map:
 *               asserted as "own or other's", counts reported;
 *   split       the second moves to ASID 3, never used: it reads its own
 *               page; the first may still read the other's: reported;
 *   flushed     the first flushes its ASID once (TLB_CONTROL 3, or 1
 *               without FLUSHBYASID): each reads its own page again.
 *
 * Every case runs twice: with the vCPU thread pinned to CPU 0, and moved
 * between CPU 0 and CPU 1 at every GUEST_SYNC (sched_setaffinity() between
 * two KVM_RUNs).
 *
 * Statistics.  At every GUEST_SYNC the program reads the vCPU's tlb_flush
 * and nested_run statistics and prints, per case and phase, the TLB
 * flushes KVM serviced per nested round trip (VMRUN and #VMEXIT).  It
 * asserts that nested_run counts L1's VMRUNs, and that KVM serviced at
 * least one flush per VMRUN on which L1 set TLB_CONTROL.
 *
 * What this exercises.  Nested NPT needs NPT in L0 (kvm_amd.npt=1, the
 * default; with npt=0 L1 has no NPT and the test is skipped).  L0 then
 * shadows L1's NPT (KVM's guest_mmu); a changed NPT entry reaches L2 only
 * when L0 resynchronizes that shadow, which the flush or ASID change must
 * cause.  Under QEMU TCG a missing hardware TLB flush cannot be seen: QEMU
 * flushes its soft TLB on every VMRUN and #VMEXIT.
 */
#include "nested_svm_util.h"

#define TEST_SLOT_PAGES		64
#define PG_P			0
#define PG_DATA			1
#define TEST_GVA		(TEST_SLOT_GPA + PG_P * PAGE_SIZE)

#define P_MARKER		0x5050505050505050UL

#define STEADY_RTS		20
#define REMAP_ROUNDS		6
#define ALTERNATIONS		1000
#define ALTERNATIONS_SHORT	100

enum method {
	M_TLB1,
	M_TLB3,
	M_TLB7,
	M_NEW_ASID,
	M_INVLPGA,
	M_NONE,
	M_FLUSH_ONLY,
	NR_METHODS,
};

static const char * const method_name[NR_METHODS] = {
	[M_TLB1] = "tlb_ctl=1",
	[M_TLB3] = "tlb_ctl=3",
	[M_TLB7] = "tlb_ctl=7",
	[M_NEW_ASID] = "new-asid",
	[M_INVLPGA] = "invlpga",
	[M_NONE] = "none",
	[M_FLUSH_ONLY] = "flush-only",
};

/* What L1 does after its change, for each method. */
static const enum l1_flush method_flush[NR_METHODS] = {
	[M_TLB1] = L1_FLUSH_TLB1,
	[M_TLB3] = L1_FLUSH_TLB3,
	[M_TLB7] = L1_FLUSH_TLB7,
	[M_NEW_ASID] = L1_FLUSH_NEW_ASID,
	[M_INVLPGA] = L1_FLUSH_INVLPGA,
	[M_NONE] = L1_FLUSH_NOTHING,
	[M_FLUSH_ONLY] = L1_FLUSH_TLB1,
};

/* What the APM guarantees after each method: the new page, or either. */
static bool method_asserts(enum method m)
{
	return m != M_INVLPGA && m != M_NONE;
}

enum phase {
	PH_FIRST,
	PH_STEADY,
	PH_WARM,
	PH_REMAP,
	PH_ISOLATED,
	PH_SHARED,
	PH_SPLIT,
	PH_FLUSHED,
	NR_PHASES,
};

static const char * const phase_name[NR_PHASES] = {
	[PH_FIRST] = "first",
	[PH_STEADY] = "steady",
	[PH_WARM] = "warm",
	[PH_REMAP] = "remap",
	[PH_ISOLATED] = "isolated",
	[PH_SHARED] = "shared",
	[PH_SPLIT] = "split",
	[PH_FLUSHED] = "flushed",
};

/* What the APM allows each L2 to read in each phase of the ASID case. */
static const char * const asid_rule[NR_PHASES] = {
	[PH_ISOLATED] = "asserted: own page",
	[PH_SHARED] = "asserted: own or other's page",
	[PH_SPLIT] = "asserted: L2#0 own or other's, L2#1 own page",
	[PH_FLUSHED] = "asserted: own page",
};

/* Shared with L1; the results are written by L1. */
struct remap_args {
	u64 method;
	u64 l2_stopped;
	u64 rounds;
	u64 nr_asids;
	u64 ncr3;
	u64 npte;			/* GVA of P's NPT entry */
	u64 page[NR_DATA];		/* L1-physical data pages */
	u64 saw_new;
	u64 saw_old;
};

struct asid_args {
	u64 ncr3[2];
	u64 vmcb_gva;			/* the second L2's vmcb12 */
	u64 vmcb_gpa;
	u64 sync_every;
	u64 flushbyasid;
	u64 own[NR_PHASES][2];
	u64 other[NR_PHASES][2];
};

/* Written by L2, read by L1. */
static u64 l2_seen;

static void l2_reader(void)
{
	for (;;) {
		WRITE_ONCE(l2_seen, READ_ONCE(*(u64 *)TEST_GVA));
		vmmcall();
	}
}

static void l2_start(struct vmcb *vmcb, unsigned long *stack_top)
{
	vmcb->save.rip = (u64)l2_reader;
	vmcb->save.rsp = (u64)stack_top;
}

/* One nested round trip; returns what L2 read.  TLB_CONTROL is one-shot. */
static u64 l2_run(struct vmcb *vmcb, u64 vmcb_gpa)
{
	WRITE_ONCE(l2_seen, L2_POISON);
	l1_run_l2(vmcb, vmcb_gpa);
	return READ_ONCE(l2_seen);
}

static void l1_npt_setup(struct svm_test_data *svm, unsigned long *stack_top,
			 u64 ncr3)
{
	struct vmcb *vmcb = svm->vmcb;

	generic_svm_setup(svm, l2_reader, stack_top);
	vmcb->control.nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	vmcb->control.nested_cr3 = ncr3;
	vmcb->control.asid = 1;
}

static void l1_remap(struct svm_test_data *svm, struct remap_args *a)
{
	unsigned long stack[L2_STACK_SIZE];
	unsigned long *top = &stack[L2_STACK_SIZE];
	struct vmcb *vmcb = svm->vmcb;
	u64 *npte = (u64 *)a->npte;
	unsigned int cur = 0, next, r, i;
	u64 seen, vmruns, flushes;

	if (a->method == M_TLB3 || a->method == M_TLB7)
		GUEST_ASSERT(this_cpu_has(X86_FEATURE_FLUSHBYASID));

	l1_npt_setup(svm, top, a->ncr3);
	GUEST_ASSERT_EQ(l2_run(vmcb, svm->vmcb_gpa), DATA_MARKER(cur));
	GUEST_SYNC3(PH_FIRST, 1, 0);
	for (i = 0; i < STEADY_RTS; i++)
		GUEST_ASSERT_EQ(l2_run(vmcb, svm->vmcb_gpa), DATA_MARKER(cur));
	GUEST_SYNC3(PH_STEADY, STEADY_RTS, 0);

	for (r = 0; r < a->rounds; r++) {
		vmruns = 0;
		flushes = 0;
		if (a->l2_stopped)
			l2_start(vmcb, top);
		l1_check_before(l2_run(vmcb, svm->vmcb_gpa), r, cur);
		if (a->l2_stopped) {
			/* L2 is done; leave to userspace, then start anew. */
			GUEST_SYNC3(PH_WARM, 1, 0);
			l2_start(vmcb, top);
		} else {
			vmruns++;
		}

		next = cur;
		if (a->method != M_FLUSH_ONLY) {
			next = (cur + 1) % NR_DATA;
			WRITE_ONCE(*npte, a->page[next] | NPT_FLAGS);
		}
		flushes += l1_flush(vmcb, method_flush[a->method], TEST_GVA,
				    a->nr_asids);
		seen = l2_run(vmcb, svm->vmcb_gpa);
		vmruns++;

		if (!method_asserts(a->method)) {
			l1_check_either(seen, r, cur, next, &a->saw_new,
					&a->saw_old);
			vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
			flushes++;
			seen = l2_run(vmcb, svm->vmcb_gpa);
			vmruns++;
		}
		l1_check_new(seen, r, cur, next);
		cur = next;
		GUEST_SYNC3(PH_REMAP, vmruns, flushes);
	}
	GUEST_DONE();
}

/*
 * @n alternations of the two L2s; @strict[i]: L2 i must read its own page,
 * otherwise its own or the other's.
 */
static void l1_alternate(struct asid_args *a, struct vmcb **vmcb, u64 *gpa,
			 enum phase ph, unsigned int n, const bool *strict)
{
	unsigned int i, j, since_sync = 0;
	u64 seen, flushes = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			flushes += vmcb[j]->control.tlb_ctl != TLB_CONTROL_DO_NOTHING;
			seen = l2_run(vmcb[j], gpa[j]);
			if (seen == DATA_MARKER(j)) {
				a->own[ph][j]++;
				continue;
			}
			__GUEST_ASSERT(!strict[j] && seen == DATA_MARKER(!j),
				       "phase %u, alternation %u: L2 #%u (ASID %u) read %#lx, expected %#lx%s",
				       ph, i, j, vmcb[j]->control.asid, seen,
				       DATA_MARKER(j),
				       strict[j] ? "" : " or the other L2's page");
			a->other[ph][j]++;
		}
		if (++since_sync == a->sync_every || i == n - 1) {
			GUEST_SYNC3(ph, 2 * since_sync, flushes);
			since_sync = 0;
			flushes = 0;
		}
	}
}

static void l1_asid(struct svm_test_data *svm, struct asid_args *a)
{
	static const bool both[2] = { true, true };
	static const bool second[2] = { false, true };
	static const bool neither[2] = { false, false };
	unsigned long stack0[L2_STACK_SIZE], stack1[L2_STACK_SIZE];
	struct vmcb *vmcb[2] = { svm->vmcb, (struct vmcb *)a->vmcb_gva };
	u64 gpa[2] = { svm->vmcb_gpa, a->vmcb_gpa };

	l1_npt_setup(svm, &stack0[L2_STACK_SIZE], a->ncr3[0]);
	memcpy(vmcb[1], vmcb[0], sizeof(*vmcb[1]));
	vmcb[1]->save.rsp = (u64)&stack1[L2_STACK_SIZE];
	vmcb[1]->control.nested_cr3 = a->ncr3[1];
	vmcb[1]->control.asid = 2;

	l1_alternate(a, vmcb, gpa, PH_FIRST, 1, both);
	l1_alternate(a, vmcb, gpa, PH_ISOLATED, ALTERNATIONS, both);

	vmcb[1]->control.asid = vmcb[0]->control.asid;
	l1_alternate(a, vmcb, gpa, PH_SHARED, ALTERNATIONS_SHORT, neither);

	vmcb[1]->control.asid = 3;
	l1_alternate(a, vmcb, gpa, PH_SPLIT, ALTERNATIONS_SHORT, second);

	vmcb[0]->control.tlb_ctl = a->flushbyasid ? TLB_CONTROL_FLUSH_ASID :
				   TLB_CONTROL_FLUSH_ALL_ASID;
	l1_alternate(a, vmcb, gpa, PH_FLUSHED, ALTERNATIONS_SHORT, both);
	GUEST_DONE();
}

/* P's NPT entry, pointing at data page @data; returns nCR3. */
static u64 npt_create(struct test_mem *mem, unsigned int data, u64 *npte)
{
	return test_npt_create(mem, TEST_GVA, test_page(PG_DATA + data), npte);
}

static const char *when_name(bool l2_stopped)
{
	return l2_stopped ? "l2-stopped" : "between-exits";
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu, void *l1_code,
				struct test_mem *mem, vm_vaddr_t *svm_gva)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, l1_code);

	vcpu_alloc_svm(vm, svm_gva);
	test_mem_init(mem, vm, TEST_SLOT_PAGES, PG_DATA);
	fill_page(vm, test_page(PG_P), P_MARKER);
	return vm;
}

static void test_remap(enum method m, bool l2_stopped, bool migrate)
{
	struct phase_stats ps[NR_PHASES] = {};
	struct kvm_vcpu *vcpu;
	struct remap_args *a;
	struct test_mem mem;
	vm_vaddr_t svm_gva, args_gva;
	struct kvm_vm *vm;
	unsigned int moves, i;

	vm = create_vm(&vcpu, l1_remap, &mem, &svm_gva);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->method = m;
	a->l2_stopped = l2_stopped;
	a->rounds = REMAP_ROUNDS;
	a->nr_asids = kvm_cpu_property(X86_PROPERTY_SVM_NR_ASID);
	a->ncr3 = npt_create(&mem, 0, &a->npte);
	for (i = 0; i < NR_DATA; i++)
		a->page[i] = test_page(PG_DATA + i);
	vcpu_args_set(vcpu, 2, svm_gva, args_gva);

	moves = nested_tlb_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);
	if (!method_asserts(m))
		ksft_print_msg("  REPORT %s %s %s: L2 read the new page %lu, the old %lu, of %u\n",
			       method_name[m], when_name(l2_stopped),
			       cpu_mode(migrate), a->saw_new, a->saw_old,
			       REMAP_ROUNDS);
	nested_tlb_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("remap %s %s %s (%u CPU moves)\n", method_name[m],
			      when_name(l2_stopped), cpu_mode(migrate), moves);
	kvm_vm_free(vm);
}

static void test_asid(bool migrate)
{
	struct phase_stats ps[NR_PHASES] = {};
	vm_vaddr_t svm_gva, args_gva;
	struct kvm_vcpu *vcpu;
	struct asid_args *a;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int moves;
	int p;
	u64 npte;

	vm = create_vm(&vcpu, l1_asid, &mem, &svm_gva);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->ncr3[0] = npt_create(&mem, 0, &npte);
	a->ncr3[1] = npt_create(&mem, 1, &npte);
	a->vmcb_gva = vm_vaddr_alloc_page(vm);
	a->vmcb_gpa = addr_gva2gpa(vm, a->vmcb_gva);
	a->sync_every = migrate ? 10 : 100;
	a->flushbyasid = kvm_cpu_has(X86_FEATURE_FLUSHBYASID);
	vcpu_args_set(vcpu, 2, svm_gva, args_gva);

	moves = nested_tlb_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);
	for (p = PH_ISOLATED; p < NR_PHASES; p++)
		ksft_print_msg("  %s%s: L2#0 own %lu other's %lu; L2#1 own %lu other's %lu (%s)\n",
			       p == PH_SHARED || p == PH_SPLIT ? "REPORT " : "",
			       phase_name[p], a->own[p][0], a->other[p][0],
			       a->own[p][1], a->other[p][1], asid_rule[p]);
	nested_tlb_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("asid isolation %s (%u CPU moves)\n",
			      cpu_mode(migrate), moves);
	kvm_vm_free(vm);
}

static struct nested_tlb_env env;

/* Why a remap case cannot run here, or NULL. */
static const char *remap_skip(enum method m, bool migrate)
{
	return nested_tlb_skip(&env, migrate, m == M_TLB3 || m == M_TLB7,
			       m == M_NEW_ASID ? REMAP_ROUNDS + 2 : 1);
}

int main(int argc, char *argv[])
{
	const char *skip;
	int m, stopped, mig;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));
	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_NPT));

	nested_tlb_env_init(&env);

	ksft_print_header();
	ksft_set_plan(2 * (NR_METHODS * 2 + 1));
	ksft_print_msg("L1: FLUSHBYASID %s, %u ASIDs; %d CPUs\n",
		       env.flushbyasid ? "yes" : "no", env.nr_asids,
		       get_nprocs());

	for (mig = 0; mig < 2; mig++) {
		for (m = 0; m < NR_METHODS; m++) {
			for (stopped = 0; stopped < 2; stopped++) {
				skip = remap_skip(m, mig);
				if (skip)
					ksft_test_result_skip("remap %s %s %s: %s\n",
							      method_name[m],
							      when_name(stopped),
							      cpu_mode(mig), skip);
				else
					test_remap(m, stopped, mig);
			}
		}
		skip = nested_tlb_skip(&env, mig, false, 4);
		if (skip)
			ksft_test_result_skip("asid isolation %s: %s\n",
					      cpu_mode(mig), skip);
		else
			test_asid(mig);
	}
	ksft_finished();
}

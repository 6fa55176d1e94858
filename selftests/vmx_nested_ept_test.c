// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_nested_ept_test: what L2 reads through a nested EPT that L1 changes.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guest.  L1 runs L2 with nested EPT (vmcs12 "enable EPT", EPTP pointing
 * at tables built here) and, when L1 has it, VPID 1.  The EPT maps L1's
 * memory 1:1 with 2M pages, so that L2 runs on L1's code and stack, the
 * test memslot 1:1 with 4K pages, and one L2-physical page P of it to one
 * of NR_DATA data pages.  L1's own page P (marker P_MARKER) is never
 * mapped for L2.  L2 runs on page tables of its own (PML4 entry 0 is
 * L1's) that map DATA_GVA with a 4K PTE.  L2 reads DATA_GVA and exits
 * with VMCALL; L1 checks what it read.
 *
 * EPT cases.  DATA_GVA's PTE points at P; L1 points P's EPT entry at
 * another data page, then:
 *
 *   invept-single   INVEPT single-context of L2's EPTP: the SDM has it
 *                   invalidate the guest-physical and combined mappings
 *                   of that EPTP, so L2 must read the new page;
 *   invept-all      INVEPT all-context: the new page;
 *   new-eptp        L1 made the change in a copy of the EPT never used
 *                   before and gives L2 its EPTP: nothing can be cached
 *                   for it, the new page;
 *   invvpid-single  INVVPID single-context of L2's VPID, and
 *   invvpid-all     INVVPID all-context: the SDM has INVVPID invalidate
 *                   linear and combined mappings, not guest-physical
 *                   ones, from which the processor may build new
 *                   combined mappings: L2 may read either page, reported;
 *   none            nothing: either page, reported;
 *   flush-only      no change, INVEPT single-context: the same page.
 *
 * PTE cases.  DATA_GVA's PTE points at a data page directly; L1 points it
 * at another one, then:
 *
 *   pte-invvpid-addr, -single, -all
 *                   INVVPID of DATA_GVA in L2's VPID, of L2's VPID, of
 *                   every VPID: these invalidate the combined mappings
 *                   of L2's linear addresses, so the new page;
 *   pte-invept      INVEPT single-context of L2's EPTP, which invalidates
 *                   every combined mapping of that EPTP: the new page;
 *   pte-none        nothing.  With VPID, VM-entry invalidates nothing:
 *                   either page, reported.  Without VPID in L1 (L2 runs
 *                   with VPID 0000H), VM-entry invalidates the linear and
 *                   combined mappings of VPID 0000H: the new page.
 *
 * After a reported case L1 flushes with INVEPT all-context and L2 must
 * then read the new page.  Each case is run with the change made between
 * two exits of one L2 run ("between-exits": L1 changes the mapping in its
 * VM-exit handler and resumes L2), and while no L2 runs ("l2-stopped":
 * L2's run ended, L1 went out to userspace with a GUEST_SYNC, changes the
 * mapping and starts L2 afresh).  The INVVPID cases need VPID and the
 * INVVPID type in L1's IA32_VMX_EPT_VPID_CAP, the INVEPT ones the INVEPT
 * type; without them they are skipped.
 *
 * EPTP case.  L1 runs two L2s from two vmcs12s, with the same VPID and
 * page tables but two EPTs that map P to two different pages, 100 times
 * in turn: the SDM tags combined mappings with the EPTP as well as the
 * VPID, so each must read its own page.
 *
 * Every case runs twice: with the vCPU thread pinned to CPU 0, and moved
 * between CPU 0 and CPU 1 at every GUEST_SYNC (sched_setaffinity() between
 * two KVM_RUNs; skipped with one CPU).
 *
 * Statistics.  At every GUEST_SYNC the program reads the vCPU's tlb_flush
 * and nested_run statistics and prints, per case and phase, the TLB
 * flushes KVM serviced per nested round trip (VM-entry and VM-exit).  It
 * asserts that nested_run counts L1's VMLAUNCHes and VMRESUMEs.
 *
 * What this exercises.  Nested EPT needs EPT in L0 (kvm_intel.ept=1, the
 * default; with ept=0 L1 has no EPT and the test is skipped).  L0 then
 * shadows L1's EPT (KVM's guest_mmu); a changed EPT entry reaches L2 only
 * when L0 resynchronizes that shadow, which INVEPT or a new EPTP must
 * cause.  kvm_intel.vpid=0 takes the paths without VPID.
 */
#include "nested_vmx_util.h"

#define TEST_SLOT_PAGES		128
#define PG_P			0
#define PG_DATA			1
#define P_GPA			test_page(PG_P)
#define DATA_GVA		BIT_ULL(PG_LEVEL_SHIFT(PG_LEVEL_512G))

#define P_MARKER		0x5050505050505050UL

#define L2_VPID			1
#define STEADY_RTS		10
#define REMAP_ROUNDS		4
#define ALTERNATIONS		100

enum method {
	M_INVEPT_SINGLE,
	M_INVEPT_ALL,
	M_NEW_EPTP,
	M_INVVPID_SINGLE,
	M_INVVPID_ALL,
	M_NONE,
	M_FLUSH_ONLY,
	M_PTE_INVVPID_ADDR,
	M_PTE_INVVPID_SINGLE,
	M_PTE_INVVPID_ALL,
	M_PTE_INVEPT,
	M_PTE_NONE,
	NR_METHODS,
};

static const char * const method_name[NR_METHODS] = {
	[M_INVEPT_SINGLE] = "invept-single",
	[M_INVEPT_ALL] = "invept-all",
	[M_NEW_EPTP] = "new-eptp",
	[M_INVVPID_SINGLE] = "invvpid-single",
	[M_INVVPID_ALL] = "invvpid-all",
	[M_NONE] = "none",
	[M_FLUSH_ONLY] = "flush-only",
	[M_PTE_INVVPID_ADDR] = "pte-invvpid-addr",
	[M_PTE_INVVPID_SINGLE] = "pte-invvpid-single",
	[M_PTE_INVVPID_ALL] = "pte-invvpid-all",
	[M_PTE_INVEPT] = "pte-invept",
	[M_PTE_NONE] = "pte-none",
};

/* The L1 capabilities each method needs (IA32_VMX_EPT_VPID_CAP bits). */
static const u64 method_caps[NR_METHODS] = {
	[M_INVEPT_SINGLE] = EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE,
	[M_INVEPT_ALL] = EPT_CAP_INVEPT | EPT_CAP_INVEPT_ALL,
	[M_INVVPID_SINGLE] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE,
	[M_INVVPID_ALL] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_ALL,
	[M_FLUSH_ONLY] = EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE,
	[M_PTE_INVVPID_ADDR] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_ADDR,
	[M_PTE_INVVPID_SINGLE] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE,
	[M_PTE_INVVPID_ALL] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_ALL,
	[M_PTE_INVEPT] = EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE,
};

static bool method_changes_pte(enum method m)
{
	return m >= M_PTE_INVVPID_ADDR;
}

static bool method_needs_vpid(enum method m)
{
	return method_caps[m] & VPID_CAP_INVVPID;
}

/* What the SDM guarantees after each method: the new page, or either. */
static bool method_asserts(enum method m, bool vpid)
{
	switch (m) {
	case M_INVVPID_SINGLE:
	case M_INVVPID_ALL:
	case M_NONE:
		return false;
	case M_PTE_NONE:
		return !vpid;
	default:
		return true;
	}
}

enum phase {
	PH_FIRST,
	PH_STEADY,
	PH_WARM,
	PH_REMAP,
	PH_EPTP,
	NR_PHASES,
};

static const char * const phase_name[NR_PHASES] = {
	[PH_FIRST] = "first",
	[PH_STEADY] = "steady",
	[PH_WARM] = "warm",
	[PH_REMAP] = "remap",
	[PH_EPTP] = "eptp",
};

/* Shared with L1; the results are written by L1. */
struct remap_args {
	u64 method;
	u64 l2_stopped;
	u64 rounds;
	u64 vpid;
	u64 l2_cr3;
	u64 eptp[REMAP_ROUNDS + 1];	/* EPTPs; [i] maps P to page i % NR_DATA */
	u64 epte;			/* GVA of P's entry in eptp[0] */
	u64 pte;			/* GVA of DATA_GVA's PTE */
	u64 page[NR_DATA];		/* L1-physical data pages */
	u64 caps;			/* L1's IA32_VMX_EPT_VPID_CAP */
	u64 saw_new;
	u64 saw_old;
};

struct eptp_args {
	u64 vpid;
	u64 l2_cr3;
	u64 eptp[2];
	u64 vmcs_gpa[2];
	u64 sync_every;
	u64 own[2];
};

/* Written by L2, read by L1. */
static u64 l2_seen;

static void l2_reader(void)
{
	for (;;) {
		WRITE_ONCE(l2_seen, READ_ONCE(*(u64 *)DATA_GVA));
		l2_vmcall();
	}
}

struct l2 {
	struct l2_gprs gprs;
	bool launched;
};

static void l2_restart(unsigned long *stack_top)
{
	GUEST_ASSERT(!vmwrite(GUEST_RIP, (u64)l2_reader));
	GUEST_ASSERT(!vmwrite(GUEST_RSP, (u64)stack_top));
}

/* One nested round trip of the current VMCS; returns what L2 read. */
static u64 l2_run(struct l2 *l2)
{
	WRITE_ONCE(l2_seen, L2_POISON);
	__GUEST_ASSERT(!vmx_enter(&l2->gprs, !l2->launched),
		       "VM%s failed, VM-instruction error %lu",
		       l2->launched ? "RESUME" : "LAUNCH", vmx_insn_error());
	l2->launched = true;
	l1_expect_vmcall();
	return READ_ONCE(l2_seen);
}

/* L1: what it does after changing L2's mapping; returns invalidations. */
static u64 l1_flush(struct remap_args *a, enum method m, unsigned int r)
{
	u64 eptp = vmreadz(EPT_POINTER);

	switch (m) {
	case M_INVEPT_SINGLE:
	case M_FLUSH_ONLY:
	case M_PTE_INVEPT:
		GUEST_ASSERT(!l1_invept(INVEPT_SINGLE, eptp));
		return 1;
	case M_INVEPT_ALL:
		GUEST_ASSERT(!l1_invept(INVEPT_ALL, 0));
		return 1;
	case M_NEW_EPTP:
		GUEST_ASSERT(!vmwrite(EPT_POINTER, a->eptp[r + 1]));
		return 0;
	case M_INVVPID_SINGLE:
	case M_PTE_INVVPID_SINGLE:
		GUEST_ASSERT(!l1_invvpid(INVVPID_SINGLE, a->vpid, 0));
		return 1;
	case M_INVVPID_ALL:
	case M_PTE_INVVPID_ALL:
		GUEST_ASSERT(!l1_invvpid(INVVPID_ALL, 0, 0));
		return 1;
	case M_PTE_INVVPID_ADDR:
		GUEST_ASSERT(!l1_invvpid(INVVPID_ADDR, a->vpid, DATA_GVA));
		return 1;
	default:
		return 0;
	}
}

/* L1: the invalidation that always suffices, after a reported case. */
static void l1_flush_all(struct remap_args *a)
{
	if (a->caps & EPT_CAP_INVEPT_ALL)
		GUEST_ASSERT(!l1_invept(INVEPT_ALL, 0));
	else
		GUEST_ASSERT(!l1_invept(INVEPT_SINGLE, vmreadz(EPT_POINTER)));
}

static void l1_remap(struct vmx_pages *vmx, struct remap_args *a)
{
	unsigned long stack[L2_STACK_SIZE];
	unsigned long *top = &stack[L2_STACK_SIZE];
	bool asserts = method_asserts(a->method, a->vpid);
	u64 *epte = (u64 *)a->epte, *pte = (u64 *)a->pte;
	unsigned int cur = 0, next, r, i;
	u64 seen, entries, invs;
	struct l2 l2 = {};

	a->caps = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	GUEST_ASSERT((a->caps & method_caps[a->method]) ==
		     method_caps[a->method]);

	l1_vmx_init(vmx);
	l1_vmcs_setup(vmx, l2_reader, top, a->l2_cr3, a->eptp[0], a->vpid);
	GUEST_ASSERT_EQ(l2_run(&l2), DATA_MARKER(cur));
	GUEST_SYNC3(PH_FIRST, 1, 0);
	for (i = 0; i < STEADY_RTS; i++)
		GUEST_ASSERT_EQ(l2_run(&l2), DATA_MARKER(cur));
	GUEST_SYNC3(PH_STEADY, STEADY_RTS, 0);

	for (r = 0; r < a->rounds; r++) {
		entries = 0;
		invs = 0;
		if (a->l2_stopped)
			l2_restart(top);
		l1_check_before(l2_run(&l2), r, cur);
		if (a->l2_stopped) {
			/* L2 is done; leave to userspace, then start anew. */
			GUEST_SYNC3(PH_WARM, 1, 0);
			l2_restart(top);
		} else {
			entries++;
		}

		next = cur;
		if (a->method != M_FLUSH_ONLY)
			next = (cur + 1) % NR_DATA;
		if (method_changes_pte(a->method))
			WRITE_ONCE(*pte, a->page[next] | PT_FLAGS);
		else if (a->method != M_FLUSH_ONLY && a->method != M_NEW_EPTP)
			WRITE_ONCE(*epte, a->page[next] | EPT_LEAF);
		invs += l1_flush(a, a->method, r);
		seen = l2_run(&l2);
		entries++;

		if (!asserts) {
			l1_check_either(seen, r, cur, next, &a->saw_new,
					&a->saw_old);
			l1_flush_all(a);
			invs++;
			seen = l2_run(&l2);
			entries++;
		}
		l1_check_new(seen, r, cur, next);
		cur = next;
		GUEST_SYNC3(PH_REMAP, entries, invs);
	}
	GUEST_DONE();
}

/* Two L2s, same VPID and page tables, two EPTs: each reads its own page. */
static void l1_eptp(struct vmx_pages *vmx, struct eptp_args *a)
{
	unsigned long stack0[L2_STACK_SIZE], stack1[L2_STACK_SIZE];
	unsigned long *top[2] = { &stack0[L2_STACK_SIZE],
				  &stack1[L2_STACK_SIZE] };
	unsigned int i, j, since_sync = 0;
	struct l2 l2[2] = {};
	u64 seen;

	l1_vmx_init(vmx);
	for (j = 0; j < 2; j++) {
		*(u32 *)a->vmcs_gpa[j] = vmcs_revision();
		GUEST_ASSERT(!vmclear(a->vmcs_gpa[j]));
		GUEST_ASSERT(!vmptrld(a->vmcs_gpa[j]));
		l1_vmcs_setup(vmx, l2_reader, top[j], a->l2_cr3, a->eptp[j],
			      a->vpid);
	}
	for (i = 0; i < ALTERNATIONS; i++) {
		for (j = 0; j < 2; j++) {
			GUEST_ASSERT(!vmptrld(a->vmcs_gpa[j]));
			seen = l2_run(&l2[j]);
			__GUEST_ASSERT(seen == DATA_MARKER(j),
				       "alternation %u: L2 #%u (EPTP %#lx, VPID %lu) read %#lx, expected its own %#lx",
				       i, j, vmreadz(EPT_POINTER), a->vpid,
				       seen, DATA_MARKER(j));
			a->own[j]++;
		}
		if (++since_sync == a->sync_every || i == ALTERNATIONS - 1) {
			GUEST_SYNC3(PH_EPTP, 2 * since_sync, 0);
			since_sync = 0;
		}
	}
	GUEST_DONE();
}

static const char *when_name(bool l2_stopped)
{
	return l2_stopped ? "l2-stopped" : "between-exits";
}

static struct kvm_vm *create_vm(struct kvm_vcpu **vcpu, void *l1_code,
				struct test_mem *mem, vm_vaddr_t *vmx_gva)
{
	struct kvm_vm *vm = vm_create_with_one_vcpu(vcpu, l1_code);

	vcpu_alloc_vmx(vm, vmx_gva);
	test_mem_init(mem, vm, TEST_SLOT_PAGES, PG_DATA);
	fill_page(vm, P_GPA, P_MARKER);
	return vm;
}

static struct nested_vmx_env env;

static u64 l2_vpid(void)
{
	return env.vpid ? L2_VPID : 0;
}

static void test_remap(enum method m, bool l2_stopped, bool migrate)
{
	struct phase_stats ps[NR_PHASES] = {};
	vm_vaddr_t vmx_gva, args_gva;
	struct kvm_vcpu *vcpu;
	struct remap_args *a;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int moves, i;
	u64 root;

	vm = create_vm(&vcpu, l1_remap, &mem, &vmx_gva);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->method = m;
	a->l2_stopped = l2_stopped;
	a->rounds = REMAP_ROUNDS;
	a->vpid = l2_vpid();
	for (i = 0; i < NR_DATA; i++)
		a->page[i] = test_page(PG_DATA + i);
	a->eptp[0] = ept_pointer(test_ept_create(&mem, P_GPA, a->page[0],
						 &a->epte));
	for (i = 1; m == M_NEW_EPTP && i <= REMAP_ROUNDS; i++) {
		root = test_ept_create(&mem, P_GPA, a->page[i % NR_DATA], NULL);
		a->eptp[i] = ept_pointer(root);
	}
	a->l2_cr3 = test_l2_pt_create(&mem, DATA_GVA,
				      method_changes_pte(m) ? a->page[0] : P_GPA,
				      &a->pte);
	vcpu_args_set(vcpu, 2, vmx_gva, args_gva);

	moves = nested_vmx_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);
	if (!method_asserts(m, a->vpid))
		ksft_print_msg("  REPORT %s %s %s: L2 read the new page %lu, the old %lu, of %u\n",
			       method_name[m], when_name(l2_stopped),
			       cpu_mode(migrate), a->saw_new, a->saw_old,
			       REMAP_ROUNDS);
	nested_vmx_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("remap %s %s %s (%u CPU moves)\n", method_name[m],
			      when_name(l2_stopped), cpu_mode(migrate), moves);
	kvm_vm_free(vm);
}

static void test_eptp(bool migrate)
{
	struct phase_stats ps[NR_PHASES] = {};
	vm_vaddr_t vmx_gva, args_gva;
	struct kvm_vcpu *vcpu;
	struct eptp_args *a;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int moves, j;
	u64 root;

	vm = create_vm(&vcpu, l1_eptp, &mem, &vmx_gva);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->vpid = l2_vpid();
	for (j = 0; j < 2; j++) {
		root = test_ept_create(&mem, P_GPA, test_page(PG_DATA + j),
				       NULL);
		a->eptp[j] = ept_pointer(root);
		a->vmcs_gpa[j] = test_alloc_page(&mem);
	}
	a->l2_cr3 = test_l2_pt_create(&mem, DATA_GVA, P_GPA, NULL);
	a->sync_every = migrate ? 10 : 50;
	vcpu_args_set(vcpu, 2, vmx_gva, args_gva);

	moves = nested_vmx_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);
	ksft_print_msg("  eptp: L2#0 own %lu, L2#1 own %lu (asserted: own page)\n",
		       a->own[0], a->own[1]);
	nested_vmx_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("eptp isolation, VPID %lu, %s (%u CPU moves)\n",
			      a->vpid, cpu_mode(migrate), moves);
	kvm_vm_free(vm);
}

/* Why a remap case cannot run here, or NULL. */
static const char *remap_skip(enum method m, bool migrate)
{
	if (migrate && !env.can_migrate)
		return "needs 2 CPUs";
	if (method_needs_vpid(m) && !env.vpid)
		return "needs VPID, which L1 lacks";
	if (!nested_vmx_has(&env, method_caps[m]))
		return "needs an INVEPT/INVVPID type L1 lacks";
	return NULL;
}

int main(int argc, char *argv[])
{
	const char *skip;
	int m, stopped, mig;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	TEST_REQUIRE(kvm_cpu_has_ept());

	nested_vmx_env_init(&env);
	TEST_REQUIRE(nested_vmx_has(&env, EPT_CAP_INVEPT));

	ksft_print_header();
	ksft_set_plan(2 * (NR_METHODS * 2 + 1));
	ksft_print_msg("L1: VPID %s, IA32_VMX_EPT_VPID_CAP %#lx; %d CPUs\n",
		       env.vpid ? "yes" : "no", env.ept_vpid_cap,
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
		if (mig && !env.can_migrate)
			ksft_test_result_skip("eptp isolation %s: needs 2 CPUs\n",
					      cpu_mode(mig));
		else
			test_eptp(mig);
	}
	ksft_finished();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * svm_nested_shadow_test: L2 without nested paging, on its own page tables.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guest.  L1 runs L2 without nested paging (vmcb12 NP_ENABLE clear), so
 * L2's CR3 is an L1-physical address and L2's page tables are in L1's
 * memory, as with a hypervisor that shadows its guest's page tables.
 * They are built here: PML4 entry 0 is L1's (code, stack, data, and the
 * test memslot mapped 1:1), entry 1 is L2's own and maps DATA_GVA
 * (512G) with a 4K PTE to one of NR_DATA data pages.  L2 reads DATA_GVA.
 *
 * L2 changes its own mapping (rewrites its PTE to point at the next data
 * page), then:
 *
 *   l2-invlpg   executes INVLPG: L2 must read the new page;
 *   l2-cr3      reloads CR3 (the PTE is not global): the new page;
 *   l2-none     reads at once: x86 may still use the old translation, so
 *               either page is accepted and the counts reported; then it
 *               executes INVLPG and must read the new page.
 *
 * L1 changes L2's mapping between two exits of L2, then:
 *
 *   tlb_ctl=1, 3, 7  sets vmcb12 TLB_CONTROL (3 and 7 only with
 *                    FLUSHBYASID in L1's CPUID, else skipped): new page;
 *   new-asid         gives L2 an ASID it never used: new page;
 *   invlpga          executes INVLPGA for DATA_GVA and L2's ASID, which
 *                    the APM defines as invalidating that page's
 *                    translation in that ASID: new page;
 *   none             nothing: either page, reported; then TLB_CONTROL 1
 *                    and the new page.
 *
 * Every case runs with the vCPU thread pinned to CPU 0, and moved between
 * CPU 0 and CPU 1 at every GUEST_SYNC.  At every GUEST_SYNC the program
 * reads the vCPU's tlb_flush and nested_run statistics and prints the TLB
 * flushes per nested round trip; it asserts that nested_run counts L1's
 * VMRUNs and that KVM serviced a flush for each VMRUN with TLB_CONTROL set.
 *
 * Which boot exercises what:
 *
 *  - kvm_amd.npt=1 (the default "make e2e" boot): L0 runs L2 on L0's own
 *    NPT for L1's memory, with L2's CR3 as is; the (emulated) CPU walks
 *    L2's page tables and L0 intercepts neither L2's INVLPG nor its CR3
 *    writes.  KVM takes part through the nested transitions, TLB_CONTROL,
 *    the ASID and INVLPGA; what L2 reads comes from QEMU's TLB emulation,
 *    which flushes on every VMRUN and #VMEXIT.
 *  - kvm_amd.npt=0 ("E2E_APPEND=kvm_amd.npt=0 make e2e TESTS=..."): L0
 *    shadows L2's page tables with KVM's shadow MMU.  L2's INVLPG and MOV
 *    CR3 exit to L0 and must resynchronize the shadow; L1's writes to
 *    L2's page tables are tracked by L0, and L1's INVLPGA and TLB_CONTROL
 *    must reach L2's shadow.  This is the boot that tests KVM's shadow MMU
 *    for L2.
 */
#include "nested_svm_util.h"

#define TEST_SLOT_PAGES		32
#define PG_DATA			0
#define DATA_GVA		BIT(PG_LEVEL_SHIFT(PG_LEVEL_512G))

#define PT_FLAGS		(PTE_PRESENT_MASK | PTE_WRITABLE_MASK)

#define STEADY_RTS		20
#define ROUNDS			6

enum method {
	M_L2_INVLPG,
	M_L2_CR3,
	M_L2_NONE,
	M_TLB1,
	M_TLB3,
	M_TLB7,
	M_NEW_ASID,
	M_INVLPGA,
	M_NONE,
	NR_METHODS,
	M_L2_READ = NR_METHODS,
};

static const char * const method_name[NR_METHODS] = {
	[M_L2_INVLPG] = "l2-invlpg",
	[M_L2_CR3] = "l2-cr3",
	[M_L2_NONE] = "l2-none",
	[M_TLB1] = "tlb_ctl=1",
	[M_TLB3] = "tlb_ctl=3",
	[M_TLB7] = "tlb_ctl=7",
	[M_NEW_ASID] = "new-asid",
	[M_INVLPGA] = "invlpga",
	[M_NONE] = "none",
};

/* What L1 does after its change, for each method L1 takes part in. */
static const enum l1_flush method_flush[NR_METHODS] = {
	[M_TLB1] = L1_FLUSH_TLB1,
	[M_TLB3] = L1_FLUSH_TLB3,
	[M_TLB7] = L1_FLUSH_TLB7,
	[M_NEW_ASID] = L1_FLUSH_NEW_ASID,
	[M_INVLPGA] = L1_FLUSH_INVLPGA,
	[M_NONE] = L1_FLUSH_NOTHING,
};

static bool by_l2(enum method m)
{
	return m <= M_L2_NONE;
}

static bool reported(enum method m)
{
	return m == M_L2_NONE || m == M_NONE;
}

enum phase {
	PH_FIRST,
	PH_STEADY,
	PH_REMAP,
	NR_PHASES,
};

static const char * const phase_name[NR_PHASES] = {
	[PH_FIRST] = "first",
	[PH_STEADY] = "steady",
	[PH_REMAP] = "remap",
};

/* Shared with L1; the results are written by L1. */
struct shadow_args {
	u64 method;
	u64 rounds;
	u64 nr_asids;
	u64 l2_cr3;
	u64 pte;			/* GVA of L2's PTE for DATA_GVA */
	u64 page[NR_DATA];		/* L1-physical data pages */
	u64 saw_new;
	u64 saw_old;
};

/* L1 tells L2 what to do; L2 reports what it read. */
struct l2_ctl {
	u64 method;
	u64 pte;
	u64 new_pte;
	u64 before;
	u64 after;
	u64 fixed;
};

static struct l2_ctl l2;

static u64 read_data(void)
{
	return READ_ONCE(*(u64 *)DATA_GVA);
}

static void invlpg_page(u64 gva)
{
	asm volatile("invlpg (%0)" : : "r"(gva) : "memory");
}

static void reload_cr3(void)
{
	u64 cr3;

	asm volatile("mov %%cr3, %0\n\t"
		     "mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static void l2_guest(void)
{
	u64 m;

	for (;;) {
		m = READ_ONCE(l2.method);
		WRITE_ONCE(l2.before, read_data());
		if (by_l2(m)) {
			WRITE_ONCE(*(u64 *)READ_ONCE(l2.pte),
				   READ_ONCE(l2.new_pte));
			if (m == M_L2_INVLPG)
				invlpg_page(DATA_GVA);
			else if (m == M_L2_CR3)
				reload_cr3();
			WRITE_ONCE(l2.after, read_data());
			invlpg_page(DATA_GVA);
			WRITE_ONCE(l2.fixed, read_data());
		}
		vmmcall();
	}
}

/* One nested round trip; TLB_CONTROL is one-shot. */
static void l2_run(struct vmcb *vmcb, u64 vmcb_gpa)
{
	WRITE_ONCE(l2.before, L2_POISON);
	WRITE_ONCE(l2.after, L2_POISON);
	WRITE_ONCE(l2.fixed, L2_POISON);
	l1_run_l2(vmcb, vmcb_gpa);
}

/* L2 remaps itself; one VMRUN per round. */
static void l1_round_by_l2(struct shadow_args *a, struct svm_test_data *svm,
			   unsigned int r, unsigned int cur, unsigned int next)
{
	WRITE_ONCE(l2.method, a->method);
	WRITE_ONCE(l2.pte, a->pte);
	WRITE_ONCE(l2.new_pte, a->page[next] | PT_FLAGS);
	l2_run(svm->vmcb, svm->vmcb_gpa);
	l1_check_before(READ_ONCE(l2.before), r, cur);
	if (reported(a->method))
		l1_check_either(READ_ONCE(l2.after), r, cur, next,
				&a->saw_new, &a->saw_old);
	else
		l1_check_new(READ_ONCE(l2.after), r, cur, next);
	l1_check_new(READ_ONCE(l2.fixed), r, cur, next);
	GUEST_SYNC3(PH_REMAP, 1, 0);
}

/* L1 remaps L2 between two exits. */
static void l1_round_by_l1(struct shadow_args *a, struct svm_test_data *svm,
			   unsigned int r, unsigned int cur, unsigned int next)
{
	struct vmcb *vmcb = svm->vmcb;
	u64 vmruns = 0, flushes = 0;

	WRITE_ONCE(l2.method, M_L2_READ);
	l2_run(vmcb, svm->vmcb_gpa);
	vmruns++;
	l1_check_before(READ_ONCE(l2.before), r, cur);

	WRITE_ONCE(*(u64 *)a->pte, a->page[next] | PT_FLAGS);
	flushes += l1_flush(vmcb, method_flush[a->method], DATA_GVA,
			    a->nr_asids);
	l2_run(vmcb, svm->vmcb_gpa);
	vmruns++;

	if (reported(a->method)) {
		l1_check_either(READ_ONCE(l2.before), r, cur, next,
				&a->saw_new, &a->saw_old);
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		flushes++;
		l2_run(vmcb, svm->vmcb_gpa);
		vmruns++;
	}
	l1_check_new(READ_ONCE(l2.before), r, cur, next);
	GUEST_SYNC3(PH_REMAP, vmruns, flushes);
}

static void l1_guest(struct svm_test_data *svm, struct shadow_args *a)
{
	unsigned long stack[L2_STACK_SIZE];
	struct vmcb *vmcb = svm->vmcb;
	unsigned int cur = 0, next, r, i;

	if (a->method == M_TLB3 || a->method == M_TLB7)
		GUEST_ASSERT(this_cpu_has(X86_FEATURE_FLUSHBYASID));

	generic_svm_setup(svm, l2_guest, &stack[L2_STACK_SIZE]);
	vmcb->save.cr3 = a->l2_cr3;

	WRITE_ONCE(l2.method, M_L2_READ);
	l2_run(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2.before), DATA_MARKER(cur));
	GUEST_SYNC3(PH_FIRST, 1, 0);
	for (i = 0; i < STEADY_RTS; i++) {
		l2_run(vmcb, svm->vmcb_gpa);
		GUEST_ASSERT_EQ(READ_ONCE(l2.before), DATA_MARKER(cur));
	}
	GUEST_SYNC3(PH_STEADY, STEADY_RTS, 0);

	for (r = 0; r < a->rounds; r++) {
		next = (cur + 1) % NR_DATA;
		if (by_l2(a->method))
			l1_round_by_l2(a, svm, r, cur, next);
		else
			l1_round_by_l1(a, svm, r, cur, next);
		cur = next;
	}
	GUEST_DONE();
}

/*
 * L2's page tables: L1's PML4 entries, plus DATA_GVA mapped to the first
 * data page.  Returns L2's CR3; *@pte is set to the GVA (= GPA) of the PTE.
 */
static u64 l2_tables_create(struct test_mem *mem, u64 *pte_gva)
{
	struct kvm_vm *vm = mem->vm;
	u64 cr3 = test_alloc_page(mem);
	u64 *pml4 = addr_gpa2hva(vm, cr3), *pte;

	memcpy(pml4, addr_gpa2hva(vm, vm->pgd), PAGE_SIZE);
	pte = &pml4[(DATA_GVA >> PG_LEVEL_SHIFT(PG_LEVEL_512G)) &
		    (PT_ENTRIES - 1)];
	TEST_ASSERT(!(*pte & PTE_PRESENT_MASK),
		    "L1 already maps the PML4 entry of %#lx", DATA_GVA);
	pte = test_pt_entry(mem, cr3, DATA_GVA, PG_LEVEL_4K, PT_FLAGS);
	*pte = test_page(PG_DATA) | PT_FLAGS;
	*pte_gva = addr_hva2gpa(vm, pte);
	return cr3;
}

static void test_shadow(enum method m, bool migrate)
{
	struct phase_stats ps[NR_PHASES] = {};
	vm_vaddr_t svm_gva, args_gva;
	struct shadow_args *a;
	struct kvm_vcpu *vcpu;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int moves, i;

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest);
	vcpu_alloc_svm(vm, &svm_gva);
	test_mem_init(&mem, vm, TEST_SLOT_PAGES, PG_DATA);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->method = m;
	a->rounds = ROUNDS;
	a->nr_asids = kvm_cpu_property(X86_PROPERTY_SVM_NR_ASID);
	a->l2_cr3 = l2_tables_create(&mem, &a->pte);
	for (i = 0; i < NR_DATA; i++)
		a->page[i] = test_page(PG_DATA + i);
	vcpu_args_set(vcpu, 2, svm_gva, args_gva);

	moves = nested_tlb_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);
	if (reported(m))
		ksft_print_msg("  REPORT %s %s: L2 read the new page %lu, the old %lu, of %u\n",
			       method_name[m], cpu_mode(migrate), a->saw_new,
			       a->saw_old, ROUNDS);
	nested_tlb_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("shadow %s %s (%u CPU moves)\n", method_name[m],
			      cpu_mode(migrate), moves);
	kvm_vm_free(vm);
}

static struct nested_tlb_env env;

/* Why a case cannot run here, or NULL. */
static const char *shadow_skip(enum method m, bool migrate)
{
	return nested_tlb_skip(&env, migrate, m == M_TLB3 || m == M_TLB7,
			       m == M_NEW_ASID ? ROUNDS + 2 : 1);
}

int main(int argc, char *argv[])
{
	const char *skip;
	int m, mig;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));

	nested_tlb_env_init(&env);

	ksft_print_header();
	ksft_set_plan(2 * NR_METHODS);
	ksft_print_msg("L1: FLUSHBYASID %s, %u ASIDs, NPT %s; %d CPUs\n",
		       env.flushbyasid ? "yes" : "no", env.nr_asids,
		       kvm_cpu_has(X86_FEATURE_NPT) ? "yes" : "no (kvm_amd.npt=0)",
		       get_nprocs());

	for (mig = 0; mig < 2; mig++) {
		for (m = 0; m < NR_METHODS; m++) {
			skip = shadow_skip(m, mig);
			if (skip)
				ksft_test_result_skip("shadow %s %s: %s\n",
						      method_name[m],
						      cpu_mode(mig), skip);
			else
				test_shadow(m, mig);
		}
	}
	ksft_finished();
}

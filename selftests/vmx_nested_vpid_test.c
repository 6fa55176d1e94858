// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_nested_vpid_test: VPID isolation between L1 and its L2s.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guest.  One linear address, X_GVA (1T), is mapped by L1's own page
 * tables and by each L2's page tables, each to a data page of its own
 * (L1 to page 0 or 1, L2 #0 to page 2 or 3, L2 #1 to page 4 or 5; the
 * tables of X_GVA are in the test memslot, where L1 can rewrite them).
 * L1 and the L2s read X_GVA at every step and must read what the SDM
 * lets them read.  L2 exits with VMCALL.
 *
 * The SDM (Vol. 3, 29.4) tags linear and combined mappings with the VPID:
 * L1 runs with VPID 0000H, an L2 with the VPID of its vmcs12, or 0000H
 * without "enable VPID".  An invalidation is needed only for the tag
 * whose mapping changed; with VPID off, every VM-entry and VM-exit
 * invalidates the mappings of VPID 0000H.
 *
 *   l1-l2 METHOD   L2 with VPID 1.  L1 and L2 each read their own page
 *                  (neither uses the other's translation), then L1
 *                  points L2's PTE at L2's other page and invalidates:
 *                  invvpid-addr, invvpid-single, invvpid-all: INVVPID of
 *                  X_GVA in VPID 1, of VPID 1, of all VPIDs: L2 must
 *                  read its new page; none, l1-invlpg (INVLPG of X_GVA
 *                  in L1, i.e. VPID 0000H): L2 may read either, reported,
 *                  then INVVPID of VPID 1 and the new page.  Then L1
 *                  changes its own PTE and executes INVLPG: L1 reads its
 *                  new page and L2 still its own.
 *   two-l2s        L2s with VPID 1 and 2, 20 times in turn: each reads
 *                  its own page; L1 changes one L2's PTE and invalidates
 *                  only that VPID (single-context, then individual
 *                  address for the other): that L2 reads its new page,
 *                  the other still its own.
 *   shared-vpid    both L2s with VPID 1: the SDM lets either use the
 *                  other's translation: "own or other's" is asserted,
 *                  the counts reported; after an INVVPID of VPID 1 the
 *                  first L2 to run reads its own page.
 *   no-vpid        L2s without VPID: every VM-entry and VM-exit flushes
 *                  VPID 0000H, so with no INVVPID or INVLPG at all, L2
 *                  reads its own page right after L1 read its own, L1
 *                  its own right after L2's exit, L2 its new page after
 *                  L1 rewrote its PTE, L1 its new page after L2 rewrote
 *                  L1's PTE (exit), and two such L2s in turn their own.
 *   vpid-exit      L2 with VPID 1 rewrites L1's PTE: the VM-exit flushes
 *                  nothing of VPID 0000H, so L1 may read either page,
 *                  reported; after INVLPG the new one.
 *   vpid-zero      "enable VPID" with VPID 0 in vmcs12 must fail
 *                  VMLAUNCH with VM-instruction error 7 (invalid control
 *                  field), and INVVPID single-context of VPID 0 with
 *                  error 28 (invalid operand); VPID 1 then runs.
 *
 * Each case runs with L2 on L1-physical memory and, when L1 has EPT, on
 * an identity nested EPT (combined mappings, tagged with VPID and EPTP);
 * the cases that need VPID are skipped without it in L1
 * (kvm_intel.vpid=0).  Every case runs with the vCPU thread pinned to CPU
 * 0, and moved between CPU 0 and CPU 1 at every GUEST_SYNC (skipped with
 * one CPU).  At every GUEST_SYNC the program checks that the vCPU's
 * nested_run statistic counts L1's VM-entries and prints the tlb_flush
 * statistic per nested round trip.
 *
 * What this exercises.  With kvm_intel.vpid=1, L0 runs L1 with one VPID
 * and every L2 with vpid02, and flushes vpid02 when vmcs12's VPID changes
 * or L1 executes INVVPID; without VPID in vmcs12 it flushes at each
 * nested transition.  With kvm_intel.ept=0, L0 shadows L1's and L2's
 * page tables, and L1's INVVPID must reach L2's shadow.
 */
#include "nested_vmx_util.h"

#define TEST_SLOT_PAGES		64
#define PG_DATA			0
#define NR_PAGES_DATA		6
#define X_GVA			(2 * BIT_ULL(PG_LEVEL_SHIFT(PG_LEVEL_512G)))

#define ROUNDS			3
#define ALTERNATIONS		20

enum scenario {
	S_L1_L2,
	S_TWO_L2S,
	S_SHARED_VPID,
	S_NO_VPID,
	S_VPID_EXIT,
	S_VPID_ZERO,
	NR_SCENARIOS,
};

static const char * const scenario_name[NR_SCENARIOS] = {
	[S_L1_L2] = "l1-l2",
	[S_TWO_L2S] = "two-l2s",
	[S_SHARED_VPID] = "shared-vpid",
	[S_NO_VPID] = "no-vpid",
	[S_VPID_EXIT] = "vpid-exit",
	[S_VPID_ZERO] = "vpid-zero",
};

/* How L1 invalidates after changing L2 #0's PTE, in the l1-l2 case. */
enum method {
	M_INVVPID_ADDR,
	M_INVVPID_SINGLE,
	M_INVVPID_ALL,
	M_NONE,
	M_L1_INVLPG,
	NR_METHODS,
};

static const char * const method_name[NR_METHODS] = {
	[M_INVVPID_ADDR] = "invvpid-addr",
	[M_INVVPID_SINGLE] = "invvpid-single",
	[M_INVVPID_ALL] = "invvpid-all",
	[M_NONE] = "none",
	[M_L1_INVLPG] = "l1-invlpg",
};

static const u64 method_caps[NR_METHODS] = {
	[M_INVVPID_ADDR] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_ADDR,
	[M_INVVPID_SINGLE] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE,
	[M_INVVPID_ALL] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_ALL,
	[M_NONE] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE,
	[M_L1_INVLPG] = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE,
};

static bool method_asserts(enum method m)
{
	return m != M_NONE && m != M_L1_INVLPG;
}

enum phase {
	PH_ROUND,
	NR_PHASES,
};

static const char * const phase_name[NR_PHASES] = {
	[PH_ROUND] = "round",
};

/* Contexts: who maps X_GVA, and to which of its two pages. */
enum { C_L1, C_L2A, C_L2B, NR_CTX };

struct vpid_args {
	u64 scenario;
	u64 method;
	u64 eptp;			/* L2's EPTP, 0 without nested EPT */
	u64 vpid[2];			/* of L2 #0 and L2 #1 */
	u64 cr3[2];			/* of L2 #0 and L2 #1 */
	u64 vmcs_gpa[2];
	u64 pte[NR_CTX];		/* GVA of each context's PTE of X_GVA */
	u64 page[NR_PAGES_DATA];	/* L1-physical data pages */
	u64 sync_every;
	/* Written by L1. */
	u64 saw_new, saw_old;
	u64 own[2], other[2];
};

/* Written by L1 for L2: a PTE to rewrite before reading X_GVA. */
static struct {
	u64 pte;
	u64 val;
} l2_cmd;

/* Written by L2, read by L1. */
static u64 l2_seen;

static void l2_reader(void)
{
	for (;;) {
		if (READ_ONCE(l2_cmd.pte)) {
			WRITE_ONCE(*(u64 *)l2_cmd.pte, l2_cmd.val);
			WRITE_ONCE(l2_cmd.pte, 0);
		}
		WRITE_ONCE(l2_seen, READ_ONCE(*(u64 *)X_GVA));
		l2_vmcall();
	}
}

struct l2 {
	struct l2_gprs gprs;
	bool launched;
	u64 vmcs_gpa;
};

/* L1's view of the test: the mappings of X_GVA it made. */
struct l1 {
	struct vpid_args *a;
	struct l2 l2[2];
	unsigned int cur[NR_CTX];	/* 0 or 1: which page of the pair */
	u64 entries;
	u64 invs;
};

static u64 page_of(struct l1 *t, unsigned int c, unsigned int which)
{
	return t->a->page[2 * c + which];
}

static u64 own(struct l1 *t, unsigned int c)
{
	return DATA_MARKER(2 * c + t->cur[c]);
}

static u64 old(struct l1 *t, unsigned int c)
{
	return DATA_MARKER(2 * c + !t->cur[c]);
}

/* Point context @c's PTE of X_GVA at its other page (no invalidation). */
static void flip(struct l1 *t, unsigned int c)
{
	t->cur[c] ^= 1;
	WRITE_ONCE(*(u64 *)t->a->pte[c], page_of(t, c, t->cur[c]) | PT_FLAGS);
}

/* ... by L2 @j on its next run, for L1's PTE. */
static void flip_by_l2(struct l1 *t)
{
	t->cur[C_L1] ^= 1;
	l2_cmd.val = page_of(t, C_L1, t->cur[C_L1]) | PT_FLAGS;
	WRITE_ONCE(l2_cmd.pte, t->a->pte[C_L1]);
}

static u64 l1_read(void)
{
	return READ_ONCE(*(u64 *)X_GVA);
}

static void l1_invlpg(void)
{
	asm volatile("invlpg (%0)" : : "r"(X_GVA) : "memory");
}

/* One nested round trip of L2 @j; returns what it read. */
static u64 run(struct l1 *t, unsigned int j)
{
	struct l2 *l2 = &t->l2[j];

	GUEST_ASSERT(!vmptrld(l2->vmcs_gpa));
	WRITE_ONCE(l2_seen, L2_POISON);
	__GUEST_ASSERT(!vmx_enter(&l2->gprs, !l2->launched),
		       "L2 #%u: VM%s failed, VM-instruction error %lu", j,
		       l2->launched ? "RESUME" : "LAUNCH", vmx_insn_error());
	l2->launched = true;
	l1_expect_vmcall();
	t->entries++;
	GUEST_ASSERT(!READ_ONCE(l2_cmd.pte));
	return READ_ONCE(l2_seen);
}

static void expect(struct l1 *t, u64 seen, u64 want, const char *what)
{
	__GUEST_ASSERT(seen == want,
		       "%s: read %#lx, expected %#lx (L1 page %u, L2 pages %u, %u)",
		       what, seen, want, t->cur[C_L1], t->cur[C_L2A],
		       t->cur[C_L2B]);
}

static void l1_sync(struct l1 *t)
{
	GUEST_SYNC3(PH_ROUND, t->entries, t->invs);
	t->entries = 0;
	t->invs = 0;
}

static void do_invvpid(struct l1 *t, u64 type, u16 vpid, u64 gva)
{
	GUEST_ASSERT(!l1_invvpid(type, vpid, gva));
	t->invs++;
}

static void l1_l2(struct l1 *t)
{
	struct vpid_args *a = t->a;
	unsigned int r;
	u64 seen;

	for (r = 0; r < ROUNDS; r++) {
		expect(t, l1_read(), own(t, C_L1), "L1");
		expect(t, run(t, 0), own(t, C_L2A), "L2 after L1");
		expect(t, l1_read(), own(t, C_L1), "L1 after L2");

		flip(t, C_L2A);
		switch (a->method) {
		case M_INVVPID_ADDR:
			do_invvpid(t, INVVPID_ADDR, a->vpid[0], X_GVA);
			break;
		case M_INVVPID_SINGLE:
			do_invvpid(t, INVVPID_SINGLE, a->vpid[0], 0);
			break;
		case M_INVVPID_ALL:
			do_invvpid(t, INVVPID_ALL, 0, 0);
			break;
		case M_L1_INVLPG:
			l1_invlpg();
			break;
		}
		seen = run(t, 0);
		if (!method_asserts(a->method)) {
			__GUEST_ASSERT(seen == own(t, C_L2A) ||
				       seen == old(t, C_L2A),
				       "round %u: L2 read %#lx, neither its old page %#lx nor its new one %#lx",
				       r, seen, old(t, C_L2A), own(t, C_L2A));
			if (seen == own(t, C_L2A))
				a->saw_new++;
			else
				a->saw_old++;
			do_invvpid(t, INVVPID_SINGLE, a->vpid[0], 0);
			seen = run(t, 0);
		}
		expect(t, seen, own(t, C_L2A), "L2 after its PTE changed");
		expect(t, l1_read(), own(t, C_L1), "L1 after L2's PTE changed");

		flip(t, C_L1);
		l1_invlpg();
		expect(t, l1_read(), own(t, C_L1), "L1 after its PTE changed");
		expect(t, run(t, 0), own(t, C_L2A), "L2 after L1's PTE changed");
		l1_sync(t);
	}
}

static void two_l2s(struct l1 *t)
{
	struct vpid_args *a = t->a;
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < ALTERNATIONS; i++) {
			expect(t, run(t, 0), own(t, C_L2A), "L2 #0");
			expect(t, run(t, 1), own(t, C_L2B), "L2 #1");
		}
		flip(t, C_L2A);
		do_invvpid(t, INVVPID_SINGLE, a->vpid[0], 0);
		expect(t, run(t, 1), own(t, C_L2B), "L2 #1 after L2 #0's PTE changed");
		expect(t, run(t, 0), own(t, C_L2A), "L2 #0 after its PTE changed");
		flip(t, C_L2B);
		do_invvpid(t, INVVPID_ADDR, a->vpid[1], X_GVA);
		expect(t, run(t, 0), own(t, C_L2A), "L2 #0 after L2 #1's PTE changed");
		expect(t, run(t, 1), own(t, C_L2B), "L2 #1 after its PTE changed");
		l1_sync(t);
	}
}

static void shared_vpid(struct l1 *t)
{
	struct vpid_args *a = t->a;
	unsigned int r, i, j;
	u64 seen;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < ALTERNATIONS; i++) {
			for (j = 0; j < 2; j++) {
				seen = run(t, j);
				if (seen == own(t, C_L2A + j)) {
					a->own[j]++;
					continue;
				}
				__GUEST_ASSERT(seen == own(t, C_L2A + !j),
					       "L2 #%u read %#lx: neither its page %#lx nor the other's %#lx",
					       j, seen, own(t, C_L2A + j),
					       own(t, C_L2A + !j));
				a->other[j]++;
			}
		}
		flip(t, C_L2A);
		flip(t, C_L2B);
		do_invvpid(t, INVVPID_SINGLE, a->vpid[0], 0);
		expect(t, run(t, r & 1), own(t, C_L2A + (r & 1)),
		       "first L2 after INVVPID of the shared VPID");
		l1_sync(t);
	}
}

static void no_vpid(struct l1 *t)
{
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++) {
		expect(t, l1_read(), own(t, C_L1), "L1");
		expect(t, run(t, 0), own(t, C_L2A), "L2 right after L1");
		expect(t, l1_read(), own(t, C_L1), "L1 right after L2");

		flip(t, C_L2A);
		expect(t, run(t, 0), own(t, C_L2A),
		       "L2 after L1 changed its PTE, VM-entry only");

		flip_by_l2(t);
		expect(t, run(t, 0), own(t, C_L2A), "L2 rewriting L1's PTE");
		expect(t, l1_read(), own(t, C_L1),
		       "L1 after L2 changed its PTE, VM-exit only");

		for (i = 0; i < ALTERNATIONS; i++) {
			expect(t, run(t, 0), own(t, C_L2A), "L2 #0");
			expect(t, run(t, 1), own(t, C_L2B), "L2 #1");
		}
		l1_sync(t);
	}
}

static void vpid_exit(struct l1 *t)
{
	struct vpid_args *a = t->a;
	unsigned int r;
	u64 seen;

	for (r = 0; r < ROUNDS; r++) {
		expect(t, l1_read(), own(t, C_L1), "L1");
		flip_by_l2(t);
		expect(t, run(t, 0), own(t, C_L2A), "L2 rewriting L1's PTE");
		seen = l1_read();
		__GUEST_ASSERT(seen == own(t, C_L1) || seen == old(t, C_L1),
			       "round %u: L1 read %#lx, neither its old page %#lx nor its new one %#lx",
			       r, seen, old(t, C_L1), own(t, C_L1));
		if (seen == own(t, C_L1))
			a->saw_new++;
		else
			a->saw_old++;
		l1_invlpg();
		expect(t, l1_read(), own(t, C_L1), "L1 after INVLPG");
		l1_sync(t);
	}
}

static void vpid_zero(struct l1 *t)
{
	struct l2 *l2 = &t->l2[0];

	GUEST_ASSERT(!vmptrld(l2->vmcs_gpa));
	GUEST_ASSERT(!vmwrite(VIRTUAL_PROCESSOR_ID, 0));
	__GUEST_ASSERT(vmx_enter(&l2->gprs, true),
		       "VMLAUNCH with VPID enabled and VPID 0 succeeded");
	GUEST_ASSERT_EQ(vmx_insn_error(), VMXERR_ENTRY_INVALID_CONTROL);

	__GUEST_ASSERT(l1_invvpid(INVVPID_SINGLE, 0, 0),
		       "INVVPID single-context of VPID 0 succeeded");
	GUEST_ASSERT_EQ(vmx_insn_error(), VMXERR_INVALID_OPERAND);

	GUEST_ASSERT(!vmwrite(VIRTUAL_PROCESSOR_ID, t->a->vpid[0]));
	expect(t, run(t, 0), own(t, C_L2A), "L2 with VPID 1");
	l1_sync(t);
}

static void l1_code(struct vmx_pages *vmx, struct vpid_args *a)
{
	unsigned long stack0[L2_STACK_SIZE], stack1[L2_STACK_SIZE];
	unsigned long *top[2] = { &stack0[L2_STACK_SIZE],
				  &stack1[L2_STACK_SIZE] };
	struct l1 t = { .a = a };
	unsigned int j;

	l1_vmx_init(vmx);
	for (j = 0; j < 2; j++) {
		t.l2[j].vmcs_gpa = a->vmcs_gpa[j];
		*(u32 *)a->vmcs_gpa[j] = vmcs_revision();
		GUEST_ASSERT(!vmclear(a->vmcs_gpa[j]));
		GUEST_ASSERT(!vmptrld(a->vmcs_gpa[j]));
		l1_vmcs_setup(vmx, l2_reader, top[j], a->cr3[j], a->eptp,
			      a->vpid[j]);
	}

	switch (a->scenario) {
	case S_L1_L2:
		l1_l2(&t);
		break;
	case S_TWO_L2S:
		two_l2s(&t);
		break;
	case S_SHARED_VPID:
		shared_vpid(&t);
		break;
	case S_NO_VPID:
		no_vpid(&t);
		break;
	case S_VPID_EXIT:
		vpid_exit(&t);
		break;
	case S_VPID_ZERO:
		vpid_zero(&t);
		break;
	}
	GUEST_DONE();
}

static struct nested_vmx_env env;

static void test_case(enum scenario s, enum method m, bool ept, bool migrate)
{
	static const u64 vpids[NR_SCENARIOS][2] = {
		[S_L1_L2] = { 1, 2 },
		[S_TWO_L2S] = { 1, 2 },
		[S_SHARED_VPID] = { 1, 1 },
		[S_NO_VPID] = { 0, 0 },
		[S_VPID_EXIT] = { 1, 2 },
		[S_VPID_ZERO] = { 1, 2 },
	};
	struct phase_stats ps[NR_PHASES] = {};
	vm_vaddr_t vmx_gva, args_gva;
	struct kvm_vcpu *vcpu;
	struct vpid_args *a;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int i, moves;
	char name[96];
	u64 *pte;

	vm = vm_create_with_one_vcpu(&vcpu, l1_code);
	vcpu_alloc_vmx(vm, &vmx_gva);
	test_mem_init(&mem, vm, TEST_SLOT_PAGES, PG_DATA);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->scenario = s;
	a->method = m;

	/* test_mem_init() filled NR_DATA pages; the rest follow them. */
	for (i = 0; i < NR_PAGES_DATA; i++) {
		a->page[i] = test_page(PG_DATA + i);
		if (i >= NR_DATA)
			TEST_ASSERT_EQ(test_alloc_page(&mem), a->page[i]);
		fill_page(vm, a->page[i], DATA_MARKER(i));
	}

	/* L1's own mapping of X_GVA, in the test memslot. */
	pte = test_pt_entry(&mem, vm->pgd, X_GVA, PG_LEVEL_4K, PT_FLAGS);
	*pte = a->page[0] | PT_FLAGS;
	a->pte[C_L1] = test_entry_gva(&mem, pte);
	for (i = 0; i < 2; i++) {
		a->cr3[i] = test_l2_pt_create(&mem, X_GVA, a->page[2 + 2 * i],
					      &a->pte[C_L2A + i]);
		a->vmcs_gpa[i] = test_alloc_page(&mem);
		a->vpid[i] = vpids[s][i];
	}
	if (ept)
		a->eptp = ept_pointer(test_ept_create(&mem, 0, 0, NULL));
	vcpu_args_set(vcpu, 2, vmx_gva, args_gva);

	moves = nested_vmx_run_l1(vcpu, migrate, phase_name, NR_PHASES, ps);

	snprintf(name, sizeof(name), "%s%s%s %s %s", scenario_name[s],
		 s == S_L1_L2 ? " " : "", s == S_L1_L2 ? method_name[m] : "",
		 ept ? "nested-ept" : "no-nested-ept", cpu_mode(migrate));
	if (s == S_L1_L2 && !method_asserts(m))
		ksft_print_msg("  REPORT %s: L2 read its new page %lu, its old %lu, of %u\n",
			       name, a->saw_new, a->saw_old, ROUNDS);
	if (s == S_VPID_EXIT)
		ksft_print_msg("  REPORT %s: L1 read its new page %lu, its old %lu, of %u\n",
			       name, a->saw_new, a->saw_old, ROUNDS);
	if (s == S_SHARED_VPID)
		ksft_print_msg("  REPORT %s: L2#0 own %lu other's %lu; L2#1 own %lu other's %lu\n",
			       name, a->own[0], a->other[0], a->own[1],
			       a->other[1]);
	nested_vmx_print(phase_name, NR_PHASES, ps);
	ksft_test_result_pass("%s (%u CPU moves)\n", name, moves);
	kvm_vm_free(vm);
}

/* Why a case cannot run here, or NULL. */
static const char *case_skip(enum scenario s, enum method m, bool ept,
			     bool migrate)
{
	if (migrate && !env.can_migrate)
		return "needs 2 CPUs";
	if (ept && !env.ept)
		return "needs EPT, which L1 lacks";
	if (s == S_NO_VPID)
		return NULL;
	if (!env.vpid)
		return "needs VPID, which L1 lacks";
	if (s == S_L1_L2 && !nested_vmx_has(&env, method_caps[m]))
		return "needs an INVVPID type L1 lacks";
	if (!nested_vmx_has(&env, VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE |
				  VPID_CAP_INVVPID_ADDR))
		return "needs INVVPID single-context and individual-address";
	return NULL;
}

static void run_case(enum scenario s, enum method m, bool ept, bool migrate)
{
	const char *skip = case_skip(s, m, ept, migrate);

	if (!skip) {
		test_case(s, m, ept, migrate);
		return;
	}
	ksft_test_result_skip("%s%s%s %s %s: %s\n", scenario_name[s],
			      s == S_L1_L2 ? " " : "",
			      s == S_L1_L2 ? method_name[m] : "",
			      ept ? "nested-ept" : "no-nested-ept",
			      cpu_mode(migrate), skip);
}

int main(int argc, char *argv[])
{
	int s, m, ept, mig;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));

	nested_vmx_env_init(&env);

	ksft_print_header();
	ksft_set_plan(2 * 2 * (NR_METHODS + NR_SCENARIOS - 1));
	ksft_print_msg("L1: EPT %s, VPID %s, IA32_VMX_EPT_VPID_CAP %#lx; %d CPUs\n",
		       env.ept ? "yes" : "no", env.vpid ? "yes" : "no",
		       env.ept_vpid_cap, get_nprocs());

	for (mig = 0; mig < 2; mig++) {
		for (ept = 0; ept < 2; ept++) {
			for (m = 0; m < NR_METHODS; m++)
				run_case(S_L1_L2, m, ept, mig);
			for (s = S_L1_L2 + 1; s < NR_SCENARIOS; s++)
				run_case(s, 0, ept, mig);
		}
	}
	ksft_finished();
}

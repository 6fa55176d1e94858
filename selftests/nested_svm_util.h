/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the project's nested SVM selftests share: a memslot of their own
 * for data pages and page tables, the vCPU's tlb_flush and nested_run
 * statistics, the loop that runs L1 and accounts them per phase, and the
 * checks of what L1's CPUID lets a case do.
 *
 * A test defines its phases and passes their names to nested_tlb_run_l1()
 * and nested_tlb_print(); L1 reports each phase with
 * GUEST_SYNC_ARGS(phase, VMRUNs, VMRUNs with TLB_CONTROL set, 0, 0).
 */
#ifndef SELFTEST_NESTED_SVM_UTIL_H
#define SELFTEST_NESTED_SVM_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "svm_util.h"

#include "nested_stats.h"

#ifndef X86_FEATURE_FLUSHBYASID
#define X86_FEATURE_FLUSHBYASID	KVM_X86_CPU_FEATURE(0x8000000A, 0, EDX, 6)
#endif
#ifndef X86_PROPERTY_SVM_NR_ASID
#define X86_PROPERTY_SVM_NR_ASID	KVM_X86_CPU_PROPERTY(0x8000000A, 0, EBX, 0, 31)
#endif

#define L2_STACK_SIZE		256
#define VMMCALL_LEN		3

/* A memslot of its own, far from memslot 0, mapped 1:1 in L1. */
#define TEST_SLOT		10
#define TEST_SLOT_GPA		0xc0000000UL
#define NR_DATA			4
#define PT_ENTRIES		512

#define L2_POISON		0xdeaddeaddeaddeadUL
#define DATA_MARKER(i)		(0xda7a000000000000UL | (i))

static inline void invlpga_asid(u64 gva, u32 asid)
{
	asm volatile("invlpga" : : "a"(gva), "c"(asid) : "memory");
}

/*
 * L1: one nested round trip of an L2 that exits with VMMCALL.  Steps over
 * the VMMCALL and clears TLB_CONTROL, which applies to one VMRUN.
 */
static inline void l1_run_l2(struct vmcb *vmcb, u64 vmcb_gpa)
{
	run_guest(vmcb, vmcb_gpa);
	__GUEST_ASSERT(vmcb->control.exit_code == SVM_EXIT_VMMCALL,
		       "L2 exit code %#x, info1 %#lx, info2 %#lx: expected VMMCALL",
		       vmcb->control.exit_code, vmcb->control.exit_info_1,
		       vmcb->control.exit_info_2);
	vmcb->save.rip += VMMCALL_LEN;
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
}

/* How L1, having changed a translation of L2's, lets L2's next run see it. */
enum l1_flush {
	L1_FLUSH_NOTHING,
	L1_FLUSH_TLB1,		/* TLB_CONTROL 1: every ASID */
	L1_FLUSH_TLB3,		/* TLB_CONTROL 3: L2's ASID */
	L1_FLUSH_TLB7,		/* TLB_CONTROL 7: L2's non-global entries */
	L1_FLUSH_NEW_ASID,	/* an ASID L2 never used */
	L1_FLUSH_INVLPGA,	/* INVLPGA of @gva in L2's ASID */
};

/*
 * L1: prepare L2's next VMRUN after a change of the translation of @gva;
 * @nr_asids is L1's number of ASIDs.  Returns 1 if the VMRUN has
 * TLB_CONTROL set, else 0.
 */
static inline u64 l1_flush(struct vmcb *vmcb, enum l1_flush how, u64 gva,
			   u64 nr_asids)
{
	switch (how) {
	case L1_FLUSH_TLB1:
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		break;
	case L1_FLUSH_TLB3:
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID;
		break;
	case L1_FLUSH_TLB7:
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ASID_LOCAL;
		break;
	case L1_FLUSH_NEW_ASID:
		__GUEST_ASSERT(vmcb->control.asid + 1 < nr_asids,
			       "out of ASIDs (%lu)", nr_asids);
		vmcb->control.asid++;
		break;
	case L1_FLUSH_INVLPGA:
		invlpga_asid(gva, vmcb->control.asid);
		break;
	case L1_FLUSH_NOTHING:
		break;
	}
	return vmcb->control.tlb_ctl != TLB_CONTROL_DO_NOTHING;
}

/* L1, round @r moving L2 from data page @cur to @next: before the change. */
static inline void l1_check_before(u64 seen, unsigned int r, unsigned int cur)
{
	__GUEST_ASSERT(seen == DATA_MARKER(cur),
		       "round %u: before the change L2 read %#lx, not %#lx",
		       r, seen, DATA_MARKER(cur));
}

/* ... after a change that must be seen. */
static inline void l1_check_new(u64 seen, unsigned int r, unsigned int cur,
				unsigned int next)
{
	__GUEST_ASSERT(seen == DATA_MARKER(next),
		       "round %u: after the change L2 read %#lx, not the new page's %#lx (old %#lx)",
		       r, seen, DATA_MARKER(next), DATA_MARKER(cur));
}

/* ... after a change L2 may see or not: counted in @saw_new or @saw_old. */
static inline void l1_check_either(u64 seen, unsigned int r, unsigned int cur,
				   unsigned int next, u64 *saw_new,
				   u64 *saw_old)
{
	__GUEST_ASSERT(seen == DATA_MARKER(next) || seen == DATA_MARKER(cur),
		       "round %u: L2 read %#lx, neither the old page (%#lx) nor the new one (%#lx)",
		       r, seen, DATA_MARKER(cur), DATA_MARKER(next));
	if (seen == DATA_MARKER(next))
		(*saw_new)++;
	else
		(*saw_old)++;
}

/* Host side: the test memslot; page tables and data are built in it. */
struct test_mem {
	struct kvm_vm *vm;
	unsigned int nr_pages;
	unsigned int next;
};

static inline u64 test_page(unsigned int n)
{
	return TEST_SLOT_GPA + (u64)n * PAGE_SIZE;
}

static inline void fill_page(struct kvm_vm *vm, u64 gpa, u64 val)
{
	u64 *p = addr_gpa2hva(vm, gpa);
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		p[i] = val;
}

static inline u64 test_alloc_page(struct test_mem *mem)
{
	u64 gpa;

	TEST_ASSERT(mem->next < mem->nr_pages, "test memslot exhausted");
	gpa = test_page(mem->next++);
	memset(addr_gpa2hva(mem->vm, gpa), 0, PAGE_SIZE);
	return gpa;
}

/*
 * Add the test memslot of @nr_pages pages, mapped 1:1 in L1, fill NR_DATA
 * pages from page @first_data with DATA_MARKER(0..NR_DATA - 1), and hand
 * out the pages after them to test_alloc_page().
 */
static inline void test_mem_init(struct test_mem *mem, struct kvm_vm *vm,
				 unsigned int nr_pages, unsigned int first_data)
{
	unsigned int i;

	mem->vm = vm;
	mem->nr_pages = nr_pages;
	mem->next = first_data + NR_DATA;
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, TEST_SLOT_GPA,
				    TEST_SLOT, nr_pages, 0);
	virt_map(vm, TEST_SLOT_GPA, TEST_SLOT_GPA, nr_pages);
	for (i = 0; i < NR_DATA; i++)
		fill_page(vm, test_page(first_data + i), DATA_MARKER(i));
}

/*
 * The entry of @level translating @addr in the 4-level tables at @root,
 * with tables allocated as needed and their entries made with @flags.
 */
static inline u64 *test_pt_entry(struct test_mem *mem, u64 root, u64 addr,
				 int level, u64 flags)
{
	u64 table = root, *pte;
	int l;

	for (l = PG_LEVEL_512G; ; l--) {
		pte = (u64 *)addr_gpa2hva(mem->vm, table) +
		      ((addr >> PG_LEVEL_SHIFT(l)) & (PT_ENTRIES - 1));
		if (l == level)
			return pte;
		if (!(*pte & PTE_PRESENT_MASK))
			*pte = test_alloc_page(mem) | flags;
		TEST_ASSERT(!(*pte & PTE_LARGE_MASK),
			    "%#lx already under a large page", addr);
		table = PTE_GET_PA(*pte);
	}
}

/* NPT walks are user accesses: every entry needs U=1. */
#define NPT_FLAGS		(PTE_PRESENT_MASK | PTE_WRITABLE_MASK | PTE_USER_MASK)

/*
 * An NPT, in the test memslot, mapping every other memslot 1:1 with 2M
 * pages (L2 runs on L1's page tables, code and stack) and L2-physical
 * page @l2_gpa of the test memslot to @gpa with a 4K page.  Returns nCR3;
 * *@npte is set to the GVA (= GPA) of @l2_gpa's entry.
 */
static inline u64 test_npt_create(struct test_mem *mem, u64 l2_gpa, u64 gpa,
				  u64 *npte)
{
	struct userspace_mem_region *region;
	u64 root = test_alloc_page(mem);
	u64 addr, end, *pte;
	int bkt;

	hash_for_each(mem->vm->regions.slot_hash, bkt, region, slot_node) {
		if (region->region.slot == TEST_SLOT)
			continue;
		addr = region->region.guest_phys_addr & ~(PG_SIZE_2M - 1);
		end = region->region.guest_phys_addr +
		      region->region.memory_size;
		end = (end + PG_SIZE_2M - 1) & ~(PG_SIZE_2M - 1);
		TEST_ASSERT(end <= TEST_SLOT_GPA,
			    "memslot %u reaches the test memslot",
			    region->region.slot);
		for (; addr < end; addr += PG_SIZE_2M) {
			pte = test_pt_entry(mem, root, addr, PG_LEVEL_2M,
					    NPT_FLAGS);
			*pte = addr | NPT_FLAGS | PTE_LARGE_MASK;
		}
	}
	pte = test_pt_entry(mem, root, l2_gpa, PG_LEVEL_4K, NPT_FLAGS);
	*pte = gpa | NPT_FLAGS;
	*npte = addr_hva2gpa(mem->vm, pte);
	return root;
}

struct phase_stats {
	u64 vmruns;
	u64 flush_reqs;
	u64 tlb_flush;
};

/*
 * Run L1 to GUEST_DONE.  At each GUEST_SYNC(phase, vmruns, flush requests)
 * check that nested_run counted the VMRUNs and that KVM serviced a TLB
 * flush for each one with TLB_CONTROL set, account the statistics to
 * @ps[phase] and, with @migrate, move to the other CPU.  Returns the
 * number of moves.
 */
static inline unsigned int nested_tlb_run_l1(struct kvm_vcpu *vcpu,
					     bool migrate,
					     const char * const *phase_name,
					     unsigned int nr_phases,
					     struct phase_stats *ps)
{
	u64 tlb_flush, nested_run, t, n, phase;
	unsigned int moves = 0, cpu = 0;
	struct vcpu_stats s;
	struct ucall uc;

	kvm_pin_this_task_to_pcpu(cpu);
	stats_open(&s, vcpu);
	tlb_flush = stats_read(&s, s.tlb_flush);
	nested_run = stats_read(&s, s.nested_run);
	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			phase = uc.args[0];
			TEST_ASSERT(phase < nr_phases, "bad phase %lu", phase);
			t = stats_read(&s, s.tlb_flush);
			n = stats_read(&s, s.nested_run);
			TEST_ASSERT(n - nested_run == uc.args[1],
				    "%s: nested_run counted %lu VMRUNs, L1 did %lu",
				    phase_name[phase], n - nested_run,
				    uc.args[1]);
			TEST_ASSERT(t - tlb_flush >= uc.args[2],
				    "%s: L1 set TLB_CONTROL on %lu VMRUNs, KVM serviced %lu TLB flushes",
				    phase_name[phase], uc.args[2],
				    t - tlb_flush);
			ps[phase].vmruns += uc.args[1];
			ps[phase].flush_reqs += uc.args[2];
			ps[phase].tlb_flush += t - tlb_flush;
			tlb_flush = t;
			nested_run = n;
			if (migrate) {
				cpu = !cpu;
				kvm_pin_this_task_to_pcpu(cpu);
				moves++;
			}
			break;
		case UCALL_DONE:
			stats_close(&s);
			return moves;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected ucall %lu", uc.cmd);
		}
	}
}

/* Print the TLB flushes per round trip of each phase that ran. */
static inline void nested_tlb_print(const char * const *phase_name,
				    unsigned int nr_phases,
				    const struct phase_stats *ps)
{
	char line[512];
	unsigned int p;
	int len = 0;

	for (p = 0; p < nr_phases; p++) {
		if (!ps[p].vmruns)
			continue;
		len += snprintf(line + len, sizeof(line) - len,
				"%s %.3f (%lu RT, %lu TLB_CONTROL) ",
				phase_name[p],
				(double)ps[p].tlb_flush / ps[p].vmruns,
				ps[p].vmruns, ps[p].flush_reqs);
	}
	ksft_print_msg("  tlb_flush per round trip: %s\n", line);
}

/* What L1's CPUID and the machine let the cases do. */
struct nested_tlb_env {
	bool flushbyasid;
	bool can_migrate;
	unsigned int nr_asids;
};

static inline void nested_tlb_env_init(struct nested_tlb_env *env)
{
	env->flushbyasid = kvm_cpu_has(X86_FEATURE_FLUSHBYASID);
	env->nr_asids = kvm_cpu_property(X86_PROPERTY_SVM_NR_ASID);
	env->can_migrate = get_nprocs() >= 2;
}

/*
 * Why a case cannot run here, or NULL: it moves between CPUs, it sets
 * TLB_CONTROL 3 or 7 (@flushbyasid), or it uses @asids ASIDs.
 */
static inline const char *nested_tlb_skip(const struct nested_tlb_env *env,
					  bool migrate, bool flushbyasid,
					  unsigned int asids)
{
	if (migrate && !env->can_migrate)
		return "needs 2 CPUs";
	if (flushbyasid && !env->flushbyasid)
		return "needs FLUSHBYASID (CPUID 0x8000000A EDX[6]), which L1 lacks";
	if (asids > env->nr_asids)
		return "needs more ASIDs than L1 has";
	return NULL;
}

#endif /* SELFTEST_NESTED_SVM_UTIL_H */

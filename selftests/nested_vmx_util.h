/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the project's nested VMX selftests share: a memslot of their own
 * for data pages, EPT tables and L2's page tables, the INVEPT and INVVPID
 * instructions and L1's capabilities for them, a VM-entry that loads and
 * saves all of L2's general-purpose registers, the vCPU's statistics and
 * the loop that runs L1 and accounts them per phase.
 *
 * The twin of nested_svm_util.h: the vendor-neutral parts are the same,
 * kept apart so that neither header depends on the other vendor's.
 *
 * A test defines its phases and passes their names to nested_vmx_run_l1()
 * and nested_vmx_print(); L1 reports each phase with
 * GUEST_SYNC3(phase, VM-entries, invalidations).
 */
#ifndef SELFTEST_NESTED_VMX_UTIL_H
#define SELFTEST_NESTED_VMX_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "vmx.h"

#include "nested_stats.h"

#define L2_STACK_SIZE		256

/* A memslot of its own, far from memslot 0, mapped 1:1 in L1. */
#define TEST_SLOT		10
#define TEST_SLOT_GPA		0xc0000000UL
#define NR_DATA			4
#define PT_ENTRIES		512

#define L2_POISON		0xdeaddeaddeaddeadUL
#define DATA_MARKER(i)		(0xda7a000000000000UL | (i))

/* IA32_VMX_EPT_VPID_CAP (SDM Vol. 3, A.10). */
#define EPT_CAP_INVEPT		BIT_ULL(20)
#define EPT_CAP_INVEPT_SINGLE	BIT_ULL(25)
#define EPT_CAP_INVEPT_ALL	BIT_ULL(26)
#define VPID_CAP_INVVPID	BIT_ULL(32)
#define VPID_CAP_INVVPID_ADDR	BIT_ULL(40)
#define VPID_CAP_INVVPID_SINGLE	BIT_ULL(41)
#define VPID_CAP_INVVPID_ALL	BIT_ULL(42)

#define INVEPT_SINGLE		1
#define INVEPT_ALL		2
#define INVVPID_ADDR		0
#define INVVPID_SINGLE		1
#define INVVPID_ALL		2

/* VM-instruction error numbers (SDM Vol. 3, 31.4). */
#define VMXERR_ENTRY_INVALID_CONTROL	7
#define VMXERR_INVALID_OPERAND		28

/* EPT entries: read, write, execute; leaves are write-back. */
#define EPT_RWX			0x7ULL
#define EPT_MT_WB		(6ULL << 3)
#define EPT_LEAF		(EPT_RWX | EPT_MT_WB)

/* Page-table entries of L2's own tables (and L1's, for a test address). */
#define PT_FLAGS		(PTE_PRESENT_MASK | PTE_WRITABLE_MASK)

/* L1: INVEPT of @type for @eptp; returns 0 on success, 1 on VMfail. */
static inline int l1_invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp;
		u64 rsvd;
	} desc = { eptp, 0 };
	u8 fail;

	asm volatile("invept %[desc], %[type]; setna %[fail]"
		     : [fail] "=rm"(fail)
		     : [desc] "m"(desc), [type] "r"(type)
		     : "cc", "memory");
	return fail;
}

/* L1: INVVPID of @type for @vpid (and @gva); 0 on success, 1 on VMfail. */
static inline int l1_invvpid(u64 type, u16 vpid, u64 gva)
{
	struct {
		u64 vpid;
		u64 gva;
	} desc = { vpid, gva };
	u8 fail;

	asm volatile("invvpid %[desc], %[type]; setna %[fail]"
		     : [fail] "=rm"(fail)
		     : [desc] "m"(desc), [type] "r"(type)
		     : "cc", "memory");
	return fail;
}

/* L1: the VM-instruction error of the last VMfailValid. */
static inline u64 vmx_insn_error(void)
{
	return vmreadz(VM_INSTRUCTION_ERROR);
}

/*
 * The EPT pointer of 4-level tables at @root: write-back, no accessed and
 * dirty flags.
 */
static inline u64 ept_pointer(u64 root)
{
	return root | (3 << 3) | 6;
}

/* L1 and host: whether the secondary control @bit may be set. */
static inline bool vmx_secondary_allowed(u64 ctls2_msr, u32 bit)
{
	return (ctls2_msr >> 32) & bit;
}

/*
 * L2's general-purpose registers, but RSP (in the VMCS): loaded by
 * vmx_enter() before VM-entry and saved after the VM-exit, as a
 * hypervisor keeps them for each of its guests.
 */
struct l2_gprs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * L1: VMLAUNCH (@launch) or VMRESUME the current VMCS with L2's registers
 * from @g, and save L2's registers to @g at the VM-exit.  Returns 0 after
 * a VM-exit, 1 if the instruction failed (@g is then not written).  The
 * VMCS's HOST_RSP and HOST_RIP are written here.
 */
static inline int vmx_enter(struct l2_gprs *g, bool launch)
{
	u64 rax = (u64)g, rcx = launch;

	/* Below the red zone of the function this is inlined in. */
	asm volatile("lea -128(%%rsp), %%rsp\n\t"
		     "push %%rbp\n\t"
		     "push %%rax\n\t"		/* @g, at HOST_RSP */
		     "mov $0x6c14, %%rdx\n\t"	/* HOST_RSP */
		     "vmwrite %%rsp, %%rdx\n\t"
		     "lea 1f(%%rip), %%rsi\n\t"
		     "mov $0x6c16, %%rdx\n\t"	/* HOST_RIP */
		     "vmwrite %%rsi, %%rdx\n\t"
		     "test %%rcx, %%rcx\n\t"	/* MOVs keep the flags */
		     "mov 0x08(%%rax), %%rbx\n\t"
		     "mov 0x10(%%rax), %%rcx\n\t"
		     "mov 0x18(%%rax), %%rdx\n\t"
		     "mov 0x20(%%rax), %%rsi\n\t"
		     "mov 0x28(%%rax), %%rdi\n\t"
		     "mov 0x30(%%rax), %%rbp\n\t"
		     "mov 0x38(%%rax), %%r8\n\t"
		     "mov 0x40(%%rax), %%r9\n\t"
		     "mov 0x48(%%rax), %%r10\n\t"
		     "mov 0x50(%%rax), %%r11\n\t"
		     "mov 0x58(%%rax), %%r12\n\t"
		     "mov 0x60(%%rax), %%r13\n\t"
		     "mov 0x68(%%rax), %%r14\n\t"
		     "mov 0x70(%%rax), %%r15\n\t"
		     "mov 0x00(%%rax), %%rax\n\t"
		     "jnz 2f\n\t"
		     "vmresume\n\t"
		     "jmp 3f\n\t"
		     "2: vmlaunch\n\t"
		     /* VMfail: L2's registers are lost, @g is kept. */
		     "3: pop %%rax\n\t"
		     "mov $1, %%eax\n\t"
		     "jmp 4f\n\t"
		     /* The VM-exit, with RSP = HOST_RSP. */
		     "1: push %%rax\n\t"
		     "mov 8(%%rsp), %%rax\n\t"
		     "mov %%rbx, 0x08(%%rax)\n\t"
		     "mov %%rcx, 0x10(%%rax)\n\t"
		     "mov %%rdx, 0x18(%%rax)\n\t"
		     "mov %%rsi, 0x20(%%rax)\n\t"
		     "mov %%rdi, 0x28(%%rax)\n\t"
		     "mov %%rbp, 0x30(%%rax)\n\t"
		     "mov %%r8, 0x38(%%rax)\n\t"
		     "mov %%r9, 0x40(%%rax)\n\t"
		     "mov %%r10, 0x48(%%rax)\n\t"
		     "mov %%r11, 0x50(%%rax)\n\t"
		     "mov %%r12, 0x58(%%rax)\n\t"
		     "mov %%r13, 0x60(%%rax)\n\t"
		     "mov %%r14, 0x68(%%rax)\n\t"
		     "mov %%r15, 0x70(%%rax)\n\t"
		     "pop %%rbx\n\t"
		     "mov %%rbx, 0x00(%%rax)\n\t"
		     "pop %%rax\n\t"
		     "xor %%eax, %%eax\n\t"
		     "4: pop %%rbp\n\t"
		     "lea 128(%%rsp), %%rsp"
		     : "+a"(rax), "+c"(rcx)
		     :
		     : "rbx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "r12", "r13", "r14", "r15", "cc", "memory");
	return rax;
}

/* L1: VMXON, and vmx->vmcs made current. */
static inline void l1_vmx_init(struct vmx_pages *vmx)
{
	GUEST_ASSERT(prepare_for_vmx_operation(vmx));
	GUEST_ASSERT(load_vmcs(vmx));
}

/*
 * L1: the current VMCS made to run an L2 at @rip/@rsp on L1's own state
 * (KVM's prepare_vmcs()), with @cr3 for L2's CR3 if not 0 (else L1's),
 * nested EPT with the EPT pointer @eptp if not 0 and VPID @vpid if not 0.
 */
static inline void l1_vmcs_setup(struct vmx_pages *vmx, void *rip, void *rsp,
				 u64 cr3, u64 eptp, u16 vpid)
{
	u32 ctls2;

	prepare_vmcs(vmx, rip, rsp);
	ctls2 = vmreadz(SECONDARY_VM_EXEC_CONTROL);
	ctls2 &= ~(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID);
	if (eptp) {
		ctls2 |= SECONDARY_EXEC_ENABLE_EPT;
		GUEST_ASSERT(!vmwrite(EPT_POINTER, eptp));
	}
	if (vpid)
		ctls2 |= SECONDARY_EXEC_ENABLE_VPID;
	GUEST_ASSERT(!vmwrite(VIRTUAL_PROCESSOR_ID, vpid));
	GUEST_ASSERT(!vmwrite(SECONDARY_VM_EXEC_CONTROL, ctls2));
	GUEST_ASSERT(!vmwrite(CPU_BASED_VM_EXEC_CONTROL,
			      vmreadz(CPU_BASED_VM_EXEC_CONTROL) |
			      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS));
	if (cr3)
		GUEST_ASSERT(!vmwrite(GUEST_CR3, cr3));
}

/* L1: after a VM-exit, which must be L2's VMCALL: step over it. */
static inline void l1_expect_vmcall(void)
{
	u64 reason = vmreadz(VM_EXIT_REASON);

	__GUEST_ASSERT(reason == EXIT_REASON_VMCALL,
		       "L2 exit reason %#lx at RIP %#lx, qualification %#lx, interruption %#lx/%#lx, guest-physical %#lx: expected VMCALL",
		       reason, vmreadz(GUEST_RIP), vmreadz(EXIT_QUALIFICATION),
		       vmreadz(VM_EXIT_INTR_INFO),
		       vmreadz(VM_EXIT_INTR_ERROR_CODE),
		       vmreadz(GUEST_PHYSICAL_ADDRESS));
	GUEST_ASSERT(!vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) +
				       vmreadz(VM_EXIT_INSTRUCTION_LEN)));
}

/*
 * L2: exit to L1 with VMCALL, after which memory may have changed.  RAX
 * and RCX get values that are no hypercall of L0's; L1 gives the other
 * registers back (vmx_enter()).
 */
static inline void l2_vmcall(void)
{
	u64 rax = 0xdeadbeef, rcx = 0xbeefdead;

	asm volatile("vmcall" : "+a"(rax), "+c"(rcx) : : "memory");
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
 * Bit 0 (present, or EPT's read) tells a used entry, bit 7 a large page,
 * in both formats.
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

/* The GVA (= GPA in the test memslot) of a table entry. */
static inline u64 test_entry_gva(struct test_mem *mem, u64 *entry)
{
	return addr_hva2gpa(mem->vm, entry);
}

/*
 * An EPT, in the test memslot, mapping every other memslot 1:1 with 2M
 * pages (L2 runs on L1's code and stack) and the test memslot 1:1 with 4K
 * pages, but for L2-physical page @l2_gpa, mapped to @gpa.  Returns the
 * EPT's root; *@epte is set to the GVA (= GPA) of @l2_gpa's entry.
 */
static inline u64 test_ept_create(struct test_mem *mem, u64 l2_gpa, u64 gpa,
				  u64 *epte)
{
	struct userspace_mem_region *region;
	u64 root = test_alloc_page(mem);
	u64 addr, end, *pte;
	unsigned int i;
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
					    EPT_RWX);
			*pte = addr | EPT_LEAF | PTE_LARGE_MASK;
		}
	}
	for (i = 0; i < mem->nr_pages; i++) {
		addr = test_page(i);
		pte = test_pt_entry(mem, root, addr, PG_LEVEL_4K, EPT_RWX);
		*pte = (addr == l2_gpa ? gpa : addr) | EPT_LEAF;
		if (addr == l2_gpa && epte)
			*epte = test_entry_gva(mem, pte);
	}
	return root;
}

/*
 * Page tables for L2, in the test memslot: PML4 entry 0 is L1's (code,
 * stack, data and the test memslot, mapped 1:1), and @gva, outside the
 * first 512G, is mapped with a 4K PTE to @gpa.  Returns the PML4's
 * address; *@pte is set to the GVA (= GPA) of @gva's PTE.
 */
static inline u64 test_l2_pt_create(struct test_mem *mem, u64 gva, u64 gpa,
				    u64 *pte)
{
	u64 root = test_alloc_page(mem);
	u64 *l1_pml4 = addr_gpa2hva(mem->vm, mem->vm->pgd);
	u64 *entry;

	TEST_ASSERT(gva >= PG_LEVEL_SIZE(PG_LEVEL_512G),
		    "%#lx is in L1's part of L2's tables", gva);
	*(u64 *)addr_gpa2hva(mem->vm, root) = l1_pml4[0];
	entry = test_pt_entry(mem, root, gva, PG_LEVEL_4K, PT_FLAGS);
	*entry = gpa | PT_FLAGS;
	if (pte)
		*pte = test_entry_gva(mem, entry);
	return root;
}

struct phase_stats {
	u64 entries;
	u64 invalidations;
	u64 tlb_flush;
};

/*
 * Run L1 to GUEST_DONE.  At each GUEST_SYNC(phase, VM-entries,
 * invalidations) check that nested_run counted L1's VMLAUNCHes and
 * VMRESUMEs, account the statistics to @ps[phase] and, with @migrate, move
 * to the other CPU.  Returns the number of moves.
 */
static inline unsigned int nested_vmx_run_l1(struct kvm_vcpu *vcpu,
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
				    "%s: nested_run counted %lu VM-entries, L1 made %lu",
				    phase_name[phase], n - nested_run,
				    uc.args[1]);
			ps[phase].entries += uc.args[1];
			ps[phase].invalidations += uc.args[2];
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
static inline void nested_vmx_print(const char * const *phase_name,
				    unsigned int nr_phases,
				    const struct phase_stats *ps)
{
	char line[512];
	unsigned int p;
	int len = 0;

	for (p = 0; p < nr_phases; p++) {
		if (!ps[p].entries)
			continue;
		len += snprintf(line + len, sizeof(line) - len,
				"%s %.3f (%lu RT, %lu INV) ", phase_name[p],
				(double)ps[p].tlb_flush / ps[p].entries,
				ps[p].entries, ps[p].invalidations);
	}
	ksft_print_msg("  tlb_flush per round trip: %s\n", line);
}

/* What L1's VMX capabilities and the machine let the cases do. */
struct nested_vmx_env {
	bool ept;
	bool vpid;
	u64 ept_vpid_cap;
	bool can_migrate;
};

static inline void nested_vmx_env_init(struct nested_vmx_env *env)
{
	u64 ctls = kvm_get_feature_msr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	u64 ctls2 = 0;

	if ((ctls >> 32) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		ctls2 = kvm_get_feature_msr(MSR_IA32_VMX_PROCBASED_CTLS2);
	env->ept = vmx_secondary_allowed(ctls2, SECONDARY_EXEC_ENABLE_EPT);
	env->vpid = vmx_secondary_allowed(ctls2, SECONDARY_EXEC_ENABLE_VPID);
	env->ept_vpid_cap = env->ept || env->vpid ?
			    kvm_get_feature_msr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
	env->can_migrate = get_nprocs() >= 2;
}

static inline bool nested_vmx_has(const struct nested_vmx_env *env, u64 cap)
{
	return (env->ept_vpid_cap & cap) == cap;
}

#endif /* SELFTEST_NESTED_VMX_UTIL_H */

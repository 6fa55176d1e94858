// SPDX-License-Identifier: GPL-2.0
/*
 * svm_nested_exits_test: exits that L1 asked for, and VMRUNs that fail.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guest.  Each case is a VM of its own; L1 checks what vmcb12 says after
 * each exit, and L2's progress through a counter it bumps.
 *
 *   npf           L2 runs on an NPT built here that maps one page of the
 *                 test memslot; L2 reads it, then reads a page the NPT
 *                 does not map: L1 must get #VMEXIT(NPF) with that
 *                 L2-physical address and a not-present error code.  L1
 *                 maps the page and resumes L2, which must then read it.
 *   npf-emulated  the same page, read by L0 while it emulates L2's OUTSB
 *                 from it (an I/O L1 leaves to L0): L1 must get the NPF
 *                 for that address, as a fault of the final translation;
 *                 once L1 maps the page, the OUTSB completes.
 *   ioio          L1 intercepts I/O through an IOPM with only port 0x88
 *                 set.  L2 writes port 0x80, which L1 does not intercept:
 *                 L0 handles it (this program sees the write); then a
 *                 16-bit write to port 0x87, which covers 0x88: L1 must
 *                 get #VMEXIT(IOIO) for port 0x87, and EXITINFO2 the next
 *                 RIP.
 *   cr-dr         L1 intercepts reads of CR0 and writes of DR7; L2 does
 *                 both: L1 must get the two exits, in order.
 *   pf            L1 intercepts #PF; L2 (on L1's page tables) reads an
 *                 address they do not map: #VMEXIT(EXCP 14) with the
 *                 address in EXITINFO2 and a not-present read error code.
 *   pf-emulated   the same #PF, raised by L0 while it emulates L2's OUTSB
 *                 from that address (an I/O L1 leaves to L0).
 *   nmi           L1 intercepts NMIs; while L2 is out in this program for
 *                 an I/O, the program injects an NMI (KVM_NMI): L1 must get
 *                 #VMEXIT(NMI) before L2 goes on, then take the NMI itself
 *                 once it sets GIF.
 *   vmrun-invalid vmcb12s that each break one of VMRUN's consistency
 *                 checks (ASID 0, nCR3, MSRPM and IOPM beyond MAXPHYADDR,
 *                 vNMI without the NMI intercept, DR6, DR7, CS.L with CS.D,
 *                 CR4, EFER): VMRUN must fail with VMEXIT_INVALID without
 *                 running L2; with vmcb12 restored, L2 runs.
 *   vmrun-bad-gpa VMRUN of a vmcb12 address no memslot backs: #GP.
 *   vmrun-no-hsave
 *                 VMRUN with VM_HSAVE_PA 0: #GP; with it restored, L2
 *                 runs.
 *   svme-off      EFER.SVME cleared (KVM frees L1's nested state): VMRUN
 *                 is #UD; with EFER.SVME set again (KVM allocates it
 *                 anew), L2 runs from the same vmcb12, twice.
 *
 * The failing VMRUNs and the SVME case go through the paths that must
 * leave L1's state as it was, which L2's later run checks.
 */
#include "nested_svm_util.h"

#define TEST_SLOT_PAGES		32
#define PG_DATA			0
/* Past the pages test_alloc_page() hands out for the NPT and the IOPM. */
#define L2_PAGE			test_page(TEST_SLOT_PAGES - 2)	/* in the NPT */
#define L2_HOLE			test_page(TEST_SLOT_PAGES - 1)	/* not in it */
#define UNMAPPED_GVA		0x7fff00000000UL

#define V_NMI_ENABLE		BIT(26)
#define BEYOND_MAXPHYADDR	BIT_ULL(51)

#define PORT_L0			0x80
#define PORT_L1			0x87
#define PORT_L1_BIT		0x88
#define IOPM_PAGES		3

/* Encodings of fixed length, for L1 to step over without NRIP save. */
#define MOV_CR0_RAX		".byte 0x0f, 0x20, 0xc0"	/* mov %cr0, %rax */
#define MOV_RAX_DR7		".byte 0x0f, 0x23, 0xf8"	/* mov %rax, %dr7 */
#define MOV_CR_DR_LEN		3

enum test_case {
	C_NPF,
	C_NPF_EMULATED,
	C_IOIO,
	C_CR_DR,
	C_PF,
	C_PF_EMULATED,
	C_NMI,
	C_VMRUN_INVALID,
	C_VMRUN_BAD_GPA,
	C_VMRUN_NO_HSAVE,
	C_SVME_OFF,
	NR_CASES,
};

static const char * const case_name[NR_CASES] = {
	[C_NPF] = "npf",
	[C_NPF_EMULATED] = "npf-emulated",
	[C_IOIO] = "ioio",
	[C_CR_DR] = "cr-dr",
	[C_PF] = "pf",
	[C_PF_EMULATED] = "pf-emulated",
	[C_NMI] = "nmi",
	[C_VMRUN_INVALID] = "vmrun-invalid",
	[C_VMRUN_BAD_GPA] = "vmrun-bad-gpa",
	[C_VMRUN_NO_HSAVE] = "vmrun-no-hsave",
	[C_SVME_OFF] = "svme-off",
};

/* Shared with L1. */
struct exits_args {
	u64 test_case;
	u64 ncr3;
	u64 hole_npte;		/* GVA of L2_HOLE's (empty) NPT entry */
	u64 iopm_gpa;
	u64 bad_gpa;
};

/* Written by L2, read by L1. */
static u64 l2_step;
static u64 l2_seen[2];
static u64 l1_nmis;

static void l2_npf(void)
{
	WRITE_ONCE(l2_seen[0], READ_ONCE(*(u64 *)L2_PAGE));
	WRITE_ONCE(l2_step, 1);
	WRITE_ONCE(l2_seen[1], READ_ONCE(*(u64 *)L2_HOLE));
	WRITE_ONCE(l2_step, 2);
	vmmcall();
}

/* OUTSB of one byte at @src to a port L1 leaves to L0, which emulates it. */
static void l2_outsb_from(u64 src)
{
	u64 count = 1;

	asm volatile("rep outsb" : "+S"(src), "+c"(count) : "d"(PORT_L0)
		     : "memory");
	WRITE_ONCE(l2_step, 1);
	vmmcall();
}

static void l2_npf_emulated(void)
{
	l2_outsb_from(L2_HOLE);
}

static void l2_ioio(void)
{
	asm volatile("outb %%al, %0" : : "i"(PORT_L0), "a"(0x5a));
	WRITE_ONCE(l2_step, 1);
	asm volatile("outw %%ax, %0" : : "i"(PORT_L1), "a"(0xa5a5));
	WRITE_ONCE(l2_step, 2);
	vmmcall();
}

static void l2_cr_dr(void)
{
	u64 dr7 = 0x400;

	asm volatile(MOV_CR0_RAX : : : "rax");
	WRITE_ONCE(l2_step, 1);
	asm volatile(MOV_RAX_DR7 : : "a"(dr7));
	WRITE_ONCE(l2_step, 2);
	vmmcall();
}

static void l2_pf(void)
{
	WRITE_ONCE(l2_seen[0], READ_ONCE(*(u64 *)UNMAPPED_GVA));
	WRITE_ONCE(l2_step, 1);
	vmmcall();
}

static void l2_pf_emulated(void)
{
	l2_outsb_from(UNMAPPED_GVA);
}

static void l2_nmi(void)
{
	asm volatile("outb %%al, %0" : : "i"(PORT_L0), "a"(0x4e));
	WRITE_ONCE(l2_step, 1);
	vmmcall();
}

static void nmi_handler(struct ex_regs *regs)
{
	WRITE_ONCE(l1_nmis, READ_ONCE(l1_nmis) + 1);
}

static void l2_vmmcall(void)
{
	for (;;) {
		WRITE_ONCE(l2_step, READ_ONCE(l2_step) + 1);
		vmmcall();
	}
}

static void expect_exit(struct vmcb *vmcb, u32 code, const char *what)
{
	__GUEST_ASSERT(vmcb->control.exit_code == code,
		       "%s: exit code %#x, info1 %#lx, info2 %#lx: expected %#x",
		       what, vmcb->control.exit_code,
		       vmcb->control.exit_info_1, vmcb->control.exit_info_2,
		       code);
}

static void l1_npf(struct svm_test_data *svm, struct exits_args *a)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	vmcb->control.nested_cr3 = a->ncr3;

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_NPF, "read of a page L1's NPT lacks");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);
	GUEST_ASSERT_EQ(READ_ONCE(l2_seen[0]), DATA_MARKER(0));
	GUEST_ASSERT_EQ(vmcb->control.exit_info_2, L2_HOLE);
	/* Not present, a read, at the final translation. */
	__GUEST_ASSERT(!(vmcb->control.exit_info_1 & (PFERR_PRESENT_MASK |
						       PFERR_WRITE_MASK)) &&
		       (vmcb->control.exit_info_1 & PFERR_GUEST_FINAL_MASK),
		       "NPF error code %#lx", vmcb->control.exit_info_1);

	WRITE_ONCE(*(u64 *)a->hole_npte, test_page(PG_DATA + 1) | NPT_FLAGS);
	l1_run_l2(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 2);
	GUEST_ASSERT_EQ(READ_ONCE(l2_seen[1]), DATA_MARKER(1));
}

static void l1_npf_emulated(struct svm_test_data *svm, struct exits_args *a)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	vmcb->control.nested_cr3 = a->ncr3;

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_NPF, "OUTSB from a page L1's NPT lacks");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
	GUEST_ASSERT_EQ(vmcb->control.exit_info_2, L2_HOLE);
	__GUEST_ASSERT(!(vmcb->control.exit_info_1 & (PFERR_PRESENT_MASK |
						       PFERR_WRITE_MASK)) &&
		       (vmcb->control.exit_info_1 & PFERR_GUEST_FINAL_MASK),
		       "NPF error code %#lx", vmcb->control.exit_info_1);

	WRITE_ONCE(*(u64 *)a->hole_npte, test_page(PG_DATA + 1) | NPT_FLAGS);
	l1_run_l2(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);
}

static void l1_ioio(struct svm_test_data *svm, struct exits_args *a)
{
	struct vmcb *vmcb = svm->vmcb;
	u8 *iopm = (u8 *)a->iopm_gpa;

	memset(iopm, 0, IOPM_PAGES * PAGE_SIZE);
	iopm[PORT_L1_BIT / 8] |= BIT(PORT_L1_BIT % 8);
	vmcb->control.iopm_base_pa = a->iopm_gpa;
	vmcb->control.intercept |= BIT_ULL(INTERCEPT_IOIO_PROT);

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_IOIO, "16-bit OUT to port 0x87");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);
	GUEST_ASSERT_EQ(vmcb->control.exit_info_1 >> 16, PORT_L1);
	__GUEST_ASSERT(!(vmcb->control.exit_info_1 & SVM_IOIO_TYPE_MASK) &&
		       (vmcb->control.exit_info_1 & SVM_IOIO_SIZE_MASK) ==
		       (2 << SVM_IOIO_SIZE_SHIFT),
		       "IOIO info %#lx: expected a 16-bit OUT",
		       vmcb->control.exit_info_1);

	vmcb->save.rip = vmcb->control.exit_info_2;
	l1_run_l2(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 2);
}

static void l1_cr_dr(struct svm_test_data *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.intercept_cr |= BIT(0);		/* read CR0 */
	vmcb->control.intercept_dr |= BIT(16 + 7);	/* write DR7 */

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_READ_CR0, "MOV from CR0");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
	vmcb->save.rip += MOV_CR_DR_LEN;

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_WRITE_DR7, "MOV to DR7");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);
	vmcb->save.rip += MOV_CR_DR_LEN;

	l1_run_l2(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 2);
}

static void l1_pf(struct svm_test_data *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.intercept_exceptions |= BIT(PF_VECTOR);

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_EXCP_BASE + PF_VECTOR, "read of GVA 0x7fff00000000");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
	GUEST_ASSERT_EQ(vmcb->control.exit_info_2, UNMAPPED_GVA);
	__GUEST_ASSERT(!(vmcb->control.exit_info_1 & (PFERR_PRESENT_MASK |
						       PFERR_WRITE_MASK)),
		       "#PF error code %#lx: expected a not-present read",
		       vmcb->control.exit_info_1);
}

static void l1_pf_emulated(struct svm_test_data *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.intercept_exceptions |= BIT(PF_VECTOR);

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_EXCP_BASE + PF_VECTOR,
		    "OUTSB from GVA 0x7fff00000000");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
	GUEST_ASSERT_EQ(vmcb->control.exit_info_2, UNMAPPED_GVA);
}

static void l1_nmi(struct svm_test_data *svm)
{
	struct vmcb *vmcb = svm->vmcb;

	vmcb->control.intercept |= BIT_ULL(INTERCEPT_NMI);

	run_guest(vmcb, svm->vmcb_gpa);
	expect_exit(vmcb, SVM_EXIT_NMI, "NMI while L2 runs");
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
	GUEST_ASSERT_EQ(READ_ONCE(l1_nmis), 0);

	/* The NMI is L1's to take, once GIF is set. */
	stgi();
	clgi();
	GUEST_ASSERT_EQ(READ_ONCE(l1_nmis), 1);

	l1_run_l2(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);
	GUEST_ASSERT_EQ(READ_ONCE(l1_nmis), 1);
}

/* One change of vmcb12 that VMRUN's consistency checks must refuse. */
static const char *bad_vmcb12(struct vmcb *vmcb, unsigned int i)
{
	switch (i) {
	case 0:
		vmcb->control.asid = 0;
		return "ASID 0";
	case 1:
		vmcb->control.nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
		vmcb->control.nested_cr3 = BEYOND_MAXPHYADDR;
		return "nCR3 beyond MAXPHYADDR";
	case 2:
		vmcb->control.msrpm_base_pa = BEYOND_MAXPHYADDR;
		return "MSRPM beyond MAXPHYADDR";
	case 3:
		vmcb->control.iopm_base_pa = BEYOND_MAXPHYADDR;
		return "IOPM beyond MAXPHYADDR";
	case 4:
		vmcb->control.int_ctl |= V_NMI_ENABLE;
		return "vNMI without the NMI intercept";
	case 5:
		vmcb->save.dr6 |= BIT_ULL(32);
		return "DR6 bit 32";
	case 6:
		vmcb->save.dr7 |= BIT_ULL(32);
		return "DR7 bit 32";
	case 7:
		vmcb->save.cs.attrib |= SVM_SELECTOR_DB_MASK;
		return "CS.L with CS.D";
	case 8:
		vmcb->save.cr4 |= BIT_ULL(32);
		return "CR4 bit 32";
	case 9:
		vmcb->save.efer |= BIT_ULL(62);
		return "EFER bit 62";
	default:
		return NULL;
	}
}

/* L2 runs to its next VMMCALL; it must not have run before. */
static void l1_run_once(struct svm_test_data *svm, u64 steps)
{
	l1_run_l2(svm->vmcb, svm->vmcb_gpa);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), steps);
}

static void l1_vmrun_invalid(struct svm_test_data *svm)
{
	static struct vmcb good;
	struct vmcb *vmcb = svm->vmcb;
	const char *what;
	unsigned int i;

	memcpy(&good, vmcb, sizeof(good));
	for (i = 0; (what = bad_vmcb12(vmcb, i)); i++) {
		run_guest(vmcb, svm->vmcb_gpa);
		expect_exit(vmcb, SVM_EXIT_ERR, what);
		GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);
		GUEST_ASSERT_EQ(vmcb->save.rip, good.save.rip);
		memcpy(vmcb, &good, sizeof(good));
	}
	l1_run_once(svm, 1);
}

static void l1_vmrun_bad_gpa(struct svm_test_data *svm, struct exits_args *a)
{
	u8 v = kvm_asm_safe("vmrun", "a"(a->bad_gpa));

	__GUEST_ASSERT(v == GP_VECTOR, "VMRUN of GPA %#lx: vector %u, not #GP",
		       a->bad_gpa, v);
	l1_run_once(svm, 1);
}

static void l1_vmrun_no_hsave(struct svm_test_data *svm)
{
	u8 v;

	wrmsr(MSR_VM_HSAVE_PA, 0);
	v = kvm_asm_safe("vmrun", "a"(svm->vmcb_gpa));
	__GUEST_ASSERT(v == GP_VECTOR, "VMRUN without VM_HSAVE_PA: vector %u, not #GP",
		       v);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 0);

	wrmsr(MSR_VM_HSAVE_PA, svm->save_area_gpa);
	l1_run_once(svm, 1);
}

static void l1_svme_off(struct svm_test_data *svm)
{
	u64 efer = rdmsr(MSR_EFER);
	u8 v;

	l1_run_once(svm, 1);

	wrmsr(MSR_EFER, efer & ~EFER_SVME);
	v = kvm_asm_safe("vmrun", "a"(svm->vmcb_gpa));
	__GUEST_ASSERT(v == UD_VECTOR, "VMRUN with EFER.SVME clear: vector %u, not #UD",
		       v);
	GUEST_ASSERT_EQ(READ_ONCE(l2_step), 1);

	wrmsr(MSR_EFER, efer);
	l1_run_once(svm, 2);
	l1_run_once(svm, 3);
}

static void l1_guest(struct svm_test_data *svm, struct exits_args *a)
{
	static void * const l2_code[NR_CASES] = {
		[C_NPF] = l2_npf,
		[C_NPF_EMULATED] = l2_npf_emulated,
		[C_IOIO] = l2_ioio,
		[C_CR_DR] = l2_cr_dr,
		[C_PF] = l2_pf,
		[C_PF_EMULATED] = l2_pf_emulated,
		[C_NMI] = l2_nmi,
		[C_VMRUN_INVALID] = l2_vmmcall,
		[C_VMRUN_BAD_GPA] = l2_vmmcall,
		[C_VMRUN_NO_HSAVE] = l2_vmmcall,
		[C_SVME_OFF] = l2_vmmcall,
	};
	unsigned long stack[L2_STACK_SIZE];

	generic_svm_setup(svm, l2_code[a->test_case], &stack[L2_STACK_SIZE]);

	switch (a->test_case) {
	case C_NPF:
		l1_npf(svm, a);
		break;
	case C_NPF_EMULATED:
		l1_npf_emulated(svm, a);
		break;
	case C_IOIO:
		l1_ioio(svm, a);
		break;
	case C_CR_DR:
		l1_cr_dr(svm);
		break;
	case C_PF:
		l1_pf(svm);
		break;
	case C_PF_EMULATED:
		l1_pf_emulated(svm);
		break;
	case C_NMI:
		l1_nmi(svm);
		break;
	case C_VMRUN_INVALID:
		l1_vmrun_invalid(svm);
		break;
	case C_VMRUN_BAD_GPA:
		l1_vmrun_bad_gpa(svm, a);
		break;
	case C_VMRUN_NO_HSAVE:
		l1_vmrun_no_hsave(svm);
		break;
	case C_SVME_OFF:
		l1_svme_off(svm);
		break;
	}
	GUEST_DONE();
}

/* The cases where L2 writes port 0x80, which L0 handles: once. */
static bool l2_writes_port_l0(enum test_case c)
{
	return c == C_NPF_EMULATED || c == C_IOIO || c == C_NMI;
}

static void test_case(enum test_case c)
{
	unsigned int l0_writes = 0, i;
	vm_vaddr_t svm_gva, args_gva;
	struct exits_args *a;
	struct kvm_vcpu *vcpu;
	struct test_mem mem;
	struct kvm_vm *vm;
	struct ucall uc;
	u64 npte, *hole;

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest);
	vm_install_exception_handler(vm, NMI_VECTOR, nmi_handler);
	vcpu_alloc_svm(vm, &svm_gva);
	test_mem_init(&mem, vm, TEST_SLOT_PAGES, PG_DATA);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->test_case = c;
	if (c == C_NPF || c == C_NPF_EMULATED) {
		a->ncr3 = test_npt_create(&mem, L2_PAGE, test_page(PG_DATA),
					  &npte);
		hole = test_pt_entry(&mem, a->ncr3, L2_HOLE, PG_LEVEL_4K,
				     NPT_FLAGS);
		TEST_ASSERT(!*hole, "L2_HOLE is mapped in L1's NPT");
		a->hole_npte = addr_hva2gpa(vm, hole);
	}
	/* The IOPM: contiguous pages of the test memslot, 1:1 in L1. */
	a->iopm_gpa = test_alloc_page(&mem);
	for (i = 1; i < IOPM_PAGES; i++)
		TEST_ASSERT_EQ(test_alloc_page(&mem), a->iopm_gpa + i * PAGE_SIZE);
	TEST_ASSERT(mem.next <= TEST_SLOT_PAGES - 2,
		    "the test memslot is too small");
	a->bad_gpa = vm->max_gfn << vm->page_shift;
	vcpu_args_set(vcpu, 2, svm_gva, args_gva);

	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_NONE:
			/* An I/O of L2 that L1 does not intercept. */
			TEST_ASSERT(l2_writes_port_l0(c) &&
				    vcpu->run->io.port == PORT_L0 &&
				    vcpu->run->io.direction == KVM_EXIT_IO_OUT,
				    "%s: unexpected I/O to port %#x",
				    case_name[c], vcpu->run->io.port);
			l0_writes++;
			if (c == C_NMI)
				vcpu_ioctl(vcpu, KVM_NMI, NULL);
			break;
		case UCALL_DONE:
			TEST_ASSERT_EQ(l0_writes, l2_writes_port_l0(c));
			kvm_vm_free(vm);
			ksft_test_result_pass("%s\n", case_name[c]);
			return;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected ucall %lu", uc.cmd);
		}
	}
}

int main(int argc, char *argv[])
{
	int c;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));

	ksft_print_header();
	ksft_set_plan(NR_CASES);
	for (c = 0; c < NR_CASES; c++) {
		if ((c == C_NPF || c == C_NPF_EMULATED) &&
		    !kvm_cpu_has(X86_FEATURE_NPT))
			ksft_test_result_skip("%s: L1 has no NPT\n", case_name[c]);
		else
			test_case(c);
	}
	ksft_finished();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_STATE_NESTED_FORMAT_V2 on SVM: save and restore a vCPU in and out of
 * guest mode through the nested state container, and feed KVM malformed
 * containers.
 *
 * At every stage of an L1 that runs an L2, the test saves the vCPU with
 * the 6.12 format and with the v2 format, restores the v2 state into a new
 * VM and checks that:
 *  - the restored vCPU reports the same legacy state (flags, VMCB12
 *    address, VMCB12 controls and L1's VMRUN state) as the original did;
 *  - a v2 state read back from the restored vCPU is byte-identical to the
 *    one it was restored from;
 *  - the guest runs on to the end, L2 resuming where it was saved.
 * In guest mode it also sets containers that break one rule each and
 * checks the error and that the vCPU's state did not change, and checks
 * that VMCB12's DR7 is L2's own while KVM_SET_GUEST_DEBUG puts the
 * debugger's in the VMCB.
 *
 * The container layout is read from Documentation/nested-state.rst of the
 * layer, independently of the layer's own headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "svm_util.h"

#ifndef KVM_CAP_NESTED_STATE_V2
#define KVM_CAP_NESTED_STATE_V2		239
#endif
#ifndef KVM_STATE_NESTED_FORMAT_V2
#define KVM_STATE_NESTED_FORMAT_V2	2
#endif

#define NST2_MAGIC		0x3254534eu
#define NST2_HDR_SIZE		16
#define NST2_DESC_SIZE		12
#define NST2_MAX_SIZE		65536
#define NST2_SEC_REQUIRED	1

enum {
	SEC_SVM_FLAGS = 1,
	SEC_SVM_L1_SAVE = 2,
	SEC_SVM_L1_CRS = 3,
	SEC_SVM_VMCB12 = 4,
	SEC_SVM_VMCB12_PA = 10,
};

#define L2_GUEST_STACK_SIZE	256
#define STATE_BUF_SIZE		(sizeof(struct kvm_nested_state) + NST2_MAX_SIZE)

static void l2_guest_code(void)
{
	u64 canary = 0x6c32;

	/* A value L2 keeps in a register or on its stack across the saves. */
	asm volatile("" : "+r"(canary));
	GUEST_SYNC(3);
	asm volatile("" : "+r"(canary));
	GUEST_ASSERT_EQ(canary, 0x6c32);
	canary++;
	vmmcall();
	asm volatile("" : "+r"(canary));
	GUEST_SYNC(5);
	asm volatile("" : "+r"(canary));
	GUEST_ASSERT_EQ(canary, 0x6c33);
	vmmcall();
}

static void l1_guest_code(struct svm_test_data *svm)
{
	unsigned long l2_guest_stack[L2_GUEST_STACK_SIZE];
	struct vmcb *vmcb = svm->vmcb;

	GUEST_SYNC(1);
	generic_svm_setup(svm, l2_guest_code,
			  &l2_guest_stack[L2_GUEST_STACK_SIZE]);
	GUEST_SYNC(2);
	run_guest(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT(vmcb->control.exit_code == SVM_EXIT_VMMCALL);
	GUEST_SYNC(4);
	vmcb->save.rip += 3;
	run_guest(vmcb, svm->vmcb_gpa);
	GUEST_ASSERT(vmcb->control.exit_code == SVM_EXIT_VMMCALL);
	GUEST_SYNC(6);
	GUEST_DONE();
}

static u16 get16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put16(u8 *p, u16 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * The container after the 128-byte header (data.v2 in the patched uapi
 * header; the test also builds, and skips, against 6.12's).
 */
static u8 *v2_data(struct kvm_nested_state *s)
{
	return (u8 *)(s + 1);
}

/* The descriptor of section @type in @c, or NULL. */
static u8 *nst2_desc(u8 *c, u16 type)
{
	u32 i, nr = get32(c + 12);

	for (i = 0; i < nr; i++) {
		u8 *d = c + NST2_HDR_SIZE + i * NST2_DESC_SIZE;

		if (get16(d) == type)
			return d;
	}
	return NULL;
}

/* The payload of section @type in @c; the section must exist. */
static u8 *nst2_payload(u8 *c, u16 type)
{
	u8 *d = nst2_desc(c, type);

	TEST_ASSERT(d, "container has no section %u", type);
	return c + get32(d + 4);
}

static struct kvm_nested_state *state_alloc(void)
{
	struct kvm_nested_state *s = calloc(1, STATE_BUF_SIZE);

	TEST_ASSERT(s, "-ENOMEM");
	return s;
}

static void get_state_v2(struct kvm_vcpu *vcpu, struct kvm_nested_state *s)
{
	memset(s, 0, STATE_BUF_SIZE);
	s->size = STATE_BUF_SIZE;
	vcpu_nested_state_get(vcpu, s);
	TEST_ASSERT(s->format == KVM_STATE_NESTED_FORMAT_V2,
		    "format %u, expected v2", s->format);
	TEST_ASSERT(s->size > sizeof(*s) + NST2_HDR_SIZE &&
		    s->size <= kvm_check_cap(KVM_CAP_NESTED_STATE_V2),
		    "v2 state of %u bytes, KVM_CAP_NESTED_STATE_V2 says %d",
		    s->size, kvm_check_cap(KVM_CAP_NESTED_STATE_V2));
	TEST_ASSERT(get32(v2_data(s)) == NST2_MAGIC &&
		    get32(v2_data(s) + 8) == s->size - sizeof(*s),
		    "bad container header");
}

static void set_v2(struct kvm_vm *vm, bool on)
{
	vm_enable_cap(vm, KVM_CAP_NESTED_STATE_V2, on);
}

static void same(int stage, const char *name, const void *a, const void *b,
		 size_t size)
{
	TEST_ASSERT(!memcmp(a, b, size), "stage %d: L1's %s differs after restore",
		    stage, name);
}

/* The parts of a legacy SVM state that do not depend on how it was set. */
static void compare_legacy(struct kvm_nested_state *a,
			   struct kvm_nested_state *b, int stage)
{
	struct vmcb_save_area *sa, *sb;

	TEST_ASSERT(a->format == KVM_STATE_NESTED_FORMAT_SVM &&
		    b->format == KVM_STATE_NESTED_FORMAT_SVM,
		    "stage %d: legacy formats %u, %u", stage, a->format,
		    b->format);
	TEST_ASSERT(a->flags == b->flags && a->size == b->size,
		    "stage %d: legacy flags %#x/%#x, size %u/%u", stage,
		    a->flags, b->flags, a->size, b->size);
	if (!(a->flags & KVM_STATE_NESTED_GUEST_MODE))
		return;

	TEST_ASSERT(a->hdr.svm.vmcb_pa == b->hdr.svm.vmcb_pa,
		    "stage %d: VMCB12 at %llx, restored %llx", stage,
		    a->hdr.svm.vmcb_pa, b->hdr.svm.vmcb_pa);
	TEST_ASSERT(!memcmp(a->data.svm[0].vmcb12, b->data.svm[0].vmcb12,
			    sizeof(struct vmcb_control_area)),
		    "stage %d: VMCB12 controls differ after restore", stage);

	sa = (void *)&a->data.svm[0].vmcb12[offsetof(struct vmcb, save)];
	sb = (void *)&b->data.svm[0].vmcb12[offsetof(struct vmcb, save)];
	same(stage, "es", &sa->es, &sb->es, sizeof(sa->es));
	same(stage, "cs", &sa->cs, &sb->cs, sizeof(sa->cs));
	same(stage, "ss", &sa->ss, &sb->ss, sizeof(sa->ss));
	same(stage, "ds", &sa->ds, &sb->ds, sizeof(sa->ds));
	same(stage, "gdtr", &sa->gdtr, &sb->gdtr, sizeof(sa->gdtr));
	same(stage, "idtr", &sa->idtr, &sb->idtr, sizeof(sa->idtr));
	same(stage, "efer", &sa->efer, &sb->efer, sizeof(sa->efer));
	same(stage, "cr0", &sa->cr0, &sb->cr0, sizeof(sa->cr0));
	same(stage, "cr3", &sa->cr3, &sb->cr3, sizeof(sa->cr3));
	same(stage, "cr4", &sa->cr4, &sb->cr4, sizeof(sa->cr4));
	same(stage, "rflags", &sa->rflags, &sb->rflags, sizeof(sa->rflags));
	same(stage, "rip", &sa->rip, &sb->rip, sizeof(sa->rip));
	same(stage, "rsp", &sa->rsp, &sb->rsp, sizeof(sa->rsp));
	same(stage, "rax", &sa->rax, &sb->rax, sizeof(sa->rax));
}

struct bad_case {
	const char *name;
	int err;
	/* Breaks one rule in @s, a copy of a valid guest-mode state. */
	void (*apply)(struct kvm_nested_state *s);
};

static void bad_magic(struct kvm_nested_state *s)
{
	v2_data(s)[0] ^= 1;
}

static void bad_version(struct kvm_nested_state *s)
{
	put16(v2_data(s) + 4, 2);
}

static void bad_container_flags(struct kvm_nested_state *s)
{
	put16(v2_data(s) + 6, 1);
}

static void truncated(struct kvm_nested_state *s)
{
	s->size -= 8;
}

static void header_only(struct kvm_nested_state *s)
{
	s->size = sizeof(*s) + NST2_HDR_SIZE - 1;
}

static void too_big(struct kvm_nested_state *s)
{
	put32(v2_data(s) + 8, NST2_MAX_SIZE + 8);
	s->size = sizeof(*s) + NST2_MAX_SIZE + 8;
}

static void too_many_sections(struct kvm_nested_state *s)
{
	put32(v2_data(s) + 12, 65);
}

static void table_past_end(struct kvm_nested_state *s)
{
	/* Five descriptors end at byte 76. */
	put32(v2_data(s) + 8, 64);
	s->size = sizeof(*s) + 64;
}

static void payload_past_end(struct kvm_nested_state *s)
{
	put32(nst2_desc(v2_data(s), SEC_SVM_VMCB12) + 4,
	      s->size - sizeof(*s) - 8);
}

static void unknown_required(struct kvm_nested_state *s)
{
	put16(nst2_desc(v2_data(s), SEC_SVM_VMCB12_PA), 0x7000);
}

static void missing_vmcb12_pa(struct kvm_nested_state *s)
{
	u8 *d = nst2_desc(v2_data(s), SEC_SVM_VMCB12_PA);

	/* Unknown and optional: skipped, so VMCB12's address is missing. */
	put16(d, 0x7000);
	put16(d + 2, 0);
}

static void hdr_not_zero(struct kvm_nested_state *s)
{
	s->hdr.svm.vmcb_pa = 0x1000;
}

static void flags_mismatch(struct kvm_nested_state *s)
{
	s->flags &= ~KVM_STATE_NESTED_RUN_PENDING;
	s->flags ^= KVM_STATE_NESTED_GIF_SET;
}

static void undefined_svm_flag(struct kvm_nested_state *s)
{
	u8 *f = nst2_payload(v2_data(s), SEC_SVM_FLAGS);

	f[7] |= 0x80;
}

static void vmcb12_misaligned(struct kvm_nested_state *s)
{
	nst2_payload(v2_data(s), SEC_SVM_VMCB12_PA)[0] |= 0x10;
}

static void vmcb12_beyond_maxphyaddr(struct kvm_nested_state *s)
{
	nst2_payload(v2_data(s), SEC_SVM_VMCB12_PA)[7] = 0x40;
}

static struct vmcb *vmcb12_of(struct kvm_nested_state *s)
{
	return (struct vmcb *)nst2_payload(v2_data(s), SEC_SVM_VMCB12);
}

static void asid_zero(struct kvm_nested_state *s)
{
	vmcb12_of(s)->control.asid = 0;
}

static void no_vmrun_intercept(struct kvm_nested_state *s)
{
	vmcb12_of(s)->control.intercept &= ~BIT_ULL(INTERCEPT_VMRUN);
}

static void l2_cr0_nw_without_cd(struct kvm_nested_state *s)
{
	struct vmcb *vmcb12 = vmcb12_of(s);

	vmcb12->save.cr0 = (vmcb12->save.cr0 & ~X86_CR0_CD) | X86_CR0_NW;
}

static void l2_efer_without_svme(struct kvm_nested_state *s)
{
	vmcb12_of(s)->save.efer &= ~EFER_SVME;
}

static void l2_cr3_illegal(struct kvm_nested_state *s)
{
	vmcb12_of(s)->save.cr3 = 1ull << 62;
}

static void l1_efer_without_svme(struct kvm_nested_state *s)
{
	/* EFER is the fourth field of the L1 control register section. */
	nst2_payload(v2_data(s), SEC_SVM_L1_CRS)[24 + 1] &= ~(EFER_SVME >> 8);
}

static void l1_paging_off(struct kvm_nested_state *s)
{
	u8 *cr0 = nst2_payload(v2_data(s), SEC_SVM_L1_CRS);

	cr0[3] &= ~(X86_CR0_PG >> 24);
}

static const struct bad_case bad_cases[] = {
	{ "bad magic", EINVAL, bad_magic },
	{ "unknown version", EINVAL, bad_version },
	{ "container header flags", EINVAL, bad_container_flags },
	{ "truncated container", EINVAL, truncated },
	{ "shorter than the container header", EINVAL, header_only },
	{ "container over 64 KiB", E2BIG, too_big },
	{ "more than 64 sections", E2BIG, too_many_sections },
	{ "section table past the end", EINVAL, table_past_end },
	{ "payload past the end", EINVAL, payload_past_end },
	{ "unknown required section", EINVAL, unknown_required },
	{ "VMCB12 address section missing", EINVAL, missing_vmcb12_pa },
	{ "128-byte header not zero", EINVAL, hdr_not_zero },
	{ "header flags differ from the container's", EINVAL, flags_mismatch },
	{ "undefined SVM flag", EINVAL, undefined_svm_flag },
	{ "VMCB12 address not page-aligned", EINVAL, vmcb12_misaligned },
	{ "VMCB12 address beyond MAXPHYADDR", EINVAL,
	  vmcb12_beyond_maxphyaddr },
	{ "VMCB12 ASID 0", EINVAL, asid_zero },
	{ "VMCB12 without VMRUN intercept", EINVAL, no_vmrun_intercept },
	{ "L2 CR0.NW without CR0.CD", EINVAL, l2_cr0_nw_without_cd },
	{ "L2 EFER.SVME clear", EINVAL, l2_efer_without_svme },
	{ "L2 CR3 beyond MAXPHYADDR", EINVAL, l2_cr3_illegal },
	{ "L1 EFER.SVME clear", EINVAL, l1_efer_without_svme },
	{ "L1 CR0.PG clear", EINVAL, l1_paging_off },
};

/*
 * Every malformed container must fail with its error and leave the vCPU
 * exactly as it was: the v2 state read after the attempt equals the one
 * read before it.
 */
static void check_bad_containers(struct kvm_vcpu *vcpu, int stage)
{
	struct kvm_nested_state *good = state_alloc();
	struct kvm_nested_state *bad = state_alloc();
	struct kvm_nested_state *after = state_alloc();
	unsigned int i;
	int r;

	get_state_v2(vcpu, good);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		memcpy(bad, good, STATE_BUF_SIZE);
		c->apply(bad);
		r = __vcpu_nested_state_set(vcpu, bad);
		TEST_ASSERT(r == -1 && errno == c->err,
			    "stage %d, %s: KVM_SET_NESTED_STATE gave %d, errno %d, expected errno %d",
			    stage, c->name, r, errno, c->err);
		get_state_v2(vcpu, after);
		TEST_ASSERT(after->size == good->size && after->flags == good->flags &&
			    !memcmp(after, good, good->size),
			    "stage %d, %s: state changed by a failed KVM_SET_NESTED_STATE",
			    stage, c->name);
	}
	pr_info("stage %d: %zu malformed containers refused, state untouched\n",
		stage, ARRAY_SIZE(bad_cases));
	free(good);
	free(bad);
	free(after);
}

/*
 * 6.12-format states whose L1 save area (what #VMEXIT restores) has a CR4
 * or EFER bit the vCPU model reserves: refused with EINVAL, by KVM's own
 * checks of L1's state, and nothing changes.
 */
static void check_bad_legacy(struct kvm_vcpu *vcpu, struct kvm_x86_state *st,
			     int stage)
{
	static const struct {
		const char *name;
		int cr4_bit, efer_bit;
	} cases[] = {
		{ "L1 CR4 bit 31 (reserved)", 31, -1 },
		{ "L1 CR4 bit 63 (reserved)", 63, -1 },
		{ "L1 EFER bit 63 (reserved)", -1, 63 },
		{ "L1 EFER bit 17 (reserved)", -1, 17 },
	};
	struct kvm_nested_state *good = state_alloc();
	struct kvm_nested_state *bad = state_alloc();
	struct kvm_nested_state *after = state_alloc();
	struct vmcb_save_area *save;
	unsigned int i;
	int r;

	get_state_v2(vcpu, good);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(bad, &st->nested, st->nested.size);
		save = &((struct vmcb *)bad->data.svm[0].vmcb12)->save;
		if (cases[i].cr4_bit >= 0)
			save->cr4 |= BIT_ULL(cases[i].cr4_bit);
		if (cases[i].efer_bit >= 0)
			save->efer |= BIT_ULL(cases[i].efer_bit);
		r = __vcpu_nested_state_set(vcpu, bad);
		TEST_ASSERT(r == -1 && errno == EINVAL,
			    "stage %d, 6.12 format, %s: KVM_SET_NESTED_STATE gave %d, errno %d, expected EINVAL",
			    stage, cases[i].name, r, errno);
		get_state_v2(vcpu, after);
		TEST_ASSERT(after->size == good->size &&
			    !memcmp(after, good, good->size),
			    "stage %d, 6.12 format, %s: state changed by a failed KVM_SET_NESTED_STATE",
			    stage, cases[i].name);
	}
	free(good);
	free(bad);
	free(after);
}

/*
 * A buffer that holds only the header: KVM_GET_NESTED_STATE must fail with
 * E2BIG and say the size it needs, in either format, unless the state is
 * only the header.
 */
static void check_small_buffer(struct kvm_vcpu *vcpu, bool v2, u32 size,
			       int stage)
{
	struct kvm_nested_state s = { .size = sizeof(s) };
	int r;

	set_v2(vcpu->vm, v2);
	r = __vcpu_ioctl(vcpu, KVM_GET_NESTED_STATE, &s);
	if (size <= sizeof(s)) {
		TEST_ASSERT(!r && s.size == size,
			    "stage %d: %s state of %u bytes gave %d, size %u",
			    stage, v2 ? "v2" : "6.12", size, r, s.size);
		return;
	}
	TEST_ASSERT(r == -1 && errno == E2BIG && s.size == size,
		    "stage %d: %s state into %zu bytes gave %d, errno %d, size %u, expected E2BIG and %u",
		    stage, v2 ? "v2" : "6.12", sizeof(s), r, errno, s.size,
		    size);
}

/*
 * The v2 state set back into the vCPU it came from, which is in guest
 * mode: KVM leaves guest mode and enters it again from the container;
 * the state read afterwards must be the same.
 */
/*
 * Under KVM_SET_GUEST_DEBUG with hardware breakpoints the VMCB's DR7 is the
 * debugger's.  L2's own DR7, which the v2 state saves in VMCB12, is the
 * one KVM_GET_DEBUGREGS reports, through which the 6.12 format carries it.
 */
static void check_dr7_under_guest_debug(struct kvm_vcpu *vcpu, int stage)
{
	struct kvm_guest_debug dbg = {
		.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP,
	};
	struct kvm_nested_state *s = state_alloc();
	struct kvm_debugregs regs;

	/* An enabled breakpoint (G0) at an address L2 never executes. */
	dbg.arch.debugreg[0] = 0xdead000;
	dbg.arch.debugreg[7] = 0x400 | BIT(1);
	vcpu_guest_debug_set(vcpu, &dbg);
	get_state_v2(vcpu, s);
	vcpu_debugregs_get(vcpu, &regs);
	TEST_ASSERT(vmcb12_of(s)->save.dr7 == regs.dr7,
		    "stage %d: VMCB12's DR7 %#lx under KVM_SET_GUEST_DEBUG, L2's is %#llx",
		    stage, (ulong)vmcb12_of(s)->save.dr7, regs.dr7);
	dbg.control = 0;
	vcpu_guest_debug_set(vcpu, &dbg);
	free(s);
}

static void check_set_in_place(struct kvm_vcpu *vcpu,
			       struct kvm_nested_state *v2, int stage)
{
	struct kvm_nested_state *after = state_alloc();

	vcpu_nested_state_set(vcpu, v2);
	get_state_v2(vcpu, after);
	TEST_ASSERT(after->size == v2->size && !memcmp(after, v2, v2->size),
		    "stage %d: v2 state set in place reads back differently",
		    stage);
	free(after);
}

/* The v2 capability: its size, and what KVM_ENABLE_CAP accepts. */
static void check_cap(struct kvm_vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_NESTED_STATE_V2,
		.args[0] = 2,
	};
	int r;

	r = __vm_ioctl(vm, KVM_ENABLE_CAP, &cap);
	TEST_ASSERT(r == -1 && errno == EINVAL,
		    "KVM_ENABLE_CAP(NESTED_STATE_V2, 2) gave %d, errno %d",
		    r, errno);
	TEST_ASSERT(kvm_check_cap(KVM_CAP_NESTED_STATE_V2) >
		    kvm_check_cap(KVM_CAP_NESTED_STATE) - 4096,
		    "implausible v2 size %d", kvm_check_cap(KVM_CAP_NESTED_STATE_V2));
}

int main(int argc, char *argv[])
{
	struct kvm_nested_state *v2 = state_alloc();
	struct kvm_nested_state *again = state_alloc();
	struct kvm_nested_state *legacy = state_alloc();
	struct kvm_x86_state *state;
	struct kvm_regs regs1, regs2;
	vm_vaddr_t svm_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int stage, nr_guest_mode = 0;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_SVM));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE_V2));

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	vcpu_alloc_svm(vm, &svm_gva);
	vcpu_args_set(vcpu, 1, svm_gva);
	check_cap(vm);

	for (stage = 1;; stage++) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);

		switch (get_ucall(vcpu, &uc)) {
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
		case UCALL_SYNC:
			break;
		case UCALL_DONE:
			goto done;
		default:
			TEST_FAIL("Unknown ucall %lu", uc.cmd);
		}
		TEST_ASSERT(uc.args[1] == stage, "stage %d: guest at %lu",
			    stage, (ulong)uc.args[1]);

		/* The 6.12 format, then the v2 format of the same vCPU. */
		set_v2(vm, false);
		state = vcpu_save_state(vcpu);
		set_v2(vm, true);
		get_state_v2(vcpu, v2);
		TEST_ASSERT(v2->flags == state->nested.flags,
			    "stage %d: v2 flags %#x, legacy flags %#x", stage,
			    v2->flags, state->nested.flags);
		check_small_buffer(vcpu, true, v2->size, stage);
		check_small_buffer(vcpu, false, state->nested.size, stage);
		set_v2(vm, true);
		if (v2->flags & KVM_STATE_NESTED_GUEST_MODE) {
			nr_guest_mode++;
			check_bad_containers(vcpu, stage);
			check_dr7_under_guest_debug(vcpu, stage);
			check_bad_legacy(vcpu, state, stage);
			check_set_in_place(vcpu, v2, stage);
		}
		vcpu_regs_get(vcpu, &regs1);
		memcpy(legacy, &state->nested, state->nested.size);

		/* Restore into a new VM with the v2 state. */
		kvm_vm_release(vm);
		vcpu = vm_recreate_with_one_vcpu(vm);
		memcpy(&state->nested, v2, v2->size);
		vcpu_load_state(vcpu, state);

		vcpu_regs_get(vcpu, &regs2);
		TEST_ASSERT(!memcmp(&regs1, &regs2, sizeof(regs1)),
			    "stage %d: registers differ after restore", stage);

		set_v2(vm, true);
		get_state_v2(vcpu, again);
		TEST_ASSERT(again->size == v2->size && !memcmp(again, v2, v2->size),
			    "stage %d: v2 state read back differs from the one set",
			    stage);

		set_v2(vm, false);
		memset(again, 0, STATE_BUF_SIZE);
		again->size = STATE_BUF_SIZE;
		vcpu_nested_state_get(vcpu, again);
		compare_legacy(legacy, again, stage);

		kvm_x86_state_cleanup(state);
		pr_info("stage %d: %s, %u-byte v2 state restored\n", stage,
			v2->flags & KVM_STATE_NESTED_GUEST_MODE ?
			"guest mode" : "L1", v2->size);
	}

done:
	TEST_ASSERT(stage == 7, "guest done at stage %d", stage);
	TEST_ASSERT(nr_guest_mode == 2, "%d stages in guest mode, expected 2",
		    nr_guest_mode);
	free(v2);
	free(again);
	free(legacy);
	kvm_vm_free(vm);
	return 0;
}

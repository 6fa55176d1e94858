// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_STATE_NESTED_FORMAT_V2 on VMX: save and restore a vCPU in and out of
 * VMX operation and guest mode through the nested state container, and
 * feed KVM malformed containers.
 *
 * L1 goes through VMXON, VMPTRLD, runs an L2 three times (the third time
 * with vmcs12 shadowing, so that L2's VMREAD and VMWRITE reach a shadow
 * vmcs12 and the state holds one), VMCLEARs and leaves VMX operation.  At
 * every stage the test saves the vCPU with the 6.12 format and with the
 * v2 format, restores the v2 state into a new VM and checks that:
 *  - the container has the sections the stage calls for, and re-encoding
 *    its sections as the layer's encoder lays them out gives the same
 *    bytes;
 *  - the restored vCPU reports the same 6.12-format state (flags,
 *    pointers, vmcs12 and shadow vmcs12) as the original did;
 *  - the same holds for a restore from the 6.12 format, which the layer
 *    loads through the same check and load as the v2 format (the guest
 *    goes on from either restore, in turns);
 *  - a v2 state read back from the restored vCPU is byte-identical to the
 *    one it was restored from, as is the state read after setting the v2
 *    state back into the vCPU it came from (in guest mode, but for
 *    vmcs12's guest-linear address: see same_state());
 *  - the guest runs on to the end, L2 resuming where it was saved with
 *    its registers, stack and shadow vmcs12;
 *  - L2, saved with NMIs blocked, has the blocking in vmcs12 and gets it
 *    back once the events are set after the nested state;
 *  - a buffer of exactly the reported size gets nothing written past it,
 *    in either format (6.12 wrote the shadow vmcs12 there when L1 has
 *    one but is not running L2).
 * At every stage it also sets containers that break one rule each (those
 * that apply to the stage: e.g. a preemption timer section outside guest
 * mode, a shadow vmcs12 missing in guest mode), and checks the error that
 * Documentation/nested-state.rst gives for it and that the vCPU's state
 * did not change; likewise a few 6.12-format blobs that break one rule
 * each (vmcs12 revision, pointer, SMM flag, guest CR3, host CR4, missing
 * shadow vmcs12), which the layer also refuses before changing anything.
 *
 * The container layout is read from Documentation/nested-state.rst of the
 * layer, independently of the layer's own headers; vmcs12 offsets are
 * those KVM's vmcs12.h fixes for the 6.12 state format.  The test skips
 * on a kernel without KVM_CAP_NESTED_STATE_V2 (6.12) or without VMX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"
#include "vmx.h"

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
#define NST2_MAX_SECTIONS	64
#define NST2_SEC_REQUIRED	1
#define NST2_PAGE		4096

enum {
	SEC_SVM_FLAGS = 1,
	SEC_VMX_FLAGS = 5,
	SEC_VMX_POINTERS = 6,
	SEC_VMX_VMCS12 = 7,
	SEC_VMX_SHADOW_VMCS12 = 8,
	SEC_VMX_PREEMPTION_TIMER = 9,
};

#define F_GUEST_MODE		BIT_ULL(0)
#define F_RUN_PENDING		BIT_ULL(1)
#define F_EVMCS			BIT_ULL(2)
#define F_SMM_VMXON		BIT_ULL(3)
#define F_SMM_GUEST_MODE	BIT_ULL(4)
#define F_MTF_PENDING		BIT_ULL(5)

#define INVALID_PA		(~0ULL)

/* vmcs12 offsets, fixed by the 6.12 state format (KVM's vmcs12.h). */
#define VMCS12_REVISION_OFF	0
#define VMCS12_GUEST_LINEAR_OFF	416
#define VMCS12_GUEST_CR3_OFF	432
#define VMCS12_HOST_CR4_OFF	600
#define VMCS12_PIN_CTLS_OFF	744
#define VMCS12_GUEST_INTR_OFF	912

#define GUEST_INTR_STATE_NMI	BIT(3)

#define L2_GUEST_STACK_SIZE	256
#define STATE_BUF_SIZE		(sizeof(struct kvm_nested_state) + NST2_MAX_SIZE)
#define NR_STAGES		11

#define SHADOW_RIP1		0xc0ffee
#define SHADOW_RIP2		0xc0fffee

/* Whether L1 gives L2 a shadow VMCS: set by L1 before it runs L2. */
static bool l2_shadow;

static void l2_guest_code(void)
{
	bool shadow = READ_ONCE(l2_shadow);
	u64 canary = 0x6c32;

	/* A value L2 keeps in a register or on its stack across the saves. */
	asm volatile("" : "+r"(canary));
	GUEST_SYNC(4);
	asm volatile("" : "+r"(canary));
	GUEST_ASSERT_EQ(canary, 0x6c32);
	canary++;
	vmcall();
	asm volatile("" : "+r"(canary));
	GUEST_SYNC(6);
	asm volatile("" : "+r"(canary));
	GUEST_ASSERT_EQ(canary, 0x6c33);
	canary++;
	vmcall();
	if (shadow)
		GUEST_ASSERT_EQ(vmreadz(GUEST_RIP), SHADOW_RIP1);
	asm volatile("" : "+r"(canary));
	GUEST_SYNC(8);
	asm volatile("" : "+r"(canary));
	GUEST_ASSERT_EQ(canary, 0x6c34);
	if (shadow) {
		GUEST_ASSERT_EQ(vmreadz(GUEST_RIP), SHADOW_RIP1);
		GUEST_ASSERT(!vmwrite(GUEST_RIP, SHADOW_RIP2));
	}
	vmcall();
}

static void l1_resume(void)
{
	GUEST_ASSERT(!vmresume());
	GUEST_ASSERT_EQ(vmreadz(VM_EXIT_REASON), EXIT_REASON_VMCALL);
	GUEST_ASSERT(!vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) +
			      vmreadz(VM_EXIT_INSTRUCTION_LEN)));
}

static void l1_guest_code(struct vmx_pages *vmx, u64 shadow)
{
	unsigned long l2_guest_stack[L2_GUEST_STACK_SIZE];

	WRITE_ONCE(l2_shadow, shadow);
	GUEST_SYNC(1);
	GUEST_ASSERT(prepare_for_vmx_operation(vmx));
	GUEST_SYNC(2);
	GUEST_ASSERT(load_vmcs(vmx));
	prepare_vmcs(vmx, l2_guest_code, &l2_guest_stack[L2_GUEST_STACK_SIZE]);
	GUEST_SYNC(3);
	GUEST_ASSERT_EQ(vmptrstz(), vmx->vmcs_gpa);
	GUEST_ASSERT(!vmlaunch());
	GUEST_ASSERT_EQ(vmreadz(VM_EXIT_REASON), EXIT_REASON_VMCALL);
	GUEST_ASSERT(!vmwrite(GUEST_RIP, vmreadz(GUEST_RIP) +
			      vmreadz(VM_EXIT_INSTRUCTION_LEN)));
	GUEST_SYNC(5);
	l1_resume();
	if (shadow) {
		/* L2's VMREAD and VMWRITE go to the shadow VMCS. */
		GUEST_ASSERT(!vmwrite(SECONDARY_VM_EXEC_CONTROL,
				      vmreadz(SECONDARY_VM_EXEC_CONTROL) |
				      SECONDARY_EXEC_SHADOW_VMCS));
		GUEST_ASSERT(!vmwrite(VMCS_LINK_POINTER, vmx->shadow_vmcs_gpa));
		GUEST_ASSERT(!vmptrld(vmx->shadow_vmcs_gpa));
		GUEST_ASSERT(!vmwrite(GUEST_RIP, SHADOW_RIP1));
		GUEST_ASSERT(!vmptrld(vmx->vmcs_gpa));
	}
	GUEST_SYNC(7);
	l1_resume();
	GUEST_SYNC(9);
	if (shadow) {
		GUEST_ASSERT(!vmptrld(vmx->shadow_vmcs_gpa));
		GUEST_ASSERT_EQ(vmreadz(GUEST_RIP), SHADOW_RIP2);
		GUEST_ASSERT(!vmptrld(vmx->vmcs_gpa));
	}
	GUEST_ASSERT(!vmclear(vmx->vmcs_gpa));
	GUEST_ASSERT_EQ(vmptrstz(), -1ull);
	GUEST_SYNC(10);
	vmxoff();
	GUEST_SYNC(11);
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

static u64 get64(const u8 *p)
{
	u64 v;

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

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

/* The container after the 128-byte header (data.v2 in the patched uapi). */
static u8 *v2_data(struct kvm_nested_state *s)
{
	return (u8 *)(s + 1);
}

/*
 * A container taken apart into its sections, to be changed and laid out
 * again as the layer's encoder does: header, table, then the payloads in
 * table order, each at the next multiple of 8.
 */
#define MAX_SECS		8

struct nst2_sec {
	u16 type;
	u16 flags;
	u32 size;
	u8 data[NST2_PAGE];
};

struct nst2 {
	u32 nr;
	struct nst2_sec sec[MAX_SECS];
};

static void nst2_split(struct kvm_nested_state *s, struct nst2 *c)
{
	u8 *b = v2_data(s), *d;
	u32 i;

	c->nr = get32(b + 12);
	TEST_ASSERT(c->nr <= MAX_SECS, "%u sections", c->nr);
	for (i = 0; i < c->nr; i++) {
		d = b + NST2_HDR_SIZE + i * NST2_DESC_SIZE;
		c->sec[i].type = get16(d);
		c->sec[i].flags = get16(d + 2);
		c->sec[i].size = get32(d + 8);
		TEST_ASSERT(c->sec[i].size <= NST2_PAGE, "section of %u bytes",
			    c->sec[i].size);
		memcpy(c->sec[i].data, b + get32(d + 4), c->sec[i].size);
	}
}

/* Lay @c out after @s's header; sets @s->size. */
static void nst2_join(struct nst2 *c, struct kvm_nested_state *s)
{
	u8 *b = v2_data(s), *d;
	u32 i, off;

	off = NST2_HDR_SIZE + c->nr * NST2_DESC_SIZE;
	memset(b, 0, NST2_MAX_SIZE);
	for (i = 0; i < c->nr; i++) {
		off = (off + 7) & ~7u;
		d = b + NST2_HDR_SIZE + i * NST2_DESC_SIZE;
		put16(d, c->sec[i].type);
		put16(d + 2, c->sec[i].flags);
		put32(d + 4, off);
		put32(d + 8, c->sec[i].size);
		memcpy(b + off, c->sec[i].data, c->sec[i].size);
		off += c->sec[i].size;
	}
	off = (off + 7) & ~7u;
	put32(b, NST2_MAGIC);
	put16(b + 4, 1);
	put16(b + 6, 0);
	put32(b + 8, off);
	put32(b + 12, c->nr);
	s->size = sizeof(*s) + off;
}

static struct nst2_sec *nst2_find(struct nst2 *c, u16 type)
{
	u32 i;

	for (i = 0; i < c->nr; i++)
		if (c->sec[i].type == type)
			return &c->sec[i];
	return NULL;
}

static void nst2_remove(struct nst2 *c, u16 type)
{
	struct nst2_sec *sec = nst2_find(c, type);
	u32 i;

	TEST_ASSERT(sec, "no section %u", type);
	i = sec - c->sec;
	memmove(&c->sec[i], &c->sec[i + 1], (c->nr - i - 1) * sizeof(*sec));
	c->nr--;
}

static struct nst2_sec *nst2_add(struct nst2 *c, u16 type, u32 size)
{
	struct nst2_sec *sec = &c->sec[c->nr++];

	TEST_ASSERT(c->nr <= MAX_SECS, "too many sections");
	sec->type = type;
	sec->flags = NST2_SEC_REQUIRED;
	sec->size = size;
	memset(sec->data, 0, size);
	return sec;
}

/* The container's VMX flags, pointers and vmcs12 (must exist). */
static u64 c_flags(struct nst2 *c)
{
	return get64(nst2_find(c, SEC_VMX_FLAGS)->data);
}

static void c_set_flags(struct nst2 *c, struct kvm_nested_state *s, u64 f)
{
	put64(nst2_find(c, SEC_VMX_FLAGS)->data, f);
	/* The 128-byte header mirrors GUEST_MODE, RUN_PENDING, EVMCS, MTF. */
	s->flags = (f & F_GUEST_MODE ? KVM_STATE_NESTED_GUEST_MODE : 0) |
		   (f & F_RUN_PENDING ? KVM_STATE_NESTED_RUN_PENDING : 0) |
		   (f & F_EVMCS ? KVM_STATE_NESTED_EVMCS : 0) |
		   (f & F_MTF_PENDING ? KVM_STATE_NESTED_MTF_PENDING : 0);
}

static u64 c_vmxon(struct nst2 *c)
{
	return get64(nst2_find(c, SEC_VMX_POINTERS)->data);
}

static u64 c_vmcs12(struct nst2 *c)
{
	return get64(nst2_find(c, SEC_VMX_POINTERS)->data + 8);
}

static void c_set_ptrs(struct nst2 *c, u64 vmxon, u64 vmcs12)
{
	put64(nst2_find(c, SEC_VMX_POINTERS)->data, vmxon);
	put64(nst2_find(c, SEC_VMX_POINTERS)->data + 8, vmcs12);
}

static u8 *c_vmcs12_page(struct nst2 *c)
{
	return nst2_find(c, SEC_VMX_VMCS12)->data;
}

static bool guest_mode(struct nst2 *c)
{
	return c_flags(c) & F_GUEST_MODE;
}

static bool has_vmcs12(struct nst2 *c)
{
	return nst2_find(c, SEC_VMX_VMCS12);
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

/*
 * Where two v2 states of the same layout differ: section and offset of
 * each differing 8-byte word, to tell a vmcs12 field from the rest.
 */
static void print_diff(const char *what, struct kvm_nested_state *a,
		       struct kvm_nested_state *b)
{
	u32 nr = get32(v2_data(a) + 12), i, off, n = 0;
	u8 *d;

	if (a->size != b->size || a->flags != b->flags ||
	    memcmp(a, b, sizeof(*a)))
		pr_info("%s: size %u/%u, flags %#x/%#x\n", what, a->size,
			b->size, a->flags, b->flags);
	for (i = 0; i < nr; i++) {
		d = v2_data(a) + NST2_HDR_SIZE + i * NST2_DESC_SIZE;
		for (off = 0; off < get32(d + 8); off += 8) {
			u8 *pa = v2_data(a) + get32(d + 4) + off;
			u8 *pb = v2_data(b) + get32(d + 4) + off;

			if (!memcmp(pa, pb, 8) || ++n > 16)
				continue;
			pr_info("%s: section %u offset %u: %#lx, then %#lx\n",
				what, get16(d), off, get64(pa), get64(pb));
		}
	}
	if (n > 16)
		pr_info("%s: %u differing words in all\n", what, n);
}

/*
 * Whether two v2 states are the same, but for vmcs12's guest-linear
 * address in guest mode: KVM copies it from vmcs02 when it saves a vCPU
 * that runs L2, where it is an exit-information field of L2's last exit
 * to L0 (e.g. an EPT violation L0 handled), and never writes it into
 * vmcs02 at VM-entry, so a restored vCPU reads back 0 until L2's next such
 * exit.  L1 cannot see the field before the next exit to L1 rewrites it.
 */
static bool same_state(struct kvm_nested_state *a, struct kvm_nested_state *b)
{
	static u8 ta[STATE_BUF_SIZE], tb[STATE_BUF_SIZE];
	u32 nr = get32(v2_data(a) + 12), i;
	u8 *d;

	if (a->size != b->size || a->size > STATE_BUF_SIZE)
		return false;
	memcpy(ta, a, a->size);
	memcpy(tb, b, b->size);
	for (i = 0; i < nr && (a->flags & KVM_STATE_NESTED_GUEST_MODE); i++) {
		d = v2_data(a) + NST2_HDR_SIZE + i * NST2_DESC_SIZE;
		if (get16(d) != SEC_VMX_VMCS12)
			continue;
		memset(ta + sizeof(*a) + get32(d + 4) + VMCS12_GUEST_LINEAR_OFF,
		       0, 8);
		memset(tb + sizeof(*a) + get32(d + 4) + VMCS12_GUEST_LINEAR_OFF,
		       0, 8);
	}
	return !memcmp(ta, tb, a->size);
}

static void set_v2(struct kvm_vm *vm, bool on)
{
	vm_enable_cap(vm, KVM_CAP_NESTED_STATE_V2, on);
}

/* The sections each stage's container must have, beyond FLAGS and POINTERS. */
static void check_layout(struct kvm_nested_state *s, int stage, bool shadow,
			 u64 vmxon_gpa, u64 vmcs_gpa)
{
	static const u64 want_flags[NR_STAGES + 1] = {
		[4] = F_GUEST_MODE, [6] = F_GUEST_MODE, [8] = F_GUEST_MODE,
	};
	bool vmxon = stage >= 2 && stage <= 10;
	bool vmcs = stage >= 3 && stage <= 9;
	struct kvm_nested_state *again = state_alloc();
	struct nst2 *c = calloc(1, sizeof(*c));
	u32 nr = 2;

	nst2_split(s, c);
	TEST_ASSERT(nst2_find(c, SEC_VMX_FLAGS) &&
		    nst2_find(c, SEC_VMX_POINTERS),
		    "stage %d: no VMX_FLAGS or VMX_POINTERS section", stage);
	TEST_ASSERT(c_flags(c) == want_flags[stage],
		    "stage %d: VMX flags %#lx, expected %#lx", stage,
		    c_flags(c), want_flags[stage]);
	TEST_ASSERT(c_vmxon(c) == (vmxon ? vmxon_gpa : INVALID_PA) &&
		    c_vmcs12(c) == (vmcs ? vmcs_gpa : INVALID_PA),
		    "stage %d: VMXON %#lx, vmcs12 %#lx", stage, c_vmxon(c),
		    c_vmcs12(c));
	TEST_ASSERT(!!has_vmcs12(c) == vmcs, "stage %d: vmcs12 section %s",
		    stage, vmcs ? "missing" : "present");
	nr += vmcs;
	if (stage == 8 && shadow) {
		TEST_ASSERT(nst2_find(c, SEC_VMX_SHADOW_VMCS12),
			    "stage 8: no shadow vmcs12 section");
		nr++;
	}
	TEST_ASSERT(c->nr == nr, "stage %d: %u sections, expected %u", stage,
		    c->nr, nr);

	/* Laid out again as the encoder does: the same bytes. */
	memcpy(again, s, sizeof(*s));
	nst2_join(c, again);
	TEST_ASSERT(again->size == s->size && !memcmp(again, s, s->size),
		    "stage %d: the container is not laid out as the documentation says",
		    stage);
	free(c);
	free(again);
}

/*
 * A case breaking one rule: @edit changes the sections and the 128-byte
 * header, @raw the laid-out container; either returns false when the rule
 * does not apply to this stage's state.
 */
struct bad_case {
	const char *name;
	int err;
	bool (*edit)(struct kvm_nested_state *s, struct nst2 *c);
	bool (*raw)(struct kvm_nested_state *s);
};

/* The container rules (Documentation/nested-state.rst, "Validation"). */
static bool bad_magic(struct kvm_nested_state *s)
{
	v2_data(s)[0] ^= 1;
	return true;
}

static bool bad_version(struct kvm_nested_state *s)
{
	put16(v2_data(s) + 4, 2);
	return true;
}

static bool bad_container_flags(struct kvm_nested_state *s)
{
	put16(v2_data(s) + 6, 1);
	return true;
}

static bool truncated(struct kvm_nested_state *s)
{
	s->size -= 8;
	return true;
}

static bool header_only(struct kvm_nested_state *s)
{
	s->size = sizeof(*s) + NST2_HDR_SIZE - 1;
	return true;
}

static bool too_big(struct kvm_nested_state *s)
{
	put32(v2_data(s) + 8, NST2_MAX_SIZE + 8);
	s->size = sizeof(*s) + NST2_MAX_SIZE + 8;
	return true;
}

static bool too_many_sections(struct kvm_nested_state *s)
{
	put32(v2_data(s) + 12, NST2_MAX_SECTIONS + 1);
	return true;
}

static bool table_past_end(struct kvm_nested_state *s)
{
	u32 nr = get32(v2_data(s) + 12);

	put32(v2_data(s) + 8, NST2_HDR_SIZE + nr * NST2_DESC_SIZE - 4);
	return true;
}

static u8 *desc(struct kvm_nested_state *s, u32 i)
{
	return v2_data(s) + NST2_HDR_SIZE + i * NST2_DESC_SIZE;
}

static bool payload_past_end(struct kvm_nested_state *s)
{
	u32 nr = get32(v2_data(s) + 12);

	put32(desc(s, nr - 1) + 4, get32(v2_data(s) + 8) - 8);
	return true;
}

static bool payload_misaligned(struct kvm_nested_state *s)
{
	put32(desc(s, 0) + 4, get32(desc(s, 0) + 4) + 4);
	return true;
}

static bool payload_in_table(struct kvm_nested_state *s)
{
	put32(desc(s, 0) + 4, NST2_HDR_SIZE);
	return true;
}

static bool payloads_overlap(struct kvm_nested_state *s)
{
	put32(desc(s, 1) + 4, get32(desc(s, 0) + 4));
	return true;
}

static bool type_zero(struct kvm_nested_state *s)
{
	put16(desc(s, 0), 0);
	return true;
}

static bool undefined_desc_flag(struct kvm_nested_state *s)
{
	put16(desc(s, 0) + 2, 2);
	return true;
}

static bool wrong_section_size(struct nst2 *c)
{
	nst2_find(c, SEC_VMX_FLAGS)->size = 16;
	return true;
}

static bool e_wrong_section_size(struct kvm_nested_state *s, struct nst2 *c)
{
	return wrong_section_size(c);
}

static bool e_duplicate_section(struct kvm_nested_state *s, struct nst2 *c)
{
	*nst2_add(c, SEC_VMX_FLAGS, 8) = *nst2_find(c, SEC_VMX_FLAGS);
	return true;
}

static bool e_unknown_required(struct kvm_nested_state *s, struct nst2 *c)
{
	nst2_add(c, 0x7000, 8);
	return true;
}

static bool e_pointers_missing(struct kvm_nested_state *s, struct nst2 *c)
{
	struct nst2_sec *sec = nst2_find(c, SEC_VMX_POINTERS);

	/* Unknown and optional: skipped, so the pointers are missing. */
	sec->type = 0x7000;
	sec->flags = 0;
	return true;
}

static bool e_flags_missing(struct kvm_nested_state *s, struct nst2 *c)
{
	nst2_remove(c, SEC_VMX_FLAGS);
	return true;
}

static bool e_svm_section(struct kvm_nested_state *s, struct nst2 *c)
{
	nst2_add(c, SEC_SVM_FLAGS, 8);
	return true;
}

/* KVM's checks of the 128-byte header. */
static bool e_hdr_not_zero(struct kvm_nested_state *s, struct nst2 *c)
{
	s->hdr.vmx.vmxon_pa = 0x1000;
	return true;
}

static bool e_flags_mismatch(struct kvm_nested_state *s, struct nst2 *c)
{
	s->flags ^= KVM_STATE_NESTED_MTF_PENDING;
	return true;
}

/* The VMX decoder's rules. */
static bool e_undefined_flag(struct kvm_nested_state *s, struct nst2 *c)
{
	put64(nst2_find(c, SEC_VMX_FLAGS)->data, c_flags(c) | BIT_ULL(6));
	return true;
}

static bool e_vmxon_misaligned(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA)
		return false;
	c_set_ptrs(c, c_vmxon(c) | 0x800, c_vmcs12(c));
	return true;
}

static bool e_vmcs12_misaligned(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmcs12(c) == INVALID_PA)
		return false;
	c_set_ptrs(c, c_vmxon(c), c_vmcs12(c) | 0x10);
	return true;
}

static bool e_vmcs12_without_vmxon(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmxon(c) != INVALID_PA)
		return false;
	c_set_ptrs(c, INVALID_PA, 0x10000);
	return true;
}

static bool e_flag_without_vmxon(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmxon(c) != INVALID_PA)
		return false;
	c_set_flags(c, s, F_EVMCS);
	return true;
}

static bool e_vmcs12_is_vmxon(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmcs12(c) == INVALID_PA)
		return false;
	c_set_ptrs(c, c_vmxon(c), c_vmxon(c));
	return true;
}

static bool e_smm_guest_without_vmxon(struct kvm_nested_state *s,
				      struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA || guest_mode(c))
		return false;
	c_set_flags(c, s, c_flags(c) | F_SMM_GUEST_MODE);
	return true;
}

static bool e_guest_mode_in_smm(struct kvm_nested_state *s, struct nst2 *c)
{
	if (!guest_mode(c))
		return false;
	c_set_flags(c, s, c_flags(c) | F_SMM_VMXON);
	return true;
}

static bool e_run_pending_outside(struct kvm_nested_state *s, struct nst2 *c)
{
	if (guest_mode(c) || !has_vmcs12(c))
		return false;
	/* The header says nothing: x86.c's own check is not what fails. */
	put64(nst2_find(c, SEC_VMX_FLAGS)->data, c_flags(c) | F_RUN_PENDING);
	return true;
}

static bool e_mtf_outside(struct kvm_nested_state *s, struct nst2 *c)
{
	if (guest_mode(c) || !has_vmcs12(c))
		return false;
	c_set_flags(c, s, c_flags(c) | F_MTF_PENDING);
	return true;
}

static bool e_evmcs_with_vmcs12(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmcs12(c) == INVALID_PA)
		return false;
	c_set_flags(c, s, c_flags(c) | F_EVMCS);
	return true;
}

static bool e_vmcs12_section_missing(struct kvm_nested_state *s,
				     struct nst2 *c)
{
	if (!has_vmcs12(c))
		return false;
	if (nst2_find(c, SEC_VMX_SHADOW_VMCS12))
		nst2_remove(c, SEC_VMX_SHADOW_VMCS12);
	nst2_remove(c, SEC_VMX_VMCS12);
	return true;
}

static bool e_vmcs12_section_extra(struct kvm_nested_state *s, struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA || has_vmcs12(c))
		return false;
	nst2_add(c, SEC_VMX_VMCS12, NST2_PAGE);
	return true;
}

static bool e_guest_mode_without_vmcs12(struct kvm_nested_state *s,
					struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA || has_vmcs12(c))
		return false;
	c_set_flags(c, s, F_GUEST_MODE);
	return true;
}

static bool e_shadow_without_vmcs12(struct kvm_nested_state *s,
				    struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA || has_vmcs12(c))
		return false;
	nst2_add(c, SEC_VMX_SHADOW_VMCS12, NST2_PAGE);
	return true;
}

static bool e_timer_outside(struct kvm_nested_state *s, struct nst2 *c)
{
	if (guest_mode(c) || c_vmxon(c) == INVALID_PA)
		return false;
	nst2_add(c, SEC_VMX_PREEMPTION_TIMER, 8);
	return true;
}

/* KVM's checks against the vCPU (vmx_check_nested_state()). */
static bool e_vmxon_beyond_maxphyaddr(struct kvm_nested_state *s,
				      struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA)
		return false;
	c_set_ptrs(c, 1ull << 52, c_vmcs12(c));
	return true;
}

static bool e_vmcs12_beyond_maxphyaddr(struct kvm_nested_state *s,
				       struct nst2 *c)
{
	if (c_vmcs12(c) == INVALID_PA)
		return false;
	c_set_ptrs(c, c_vmxon(c), 1ull << 52);
	return true;
}

static bool e_smm_flag_outside_smm(struct kvm_nested_state *s,
				   struct nst2 *c)
{
	if (c_vmxon(c) == INVALID_PA || guest_mode(c))
		return false;
	c_set_flags(c, s, c_flags(c) | F_SMM_VMXON);
	return true;
}

static bool e_evmcs_not_enabled(struct kvm_nested_state *s, struct nst2 *c)
{
	if (!has_vmcs12(c) || guest_mode(c))
		return false;
	c_set_ptrs(c, c_vmxon(c), INVALID_PA);
	c_set_flags(c, s, c_flags(c) | F_EVMCS);
	return true;
}

static bool e_vmcs12_revision(struct kvm_nested_state *s, struct nst2 *c)
{
	if (!has_vmcs12(c))
		return false;
	c_vmcs12_page(c)[VMCS12_REVISION_OFF] ^= 1;
	return true;
}

static bool e_shadow_outside_guest(struct kvm_nested_state *s,
				   struct nst2 *c)
{
	struct nst2_sec *sh;

	if (!has_vmcs12(c) || guest_mode(c))
		return false;
	sh = nst2_add(c, SEC_VMX_SHADOW_VMCS12, NST2_PAGE);
	memcpy(sh->data, c_vmcs12_page(c), NST2_PAGE);
	sh->data[3] |= 0x80;
	return true;
}

static bool e_shadow_unused(struct kvm_nested_state *s, struct nst2 *c)
{
	struct nst2_sec *sh;

	if (!guest_mode(c) || nst2_find(c, SEC_VMX_SHADOW_VMCS12))
		return false;
	sh = nst2_add(c, SEC_VMX_SHADOW_VMCS12, NST2_PAGE);
	memcpy(sh->data, c_vmcs12_page(c), NST2_PAGE);
	sh->data[3] |= 0x80;
	return true;
}

static bool e_shadow_missing(struct kvm_nested_state *s, struct nst2 *c)
{
	if (!nst2_find(c, SEC_VMX_SHADOW_VMCS12))
		return false;
	nst2_remove(c, SEC_VMX_SHADOW_VMCS12);
	return true;
}

static bool e_shadow_revision(struct kvm_nested_state *s, struct nst2 *c)
{
	struct nst2_sec *sh = nst2_find(c, SEC_VMX_SHADOW_VMCS12);

	if (!sh)
		return false;
	sh->data[0] ^= 1;
	return true;
}

static bool e_shadow_bit_clear(struct kvm_nested_state *s, struct nst2 *c)
{
	struct nst2_sec *sh = nst2_find(c, SEC_VMX_SHADOW_VMCS12);

	if (!sh)
		return false;
	sh->data[3] &= ~0x80;
	return true;
}

static bool e_pin_controls(struct kvm_nested_state *s, struct nst2 *c)
{
	u8 *v = c_vmcs12_page(c);

	if (!guest_mode(c))
		return false;
	/* Bit 31 of the pin-based controls is reserved: never allowed. */
	v[VMCS12_PIN_CTLS_OFF + 3] |= 0x80;
	return true;
}

static bool e_host_cr4_pae(struct kvm_nested_state *s, struct nst2 *c)
{
	u8 *v = c_vmcs12_page(c);

	if (!guest_mode(c))
		return false;
	/* A 64-bit host needs CR4.PAE. */
	put64(v + VMCS12_HOST_CR4_OFF,
	      get64(v + VMCS12_HOST_CR4_OFF) & ~X86_CR4_PAE);
	return true;
}

static bool e_guest_cr3_illegal(struct kvm_nested_state *s, struct nst2 *c)
{
	u8 *v = c_vmcs12_page(c);

	if (!guest_mode(c))
		return false;
	put64(v + VMCS12_GUEST_CR3_OFF, 1ull << 62);
	return true;
}

static const struct bad_case bad_cases[] = {
	{ "bad magic", EINVAL, NULL, bad_magic },
	{ "unknown version", EINVAL, NULL, bad_version },
	{ "container header flags", EINVAL, NULL, bad_container_flags },
	{ "truncated container", EINVAL, NULL, truncated },
	{ "shorter than the container header", EINVAL, NULL, header_only },
	{ "container over 64 KiB", E2BIG, NULL, too_big },
	{ "more than 64 sections", E2BIG, NULL, too_many_sections },
	{ "section table past the end", EINVAL, NULL, table_past_end },
	{ "payload past the end", EINVAL, NULL, payload_past_end },
	{ "payload offset not a multiple of 8", EINVAL, NULL,
	  payload_misaligned },
	{ "payload inside the table", EINVAL, NULL, payload_in_table },
	{ "payloads overlap", EINVAL, NULL, payloads_overlap },
	{ "section type 0", EINVAL, NULL, type_zero },
	{ "undefined descriptor flag", EINVAL, NULL, undefined_desc_flag },
	{ "known section of the wrong size", EINVAL, e_wrong_section_size },
	{ "section twice", EINVAL, e_duplicate_section },
	{ "unknown required section", EINVAL, e_unknown_required },
	{ "VMX_POINTERS missing", EINVAL, e_pointers_missing },
	{ "VMX_FLAGS missing", EINVAL, e_flags_missing },
	{ "SVM section in a VMX state", EINVAL, e_svm_section },
	{ "128-byte header not zero", EINVAL, e_hdr_not_zero },
	{ "header flags differ from the container's", EINVAL,
	  e_flags_mismatch },
	{ "undefined VMX flag", EINVAL, e_undefined_flag },
	{ "VMXON pointer not page-aligned", EINVAL, e_vmxon_misaligned },
	{ "vmcs12 pointer not page-aligned", EINVAL, e_vmcs12_misaligned },
	{ "vmcs12 pointer without VMXON", EINVAL, e_vmcs12_without_vmxon },
	{ "a flag without VMXON", EINVAL, e_flag_without_vmxon },
	{ "vmcs12 pointer equal to VMXON's", EINVAL, e_vmcs12_is_vmxon },
	{ "SMM_GUEST_MODE without SMM_VMXON", EINVAL,
	  e_smm_guest_without_vmxon },
	{ "GUEST_MODE with SMM_VMXON", EINVAL, e_guest_mode_in_smm },
	{ "RUN_PENDING without GUEST_MODE", EINVAL, e_run_pending_outside },
	{ "MTF_PENDING without GUEST_MODE", EINVAL, e_mtf_outside },
	{ "EVMCS with a vmcs12 pointer", EINVAL, e_evmcs_with_vmcs12 },
	{ "vmcs12 section missing", EINVAL, e_vmcs12_section_missing },
	{ "vmcs12 section without a vmcs12", EINVAL, e_vmcs12_section_extra },
	{ "GUEST_MODE without a vmcs12", EINVAL,
	  e_guest_mode_without_vmcs12 },
	{ "shadow vmcs12 without vmcs12", EINVAL, e_shadow_without_vmcs12 },
	{ "preemption timer outside guest mode", EINVAL, e_timer_outside },
	{ "VMXON pointer beyond MAXPHYADDR", EINVAL,
	  e_vmxon_beyond_maxphyaddr },
	{ "vmcs12 pointer beyond MAXPHYADDR", EINVAL,
	  e_vmcs12_beyond_maxphyaddr },
	{ "SMM_VMXON outside SMM", EINVAL, e_smm_flag_outside_smm },
	{ "EVMCS without the eVMCS capability", EINVAL, e_evmcs_not_enabled },
	{ "vmcs12 revision", EINVAL, e_vmcs12_revision },
	{ "shadow vmcs12 outside guest mode", EINVAL, e_shadow_outside_guest },
	{ "shadow vmcs12 vmcs12 does not use", EINVAL, e_shadow_unused },
	{ "shadow vmcs12 missing", EINVAL, e_shadow_missing },
	{ "shadow vmcs12 revision", EINVAL, e_shadow_revision },
	{ "shadow vmcs12 without the shadow bit", EINVAL,
	  e_shadow_bit_clear },
	{ "vmcs12 reserved pin-based control", EINVAL, e_pin_controls },
	{ "vmcs12 host CR4.PAE clear", EINVAL, e_host_cr4_pae },
	{ "vmcs12 guest CR3 beyond MAXPHYADDR", EINVAL, e_guest_cr3_illegal },
};

/*
 * Blobs of the 6.12 format (KVM_STATE_NESTED_FORMAT_VMX) that break one
 * rule each: the layer checks them in full before it changes anything,
 * as it does containers (6.12 left VMX operation first).  Each returns
 * false when the rule does not apply to the stage's state.
 */
struct legacy_case {
	const char *name;
	bool (*apply)(struct kvm_nested_state *s);
};

static bool legacy_has_vmcs12(struct kvm_nested_state *s)
{
	return s->size >= sizeof(*s) + NST2_PAGE;
}

static bool legacy_guest(struct kvm_nested_state *s)
{
	return s->flags & KVM_STATE_NESTED_GUEST_MODE;
}

static bool l_vmcs12_revision(struct kvm_nested_state *s)
{
	if (!legacy_has_vmcs12(s))
		return false;
	s->data.vmx[0].vmcs12[VMCS12_REVISION_OFF] ^= 1;
	return true;
}

static bool l_vmcs12_misaligned(struct kvm_nested_state *s)
{
	if (s->hdr.vmx.vmcs12_pa == INVALID_PA)
		return false;
	s->hdr.vmx.vmcs12_pa |= 0x10;
	return true;
}

static bool l_smm_outside_smm(struct kvm_nested_state *s)
{
	if (s->hdr.vmx.vmxon_pa == INVALID_PA || legacy_guest(s))
		return false;
	s->hdr.vmx.smm.flags = KVM_STATE_NESTED_SMM_VMXON;
	return true;
}

static bool l_guest_cr3_illegal(struct kvm_nested_state *s)
{
	if (!legacy_guest(s))
		return false;
	put64(&s->data.vmx[0].vmcs12[VMCS12_GUEST_CR3_OFF], 1ull << 62);
	return true;
}

static bool l_host_cr4_pae(struct kvm_nested_state *s)
{
	u8 *v = s->data.vmx[0].vmcs12;

	if (!legacy_guest(s))
		return false;
	put64(v + VMCS12_HOST_CR4_OFF,
	      get64(v + VMCS12_HOST_CR4_OFF) & ~X86_CR4_PAE);
	return true;
}

static bool l_shadow_missing(struct kvm_nested_state *s)
{
	if (s->size <= sizeof(*s) + NST2_PAGE)
		return false;
	s->size = sizeof(*s) + NST2_PAGE;
	return true;
}

static const struct legacy_case legacy_cases[] = {
	{ "6.12: vmcs12 revision", l_vmcs12_revision },
	{ "6.12: vmcs12 pointer not page-aligned", l_vmcs12_misaligned },
	{ "6.12: SMM_VMXON outside SMM", l_smm_outside_smm },
	{ "6.12: vmcs12 guest CR3 beyond MAXPHYADDR", l_guest_cr3_illegal },
	{ "6.12: vmcs12 host CR4.PAE clear", l_host_cr4_pae },
	{ "6.12: shadow vmcs12 missing", l_shadow_missing },
};

/*
 * Every malformed container that applies to the stage must fail with its
 * error and leave the vCPU exactly as it was: the v2 state read after the
 * attempt equals the one read before it.  Returns the number tried.
 */
static unsigned int check_bad_containers(struct kvm_vcpu *vcpu, int stage,
					 struct kvm_nested_state *legacy)
{
	struct kvm_nested_state *good = state_alloc();
	struct kvm_nested_state *bad = state_alloc();
	struct kvm_nested_state *after = state_alloc();
	struct nst2 *c = calloc(1, sizeof(*c));
	unsigned int i, n = 0;
	int r;

	get_state_v2(vcpu, good);
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *bc = &bad_cases[i];

		memcpy(bad, good, STATE_BUF_SIZE);
		if (bc->edit) {
			nst2_split(bad, c);
			if (!bc->edit(bad, c))
				continue;
			nst2_join(c, bad);
		} else if (!bc->raw(bad)) {
			continue;
		}
		n++;
		r = __vcpu_nested_state_set(vcpu, bad);
		TEST_ASSERT(r == -1 && errno == bc->err,
			    "stage %d, %s: KVM_SET_NESTED_STATE gave %d, errno %d, expected errno %d",
			    stage, bc->name, r, r ? errno : 0, bc->err);
		get_state_v2(vcpu, after);
		if (after->size != good->size || memcmp(after, good, good->size))
			print_diff(bc->name, good, after);
		TEST_ASSERT(after->size == good->size &&
			    after->flags == good->flags &&
			    !memcmp(after, good, good->size),
			    "stage %d, %s: state changed by a failed KVM_SET_NESTED_STATE",
			    stage, bc->name);
	}
	for (i = 0; i < ARRAY_SIZE(legacy_cases); i++) {
		const struct legacy_case *lc = &legacy_cases[i];

		memcpy(bad, legacy, legacy->size);
		if (!lc->apply(bad))
			continue;
		n++;
		r = __vcpu_nested_state_set(vcpu, bad);
		TEST_ASSERT(r == -1 && errno == EINVAL,
			    "stage %d, %s: KVM_SET_NESTED_STATE gave %d, errno %d, expected EINVAL",
			    stage, lc->name, r, r ? errno : 0);
		get_state_v2(vcpu, after);
		if (after->size != good->size || memcmp(after, good, good->size))
			print_diff(lc->name, good, after);
		TEST_ASSERT(after->size == good->size &&
			    !memcmp(after, good, good->size),
			    "stage %d, %s: state changed by a failed KVM_SET_NESTED_STATE",
			    stage, lc->name);
	}
	free(c);
	free(good);
	free(bad);
	free(after);
	return n;
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
 * KVM_GET_NESTED_STATE into a buffer of exactly the size it reports
 * writes nothing past that size.  6.12 copied a shadow vmcs12 out of guest
 * mode, where the size does not count it (and the shadow vmcs12 KVM holds
 * is not L1's), 4 KiB past the end of such a buffer.
 */
static void check_exact_buffer(struct kvm_vcpu *vcpu, bool v2, u32 size,
			       int stage)
{
	size_t len = size + KVM_STATE_NESTED_VMX_VMCS_SIZE * 2, i;
	struct kvm_nested_state *s = malloc(len);
	u8 *p = (u8 *)s;

	TEST_ASSERT(s, "out of memory");
	memset(s, 0xa5, len);
	s->size = size;
	set_v2(vcpu->vm, v2);
	vcpu_nested_state_get(vcpu, s);
	TEST_ASSERT(s->size == size, "stage %d: %s state of %u bytes, then %u",
		    stage, v2 ? "v2" : "6.12", size, s->size);
	for (i = size; i < len; i++)
		TEST_ASSERT(p[i] == 0xa5,
			    "stage %d: %s state of %u bytes written at offset %zu",
			    stage, v2 ? "v2" : "6.12", size, i);
	free(s);
}

/*
 * Blocking by NMI is vCPU event state (KVM_GET/SET_VCPU_EVENTS), kept in
 * the current VMCS: in guest mode, vmcs02.  Saving the nested state copies
 * vmcs02's interruptibility into vmcs12, but setting it writes vmcs12's
 * interruptibility into vmcs02 only for a pending VM-entry (6.12 as much
 * as the layer), so a VMM sets the events after the nested state, as
 * QEMU does.  The test does the same after every KVM_SET_NESTED_STATE of
 * a good state, and saves L2 with NMIs blocked so that the field is not 0.
 */
static void block_nmis(struct kvm_vcpu *vcpu)
{
	struct kvm_vcpu_events ev;

	vcpu_events_get(vcpu, &ev);
	ev.nmi.masked = 1;
	ev.flags = 0;
	vcpu_events_set(vcpu, &ev);
}

static void set_nested_then_events(struct kvm_vcpu *vcpu,
				   struct kvm_nested_state *s,
				   struct kvm_vcpu_events *ev)
{
	vcpu_nested_state_set(vcpu, s);
	vcpu_events_set(vcpu, ev);
}

/* The v2 state set back into the vCPU it came from reads back the same. */
static void check_set_in_place(struct kvm_vcpu *vcpu,
			       struct kvm_nested_state *v2, int stage)
{
	struct kvm_nested_state *after = state_alloc();
	struct kvm_vcpu_events ev;

	vcpu_events_get(vcpu, &ev);
	set_nested_then_events(vcpu, v2, &ev);
	get_state_v2(vcpu, after);
	if (!same_state(v2, after))
		print_diff("set in place", v2, after);
	TEST_ASSERT(same_state(v2, after),
		    "stage %d: v2 state set in place reads back differently",
		    stage);
	free(after);
}

/* The 6.12-format states of the original and of the restored vCPU. */
static void compare_legacy(struct kvm_nested_state *a,
			   struct kvm_nested_state *b, int stage)
{
	static u8 bufa[STATE_BUF_SIZE], bufb[STATE_BUF_SIZE];
	struct kvm_nested_state *ta = (void *)bufa, *tb = (void *)bufb;

	TEST_ASSERT(a->format == KVM_STATE_NESTED_FORMAT_VMX &&
		    b->format == KVM_STATE_NESTED_FORMAT_VMX,
		    "stage %d: legacy formats %u, %u", stage, a->format,
		    b->format);
	TEST_ASSERT(a->flags == b->flags && a->size == b->size,
		    "stage %d: legacy flags %#x/%#x, size %u/%u", stage,
		    a->flags, b->flags, a->size, b->size);
	TEST_ASSERT(!memcmp(&a->hdr.vmx, &b->hdr.vmx, sizeof(a->hdr.vmx)),
		    "stage %d: legacy VMX header differs: VMXON %#llx/%#llx, vmcs12 %#llx/%#llx",
		    stage, a->hdr.vmx.vmxon_pa, b->hdr.vmx.vmxon_pa,
		    a->hdr.vmx.vmcs12_pa, b->hdr.vmx.vmcs12_pa);
	TEST_ASSERT(a->size <= STATE_BUF_SIZE, "stage %d: %u-byte state",
		    stage, a->size);
	memcpy(ta, a, a->size);
	memcpy(tb, b, b->size);
	/* As same_state(): vmcs12's guest-linear address in guest mode. */
	if (a->flags & KVM_STATE_NESTED_GUEST_MODE) {
		memset(&ta->data.vmx[0].vmcs12[VMCS12_GUEST_LINEAR_OFF], 0, 8);
		memset(&tb->data.vmx[0].vmcs12[VMCS12_GUEST_LINEAR_OFF], 0, 8);
	}
	TEST_ASSERT(!memcmp(ta->data.vmx, tb->data.vmx,
			    a->size - sizeof(*a)),
		    "stage %d: vmcs12 or shadow vmcs12 differs after restore",
		    stage);
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
	/*
	 * The largest VMX container: the header, five descriptors (76 bytes,
	 * padded to 80), flags, pointers, two pages and the timer: 8304
	 * bytes, after the 128-byte header.
	 */
	TEST_ASSERT(kvm_check_cap(KVM_CAP_NESTED_STATE_V2) == 8432,
		    "KVM_CAP_NESTED_STATE_V2 is %d, the documentation says 8432",
		    kvm_check_cap(KVM_CAP_NESTED_STATE_V2));
}

static bool has_shadow_vmcs(void)
{
	u64 ctls = kvm_get_feature_msr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);

	return (ctls >> 32) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS &&
	       (kvm_get_feature_msr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32) &
	       SECONDARY_EXEC_SHADOW_VMCS;
}

int main(int argc, char *argv[])
{
	struct kvm_nested_state *v2 = state_alloc();
	struct kvm_nested_state *again = state_alloc();
	struct kvm_nested_state *legacy = state_alloc();
	struct kvm_x86_state *state;
	struct kvm_regs regs1, regs2;
	struct vmx_pages *vmx;
	vm_vaddr_t vmx_gva;
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;
	struct ucall uc;
	int stage, nr_guest_mode = 0;
	unsigned int n, nr_bad = 0;
	int pass;
	bool shadow;

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE));
	TEST_REQUIRE(kvm_has_cap(KVM_CAP_NESTED_STATE_V2));

	shadow = has_shadow_vmcs();
	pr_info("VMCS shadowing for L1: %s\n", shadow ? "yes" : "no");

	vm = vm_create_with_one_vcpu(&vcpu, l1_guest_code);
	vmx = vcpu_alloc_vmx(vm, &vmx_gva);
	vcpu_args_set(vcpu, 2, vmx_gva, shadow);
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
		if (state->nested.flags & KVM_STATE_NESTED_GUEST_MODE) {
			block_nmis(vcpu);
			kvm_x86_state_cleanup(state);
			state = vcpu_save_state(vcpu);
			TEST_ASSERT(state->events.nmi.masked &&
				    (get32(state->nested.data.vmx[0].vmcs12 +
					   VMCS12_GUEST_INTR_OFF) &
				     GUEST_INTR_STATE_NMI),
				    "stage %d: L2's NMI blocking not in vmcs12",
				    stage);
		}
		set_v2(vm, true);
		get_state_v2(vcpu, v2);
		TEST_ASSERT(v2->flags == state->nested.flags,
			    "stage %d: v2 flags %#x, legacy flags %#x", stage,
			    v2->flags, state->nested.flags);
		check_layout(v2, stage, shadow, vmx->vmxon_gpa, vmx->vmcs_gpa);
		check_small_buffer(vcpu, true, v2->size, stage);
		check_small_buffer(vcpu, false, state->nested.size, stage);
		check_exact_buffer(vcpu, true, v2->size, stage);
		check_exact_buffer(vcpu, false, state->nested.size, stage);
		set_v2(vm, true);
		if (v2->flags & KVM_STATE_NESTED_GUEST_MODE)
			nr_guest_mode++;
		n = check_bad_containers(vcpu, stage, &state->nested);
		nr_bad += n;
		check_set_in_place(vcpu, v2, stage);
		vcpu_regs_get(vcpu, &regs1);
		memcpy(legacy, &state->nested, state->nested.size);

		/*
		 * Restore into a new VM from the 6.12 state and into another
		 * from the v2 state, in turns: the guest goes on in the second.
		 */
		for (pass = 0; pass < 2; pass++) {
			bool from_v2 = (stage + pass) & 1;
			const char *from = from_v2 ? "v2" : "6.12";

			kvm_vm_release(vm);
			vcpu = vm_recreate_with_one_vcpu(vm);
			if (from_v2)
				memcpy(&state->nested, v2, v2->size);
			else
				memcpy(&state->nested, legacy, legacy->size);
			/* It sets the events first: again after the state. */
			vcpu_load_state(vcpu, state);
			vcpu_events_set(vcpu, &state->events);

			vcpu_regs_get(vcpu, &regs2);
			TEST_ASSERT(!memcmp(&regs1, &regs2, sizeof(regs1)),
				    "stage %d: registers differ after restore from %s",
				    stage, from);

			set_v2(vm, true);
			get_state_v2(vcpu, again);
			if (!same_state(v2, again))
				print_diff(from, v2, again);
			TEST_ASSERT(same_state(v2, again),
				    "stage %d: v2 state read back after restore from %s differs from the one saved",
				    stage, from);

			set_v2(vm, false);
			memset(again, 0, STATE_BUF_SIZE);
			again->size = STATE_BUF_SIZE;
			vcpu_nested_state_get(vcpu, again);
			compare_legacy(legacy, again, stage);
		}

		kvm_x86_state_cleanup(state);
		pr_info("stage %d: %s, %u-byte v2 state restored (and 6.12); %u malformed states refused\n",
			stage, v2->flags & KVM_STATE_NESTED_GUEST_MODE ?
			"guest mode" : "L1", v2->size, n);
	}

done:
	TEST_ASSERT(stage == NR_STAGES + 1, "guest done at stage %d", stage);
	TEST_ASSERT(nr_guest_mode == 3, "%d stages in guest mode, expected 3",
		    nr_guest_mode);
	pr_info("%u malformed states refused over %d stages, state untouched\n",
		nr_bad, NR_STAGES);
	free(v2);
	free(again);
	free(legacy);
	kvm_vm_free(vm);
	return 0;
}

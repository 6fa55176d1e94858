// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the converters between nested state v2 and Linux 6.12's
 * struct kvm_nested_state: every check of KVM_SET_NESTED_STATE as a table
 * case with its error (the cases of KVM's vmx_set_nested_state_test
 * included), nothing written on a rejection, and lossless round trips.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <asm/kvm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>

#include <nested/state.h>

#define PATTERN		0xa5
#define ROUND_TRIPS	100000
#define HDR		NESTED_LEGACY_HDR_SIZE
#define PAGE		NESTED_STATE_PAGE_SIZE
#define INVALID		NESTED_STATE_INVALID_GPA
/* Room for the largest blob, plus a page to read beyond it. */
#define BUF_SIZE	(HDR + 3 * PAGE)

/* vmcs12 fields the VMX converter reads (offsets of KVM's vmcs12). */
#define REVISION	0x11e57ed0U
#define SHADOW_BIT	BIT(31)
#define OFF_LINK	176
#define OFF_CPU_BASED	748
#define OFF_SECONDARY	804

/*
 * The offsets the fuzz build's shims (fuzz/include/asm) pin, checked here
 * against the kernel's own headers.
 */
static_assert(sizeof(struct kvm_nested_state) == 128);
static_assert(offsetof(struct kvm_nested_state, hdr.vmx.smm.flags) == 24);
static_assert(offsetof(struct kvm_nested_state, hdr.vmx.flags) == 28);
static_assert(offsetof(struct kvm_nested_state,
		       hdr.vmx.preemption_timer_deadline) == 32);
static_assert(offsetof(struct vmcb_control_area, iopm_base_pa) == 0x40);
static_assert(offsetof(struct vmcb_control_area, asid) == 0x58);
static_assert(offsetof(struct vmcb_control_area, int_ctl) == 0x60);
static_assert(offsetof(struct vmcb_control_area, nested_ctl) == 0x90);
static_assert(offsetof(struct vmcb_control_area, nested_cr3) == 0xb0);
static_assert(offsetof(struct vmcb_save_area, efer) == 0xd0);
static_assert(offsetof(struct vmcb_save_area, cr4) == 0x148);
static_assert(offsetof(struct vmcb_save_area, rflags) == 0x170);
static_assert(offsetof(struct vmcb_save_area, rsp) == 0x1d8);
static_assert(INTERCEPT_NMI == 97 && INTERCEPT_VMRUN == 128);

/* The vCPU facts a case runs with. */
#define CTX_VMX		BIT(0)
#define CTX_EVMCS	BIT(1)
#define CTX_SMM		BIT(2)
#define CTX_NO_SVME	BIT(3)
#define CTX_NO_NPT	BIT(4)
#define CTX_SMM_GUEST	BIT(5)
#define CTX_VMCS12_SIZE	BIT(6)

/* 6.12's sizeof(struct vmcs12): how much of a vmcs12 page KVM reads. */
#define VMCS12_612	998

static void ctx_init(struct nested_legacy_ctx *ctx, u32 bits)
{
	*ctx = (struct nested_legacy_ctx) {
		.efer = (bits & CTX_NO_SVME) ? EFER_LME : EFER_LME | EFER_SVME,
		.maxphyaddr = 48,
		.smm = bits & CTX_SMM,
		.smm_guest_mode = bits & CTX_SMM_GUEST,
		.vmx = bits & CTX_VMX,
		.evmcs = bits & CTX_EVMCS,
		.npt = !(bits & CTX_NO_NPT),
		.vmcs12_size = (bits & CTX_VMCS12_SIZE) ? VMCS12_612 : 0,
	};
}

static bool mem_is(const void *p, u8 byte, size_t n)
{
	return !memchr_inv(p, byte, n);
}

static void *alloc(struct kunit *test, size_t size)
{
	void *p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static struct kvm_nested_state *hdr_of(void *buf)
{
	return buf;
}

/* VMX: vmx_set_nested_state_test and vmx_set_nested_state(). */

#define ON		0x1000ULL
#define PTR		0x2000ULL
#define SZ		(HDR + PAGE)
#define SZ2		(HDR + 2 * PAGE)
#define GM		KVM_STATE_NESTED_GUEST_MODE
#define RP		KVM_STATE_NESTED_RUN_PENDING
#define EV		KVM_STATE_NESTED_EVMCS
#define MTF		KVM_STATE_NESTED_MTF_PENDING
#define GIF		KVM_STATE_NESTED_GIF_SET
#define SMM_GM		KVM_STATE_NESTED_SMM_GUEST_MODE
#define SMM_ON		KVM_STATE_NESTED_SMM_VMXON
#define TIMER		KVM_STATE_VMX_PREEMPTION_TIMER_DEADLINE

/* How a case departs from a valid vmcs12 and shadow vmcs12. */
enum vmx_vmcs {
	VMCS_OK,
	VMCS_BAD_REV,		/* vmcs12 revision is not KVM's */
	VMCS_REV_SHADOW_BIT,	/* vmcs12 has the shadow-VMCS bit set */
	VMCS_SHADOWING,		/* vmcs12 uses VMCS shadowing */
	VMCS_SHADOWING_NO_LINK,	/* ... with the link pointer invalid */
	VMCS_SHADOW_BAD_REV,	/* ... and the shadow revision is wrong */
	VMCS_SHADOW_NO_BIT,	/* ... and the shadow bit is clear */
};

struct vmx_case {
	const char *desc;
	bool null;		/* pass NULL as the blob */
	u16 flags;
	u16 format;
	u32 size;
	u64 vmxon;
	u64 vmcs12;
	u16 smm;
	u32 vflags;
	enum vmx_vmcs vmcs;
	u32 len;		/* readable bytes; 0: max(size, HDR) */
	u32 ctx;
	int ret;
	u64 v2;			/* the v2 flags on success */
};

/*
 * "selftest" cases are those of KVM's vmx_set_nested_state_test, in its
 * order, with its inputs: set_default_state() is { RP | GM, format 0,
 * size HDR } and set_default_vmx_state() is { format 0, size SZ, vmxon
 * 0x1000, vmcs12 0x2000, KVM's revision }.  The selftest clears VMX from
 * CPUID first (no CTX_VMX), then sets it; it runs its eVMCS steps only on
 * hosts with the capability, here always.
 */
static const struct vmx_case vmx_cases[] = {
	{ "selftest: NULL", .null = true, .ret = -EFAULT },
	{ "selftest: size 0", .flags = RP | GM, .size = 0, .vmxon = 0,
	  .ret = -EINVAL },
	{ "selftest: flags 0xf, VMX off", .flags = 0xf, .size = HDR,
	  .vmxon = 0, .ret = -EINVAL },
	{ "selftest: run pending only", .flags = RP, .size = HDR, .vmxon = 0,
	  .ret = -EINVAL },
	{ "selftest: format SVM", .format = 1, .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .ret = -EINVAL },
	{ "selftest: VMX off", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .ret = -EINVAL },
	{ "selftest: VMX off, no vmxon", .size = SZ, .vmxon = INVALID,
	  .vmcs12 = PTR, .ret = -EINVAL },
	{ "selftest: VMX off, eVMCS", .flags = EV, .size = SZ,
	  .vmxon = INVALID, .vmcs12 = INVALID, .ret = -EINVAL },
	{ "selftest: VMX off, nothing", .size = SZ, .vmxon = INVALID,
	  .vmcs12 = INVALID, .ret = 0 },
	{ "selftest: VMX on, nothing", .size = SZ, .vmxon = INVALID,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = 0 },
	{ "selftest: eVMCS not enabled", .flags = EV, .size = SZ,
	  .vmxon = INVALID, .vmcs12 = INVALID, .ctx = CTX_VMX,
	  .ret = -EINVAL },
	{ "selftest: eVMCS enabled", .flags = EV, .size = SZ,
	  .vmxon = INVALID, .vmcs12 = INVALID, .ctx = CTX_VMX | CTX_EVMCS,
	  .ret = 0 },
	{ "selftest: SMM flags, no vmxon", .flags = EV, .size = SZ,
	  .vmxon = INVALID, .vmcs12 = INVALID, .smm = 1,
	  .ctx = CTX_VMX | CTX_EVMCS, .ret = -EINVAL },
	{ "selftest: vmx flags ~0", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .vflags = ~0U, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: vmcs12 without vmxon", .size = SZ, .vmxon = INVALID,
	  .vmcs12 = PTR, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: vmxon misaligned", .size = SZ, .vmxon = 1,
	  .vmcs12 = PTR, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: SMM guest mode with guest mode", .flags = GM | RP,
	  .size = SZ, .vmxon = ON, .vmcs12 = PTR, .smm = SMM_GM,
	  .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: undefined SMM flags", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .smm = (u16)~(SMM_GM | SMM_ON), .ctx = CTX_VMX,
	  .ret = -EINVAL },
	{ "selftest: SMM flags outside SMM", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .smm = SMM_GM, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: vmcs12 pointer, no vmcs12", .size = HDR, .vmxon = ON,
	  .vmcs12 = PTR, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: VMXON only", .size = HDR, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = 0 },
	{ "selftest: vmcs12, L2 not running", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .ctx = CTX_VMX, .ret = 0 },
	{ "selftest: vmx flags ~0, no vmcs12", .size = HDR, .vmxon = ON,
	  .vmcs12 = INVALID, .vflags = ~0U, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: vmcs12 equals vmxon", .size = SZ, .vmxon = 0,
	  .vmcs12 = 0, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "selftest: leave VMX operation", .size = SZ, .vmxon = INVALID,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = 0 },

	/* The other checks of KVM_SET_NESTED_STATE for VMX. */
	{ "header truncated", .size = HDR, .vmxon = INVALID,
	  .vmcs12 = INVALID, .len = HDR - 1, .ctx = CTX_VMX, .ret = -EFAULT },
	{ "undefined flag", .flags = 0x10, .size = HDR, .vmxon = INVALID,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "GIF_SET ignored", .flags = GIF, .size = HDR, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = 0 },
	{ "vmxon beyond MAXPHYADDR", .size = HDR, .vmxon = BIT_ULL(48),
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "guest mode in SMM", .flags = GM, .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .ctx = CTX_VMX | CTX_SMM, .ret = -EINVAL },
	{ "run pending in SMM", .flags = GM | RP, .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .ctx = CTX_VMX | CTX_SMM, .ret = -EINVAL },
	{ "SMM VMXON flag outside SMM", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .smm = SMM_ON, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "SMM, VMXON", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .smm = SMM_ON, .ctx = CTX_VMX | CTX_SMM, .ret = 0,
	  .v2 = NESTED_VMX_F_SMM_VMXON },
	{ "SMM from guest mode", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .smm = SMM_ON | SMM_GM, .ctx = CTX_VMX | CTX_SMM, .ret = 0,
	  .v2 = NESTED_VMX_F_SMM_VMXON | NESTED_VMX_F_SMM_GUEST_MODE },
	{ "SMM guest mode without VMXON", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .smm = SMM_GM, .ctx = CTX_VMX | CTX_SMM,
	  .ret = -EINVAL },
	{ "eVMCS flag with vmxon, not enabled", .flags = EV, .size = SZ,
	  .vmxon = ON, .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "guest mode without vmcs12", .flags = GM, .size = HDR, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "eVMCS without vmcs12", .flags = EV, .size = HDR, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX | CTX_EVMCS, .ret = -EINVAL },
	{ "vmcs12 page, no pointer, no eVMCS", .size = SZ, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "vmcs12 misaligned", .size = SZ, .vmxon = ON, .vmcs12 = PTR + 8,
	  .ctx = CTX_VMX, .ret = -EINVAL },
	{ "vmcs12 beyond MAXPHYADDR", .size = SZ, .vmxon = ON,
	  .vmcs12 = BIT_ULL(50), .ctx = CTX_VMX, .ret = -EINVAL },
	{ "vmcs12 beyond the buffer", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .len = SZ - 1, .ctx = CTX_VMX, .ret = -EFAULT },
	{ "vmcs12 revision wrong", .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .vmcs = VMCS_BAD_REV, .ctx = CTX_VMX, .ret = -EINVAL },
	{ "vmcs12 revision, shadow bit set", .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .vmcs = VMCS_REV_SHADOW_BIT, .ctx = CTX_VMX,
	  .ret = 0 },
	{ "guest mode", .flags = GM | RP, .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .ctx = CTX_VMX, .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE | NESTED_VMX_F_RUN_PENDING },
	{ "guest mode, timer, MTF", .flags = GM | MTF, .size = SZ,
	  .vmxon = ON, .vmcs12 = PTR, .vflags = TIMER, .ctx = CTX_VMX,
	  .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE | NESTED_VMX_F_MTF_PENDING },
	{ "timer and MTF outside guest mode ignored", .flags = MTF,
	  .size = SZ, .vmxon = ON, .vmcs12 = PTR, .vflags = TIMER,
	  .ctx = CTX_VMX, .ret = 0 },
	{ "guest mode, eVMCS", .flags = GM | EV, .size = SZ, .vmxon = ON,
	  .vmcs12 = INVALID, .ctx = CTX_VMX | CTX_EVMCS, .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE | NESTED_VMX_F_EVMCS },
	{ "eVMCS flag with a vmcs12 pointer ignored", .flags = EV,
	  .size = SZ, .vmxon = ON, .vmcs12 = PTR,
	  .ctx = CTX_VMX | CTX_EVMCS, .ret = 0 },
	{ "shadow vmcs12 missing", .flags = GM, .size = SZ, .vmxon = ON,
	  .vmcs12 = PTR, .vmcs = VMCS_SHADOWING, .ctx = CTX_VMX,
	  .ret = -EINVAL },
	{ "shadow vmcs12 beyond the buffer", .flags = GM, .size = SZ2,
	  .vmxon = ON, .vmcs12 = PTR, .vmcs = VMCS_SHADOWING, .len = SZ2 - 8,
	  .ctx = CTX_VMX, .ret = -EFAULT },
	{ "shadow vmcs12 revision wrong", .flags = GM, .size = SZ2,
	  .vmxon = ON, .vmcs12 = PTR, .vmcs = VMCS_SHADOW_BAD_REV,
	  .ctx = CTX_VMX, .ret = -EINVAL },
	{ "shadow vmcs12 without shadow bit", .flags = GM, .size = SZ2,
	  .vmxon = ON, .vmcs12 = PTR, .vmcs = VMCS_SHADOW_NO_BIT,
	  .ctx = CTX_VMX, .ret = -EINVAL },
	{ "shadow vmcs12", .flags = GM, .size = SZ2, .vmxon = ON,
	  .vmcs12 = PTR, .vmcs = VMCS_SHADOWING, .ctx = CTX_VMX, .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE },
	{ "shadowing with invalid link pointer", .flags = GM, .size = SZ,
	  .vmxon = ON, .vmcs12 = PTR, .vmcs = VMCS_SHADOWING_NO_LINK,
	  .ctx = CTX_VMX, .ret = 0, .v2 = NESTED_VMX_F_GUEST_MODE },
	{ "shadow vmcs12 outside guest mode not read", .size = SZ,
	  .vmxon = ON, .vmcs12 = PTR, .vmcs = VMCS_SHADOWING, .ctx = CTX_VMX,
	  .ret = 0 },
	/* KVM reads sizeof(struct vmcs12) bytes of each page, not the page. */
	{ "vmcs12 of sizeof(struct vmcs12) bytes", .flags = GM,
	  .size = HDR + VMCS12_612, .vmxon = ON, .vmcs12 = PTR,
	  .ctx = CTX_VMX | CTX_VMCS12_SIZE, .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE },
	{ "vmcs12 a byte short of sizeof(struct vmcs12)", .flags = GM,
	  .size = HDR + VMCS12_612 - 1, .vmxon = ON, .vmcs12 = PTR,
	  .ctx = CTX_VMX | CTX_VMCS12_SIZE, .ret = -EINVAL },
	{ "sizeof(struct vmcs12) beyond the buffer", .flags = GM,
	  .size = HDR + VMCS12_612, .vmxon = ON, .vmcs12 = PTR,
	  .len = HDR + VMCS12_612 - 1, .ctx = CTX_VMX | CTX_VMCS12_SIZE,
	  .ret = -EFAULT },
	{ "shadow vmcs12 of sizeof(struct vmcs12) bytes", .flags = GM,
	  .size = SZ + VMCS12_612, .vmxon = ON, .vmcs12 = PTR,
	  .vmcs = VMCS_SHADOWING, .ctx = CTX_VMX | CTX_VMCS12_SIZE, .ret = 0,
	  .v2 = NESTED_VMX_F_GUEST_MODE },
	{ "shadow vmcs12 a byte short of sizeof(struct vmcs12)",
	  .flags = GM, .size = SZ + VMCS12_612 - 1, .vmxon = ON,
	  .vmcs12 = PTR, .vmcs = VMCS_SHADOWING,
	  .ctx = CTX_VMX | CTX_VMCS12_SIZE, .ret = -EINVAL },
};

static void vmx_case_desc(const struct vmx_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vmx_legacy, vmx_cases, vmx_case_desc);

static void vmx_case_build(const struct vmx_case *c, u8 *buf)
{
	struct kvm_nested_state *h = hdr_of(buf);
	u8 *vmcs12 = buf + HDR, *shadow = buf + HDR + PAGE;
	u32 rev = REVISION, srev = REVISION | SHADOW_BIT;

	memset(buf, 0, BUF_SIZE);
	h->flags = c->flags;
	h->format = c->format;
	h->size = c->size;
	h->hdr.vmx.vmxon_pa = c->vmxon;
	h->hdr.vmx.vmcs12_pa = c->vmcs12;
	h->hdr.vmx.smm.flags = c->smm;
	h->hdr.vmx.flags = c->vflags;
	h->hdr.vmx.preemption_timer_deadline = 0x1234567890ULL;
	memset(vmcs12 + 8, 0x5a, PAGE - 8);
	memset(shadow + 8, 0x3c, PAGE - 8);
	put_unaligned(INVALID, (u64 *)(vmcs12 + OFF_LINK));
	put_unaligned(0U, (u32 *)(vmcs12 + OFF_CPU_BASED));
	switch (c->vmcs) {
	case VMCS_BAD_REV:
		rev = REVISION + 1;
		break;
	case VMCS_REV_SHADOW_BIT:
		rev |= SHADOW_BIT;
		break;
	case VMCS_SHADOW_BAD_REV:
		srev = (REVISION - 1) | SHADOW_BIT;
		fallthrough;
	case VMCS_SHADOW_NO_BIT:
		if (c->vmcs == VMCS_SHADOW_NO_BIT)
			srev = REVISION;
		fallthrough;
	case VMCS_SHADOWING:
	case VMCS_SHADOWING_NO_LINK:
		put_unaligned((u32)BIT(31), (u32 *)(vmcs12 + OFF_CPU_BASED));
		put_unaligned((u32)BIT(14), (u32 *)(vmcs12 + OFF_SECONDARY));
		if (c->vmcs != VMCS_SHADOWING_NO_LINK)
			put_unaligned(0x3000ULL, (u64 *)(vmcs12 + OFF_LINK));
		break;
	default:
		break;
	}
	put_unaligned(rev, (u32 *)vmcs12);
	put_unaligned(srev, (u32 *)shadow);
}

static u32 case_len(u32 len, u32 size)
{
	if (len)
		return len;
	return clamp_t(u32, size, HDR, BUF_SIZE);
}

static void nested_vmx_legacy_rules(struct kunit *test)
{
	const struct vmx_case *c = test->param_value;
	struct nested_vmx_state *state = alloc(test, sizeof(*state));
	struct nested_vmx_state *again = alloc(test, sizeof(*again));
	u8 *buf = alloc(test, BUF_SIZE);
	u8 *out = alloc(test, BUF_SIZE);
	struct nested_legacy_ctx ctx;
	size_t size;
	int ret;

	vmx_case_build(c, buf);
	ctx_init(&ctx, c->ctx);
	memset(state, PATTERN, sizeof(*state));
	ret = nested_vmx_state_from_legacy(c->null ? NULL : buf,
					   case_len(c->len, c->size), &ctx,
					   state);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_TRUE(test, mem_is(state, PATTERN, sizeof(*state)));
		return;
	}
	KUNIT_EXPECT_EQ(test, state->flags, c->v2);
	/* What lies past sizeof(struct vmcs12) is not read: zero. */
	if (c->ctx & CTX_VMCS12_SIZE) {
		KUNIT_EXPECT_TRUE(test, mem_is(state->vmcs12 + VMCS12_612, 0,
					       PAGE - VMCS12_612));
		KUNIT_EXPECT_TRUE(test,
				  mem_is(state->shadow_vmcs12 + VMCS12_612, 0,
					 PAGE - VMCS12_612));
	}
	if (c->vmxon == INVALID) {
		KUNIT_EXPECT_EQ(test, state->vmxon_pa, INVALID);
		KUNIT_EXPECT_EQ(test, state->vmcs12_pa, INVALID);
	}

	/* What was accepted converts back, and again to the same state. */
	KUNIT_ASSERT_EQ(test, nested_vmx_state_to_legacy(state, out, BUF_SIZE,
							 &size), 0);
	KUNIT_ASSERT_EQ(test, nested_vmx_state_from_legacy(out, size, &ctx,
							   again), 0);
	KUNIT_EXPECT_MEMEQ(test, again, state, sizeof(*state));
	KUNIT_EXPECT_EQ(test, hdr_of(out)->hdr.vmx.vmxon_pa, state->vmxon_pa);
	KUNIT_EXPECT_EQ(test, hdr_of(out)->hdr.vmx.vmcs12_pa,
			state->vmcs12_pa);
}

/* SVM: svm_set_nested_state(). */

/* How a case departs from a valid guest-mode blob. */
enum svm_tweak {
	SVM_OK,
	SVM_NO_L2_SAVE,
	SVM_L2_NO_SVME,
	SVM_L2_NW,
	SVM_L2_CR3,
	SVM_NO_VMRUN,
	SVM_ASID_0,
	SVM_NPT_OFF,
	SVM_NESTED_CR3,
	SVM_MSRPM,
	SVM_IOPM,
	SVM_VNMI,
	SVM_VNMI_INTERCEPTED,
	SVM_L1_NO_PG,
	SVM_L1_NO_PE,
	SVM_L1_VM,
	SVM_L1_NO_SVME,
	SVM_L1_NW,
	SVM_L1_CR0_HIGH,
	SVM_L1_DR6,
	SVM_L1_DR7,
	SVM_L1_NO_PAE,
	SVM_L1_CR3,
	SVM_L1_CS_L_DB,
	SVM_L1_CR3_LEGACY_MODE,
};

struct svm_case {
	const char *desc;
	u16 flags;
	u16 format;
	u32 size;
	u64 vmcb_pa;
	enum svm_tweak tweak;
	u32 len;		/* readable bytes; 0: max(size, HDR) */
	u32 ctx;
	int ret;
	u64 v2;			/* the v2 flags on success */
};

#define SGM		(KVM_STATE_NESTED_GUEST_MODE | KVM_STATE_NESTED_GIF_SET)
#define VMCB		0x3000ULL
#define SSZ		(HDR + PAGE)
#define F(x)		NESTED_SVM_F_##x

static const struct svm_case svm_cases[] = {
	{ "header truncated", .size = HDR, .format = 1, .len = 64,
	  .ret = -EFAULT },
	{ "size below the header", .format = 1, .size = HDR - 1,
	  .ret = -EINVAL },
	{ "format VMX", .flags = GIF, .format = 0, .size = HDR,
	  .ret = -EINVAL },
	{ "undefined flag", .flags = 0x200, .format = 1, .size = HDR,
	  .ret = -EINVAL },
	{ "run pending outside guest mode", .flags = RP | GIF, .format = 1,
	  .size = HDR, .ret = -EINVAL },
	{ "eVMCS flag", .flags = EV | GIF, .format = 1, .size = HDR,
	  .ret = -EINVAL },
	{ "MTF flag", .flags = MTF | GIF, .format = 1, .size = HDR,
	  .ret = -EINVAL },
	{ "outside guest mode", .flags = GIF, .format = 1, .size = HDR,
	  .ret = 0, .v2 = F(GIF) },
	{ "outside guest mode, GIF clear", .format = 1, .size = HDR,
	  .ret = 0 },
	{ "SVME clear, GIF set", .flags = GIF, .format = 1, .size = HDR,
	  .ctx = CTX_NO_SVME, .ret = 0, .v2 = F(GIF) },
	{ "SVME clear, GIF clear", .format = 1, .size = HDR,
	  .ctx = CTX_NO_SVME, .ret = -EINVAL },
	{ "SMM", .flags = GIF, .format = 1, .size = HDR, .ctx = CTX_SMM,
	  .ret = 0, .v2 = F(GIF) | F(SMM) },
	{ "SMM from guest mode", .format = 1, .size = HDR,
	  .ctx = CTX_SMM | CTX_SMM_GUEST, .ret = 0,
	  .v2 = F(SMM) | F(SMM_GUEST_MODE) },
	{ "SMM guest mode without SMM", .format = 1, .size = HDR,
	  .ctx = CTX_SMM_GUEST, .ret = -EINVAL },
	{ "guest mode", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .ret = 0, .v2 = F(GIF) | F(GUEST_MODE) },
	{ "guest mode, run pending, GIF clear", .flags = GM | RP,
	  .format = 1, .size = SSZ, .vmcb_pa = VMCB, .ret = 0,
	  .v2 = F(GUEST_MODE) | F(RUN_PENDING) },
	{ "guest mode in SMM", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .ctx = CTX_SMM, .ret = -EINVAL },
	{ "guest mode without L2 save area", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_NO_L2_SAVE,
	  .ret = -EINVAL },
	{ "guest mode, L2 EFER.SVME clear", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_L2_NO_SVME,
	  .ret = -EINVAL },
	{ "vmcb12 misaligned", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB + 0x10, .ret = -EINVAL },
	{ "vmcb12 beyond MAXPHYADDR", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = BIT_ULL(48), .ret = -EINVAL },
	{ "vmcb12 invalid", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = INVALID, .ret = -EINVAL },
	{ "guest mode, size without vmcb12", .flags = SGM, .format = 1,
	  .size = HDR, .vmcb_pa = VMCB, .ret = -EINVAL },
	{ "guest mode, vmcb12 beyond the buffer", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .len = SSZ - 1, .ret = -EFAULT },
	{ "VMRUN not intercepted", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_NO_VMRUN, .ret = -EINVAL },
	{ "ASID 0", .flags = SGM, .format = 1, .size = SSZ, .vmcb_pa = VMCB,
	  .tweak = SVM_ASID_0, .ret = -EINVAL },
	{ "nested paging without NPT", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .ctx = CTX_NO_NPT,
	  .ret = -EINVAL },
	{ "nested CR3 beyond MAXPHYADDR", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_NESTED_CR3,
	  .ret = -EINVAL },
	{ "MSR permission map beyond MAXPHYADDR", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_MSRPM, .ret = -EINVAL },
	{ "I/O permission map beyond MAXPHYADDR", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_IOPM, .ret = -EINVAL },
	{ "vNMI without NMI intercept", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_VNMI, .ret = -EINVAL },
	{ "vNMI with NMI intercept", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_VNMI_INTERCEPTED, .ret = 0,
	  .v2 = F(GIF) | F(GUEST_MODE) },
	{ "L2 CR0.NW without CD", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L2_NW, .ret = -EINVAL },
	{ "L1 CR0.PG clear", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_NO_PG, .ret = -EINVAL },
	{ "L1 CR0.PE clear", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_NO_PE, .ret = -EINVAL },
	{ "L1 RFLAGS.VM", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_VM, .ret = -EINVAL },
	{ "L1 EFER.SVME clear", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_NO_SVME, .ret = -EINVAL },
	{ "L1 CR0.NW without CD", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_NW, .ret = -EINVAL },
	{ "L1 CR0 upper half", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_CR0_HIGH, .ret = -EINVAL },
	{ "L1 DR6 upper half", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_DR6, .ret = -EINVAL },
	{ "L1 DR7 upper half", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_DR7, .ret = -EINVAL },
	{ "L1 long mode without PAE", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L1_NO_PAE, .ret = -EINVAL },
	{ "L1 long mode, CR3 beyond MAXPHYADDR", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_L1_CR3, .ret = -EINVAL },
	{ "L1 CR3 high outside long mode", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_L1_CR3_LEGACY_MODE,
	  .ret = 0, .v2 = F(GIF) | F(GUEST_MODE) },
	{ "L1 long mode, CS.L and CS.D", .flags = SGM, .format = 1,
	  .size = SSZ, .vmcb_pa = VMCB, .tweak = SVM_L1_CS_L_DB,
	  .ret = -EINVAL },
	{ "L2 CR3 beyond MAXPHYADDR", .flags = SGM, .format = 1, .size = SSZ,
	  .vmcb_pa = VMCB, .tweak = SVM_L2_CR3, .ret = -EINVAL },
};

static void svm_case_desc(const struct svm_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(svm_legacy, svm_cases, svm_case_desc);

static void intercept(struct vmcb_control_area *ctl, unsigned int bit)
{
	ctl->intercepts[bit / 32] |= BIT(bit % 32);
}

/* A VMCB control area that passes 6.12's checks with @ctx. */
static void svm_valid_control(struct vmcb_control_area *ctl)
{
	intercept(ctl, INTERCEPT_VMRUN);
	ctl->asid = 1;
	ctl->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	ctl->nested_cr3 = 0x7000;
	ctl->msrpm_base_pa = 0x10000;
	ctl->iopm_base_pa = 0x20000;
}

/* A long-mode save area that passes 6.12's checks. */
static void svm_valid_save(struct vmcb_save_area *save)
{
	save->efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_SCE | EFER_NX;
	save->cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_ET | X86_CR0_WP;
	save->cr3 = 0x5000;
	save->cr4 = X86_CR4_PAE | X86_CR4_PGE;
	save->dr6 = 0xffff0ff0;
	save->dr7 = 0x400;
	save->rflags = X86_EFLAGS_FIXED;
	save->cs.attrib = SVM_SELECTOR_L_MASK | SVM_SELECTOR_P_MASK;
	save->rip = 0xffffffff81000000ULL;
}

static void svm_case_build(const struct svm_case *c, u8 *buf,
			   struct vmcb_save_area *l2)
{
	struct kvm_nested_state *h = hdr_of(buf);
	struct vmcb_control_area *ctl = (void *)(buf + HDR);
	struct vmcb_save_area *l1 = (void *)(buf + HDR + 0x400);

	memset(buf, 0, BUF_SIZE);
	h->flags = c->flags;
	h->format = c->format;
	h->size = c->size;
	h->hdr.svm.vmcb_pa = c->vmcb_pa;
	svm_valid_control(ctl);
	svm_valid_save(l1);
	l1->rip = 0x1234;
	memset(l2, 0, sizeof(*l2));
	svm_valid_save(l2);
	l2->cr3 = 0x9000;

	switch (c->tweak) {
	case SVM_L2_NO_SVME:
		l2->efer &= ~EFER_SVME;
		break;
	case SVM_L2_NW:
		l2->cr0 |= X86_CR0_NW;
		break;
	case SVM_L2_CR3:
		l2->cr3 = BIT_ULL(52);
		break;
	case SVM_NO_VMRUN:
		ctl->intercepts[INTERCEPT_VMRUN / 32] = 0;
		break;
	case SVM_ASID_0:
		ctl->asid = 0;
		break;
	case SVM_NESTED_CR3:
		ctl->nested_cr3 = BIT_ULL(50);
		break;
	case SVM_MSRPM:
		/* The last byte of the map crosses MAXPHYADDR. */
		ctl->msrpm_base_pa = BIT_ULL(48) - PAGE;
		break;
	case SVM_IOPM:
		ctl->iopm_base_pa = BIT_ULL(48) - 2 * PAGE;
		break;
	case SVM_VNMI:
		ctl->int_ctl |= V_NMI_ENABLE_MASK;
		break;
	case SVM_VNMI_INTERCEPTED:
		ctl->int_ctl |= V_NMI_ENABLE_MASK;
		intercept(ctl, INTERCEPT_NMI);
		break;
	case SVM_L1_NO_PG:
		l1->cr0 &= ~X86_CR0_PG;
		break;
	case SVM_L1_NO_PE:
		l1->cr0 &= ~X86_CR0_PE;
		break;
	case SVM_L1_VM:
		l1->rflags |= X86_EFLAGS_VM;
		break;
	case SVM_L1_NO_SVME:
		l1->efer &= ~EFER_SVME;
		break;
	case SVM_L1_NW:
		l1->cr0 |= X86_CR0_NW;
		break;
	case SVM_L1_CR0_HIGH:
		l1->cr0 |= BIT_ULL(32);
		break;
	case SVM_L1_DR6:
		l1->dr6 |= BIT_ULL(40);
		break;
	case SVM_L1_DR7:
		l1->dr7 |= BIT_ULL(33);
		break;
	case SVM_L1_NO_PAE:
		l1->cr4 &= ~X86_CR4_PAE;
		break;
	case SVM_L1_CR3:
		l1->cr3 = BIT_ULL(50);
		break;
	case SVM_L1_CR3_LEGACY_MODE:
		/* Only a long-mode CR3 is checked against MAXPHYADDR. */
		l1->efer &= ~(EFER_LME | EFER_LMA);
		l1->cr3 = BIT_ULL(50);
		l1->cs.attrib = SVM_SELECTOR_P_MASK;
		break;
	case SVM_L1_CS_L_DB:
		l1->cs.attrib |= SVM_SELECTOR_DB_MASK;
		break;
	default:
		break;
	}
}

static void nested_svm_legacy_rules(struct kunit *test)
{
	const struct svm_case *c = test->param_value;
	struct nested_svm_state *state = alloc(test, sizeof(*state));
	struct nested_svm_state *again = alloc(test, sizeof(*again));
	struct vmcb_save_area *l2 = alloc(test, sizeof(*l2)), *l2_arg = l2;
	u8 *buf = alloc(test, BUF_SIZE);
	u8 *out = alloc(test, BUF_SIZE);
	struct nested_legacy_ctx ctx;
	size_t size;
	int ret;

	svm_case_build(c, buf, l2);
	ctx_init(&ctx, c->ctx);
	memset(state, PATTERN, sizeof(*state));
	if (c->tweak == SVM_NO_L2_SAVE)
		l2_arg = NULL;
	ret = nested_svm_state_from_legacy(buf, case_len(c->len, c->size),
					   &ctx, l2_arg, state);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret) {
		KUNIT_EXPECT_TRUE(test, mem_is(state, PATTERN, sizeof(*state)));
		return;
	}
	KUNIT_EXPECT_EQ(test, state->flags, c->v2);
	KUNIT_ASSERT_EQ(test, nested_svm_state_to_legacy(state, out, BUF_SIZE,
							 &size), 0);
	KUNIT_ASSERT_EQ(test, size, (size_t)c->size);
	/* Everything the legacy format carries comes back. */
	KUNIT_EXPECT_MEMEQ(test, out, buf, size);
	if (!(state->flags & NESTED_SVM_F_GUEST_MODE))
		return;
	KUNIT_EXPECT_MEMEQ(test, state->vmcb12 + 0x400, l2, sizeof(*l2));
	KUNIT_EXPECT_EQ(test, state->vmcb12_pa, c->vmcb_pa);
	KUNIT_EXPECT_EQ(test, state->l1_cr0, ((struct vmcb_save_area *)
					      (buf + HDR + 0x400))->cr0);
	KUNIT_ASSERT_EQ(test, nested_svm_state_from_legacy(out, size, &ctx,
							   l2, again), 0);
	KUNIT_EXPECT_MEMEQ(test, again, state, sizeof(*state));
}

/* The converters to the legacy format: sizes, -E2BIG, -EINVAL. */
static void nested_state_to_legacy_sizes(struct kunit *test)
{
	struct nested_svm_state *svm = alloc(test, sizeof(*svm));
	struct nested_vmx_state *vmx = alloc(test, sizeof(*vmx));
	u8 *buf = alloc(test, BUF_SIZE);
	size_t size;

	KUNIT_EXPECT_EQ(test, nested_svm_state_to_legacy(svm, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, HDR);
	svm->flags = NESTED_SVM_F_GUEST_MODE;
	KUNIT_EXPECT_EQ(test, nested_svm_state_to_legacy(svm, buf, BUF_SIZE,
							 &size), -EINVAL);
	svm->l1_efer = EFER_SVME;
	svm->vmcb12_pa = 0x1001;
	KUNIT_EXPECT_EQ(test, nested_svm_state_to_legacy(svm, buf, BUF_SIZE,
							 &size), -EINVAL);
	KUNIT_EXPECT_TRUE(test, mem_is(buf, 0, BUF_SIZE));
	svm->vmcb12_pa = 0x1000;
	KUNIT_EXPECT_EQ(test, nested_svm_state_to_legacy(svm, buf, SSZ - 1,
							 &size), -E2BIG);
	KUNIT_EXPECT_EQ(test, size, SSZ);
	KUNIT_EXPECT_TRUE(test, mem_is(buf, 0, BUF_SIZE));
	KUNIT_EXPECT_EQ(test, nested_svm_state_to_legacy(svm, buf, SSZ,
							 &size), 0);

	vmx->vmxon_pa = INVALID;
	vmx->vmcs12_pa = INVALID;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_to_legacy(vmx, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, HDR);
	vmx->flags = NESTED_VMX_F_MTF_PENDING;
	vmx->vmxon_pa = ON;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_to_legacy(vmx, NULL, 0, &size),
			-EINVAL);
	vmx->flags = NESTED_VMX_F_GUEST_MODE;
	vmx->vmcs12_pa = PTR;
	vmx->has_shadow_vmcs12 = true;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_to_legacy(vmx, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, SZ2);
	vmx->flags = 0;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_to_legacy(vmx, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, SZ);
}

static u64 rnd_u64(struct rnd_state *rnd)
{
	return (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
}

static u64 rnd_page(struct rnd_state *rnd, u8 maxphyaddr)
{
	return rnd_u64(rnd) & GENMASK_ULL(maxphyaddr - 1, 12);
}

/* A few random words at random places in @buf. */
static void rnd_sprinkle(struct rnd_state *rnd, void *buf, size_t size)
{
	int i;

	for (i = 0; i < 8; i++)
		put_unaligned(rnd_u64(rnd),
			      (u64 *)(buf + (prandom_u32_state(rnd) % size & ~7)));
}

/*
 * A random legacy VMX blob as 6.12's KVM_GET_NESTED_STATE writes it, with
 * the vCPU facts that make KVM_SET_NESTED_STATE accept it.
 */
static void vmx_random_legacy(struct rnd_state *rnd, u8 *buf,
			      struct nested_legacy_ctx *ctx)
{
	struct kvm_nested_state *h = hdr_of(buf);
	u8 *vmcs12 = buf + HDR, *shadow = buf + HDR + PAGE;
	u32 r = prandom_u32_state(rnd);

	ctx_init(ctx, CTX_VMX | CTX_EVMCS);
	memset(buf, 0, HDR);
	h->format = KVM_STATE_NESTED_FORMAT_VMX;
	h->size = HDR;
	h->hdr.vmx.vmxon_pa = INVALID;
	h->hdr.vmx.vmcs12_pa = INVALID;
	if (!(r & 3))
		return;
	h->hdr.vmx.vmxon_pa = rnd_page(rnd, ctx->maxphyaddr);
	switch ((r >> 2) % 3) {
	case 0:
		if (r & BIT(4)) {
			ctx->smm = true;
			h->hdr.vmx.smm.flags = SMM_ON;
		}
		return;
	case 1:
		h->hdr.vmx.vmcs12_pa = h->hdr.vmx.vmxon_pa ^ PAGE;
		break;
	case 2:
		h->flags = EV;
		break;
	}
	h->size = SZ;
	rnd_sprinkle(rnd, vmcs12, PAGE);
	put_unaligned(REVISION | (r & BIT(5) ? SHADOW_BIT : 0), (u32 *)vmcs12);
	put_unaligned((u32)(r & BIT(31)), (u32 *)(vmcs12 + OFF_CPU_BASED));
	put_unaligned((u32)(r & BIT(14)), (u32 *)(vmcs12 + OFF_SECONDARY));
	put_unaligned(r & BIT(6) ? INVALID : 0x3000ULL,
		      (u64 *)(vmcs12 + OFF_LINK));
	if (r & BIT(7)) {
		h->flags |= GM;
		if (r & BIT(8))
			h->flags |= RP;
		if (r & BIT(9))
			h->flags |= MTF;
		if (r & BIT(10)) {
			h->hdr.vmx.flags = TIMER;
			h->hdr.vmx.preemption_timer_deadline = rnd_u64(rnd);
		}
		if ((r & BIT(31)) && (r & BIT(14)) && !(r & BIT(6))) {
			h->size = SZ2;
			rnd_sprinkle(rnd, shadow, PAGE);
			put_unaligned(REVISION | SHADOW_BIT, (u32 *)shadow);
		}
	} else if (r & BIT(11)) {
		ctx->smm = true;
		h->hdr.vmx.smm.flags = SMM_ON | (r & BIT(12) ? SMM_GM : 0);
	}
}

static void nested_vmx_legacy_round_trip(struct kunit *test)
{
	struct nested_vmx_state *a = alloc(test, sizeof(*a));
	struct nested_vmx_state *b = alloc(test, sizeof(*b));
	u8 *buf = alloc(test, BUF_SIZE), *out = alloc(test, BUF_SIZE);
	u8 *v2 = alloc(test, BUF_SIZE), *v2again = alloc(test, BUF_SIZE);
	struct nested_state_view view;
	struct nested_legacy_ctx ctx;
	size_t size, v2size, v2size2;
	struct rnd_state rnd;
	int i, ret, guest = 0;

	prandom_seed_state(&rnd, 0x4c564d58);
	for (i = 0; i < ROUND_TRIPS; i++) {
		vmx_random_legacy(&rnd, buf, &ctx);
		ret = nested_vmx_state_from_legacy(buf, hdr_of(buf)->size,
						   &ctx, a);
		KUNIT_ASSERT_EQ(test, ret, 0);
		ret = nested_vmx_state_to_legacy(a, out, BUF_SIZE, &size);
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_ASSERT_EQ(test, size, (size_t)hdr_of(buf)->size);
		KUNIT_ASSERT_EQ(test, memcmp(out, buf, size), 0);
		/* And the v2 container of that state. */
		KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(a, v2, BUF_SIZE,
							      &v2size), 0);
		KUNIT_ASSERT_EQ(test, nested_state_parse(v2, v2size, &view), 0);
		KUNIT_ASSERT_EQ(test, nested_vmx_state_decode(&view, b), 0);
		KUNIT_ASSERT_EQ(test, memcmp(a, b, sizeof(*a)), 0);
		KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(b, v2again,
							      BUF_SIZE,
							      &v2size2), 0);
		KUNIT_ASSERT_EQ(test, v2size2, v2size);
		KUNIT_ASSERT_EQ(test, memcmp(v2, v2again, v2size), 0);
		guest += !!(a->flags & NESTED_VMX_F_GUEST_MODE);
	}
	kunit_info(test, "%d legacy -> v2 -> legacy round trips (%d in guest mode), byte-identical\n",
		   ROUND_TRIPS, guest);
}

/*
 * A random legacy SVM blob as 6.12's KVM_GET_NESTED_STATE writes it, L2's
 * save area, and the vCPU facts that make KVM_SET_NESTED_STATE accept
 * them.
 */
static void svm_random_legacy(struct rnd_state *rnd, u8 *buf,
			      struct vmcb_save_area *l2,
			      struct nested_legacy_ctx *ctx)
{
	struct kvm_nested_state *h = hdr_of(buf);
	struct vmcb_control_area *ctl = (void *)(buf + HDR);
	struct vmcb_save_area *l1 = (void *)(buf + HDR + 0x400);
	u32 r = prandom_u32_state(rnd);

	ctx_init(ctx, 0);
	ctx->maxphyaddr = 36 + prandom_u32_state(rnd) % 17;
	memset(buf, 0, HDR);
	h->format = KVM_STATE_NESTED_FORMAT_SVM;
	h->size = HDR;
	if (r & 1)
		h->flags |= GIF;
	if (r & 2) {
		ctx->smm = true;
		ctx->smm_guest_mode = r & 4;
	}
	if (!(r & 24))
		return;
	ctx->smm = false;
	ctx->smm_guest_mode = false;
	h->flags |= GM;
	if (r & 32)
		h->flags |= RP;
	h->size = SSZ;
	h->hdr.svm.vmcb_pa = rnd_page(rnd, ctx->maxphyaddr);

	memset(buf + HDR, 0, PAGE);
	rnd_sprinkle(rnd, ctl, sizeof(*ctl));
	svm_valid_control(ctl);
	ctl->asid = prandom_u32_state(rnd) | 1;
	if (r & 64)
		ctl->nested_ctl = 0;
	ctl->nested_cr3 = rnd_u64(rnd) & GENMASK_ULL(ctx->maxphyaddr - 1, 0);
	ctl->msrpm_base_pa = rnd_page(rnd, ctx->maxphyaddr - 1);
	ctl->iopm_base_pa = rnd_page(rnd, ctx->maxphyaddr - 1);
	ctl->int_ctl = prandom_u32_state(rnd);
	if (ctl->int_ctl & V_NMI_ENABLE_MASK)
		intercept(ctl, INTERCEPT_NMI);

	rnd_sprinkle(rnd, l1, sizeof(*l1));
	svm_valid_save(l1);
	l1->cr3 = rnd_page(rnd, ctx->maxphyaddr);
	l1->rip = rnd_u64(rnd);
	l1->rsp = rnd_u64(rnd);

	memset(l2, 0, sizeof(*l2));
	rnd_sprinkle(rnd, l2, sizeof(*l2));
	svm_valid_save(l2);
	l2->cr3 = rnd_page(rnd, ctx->maxphyaddr);
	l2->rip = rnd_u64(rnd);
}

static void nested_svm_legacy_round_trip(struct kunit *test)
{
	struct nested_svm_state *a = alloc(test, sizeof(*a));
	struct nested_svm_state *b = alloc(test, sizeof(*b));
	struct vmcb_save_area *l2 = alloc(test, sizeof(*l2));
	u8 *buf = alloc(test, BUF_SIZE), *out = alloc(test, BUF_SIZE);
	u8 *v2 = alloc(test, BUF_SIZE), *v2again = alloc(test, BUF_SIZE);
	struct nested_state_view view;
	struct nested_legacy_ctx ctx;
	size_t size, v2size, v2size2;
	struct rnd_state rnd;
	int i, ret, guest = 0;

	prandom_seed_state(&rnd, 0x4c53564d);
	for (i = 0; i < ROUND_TRIPS; i++) {
		svm_random_legacy(&rnd, buf, l2, &ctx);
		ret = nested_svm_state_from_legacy(buf, hdr_of(buf)->size,
						   &ctx, l2, a);
		KUNIT_ASSERT_EQ(test, ret, 0);
		ret = nested_svm_state_to_legacy(a, out, BUF_SIZE, &size);
		KUNIT_ASSERT_EQ(test, ret, 0);
		KUNIT_ASSERT_EQ(test, size, (size_t)hdr_of(buf)->size);
		KUNIT_ASSERT_EQ(test, memcmp(out, buf, size), 0);
		KUNIT_ASSERT_EQ(test, nested_svm_state_encode(a, v2, BUF_SIZE,
							      &v2size), 0);
		KUNIT_ASSERT_EQ(test, nested_state_parse(v2, v2size, &view), 0);
		KUNIT_ASSERT_EQ(test, nested_svm_state_decode(&view, b), 0);
		KUNIT_ASSERT_EQ(test, memcmp(a, b, sizeof(*a)), 0);
		KUNIT_ASSERT_EQ(test, nested_svm_state_encode(b, v2again,
							      BUF_SIZE,
							      &v2size2), 0);
		KUNIT_ASSERT_EQ(test, v2size2, v2size);
		KUNIT_ASSERT_EQ(test, memcmp(v2, v2again, v2size), 0);
		if (a->flags & NESTED_SVM_F_GUEST_MODE) {
			guest++;
			KUNIT_ASSERT_EQ(test, memcmp(a->vmcb12 + 0x400, l2,
						     sizeof(*l2)), 0);
		}
	}
	kunit_info(test, "%d legacy -> v2 -> legacy round trips (%d in guest mode), byte-identical\n",
		   ROUND_TRIPS, guest);
}

/*
 * Random corruptions of valid legacy blobs: accepted or rejected with one
 * of the documented errors, the destination untouched on a rejection.
 */
static void nested_state_legacy_mutations(struct kunit *test)
{
	struct nested_svm_state *svm = alloc(test, sizeof(*svm));
	struct nested_vmx_state *vmx = alloc(test, sizeof(*vmx));
	struct vmcb_save_area *l2 = alloc(test, sizeof(*l2));
	u8 *buf = alloc(test, BUF_SIZE);
	struct nested_legacy_ctx ctx;
	int i, ok = 0, bad = 0, ret;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 0x4d555432);
	for (i = 0; i < 20000; i++) {
		bool is_svm = i & 1;
		size_t len;
		int n;

		if (is_svm)
			svm_random_legacy(&rnd, buf, l2, &ctx);
		else
			vmx_random_legacy(&rnd, buf, &ctx);
		len = hdr_of(buf)->size;
		for (n = 1 + prandom_u32_state(&rnd) % 3; n; n--) {
			u32 r = prandom_u32_state(&rnd);
			/* Half of the damage goes to the header. */
			size_t pos = prandom_u32_state(&rnd) %
				     (r & 1 ? HDR : max_t(size_t, len, 1));

			if (r & 2)
				buf[pos] ^= BIT((r >> 2) % 8);
			else if (r & 4)
				len = prandom_u32_state(&rnd) % (len + 1);
			else
				buf[pos] = r >> 8;
		}
		if (is_svm) {
			memset(svm, PATTERN, sizeof(*svm));
			ret = nested_svm_state_from_legacy(buf, len, &ctx, l2,
							   svm);
			if (ret)
				KUNIT_ASSERT_TRUE(test, mem_is(svm, PATTERN,
							       sizeof(*svm)));
		} else {
			memset(vmx, PATTERN, sizeof(*vmx));
			ret = nested_vmx_state_from_legacy(buf, len, &ctx, vmx);
			if (ret)
				KUNIT_ASSERT_TRUE(test, mem_is(vmx, PATTERN,
							       sizeof(*vmx)));
		}
		KUNIT_ASSERT_TRUE(test, !ret || ret == -EINVAL ||
				  ret == -EFAULT);
		if (ret)
			bad++;
		else
			ok++;
	}
	kunit_info(test, "%d accepted, %d rejected\n", ok, bad);
	KUNIT_EXPECT_GT(test, ok, 0);
	KUNIT_EXPECT_GT(test, bad, 0);
}

static struct kunit_case nested_state_legacy_cases[] = {
	KUNIT_CASE_PARAM(nested_vmx_legacy_rules, vmx_legacy_gen_params),
	KUNIT_CASE_PARAM(nested_svm_legacy_rules, svm_legacy_gen_params),
	KUNIT_CASE(nested_state_to_legacy_sizes),
	KUNIT_CASE(nested_vmx_legacy_round_trip),
	KUNIT_CASE(nested_svm_legacy_round_trip),
	KUNIT_CASE(nested_state_legacy_mutations),
	{}
};

static struct kunit_suite nested_state_legacy_suite = {
	.name = "nested_state_legacy",
	.test_cases = nested_state_legacy_cases,
};

kunit_test_suites(&nested_state_legacy_suite);

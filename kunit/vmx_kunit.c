// SPDX-License-Identifier: GPL-2.0
/*
 * The VMX backend as KVM registers it: KVM's own VMCLEAR and VMPTRLD, the
 * per-CPU current VMCS, and the shadow VMCS linked from a context.
 *
 * The instructions are recorded, not modelled: each case checks which VMCS
 * each instruction was given, in order.  Everything runs on one CPU with
 * preemption disabled, so no clear needs another CPU.
 */

/*
 * First: UML's <sysdep/ptrace_64.h> defines HOST_FS_BASE and friends as
 * macros, which must not reach the VMCS field enum of <asm/vmx.h>.
 */
#include <asm/vmx.h>

#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/preempt.h>

#include <nested/ctx.h>
#include <nested/vendor.h>
#include <nested/vmx.h>

#include "../core/internal.h"
#include "../vendor/vmx/hw.h"

#define VMX_LOG_MAX	16

static struct {
	unsigned int n;
	char insn[VMX_LOG_MAX];
	struct vmcs *vmcs[VMX_LOG_MAX];
} vmx_log;

static void vmx_log_insn(char insn, struct vmcs *vmcs)
{
	if (vmx_log.n < VMX_LOG_MAX) {
		vmx_log.insn[vmx_log.n] = insn;
		vmx_log.vmcs[vmx_log.n] = vmcs;
	}
	vmx_log.n++;
}

static void vmx_log_vmclear(struct vmcs *vmcs)
{
	vmx_log_insn('C', vmcs);
}

static void vmx_log_vmptrld(struct vmcs *vmcs)
{
	vmx_log_insn('P', vmcs);
}

static const struct nested_vmx_insns vmx_log_insns = {
	.vmclear = vmx_log_vmclear,
	.vmptrld = vmx_log_vmptrld,
};

static void vmx_unregister(void *data)
{
	nested_vmx_unregister();
}

static void vmx_free_ctx(void *data)
{
	struct nested_ctx *ctx = data;

	nested_ctx_clear(ctx);
	free_page((unsigned long)ctx->ptr);
}

/* Register the backend with the recording instructions, VPIDs off. */
static void vmx_setup(struct kunit *test)
{
	const struct nested_vmx_caps caps = {
		.insns = &vmx_log_insns,
	};

	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");
	KUNIT_ASSERT_EQ(test, nested_vmx_register(&caps), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vmx_unregister,
							NULL), 0);
	memset(&vmx_log, 0, sizeof(vmx_log));
}

static struct nested_ctx *vmx_new_ctx(struct kunit *test)
{
	struct nested_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	/* As KVM allocates a VMCS: a zeroed page, VMCLEARed. */
	nested_ctx_init(ctx);
	ctx->ptr = (void *)get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ptr);
	ctx->pa = __pa(ctx->ptr);
	vmx_log_vmclear(ctx->vmcs);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vmx_free_ctx,
							ctx), 0);
	return ctx;
}

static struct vmcs *vmx_new_shadow(struct kunit *test)
{
	struct vmcs *shadow = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, shadow);
	return shadow;
}

static void vmx_expect_log(struct kunit *test, const char *insns,
			   struct vmcs *const *vmcs)
{
	unsigned int i, n = strlen(insns);

	KUNIT_ASSERT_EQ(test, vmx_log.n, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, vmx_log.insn[i], insns[i],
				    "instruction %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, vmx_log.vmcs[i], vmcs[i],
					"instruction %u", i);
	}
	memset(&vmx_log, 0, sizeof(vmx_log));
}

static void vmx_current_vmcs_follows_load_and_clear(struct kunit *test)
{
	struct nested_ctx *a, *b;
	struct vmcs *cur[4];

	vmx_setup(test);
	a = vmx_new_ctx(test);
	b = vmx_new_ctx(test);
	memset(&vmx_log, 0, sizeof(vmx_log));

	preempt_disable();
	nested_ctx_load(a);
	cur[0] = this_cpu_read(nested_vmx_current_vmcs);
	/* Already current: no VMPTRLD. */
	nested_ctx_load(a);
	nested_ctx_load(b);
	cur[1] = this_cpu_read(nested_vmx_current_vmcs);
	/* Clearing a VMCS that is not current leaves the current one. */
	nested_ctx_clear(a);
	cur[2] = this_cpu_read(nested_vmx_current_vmcs);
	nested_ctx_clear(b);
	cur[3] = this_cpu_read(nested_vmx_current_vmcs);
	preempt_enable();

	KUNIT_EXPECT_PTR_EQ(test, cur[0], a->vmcs);
	KUNIT_EXPECT_PTR_EQ(test, cur[1], b->vmcs);
	KUNIT_EXPECT_PTR_EQ(test, cur[2], b->vmcs);
	KUNIT_EXPECT_PTR_EQ(test, cur[3], NULL);
	vmx_expect_log(test, "PPCC",
		       (struct vmcs *[]){ a->vmcs, b->vmcs, a->vmcs, b->vmcs });
	KUNIT_EXPECT_EQ(test, a->cpu, -1);
	KUNIT_EXPECT_EQ(test, b->cpu, -1);
}

static void vmx_shadow_cleared_with_launched_context(struct kunit *test)
{
	struct nested_ctx *ctx;
	struct vmcs *shadow;

	vmx_setup(test);
	ctx = vmx_new_ctx(test);
	shadow = vmx_new_shadow(test);
	ctx->shadow_vmcs = shadow;
	memset(&vmx_log, 0, sizeof(vmx_log));

	/* Never entered: the shadow VMCS cannot be active. */
	preempt_disable();
	nested_ctx_load(ctx);
	nested_ctx_clear(ctx);
	preempt_enable();
	vmx_expect_log(test, "PC", (struct vmcs *[]){ ctx->vmcs, ctx->vmcs });

	preempt_disable();
	nested_ctx_load(ctx);
	local_irq_disable();
	nested_ctx_entered(ctx);
	local_irq_enable();
	nested_ctx_clear(ctx);
	preempt_enable();
	vmx_expect_log(test, "PCC",
		       (struct vmcs *[]){ ctx->vmcs, ctx->vmcs, shadow });
	KUNIT_EXPECT_FALSE(test, ctx->launched);
	KUNIT_EXPECT_PTR_EQ(test, ctx->shadow_vmcs, shadow);
	ctx->shadow_vmcs = NULL;
}

static void vmx_emergency_clears_shadow_always(struct kunit *test)
{
	struct nested_ctx *ctx;
	struct vmcs *shadow;
	int cpu;

	vmx_setup(test);
	ctx = vmx_new_ctx(test);
	shadow = vmx_new_shadow(test);
	ctx->shadow_vmcs = shadow;
	memset(&vmx_log, 0, sizeof(vmx_log));

	/* Not launched, but a transient load may have been interrupted. */
	preempt_disable();
	nested_ctx_load(ctx);
	cpu = smp_processor_id();
	local_irq_disable();
	nested_ctx_emergency_clear_cpu();
	local_irq_enable();
	preempt_enable();
	vmx_expect_log(test, "PCC",
		       (struct vmcs *[]){ ctx->vmcs, ctx->vmcs, shadow });
	/* Nothing but hardware changed. */
	KUNIT_EXPECT_EQ(test, ctx->cpu, cpu);

	preempt_disable();
	nested_ctx_clear(ctx);
	preempt_enable();
	ctx->shadow_vmcs = NULL;
}

static void vmx_shadow_transient_load(struct kunit *test)
{
	struct nested_ctx *ctx;
	struct vmcs *shadow;
	struct vmcs *cur[3];

	vmx_setup(test);
	ctx = vmx_new_ctx(test);
	shadow = vmx_new_shadow(test);
	ctx->shadow_vmcs = shadow;
	memset(&vmx_log, 0, sizeof(vmx_log));

	preempt_disable();
	nested_ctx_load(ctx);
	nested_vmx_load_shadow(ctx);
	cur[0] = this_cpu_read(nested_vmx_current_vmcs);
	nested_vmx_put_shadow(ctx);
	cur[1] = this_cpu_read(nested_vmx_current_vmcs);
	/* The owner is made current again by its next load. */
	nested_ctx_load(ctx);
	cur[2] = this_cpu_read(nested_vmx_current_vmcs);
	nested_ctx_clear(ctx);
	preempt_enable();

	KUNIT_EXPECT_PTR_EQ(test, cur[0], shadow);
	KUNIT_EXPECT_PTR_EQ(test, cur[1], NULL);
	KUNIT_EXPECT_PTR_EQ(test, cur[2], ctx->vmcs);
	vmx_expect_log(test, "PPCPC",
		       (struct vmcs *[]){ ctx->vmcs, shadow, shadow, ctx->vmcs,
					  ctx->vmcs });
	ctx->shadow_vmcs = NULL;
}

static void vmx_register_checks_insns(struct kunit *test)
{
	const struct nested_vmx_insns half = { .vmclear = vmx_log_vmclear };
	struct nested_vmx_caps caps = { .insns = &half };

	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");

	KUNIT_EXPECT_EQ(test, nested_vmx_register(&caps), -EINVAL);
	KUNIT_EXPECT_FALSE(test, nested_vendor_registered());
	/* The backend has no VMCLEAR or VMPTRLD of its own. */
	caps.insns = NULL;
	KUNIT_EXPECT_EQ(test, nested_vmx_register(&caps), -EINVAL);
	KUNIT_EXPECT_FALSE(test, nested_vendor_registered());

	caps.insns = &vmx_log_insns;
	KUNIT_ASSERT_EQ(test, nested_vmx_register(&caps), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vmx_unregister,
							NULL), 0);
	/* A second registration changes nothing of the first. */
	caps.max_vpid = 16;
	caps.invvpid_all = true;
	KUNIT_EXPECT_EQ(test, nested_vmx_register(&caps), -EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, nested_vmx_vpids(), NULL);

	memset(&vmx_log, 0, sizeof(vmx_log));
	vmx_new_ctx(test);
	KUNIT_EXPECT_EQ(test, vmx_log.n, 1);
}

static unsigned long vmx_invvpid_type;
static u16 vmx_invvpid_vpid;

static bool vmx_log_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	vmx_invvpid_type = type;
	vmx_invvpid_vpid = vpid;
	return true;
}

/* Without INVVPID all-context, as 6.12's vmx_flush_tlb_all() copes. */
static void vmx_vpids_without_all_context(struct kunit *test)
{
	struct nested_vmx_caps caps = {
		.max_vpid = 16,
		.insns = &vmx_log_insns,
	};
	struct nested_ctx *ctx;
	struct tlb_tag tag;

	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");

	KUNIT_EXPECT_EQ(test, nested_vmx_register(&caps), -EINVAL);
	caps.invvpid_single = true;
	KUNIT_ASSERT_EQ(test, nested_vmx_register(&caps), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vmx_unregister,
							NULL), 0);
	KUNIT_ASSERT_NOT_NULL(test, nested_vmx_vpids());
	kunit_activate_static_stub(test, vmx_hw_invvpid, vmx_log_invvpid);

	ctx = vmx_new_ctx(test);
	KUNIT_ASSERT_NE(test, tlb_tags_alloc(nested_vmx_vpids(), &tag), 0);
	nested_ctx_set_tag(ctx, nested_vmx_vpids(), &tag);

	nested_ops.flush_tag(ctx, NESTED_FLUSH_ALL);
	KUNIT_EXPECT_EQ(test, vmx_invvpid_type,
			(unsigned long)VMX_VPID_EXTENT_SINGLE_CONTEXT);
	KUNIT_EXPECT_EQ(test, vmx_invvpid_vpid, (u16)tag.hw);

	vmx_invvpid_type = 0;
	nested_ops.flush_tag(ctx, NESTED_FLUSH_TAG);
	KUNIT_EXPECT_EQ(test, vmx_invvpid_type,
			(unsigned long)VMX_VPID_EXTENT_SINGLE_CONTEXT);

	tlb_tags_free(nested_vmx_vpids(), &tag);
}

static struct kunit_case vmx_kvm_cases[] = {
	KUNIT_CASE(vmx_current_vmcs_follows_load_and_clear),
	KUNIT_CASE(vmx_shadow_cleared_with_launched_context),
	KUNIT_CASE(vmx_emergency_clears_shadow_always),
	KUNIT_CASE(vmx_shadow_transient_load),
	KUNIT_CASE(vmx_register_checks_insns),
	KUNIT_CASE(vmx_vpids_without_all_context),
	{}
};

static struct kunit_suite vmx_kvm_suite = {
	.name = "nested_vmx_kvm",
	.test_cases = vmx_kvm_cases,
};

kunit_test_suite(vmx_kvm_suite);

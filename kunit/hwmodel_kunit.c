// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the hardware model: every rule it enforces is shown to
 * report a violation when broken and to stay quiet when followed, and
 * randomized schedules show that a driver following the architecture gets
 * no violation while one that skips any required step does.
 *
 * CPU numbers are labels for the model, not real CPUs, so that cross-CPU
 * rules are tested on UML too; the tests that use real CPUs say so.
 */

/*
 * First: on UML the generic headers reach sysdep/ptrace_64.h, whose HOST_*
 * register macros would rename the VMCS field encodings of <asm/vmx.h>.
 */
#include <asm/vmx.h>

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/preempt.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/string.h>

#include <asm/svm.h>

#include <nested/svm.h>

#include "hwmodel.h"

#define VMCS_A		0x1000ULL
#define VMCS_B		0x2000ULL
#define VMCB_A		0x10000ULL
#define VMCB_B		0x20000ULL
#define OWNER_A		1
#define OWNER_B		2

#define ALL_CLEAN	VMCB_ALL_CLEAN_MASK
#define CLEAN_BUT(g)	(VMCB_ALL_CLEAN_MASK & ~BIT(g))

enum hwm_op {
	OP_END,
	OP_VMPTRLD,
	OP_VMCLEAR,
	OP_INVVPID,
	OP_VMX_RUN,
	OP_SVM_WRITE,
	OP_SVM_VMRUN,
	OP_INVALIDATE,
};

/* One call into the model. */
struct hwm_step {
	u8 op;
	bool resume;
	u8 tlb_ctl;
	int cpu;
	u32 arg;	/* INVVPID type, VMCB group */
	u32 tag;	/* VPID or ASID */
	u32 clean;
	u64 pa;
	u64 owner;
};

#define VMPTRLD(c, p)		{ .op = OP_VMPTRLD, .cpu = (c), .pa = (p) }
#define VMCLEAR(c, p)		{ .op = OP_VMCLEAR, .cpu = (c), .pa = (p) }
#define INVVPID(c, t, v)	{ .op = OP_INVVPID, .cpu = (c), .arg = (t), \
				  .tag = (v) }
#define LAUNCH(c, v, o)		{ .op = OP_VMX_RUN, .cpu = (c), .tag = (v), \
				  .owner = (o) }
#define RESUME(c, v, o)		{ .op = OP_VMX_RUN, .resume = true, \
				  .cpu = (c), .tag = (v), .owner = (o) }
#define VMCB_WRITE(p, g)	{ .op = OP_SVM_WRITE, .pa = (p), .arg = (g) }
#define VMRUN(c, p, a, t, cl, o) \
				{ .op = OP_SVM_VMRUN, .cpu = (c), .pa = (p), \
				  .tag = (a), .tlb_ctl = (t), .clean = (cl), \
				  .owner = (o) }
#define INVALIDATE(o)		{ .op = OP_INVALIDATE, .owner = (o) }

#define HWM_MAX_STEPS	10

/*
 * A sequence of calls on a fresh model, the number of violations it must
 * produce and a phrase the last violation's message must contain.
 */
struct hwm_case {
	const char *desc;
	bool flushbyasid;
	bool invvpid_single;
	struct hwm_step steps[HWM_MAX_STEPS];
	unsigned int violations;
	const char *msg;
};

static void hwm_case_desc(const struct hwm_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

/* Each test gets a zeroed control area to pass to VMRUN. */
static int hwm_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct vmcb_control_area),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void svm_vmrun(struct kunit *test, struct hwm *m, int cpu, u64 pa,
		      u32 asid, u8 tlb_ctl, u32 clean, u64 owner)
{
	struct vmcb_control_area *ctl = test->priv;

	memset(ctl, 0, sizeof(*ctl));
	ctl->asid = asid;
	ctl->tlb_ctl = tlb_ctl;
	ctl->clean = clean;
	hwm_svm_vmrun(m, cpu, pa, ctl, owner);
}

static void hwm_do_step(struct kunit *test, struct hwm *m,
			const struct hwm_step *s)
{
	switch (s->op) {
	case OP_VMPTRLD:
		hwm_vmx_vmptrld(m, s->cpu, s->pa);
		break;
	case OP_VMCLEAR:
		hwm_vmx_vmclear(m, s->cpu, s->pa);
		break;
	case OP_INVVPID:
		hwm_vmx_invvpid(m, s->cpu, s->arg, s->tag);
		break;
	case OP_VMX_RUN:
		hwm_vmx_run(m, s->cpu, s->resume, s->tag, s->owner);
		break;
	case OP_SVM_WRITE:
		hwm_svm_write(m, s->pa, s->arg);
		break;
	case OP_SVM_VMRUN:
		svm_vmrun(test, m, s->cpu, s->pa, s->tag, s->tlb_ctl, s->clean,
			  s->owner);
		break;
	case OP_INVALIDATE:
		hwm_invalidate_owner(m, s->owner);
		break;
	}
}

static void hwm_run_steps(struct kunit *test)
{
	const struct hwm_case *c = test->param_value;
	const char *last;
	struct hwm *m;
	int i;

	m = hwm_create(test, c->flushbyasid, c->invvpid_single);
	for (i = 0; i < HWM_MAX_STEPS && c->steps[i].op != OP_END; i++)
		hwm_do_step(test, m, &c->steps[i]);

	last = hwm_last_violation(m);
	KUNIT_EXPECT_EQ_MSG(test, hwm_violations(m), c->violations,
			    "last: \"%s\"", last);
	if (c->msg)
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(last, c->msg),
					  "\"%s\" does not mention \"%s\"",
					  last, c->msg);
	if (!c->violations)
		KUNIT_EXPECT_STREQ(test, last, "");
}

/* VMCS activity and launch state, INVVPID. */
static const struct hwm_case hwm_vmx_cases[] = {
	{ "vmptrld while active on another cpu",
	  .steps = { VMPTRLD(0, VMCS_A), VMPTRLD(1, VMCS_A) },
	  .violations = 1, .msg = "VMCS active on two CPUs" },
	{ "vmclear on old cpu then vmptrld on new",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(1, VMCS_A),
		     LAUNCH(1, 1, OWNER_A) } },
	{ "vmptrld again on the same cpu",
	  .steps = { VMPTRLD(0, VMCS_A), VMPTRLD(0, VMCS_A) } },
	{ "vmclear on a cpu where it is not active",
	  .steps = { VMPTRLD(0, VMCS_A), VMCLEAR(1, VMCS_A) },
	  .violations = 1, .msg = "VMCLEAR of VMCS 0x1000 on CPU 1" },
	{ "vmclear on the wrong cpu changes nothing",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(1, VMCS_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "while it is active on CPU 0" },
	{ "vmclear of a vmcs never loaded",
	  .steps = { VMCLEAR(1, VMCS_A), VMPTRLD(0, VMCS_A) } },
	{ "vmlaunch then vmresume",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     RESUME(0, 1, OWNER_A), RESUME(0, 1, OWNER_A) } },
	{ "vmlaunch of a launched vmcs",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     LAUNCH(0, 1, OWNER_A) },
	  .violations = 1, .msg = "VM-instruction error 4" },
	{ "vmresume of a clear vmcs",
	  .steps = { VMPTRLD(0, VMCS_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "VM-instruction error 5" },
	{ "vmclear then vmlaunch",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(0, VMCS_A),
		     LAUNCH(0, 1, OWNER_A) } },
	{ "vmclear then vmresume",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(0, VMCS_A),
		     RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "VM-instruction error 5" },
	{ "vmresume after migration",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(1, VMCS_A),
		     INVVPID(1, VMX_VPID_EXTENT_ALL_CONTEXT, 0),
		     RESUME(1, 1, OWNER_A) },
	  .violations = 1, .msg = "VMRESUME of clear VMCS 0x1000 on CPU 1" },
	{ "vmresume after a failed vmlaunch",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     LAUNCH(0, 1, OWNER_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "error 4" },
	{ "failed vmresume does not launch",
	  .steps = { VMPTRLD(0, VMCS_A), RESUME(0, 1, OWNER_A),
		     LAUNCH(0, 1, OWNER_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "error 5" },
	{ "vmlaunch without a current vmcs",
	  .steps = { LAUNCH(0, 1, OWNER_A) },
	  .violations = 1, .msg = "no current VMCS" },
	{ "vmresume after vmclear of the current vmcs",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "VMRESUME on CPU 0 with no current VMCS" },
	{ "two vmcs active on one cpu",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B), LAUNCH(0, 2, OWNER_B),
		     VMPTRLD(0, VMCS_A), RESUME(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B), RESUME(0, 2, OWNER_B) } },
	{ "vmcs made non-current stays active",
	  .steps = { VMPTRLD(0, VMCS_A), VMPTRLD(0, VMCS_B),
		     VMPTRLD(1, VMCS_A) },
	  .violations = 1, .msg = "still active on CPU 0" },
	{ "failed vmlaunch enters no guest",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     LAUNCH(0, 1, OWNER_B) },
	  .violations = 1, .msg = "error 4" },
	{ "failed vmresume enters no guest",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B), RESUME(0, 1, OWNER_B) },
	  .violations = 1, .msg = "error 5" },
	{ "invvpid single context without support",
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1) },
	  .violations = 1, .msg = "single-context INVVPID is not supported" },
	{ "invvpid single non-global without support",
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, 1) },
	  .violations = 1, .msg = "INVVPID type 3 on CPU 0: single-context" },
	{ "invvpid all contexts without single support",
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_ALL_CONTEXT, 0) } },
	{ "invvpid single context with support", .invvpid_single = true,
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, 1) } },
	{ "invvpid single context of vpid 0", .invvpid_single = true,
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 0) },
	  .violations = 1, .msg = "of VPID 0" },
	{ "invvpid single non-global of vpid 0", .invvpid_single = true,
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, 0) },
	  .violations = 1, .msg = "INVVPID type 3 of VPID 0" },
	{ "invvpid individual address",
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 1) } },
	{ "invvpid individual address of vpid 0",
	  .steps = { INVVPID(0, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 0) },
	  .violations = 1, .msg = "INVVPID type 0 of VPID 0" },
	{ "invvpid type 4", .invvpid_single = true,
	  .steps = { INVVPID(0, 4, 1) },
	  .violations = 1, .msg = "no such type" },
	{ "vmptrld on a cpu out of range",
	  .steps = { VMPTRLD(-1, VMCS_A) },
	  .violations = 1, .msg = "no such CPU" },
	{ "vmlaunch on a cpu out of range",
	  .steps = { LAUNCH(1000000, 1, OWNER_A) },
	  .violations = 1, .msg = "VMLAUNCH on CPU 1000000: no such CPU" },
};

KUNIT_ARRAY_PARAM(hwm_vmx, hwm_vmx_cases, hwm_case_desc);

static void hwm_vmx_sequences(struct kunit *test)
{
	hwm_run_steps(test);
}

/* ASID, TLB_CONTROL and the VMCB clean bits. */
static const struct hwm_case hwm_svm_cases[] = {
	{ "asid 0",
	  .steps = { VMRUN(0, VMCB_A, 0, 0, 0, OWNER_A) },
	  .violations = 1, .msg = "guest run with the host's ASID 0" },
	{ "asid 0 with a flush", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 0, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A) },
	  .violations = 1, .msg = "ASID 0" },
	{ "tlb_control 3 without flushbyasid",
	  .steps = { VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID, 0,
			   OWNER_A) },
	  .violations = 1, .msg = "TLB_CONTROL 3 needs FLUSHBYASID" },
	{ "tlb_control 7 without flushbyasid",
	  .steps = { VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID_LOCAL, 0,
			   OWNER_A) },
	  .violations = 1, .msg = "TLB_CONTROL 7 needs FLUSHBYASID" },
	{ "tlb_control 3 and 7 with flushbyasid", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID_LOCAL, 0,
			   OWNER_A) } },
	{ "tlb_control 0 and 1 without flushbyasid",
	  .steps = { VMRUN(0, VMCB_A, 1, TLB_CONTROL_DO_NOTHING, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A) } },
	{ "tlb_control 2 is reserved", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 2, 0, OWNER_A) },
	  .violations = 1, .msg = "TLB_CONTROL 2 is reserved" },
	{ "tlb_control 255 is reserved", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 255, 0, OWNER_A) },
	  .violations = 1, .msg = "TLB_CONTROL 255 is reserved" },
	{ "clean bits of a vmcb never cached",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "all clean again on the same cpu",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "modified with its clean bit cleared",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_CR),
		     VMRUN(0, VMCB_A, 1, 0, CLEAN_BUT(VMCB_CR),
			   OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "modified and left clean",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_CR),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) },
	  .violations = 1, .msg = "group CR modified but marked clean" },
	{ "other group modified and left clean",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_INTERCEPTS),
		     VMRUN(0, VMCB_A, 1, 0, CLEAN_BUT(VMCB_CR),
			   OWNER_A) },
	  .violations = 1, .msg = "group INTERCEPTS modified" },
	{ "several groups left clean, one violation",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_NPT),
		     VMCB_WRITE(VMCB_A, VMCB_AVIC),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) },
	  .violations = 1, .msg = "stale groups 0x810" },
	{ "modified while not cached on this cpu",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_CR),
		     VMRUN(1, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "asid changed and left clean",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 2, 0, ALL_CLEAN, OWNER_A) },
	  .violations = 1, .msg = "group ASID modified but marked clean" },
	{ "asid changed with its clean bit cleared",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 2, 0, CLEAN_BUT(VMCB_ASID),
			   OWNER_A) } },
	{ "ran on cpu 1, back on cpu 0 with clean bits",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID,
			   ALL_CLEAN, OWNER_A) },
	  .violations = 1,
	  .msg = "VMCB 0x10000 ran on CPU 1 since it was cached here" },
	{ "ran on cpu 1, whose vmexit made this copy stale",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID,
			   ALL_CLEAN, OWNER_A) },
	  .violations = 1, .msg = "(stale groups 0x3e8)" },
	{ "ran on cpu 1, back on cpu 0, unchanged group clean",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID,
			   BIT(VMCB_INTERCEPTS), OWNER_A) },
	  .violations = 1, .msg = "clean bits 0x1 (stale groups 0x0)" },
	{ "ran on cpu 1 and written there, back on cpu 0",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_NPT),
		     VMRUN(1, VMCB_A, 1, 0, CLEAN_BUT(VMCB_NPT),
			   OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID,
			   BIT(VMCB_NPT), OWNER_A) },
	  .violations = 1, .msg = "clean bits 0x10 (stale groups 0x10)" },
	{ "ran on cpu 1, back on cpu 0 with clean 0",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "a cpu caches several vmcbs",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 2, 0, 0, OWNER_B),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A),
		     VMRUN(0, VMCB_B, 2, 0, ALL_CLEAN, OWNER_B) } },
	{ "writes to another vmcb do not matter",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_B, VMCB_CR),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) } },
	{ "bits above the architectural groups are ignored",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_CR),
		     VMRUN(0, VMCB_A, 1, 0, BIT(31) | BIT(12), OWNER_A) } },
	{ "failed vmrun caches nothing",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMCB_WRITE(VMCB_A, VMCB_CR),
		     VMRUN(0, VMCB_A, 0, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A) },
	  .violations = 2, .msg = "group CR modified" },
	{ "write of a group that does not exist",
	  .steps = { VMCB_WRITE(VMCB_A, VMCB_NR_GROUPS) },
	  .violations = 1, .msg = "no such clean group" },
	{ "vmrun on a cpu out of range",
	  .steps = { VMRUN(-3, VMCB_A, 1, 0, 0, OWNER_A) },
	  .violations = 1, .msg = "VMRUN on CPU -3: no such CPU" },
};

KUNIT_ARRAY_PARAM(hwm_svm, hwm_svm_cases, hwm_case_desc);

static void hwm_svm_sequences(struct kunit *test)
{
	hwm_run_steps(test);
}

/* The TLB rule, through both vendors' entries. */
static const struct hwm_case hwm_tlb_cases[] = {
	{ "vmx: two owners, one vpid, no flush",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B), LAUNCH(0, 1, OWNER_B) },
	  .violations = 1,
	  .msg = "run of owner 2 on CPU 0 could see TLB entries of owner 1 under tag 1" },
	{ "vmx: two owners, one vpid, invvpid single", .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     LAUNCH(0, 1, OWNER_B) } },
	{ "vmx: two owners, one vpid, invvpid single non-global",
	  .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, 1),
		     LAUNCH(0, 1, OWNER_B) } },
	{ "vmx: two owners, one vpid, invvpid all",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(0, VMX_VPID_EXTENT_ALL_CONTEXT, 0),
		     LAUNCH(0, 1, OWNER_B) } },
	{ "vmx: two owners, one vpid, invvpid individual address",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(0, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 1),
		     LAUNCH(0, 1, OWNER_B) },
	  .violations = 1, .msg = "could see TLB entries of owner 1" },
	{ "vmx: two owners, one vpid, invvpid of another vpid",
	  .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 2),
		     LAUNCH(0, 1, OWNER_B) },
	  .violations = 1, .msg = "could see TLB entries of owner 1" },
	{ "vmx: two owners, one vpid, invvpid on another cpu",
	  .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B),
		     INVVPID(1, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     LAUNCH(0, 1, OWNER_B) },
	  .violations = 1, .msg = "could see TLB entries of owner 1" },
	{ "vmx: two owners, one vpid, two cpus",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(1, VMCS_B), LAUNCH(1, 1, OWNER_B) } },
	{ "vmx: two owners, two vpids",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(0, VMCS_B), LAUNCH(0, 2, OWNER_B),
		     VMPTRLD(0, VMCS_A), RESUME(0, 1, OWNER_A) } },
	{ "vmx: vpid 0 runs",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 0, OWNER_A),
		     VMPTRLD(0, VMCS_B), LAUNCH(0, 0, OWNER_B),
		     VMPTRLD(0, VMCS_A), RESUME(0, 0, OWNER_A),
		     INVALIDATE(OWNER_A), RESUME(0, 0, OWNER_A) } },
	{ "vmx: owner on cpu 0, cpu 1, back on cpu 0, no flush",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(1, VMCS_A),
		     LAUNCH(1, 1, OWNER_A), VMCLEAR(1, VMCS_A),
		     VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A) },
	  .violations = 1,
	  .msg = "stale entries from before an invalidation under tag 1: the owner ran on CPU 1" },
	{ "vmx: owner on cpu 0, cpu 1, back on cpu 0, invvpid",
	  .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMCLEAR(0, VMCS_A), VMPTRLD(1, VMCS_A),
		     LAUNCH(1, 1, OWNER_A), VMCLEAR(1, VMCS_A),
		     VMPTRLD(0, VMCS_A),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     LAUNCH(0, 1, OWNER_A) } },
	{ "vmx: owner invalidated, no flush",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     INVALIDATE(OWNER_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1,
	  .msg = "before an invalidation under tag 1: the owner's flush request" },
	{ "vmx: owner invalidated, invvpid", .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     INVALIDATE(OWNER_A),
		     INVVPID(0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     RESUME(0, 1, OWNER_A) } },
	{ "vmx: owner invalidated, flushed on one cpu of two",
	  .invvpid_single = true,
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     VMPTRLD(1, VMCS_B), LAUNCH(1, 1, OWNER_A),
		     INVALIDATE(OWNER_A),
		     INVVPID(1, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1),
		     RESUME(1, 1, OWNER_A),
		     INVVPID(0, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 1),
		     RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "flush request did not reach this CPU" },
	{ "vmx: invalidation of another owner",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     INVALIDATE(OWNER_B), RESUME(0, 1, OWNER_A) } },
	{ "vmx: owner changed vpid and came back",
	  .steps = { VMPTRLD(0, VMCS_A), LAUNCH(0, 1, OWNER_A),
		     RESUME(0, 2, OWNER_A), RESUME(0, 1, OWNER_A) },
	  .violations = 1, .msg = "stale entries" },
	{ "svm: two owners, one asid, no flush",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, 0, 0, OWNER_B) },
	  .violations = 1,
	  .msg = "run of owner 2 on CPU 0 could see TLB entries of owner 1 under tag 1" },
	{ "svm: two owners, one asid, tlb_control 3", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, TLB_CONTROL_FLUSH_ASID, 0,
			   OWNER_B) } },
	{ "svm: two owners, one asid, tlb_control 7", .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, TLB_CONTROL_FLUSH_ASID_LOCAL, 0,
			   OWNER_B) } },
	{ "svm: two owners, one asid, tlb_control 1",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_B) } },
	{ "svm: two owners, one asid, tlb_control 3 without flushbyasid",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, TLB_CONTROL_FLUSH_ASID, 0,
			   OWNER_B) },
	  .violations = 1, .msg = "needs FLUSHBYASID" },
	{ "svm: two owners, one asid, flush of another asid",
	  .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 2, TLB_CONTROL_FLUSH_ASID, 0, OWNER_B),
		     VMRUN(0, VMCB_B, 1, 0, 0, OWNER_B) },
	  .violations = 1, .msg = "could see TLB entries of owner 1" },
	{ "svm: two owners, two asids",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 2, 0, 0, OWNER_B),
		     VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A) } },
	{ "svm: owner on cpu 0, cpu 1, back on cpu 0, no flush",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A) },
	  .violations = 1, .msg = "the owner ran on CPU 1" },
	{ "svm: owner on cpu 0, cpu 1, back on cpu 0, tlb_control 3",
	  .flushbyasid = true,
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID, 0,
			   OWNER_A) } },
	{ "svm: owner invalidated, no flush",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     INVALIDATE(OWNER_A),
		     VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A) },
	  .violations = 1, .msg = "stale entries from before an invalidation" },
	{ "svm: owner invalidated, tlb_control 1",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     INVALIDATE(OWNER_A),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A) } },
	{ "svm: flush all drops every asid of the cpu",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 2, 0, 0, OWNER_B),
		     VMRUN(0, VMCB_A, 2, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A),
		     VMRUN(0, VMCB_B, 1, 0, 0, OWNER_B) } },
	{ "svm: flush all does not reach other cpus",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(1, VMCB_B, 2, 0, 0, OWNER_B),
		     VMRUN(1, VMCB_B, 2, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_B),
		     VMRUN(0, VMCB_B, 1, 0, 0, OWNER_B) },
	  .violations = 1, .msg = "run of owner 2 on CPU 0" },
	{ "svm: l1 and l2 of one vcpu share an asid",
	  .steps = { VMRUN(0, VMCB_A, 1, 0, 0, OWNER_A),
		     VMRUN(0, VMCB_B, 1, 0, 0, OWNER_B),
		     VMRUN(0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
			   OWNER_A) },
	  .violations = 1, .msg = "could see TLB entries of owner 1" },
};

KUNIT_ARRAY_PARAM(hwm_tlb, hwm_tlb_cases, hwm_case_desc);

static void hwm_tlb_sequences(struct kunit *test)
{
	hwm_run_steps(test);
}

static void hwm_create_initial_state(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, false);
	u64 pa = 0;
	int cpu;

	KUNIT_EXPECT_EQ(test, hwm_violations(m), 0);
	KUNIT_EXPECT_STREQ(test, hwm_last_violation(m), "");
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 0);
	KUNIT_EXPECT_GE(test, hwm_nr_cpus(m), nr_cpu_ids);
	KUNIT_EXPECT_GE(test, hwm_nr_cpus(m), 4);
	for (cpu = 0; cpu < hwm_nr_cpus(m); cpu++)
		KUNIT_EXPECT_FALSE(test, hwm_vmx_current(m, cpu, &pa));
	KUNIT_EXPECT_FALSE(test, hwm_vmx_current(m, -1, &pa));
	KUNIT_EXPECT_FALSE(test, hwm_vmx_current(m, hwm_nr_cpus(m), &pa));
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), -1);
	KUNIT_EXPECT_FALSE(test, hwm_vmx_launched(m, VMCS_A));
	hwm_expect_clean(test, m);
}

static void hwm_vmx_state_follows_instructions(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, true);
	int last = hwm_nr_cpus(m) - 1;
	u64 pa = 0;

	hwm_vmx_vmptrld(m, last, VMCS_A);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), last);
	KUNIT_EXPECT_TRUE(test, hwm_vmx_current(m, last, &pa));
	KUNIT_EXPECT_EQ(test, pa, VMCS_A);
	KUNIT_EXPECT_FALSE(test, hwm_vmx_launched(m, VMCS_A));

	hwm_vmx_run(m, last, false, 1, OWNER_A);
	KUNIT_EXPECT_TRUE(test, hwm_vmx_launched(m, VMCS_A));

	/* Another VMCS becomes current; the first stays active. */
	hwm_vmx_vmptrld(m, last, VMCS_B);
	KUNIT_EXPECT_TRUE(test, hwm_vmx_current(m, last, &pa));
	KUNIT_EXPECT_EQ(test, pa, VMCS_B);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), last);
	KUNIT_EXPECT_TRUE(test, hwm_vmx_launched(m, VMCS_A));

	/* VMCLEAR of a non-current VMCS leaves the current one alone. */
	hwm_vmx_vmclear(m, last, VMCS_A);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), -1);
	KUNIT_EXPECT_FALSE(test, hwm_vmx_launched(m, VMCS_A));
	KUNIT_EXPECT_TRUE(test, hwm_vmx_current(m, last, &pa));
	KUNIT_EXPECT_EQ(test, pa, VMCS_B);

	hwm_vmx_vmclear(m, last, VMCS_B);
	KUNIT_EXPECT_FALSE(test, hwm_vmx_current(m, last, &pa));
	hwm_expect_clean(test, m);
}

static void hwm_vmx_vmptrld_second_cpu_moves_vmcs(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, false);
	u64 pa = 0;

	hwm_vmx_vmptrld(m, 0, VMCS_A);
	hwm_vmx_vmptrld(m, 1, VMCS_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
	/* Reported once; the model goes on with the VMCS on CPU 1. */
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), 1);
	KUNIT_EXPECT_FALSE(test, hwm_vmx_current(m, 0, &pa));
	hwm_vmx_vmclear(m, 1, VMCS_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
}

static void hwm_reset_violations_keeps_state(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, false);

	hwm_vmx_vmptrld(m, 0, VMCS_A);
	hwm_vmx_run(m, 0, true, 1, OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
	KUNIT_EXPECT_STRNEQ(test, hwm_last_violation(m), "");

	hwm_reset_violations(m);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 0);
	KUNIT_EXPECT_STREQ(test, hwm_last_violation(m), "");
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), 0);

	/* The state is unchanged: the VMCS is still current and clear. */
	hwm_vmx_run(m, 0, false, 1, OWNER_A);
	hwm_expect_clean(test, m);
	hwm_vmx_vmptrld(m, 1, VMCS_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
}

static void hwm_violations_count_each(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, false);
	int i;

	/* More than are printed: every one is counted. */
	for (i = 0; i < 40; i++)
		svm_vmrun(test, m, 0, VMCB_A, 0, 0, 0, OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 40);

	/* A VMRUN can break a clean-bit and a TLB rule at once. */
	svm_vmrun(test, m, 0, VMCB_A, 1, 0, 0, OWNER_A);
	svm_vmrun(test, m, 0, VMCB_B, 1, 0, 0, OWNER_B);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 41);
	hwm_reset_violations(m);
	hwm_svm_write(m, VMCB_A, VMCB_NPT);
	svm_vmrun(test, m, 0, VMCB_A, 1, 0, ALL_CLEAN, OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 2);
	KUNIT_EXPECT_NOT_NULL(test, strstr(hwm_last_violation(m),
					   "could see TLB entries of owner 2"));
}

static void hwm_tlb_flushes_counts_accepted_flushes(struct kunit *test)
{
	struct hwm *m = hwm_create(test, true, true);

	svm_vmrun(test, m, 0, VMCB_A, 1, TLB_CONTROL_DO_NOTHING, 0, OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 0);
	svm_vmrun(test, m, 0, VMCB_A, 1, TLB_CONTROL_FLUSH_ALL_ASID, 0,
		  OWNER_A);
	svm_vmrun(test, m, 0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID, 0, OWNER_A);
	svm_vmrun(test, m, 0, VMCB_A, 1, TLB_CONTROL_FLUSH_ASID_LOCAL, 0,
		  OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 3);

	hwm_vmx_invvpid(m, 0, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 1);
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 3);
	hwm_vmx_invvpid(m, 0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 1);
	hwm_vmx_invvpid(m, 0, VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	hwm_vmx_invvpid(m, 0, VMX_VPID_EXTENT_SINGLE_NON_GLOBAL, 1);
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 6);

	/* Rejected instructions flush nothing. */
	hwm_vmx_invvpid(m, 0, VMX_VPID_EXTENT_SINGLE_CONTEXT, 0);
	svm_vmrun(test, m, 0, VMCB_A, 0, TLB_CONTROL_FLUSH_ALL_ASID, 0,
		  OWNER_A);
	KUNIT_EXPECT_EQ(test, hwm_tlb_flushes(m), 6);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 2);
}

struct hwm_irq_arg {
	struct hwm *m;
	int cpu;
	u64 pa;
};

static void hwm_vmclear_fn(void *data)
{
	struct hwm_irq_arg *a = data;

	hwm_vmx_vmclear(a->m, a->cpu, a->pa);
}

/*
 * Backends call the model from their leaves with interrupts disabled, and
 * KVM's VMCLEAR runs in an IPI: allocate, report and print from there.
 */
static void hwm_callable_with_irqs_disabled(struct kunit *test)
{
	struct hwm *m = hwm_create(test, true, true);
	struct hwm_irq_arg arg = { .m = m, .pa = VMCS_A };
	unsigned long flags;
	int here;

	local_irq_save(flags);
	hwm_vmx_vmptrld(m, 1, VMCS_A);
	hwm_vmx_run(m, 1, false, 1, OWNER_A);
	hwm_vmx_run(m, 1, false, 1, OWNER_A);
	svm_vmrun(test, m, 2, VMCB_A, 1, 0, 0, OWNER_B);
	hwm_svm_write(m, VMCB_A, VMCB_CR);
	hwm_invalidate_owner(m, OWNER_B);
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(hwm_last_violation(m), "error 4"));

	/* An IPI to this CPU runs the function in interrupt context. */
	here = get_cpu();
	arg.cpu = 0;
	smp_call_function_single(here, hwm_vmclear_fn, &arg, 1);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 2);
	arg.cpu = 1;
	smp_call_function_single(here, hwm_vmclear_fn, &arg, 1);
	put_cpu();
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 2);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), -1);
}

static long hwm_load_fn(void *data)
{
	struct hwm_irq_arg *a = data;

	preempt_disable();
	hwm_vmx_vmptrld(a->m, smp_processor_id(), a->pa);
	hwm_vmx_run(a->m, smp_processor_id(), false, 1, OWNER_A);
	preempt_enable();
	return 0;
}

/* A VMCS loaded on one real CPU and cleared from another by an IPI. */
static void hwm_vmclear_by_ipi_on_real_cpus(struct kunit *test)
{
	struct hwm *m = hwm_create(test, false, false);
	struct hwm_irq_arg arg = { .m = m, .pa = VMCS_A };
	int a, b;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs, %u online", num_online_cpus());
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);

	work_on_cpu(a, hwm_load_fn, &arg);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), a);

	/* VMCLEAR executed on the wrong CPU: reported from the IPI. */
	arg.cpu = b;
	smp_call_function_single(b, hwm_vmclear_fn, &arg, 1);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(hwm_last_violation(m),
					   "while it is active on CPU"));

	arg.cpu = a;
	smp_call_function_single(a, hwm_vmclear_fn, &arg, 1);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), -1);

	work_on_cpu(b, hwm_load_fn, &arg);
	KUNIT_EXPECT_EQ(test, hwm_vmx_active_cpu(m, VMCS_A), b);
	KUNIT_EXPECT_EQ(test, hwm_violations(m), 1);
}

#define STRESS_ITERS	1000

struct hwm_stress {
	struct hwm *m;
	atomic_t running;
	struct completion done;
};

struct hwm_stress_thread {
	struct hwm_stress *s;
	unsigned int id;
};

/*
 * One "vCPU" bound to a CPU, with its own VMCS, VMCB, VPID and ASID:
 * correct on its own, and racing the others for the model's lock.
 */
static int hwm_stress_fn(void *data)
{
	struct hwm_stress_thread *t = data;
	struct hwm *m = t->s->m;
	u64 vmcs = VMCS_A + t->id * 0x1000, vmcb = VMCB_A + t->id * 0x1000;
	struct vmcb_control_area *ctl;
	int i, cpu;

	ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);
	for (i = 0; ctl && i < STRESS_ITERS; i++) {
		preempt_disable();
		cpu = smp_processor_id();
		hwm_vmx_vmptrld(m, cpu, vmcs);
		hwm_vmx_run(m, cpu, i > 0, 1 + t->id, 100 + t->id);
		/* VPIDs and ASIDs share the model's tag space: keep apart. */
		ctl->asid = 1000 + t->id;
		ctl->clean = i ? VMCB_ALL_CLEAN_MASK : 0;
		hwm_svm_vmrun(m, cpu, vmcb, ctl, 200 + t->id);
		preempt_enable();
		cond_resched();
	}
	kfree(ctl);
	if (atomic_dec_and_test(&t->s->running))
		complete(&t->s->done);
	return 0;
}

static void hwm_concurrent_cpus_clean(struct kunit *test)
{
	struct hwm_stress_thread *threads;
	struct task_struct **tasks;
	struct hwm_stress *s;
	unsigned int nr = 0, cpu, i;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->m = hwm_create(test, false, false);
	threads = kunit_kcalloc(test, num_online_cpus(), sizeof(*threads),
				GFP_KERNEL);
	tasks = kunit_kcalloc(test, num_online_cpus(), sizeof(*tasks),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	KUNIT_ASSERT_NOT_NULL(test, tasks);

	for_each_online_cpu(cpu) {
		struct task_struct *t;

		threads[nr].s = s;
		threads[nr].id = nr;
		t = kthread_create(hwm_stress_fn, &threads[nr], "hwm/%u", cpu);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "kthread_create: %ld", PTR_ERR(t));
			break;
		}
		kthread_bind(t, cpu);
		get_task_struct(t);
		tasks[nr++] = t;
	}
	/* Stopping a thread before it ran would skip it: wait for all. */
	init_completion(&s->done);
	atomic_set(&s->running, nr);
	for (i = 0; i < nr; i++)
		wake_up_process(tasks[i]);
	if (nr)
		wait_for_completion(&s->done);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ(test, kthread_stop_put(tasks[i]), 0);
	hwm_expect_clean(test, s->m);
}

static struct kunit_case hwm_cases[] = {
	KUNIT_CASE_PARAM(hwm_vmx_sequences, hwm_vmx_gen_params),
	KUNIT_CASE_PARAM(hwm_svm_sequences, hwm_svm_gen_params),
	KUNIT_CASE_PARAM(hwm_tlb_sequences, hwm_tlb_gen_params),
	KUNIT_CASE(hwm_create_initial_state),
	KUNIT_CASE(hwm_vmx_state_follows_instructions),
	KUNIT_CASE(hwm_vmx_vmptrld_second_cpu_moves_vmcs),
	KUNIT_CASE(hwm_reset_violations_keeps_state),
	KUNIT_CASE(hwm_violations_count_each),
	KUNIT_CASE(hwm_tlb_flushes_counts_accepted_flushes),
	KUNIT_CASE(hwm_callable_with_irqs_disabled),
	KUNIT_CASE(hwm_vmclear_by_ipi_on_real_cpus),
	KUNIT_CASE_SLOW(hwm_concurrent_cpus_clean),
	{}
};

static struct kunit_suite hwm_suite = {
	.name = "nested_hwmodel",
	.init = hwm_test_init,
	.test_cases = hwm_cases,
};

/*
 * Randomized schedules: vCPUs migrating between CPUs, several owners on
 * one tag, software writes to VMCBs and flush requests, driven by a
 * reference driver written here from the architecture alone.  It must get
 * no violation; each mutant drops one required step and must get some.
 */
enum sched_mutant {
	MUT_NONE,
	MUT_NO_VMCLEAR,
	MUT_NO_MIGRATION_FLUSH,
	MUT_ALWAYS_LAUNCH,
	MUT_NO_INVALIDATE_FLUSH,
	MUT_NO_OWNER_FLUSH,
	MUT_KEEP_WRITTEN_CLEAN,
	MUT_KEEP_CLEAN_ON_MIGRATION,
};

struct sched_case {
	const char *desc;
	bool svm;
	bool hw_flag;	/* flushbyasid or invvpid_single */
	enum sched_mutant mutant;
};

static const struct sched_case sched_cases[] = {
	{ "vmx reference", false, true, MUT_NONE },
	{ "vmx reference, invvpid all only", false, false, MUT_NONE },
	{ "vmx without vmclear on migration", false, true, MUT_NO_VMCLEAR },
	{ "vmx without flush on migration", false, true,
	  MUT_NO_MIGRATION_FLUSH },
	{ "vmx always vmlaunch", false, true, MUT_ALWAYS_LAUNCH },
	{ "vmx without flush on invalidation", false, true,
	  MUT_NO_INVALIDATE_FLUSH },
	{ "vmx without flush on owner change", false, true,
	  MUT_NO_OWNER_FLUSH },
	{ "svm reference", true, true, MUT_NONE },
	{ "svm reference, no flushbyasid", true, false, MUT_NONE },
	{ "svm without flush on migration", true, true,
	  MUT_NO_MIGRATION_FLUSH },
	{ "svm without flush on invalidation", true, true,
	  MUT_NO_INVALIDATE_FLUSH },
	{ "svm without flush on owner change", true, false,
	  MUT_NO_OWNER_FLUSH },
	{ "svm written group left clean", true, true, MUT_KEEP_WRITTEN_CLEAN },
	{ "svm clean bits kept on migration", true, true,
	  MUT_KEEP_CLEAN_ON_MIGRATION },
};

static void sched_case_desc(const struct sched_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sched, sched_cases, sched_case_desc);

#define SCHED_VCPUS	4
#define SCHED_CPUS	3
#define SCHED_TAGS	2
#define SCHED_STEPS	3000

struct sched_vcpu {
	u64 pa;
	u64 owner;
	u32 tag;
	int cpu;	/* last CPU it ran on, -1 */
	bool launched;
	bool owes_flush;
	u32 dirty;	/* SVM: groups written since the last VMRUN */
};

/* What the reference driver knows, as KVM would. */
struct sched {
	struct hwm *m;
	const struct sched_case *c;
	struct vmcb_control_area *ctl;
	struct sched_vcpu vcpu[SCHED_VCPUS];
	/* Per CPU: the current VMCS, and the last owner of each tag. */
	struct sched_vcpu *current_vmcs[SCHED_CPUS];
	u64 tag_owner[SCHED_CPUS][SCHED_TAGS + 1];
};

static bool sched_mut(const struct sched *s, enum sched_mutant mut)
{
	return s->c->mutant == mut;
}

/*
 * Whether the vCPU's tag must be flushed before it runs on @cpu: it owes
 * a flush, moved here, or another owner ran the tag here last.
 */
static bool sched_needs_flush(struct sched *s, struct sched_vcpu *v, int cpu)
{
	u64 last = s->tag_owner[cpu][v->tag];
	bool flush = false;

	if (v->owes_flush && !sched_mut(s, MUT_NO_INVALIDATE_FLUSH))
		flush = true;
	if (v->cpu != cpu && !sched_mut(s, MUT_NO_MIGRATION_FLUSH))
		flush = true;
	if (last && last != v->owner && !sched_mut(s, MUT_NO_OWNER_FLUSH))
		flush = true;
	return flush;
}

static void sched_vmx_run(struct sched *s, struct sched_vcpu *v, int cpu)
{
	struct hwm *m = s->m;

	if (v->cpu != cpu && v->cpu >= 0) {
		if (!sched_mut(s, MUT_NO_VMCLEAR)) {
			hwm_vmx_vmclear(m, v->cpu, v->pa);
			v->launched = false;
		}
		if (s->current_vmcs[v->cpu] == v)
			s->current_vmcs[v->cpu] = NULL;
	}
	if (s->current_vmcs[cpu] != v) {
		hwm_vmx_vmptrld(m, cpu, v->pa);
		s->current_vmcs[cpu] = v;
	}
	if (sched_needs_flush(s, v, cpu)) {
		if (s->c->hw_flag)
			hwm_vmx_invvpid(m, cpu, VMX_VPID_EXTENT_SINGLE_CONTEXT,
					v->tag);
		else
			hwm_vmx_invvpid(m, cpu, VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	}
	hwm_vmx_run(m, cpu, v->launched && !sched_mut(s, MUT_ALWAYS_LAUNCH),
		    v->tag, v->owner);
	v->launched = true;
}

static void sched_svm_run(struct sched *s, struct sched_vcpu *v, int cpu)
{
	struct vmcb_control_area *ctl = s->ctl;
	u32 clean = VMCB_ALL_CLEAN_MASK & ~VMCB_ALWAYS_DIRTY_MASK;

	clean &= ~v->dirty;
	if (v->cpu != cpu && !sched_mut(s, MUT_KEEP_CLEAN_ON_MIGRATION))
		clean = 0;
	memset(ctl, 0, sizeof(*ctl));
	ctl->asid = v->tag;
	ctl->clean = clean;
	if (sched_needs_flush(s, v, cpu))
		ctl->tlb_ctl = s->c->hw_flag ? TLB_CONTROL_FLUSH_ASID :
					       TLB_CONTROL_FLUSH_ALL_ASID;
	hwm_svm_vmrun(s->m, cpu, v->pa, ctl, v->owner);
	v->dirty = 0;
}

static void hwm_schedule_random(struct kunit *test)
{
	const struct sched_case *c = test->param_value;
	struct rnd_state rnd;
	struct sched *s;
	unsigned int i, n;
	int cpu;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->ctl = kunit_kzalloc(test, sizeof(*s->ctl), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->ctl);
	s->c = c;
	s->m = hwm_create(test, c->svm && c->hw_flag, !c->svm && c->hw_flag);
	/* Two vCPUs per tag: a VM's shared ASID, or L1 and L2 sharing one. */
	for (i = 0; i < SCHED_VCPUS; i++) {
		s->vcpu[i].pa = 0x100000 + i * 0x1000;
		s->vcpu[i].owner = 10 + i;
		s->vcpu[i].tag = 1 + i % SCHED_TAGS;
		s->vcpu[i].cpu = -1;
	}
	prandom_seed_state(&rnd, 42);

	for (n = 0; n < SCHED_STEPS; n++) {
		struct sched_vcpu *v;
		u32 r = prandom_u32_state(&rnd);

		v = &s->vcpu[r % SCHED_VCPUS];
		r /= SCHED_VCPUS;
		/* Mostly stay on the same CPU, as a vCPU does. */
		cpu = (v->cpu >= 0 && r % 4) ? v->cpu : (r / 4) % SCHED_CPUS;
		r /= 4 * SCHED_CPUS;
		if (r % 8 == 0) {
			hwm_invalidate_owner(s->m, v->owner);
			v->owes_flush = true;
		}
		if (c->svm && r % 3 == 0) {
			unsigned int g = (r / 3) % VMCB_NR_GROUPS;

			hwm_svm_write(s->m, v->pa, g);
			if (!sched_mut(s, MUT_KEEP_WRITTEN_CLEAN))
				v->dirty |= BIT(g);
		}

		if (c->svm)
			sched_svm_run(s, v, cpu);
		else
			sched_vmx_run(s, v, cpu);
		/* Flushes of all tags are not tracked: it only flushes more. */
		s->tag_owner[cpu][v->tag] = v->owner;
		v->owes_flush = false;
		v->cpu = cpu;
	}

	kunit_info(test, "%u steps, %u violations, %u flushes\n", n,
		   hwm_violations(s->m), hwm_tlb_flushes(s->m));
	if (c->mutant == MUT_NONE)
		hwm_expect_clean(test, s->m);
	else
		KUNIT_EXPECT_GT(test, hwm_violations(s->m), 0);
}

static struct kunit_case hwm_sched_cases[] = {
	KUNIT_CASE_PARAM(hwm_schedule_random, sched_gen_params),
	{}
};

static struct kunit_suite hwm_sched_suite = {
	.name = "nested_hwmodel_sched",
	.test_cases = hwm_sched_cases,
};

kunit_test_suites(&hwm_suite, &hwm_sched_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance of the VMX and SVM backends to the architecture, checked by
 * the hardware model: the same vendor-neutral scenarios on both backends,
 * with and without single-tag flushes, then vendor-specific cases.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>

#include <nested/svm.h>

#include "vdriver.h"

static const struct vd_params conf_params[] = {
	{ VD_VMX, true, 64, 4 },
	{ VD_VMX, false, 64, 4 },
	{ VD_SVM, true, 64, 4 },
	{ VD_SVM, false, 64, 4 },
};

static void conf_desc(const struct vd_params *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s",
		 p->vendor == VD_VMX ? "vmx" : "svm",
		 p->vendor == VD_VMX ?
		 (p->flush_one ? "invvpid-single" : "invvpid-all-only") :
		 (p->flush_one ? "flushbyasid" : "no-flushbyasid"));
}

KUNIT_ARRAY_PARAM(conf, conf_params, conf_desc);

static struct vd *conf_vd(struct kunit *test)
{
	return vd_create(test, test->param_value);
}

static void expect_no_violation(struct kunit *test, struct vd *d)
{
	KUNIT_EXPECT_EQ_MSG(test, hwm_violations(d->m), 0,
			    "last: %s", hwm_last_violation(d->m));
}

static void conf_l1_runs_flush_once(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 0);
	int i;

	for (i = 0; i < 100; i++)
		vd_run(v);
	expect_no_violation(test, d);
	/* The first use of the tag, and never again. */
	KUNIT_EXPECT_EQ(test, d->flushes, 1);
	KUNIT_EXPECT_TRUE(test, v->l1.launched);
}

static void conf_round_trips_flush_free(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);
	unsigned int warm;
	int i;

	vd_run(v);
	vd_enter(v, 0);
	vd_exit(v);
	warm = d->flushes;
	for (i = 0; i < 100; i++) {
		vd_enter(v, 0);
		vd_exit(v);
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_EQ(test, d->flushes, warm);
	KUNIT_EXPECT_EQ(test, v->pool.stats.misses, 1);
}

static void conf_rotate_l2s_from_pool(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 4);
	unsigned int warm;
	int i;

	for (i = 0; i < 4; i++) {
		vd_enter(v, i);
		vd_exit(v);
	}
	warm = d->flushes;
	for (i = 0; i < 200; i++) {
		vd_enter(v, i % 4);
		vd_exit(v);
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_EQ(test, d->flushes, warm);
	KUNIT_EXPECT_EQ(test, v->pool.stats.misses, 4);
}

static void conf_more_l2s_than_pool(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 6);
	int i;

	/* Capacity 4, six L2s: every entry evicts and re-prepares. */
	for (i = 0; i < 60; i++) {
		vd_enter(v, i % 6);
		vd_exit(v);
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_GT(test, v->pool.stats.evictions, 0);
}

static void conf_l1_flush_request(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 2);
	unsigned int before;
	int i;

	for (i = 0; i < 20; i++) {
		vd_enter(v, i % 2);
		vd_exit(v);
		before = d->flushes;
		vd_l1_flush(v, i % 2);
		vd_enter(v, i % 2);
		KUNIT_EXPECT_GT(test, d->flushes, before);
		vd_exit(v);
	}
	expect_no_violation(test, d);
}

/*
 * INVLPGA or INVVPID executed by L1 between two runs of an L2 that does
 * not ask for a flush on entry: the flush owed to L2's context is issued
 * at its next entry, and only then.
 */
static void conf_l1_invalidates_between_runs(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 2);
	unsigned int before;
	int i;

	for (i = 0; i < 20; i++) {
		vd_enter(v, i % 2);
		vd_exit(v);
		vd_l1_invalidate(v, i % 2, true);
		before = d->flushes;
		vd_enter(v, (i + 1) % 2);
		vd_exit(v);
		vd_enter(v, i % 2);
		KUNIT_EXPECT_GT(test, d->flushes, before);
		vd_exit(v);
	}
	expect_no_violation(test, d);
}

/* The same without the owed flush: the model must see L2 hit stale entries. */
static void conf_l1_invalidate_unserviced_is_caught(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);

	vd_enter(v, 0);
	vd_exit(v);
	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
	vd_l1_invalidate(v, 0, false);
	vd_enter(v, 0);
	KUNIT_EXPECT_GT(test, hwm_violations(d->m), 0);
	vd_exit(v);
	hwm_reset_violations(d->m);
}

static void conf_l1_changes_tag(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 2);
	int i;

	for (i = 0; i < 20; i++) {
		vd_enter(v, 0);
		vd_exit(v);
		vd_l1_change_tag(v, 0);
		vd_enter(v, 1);
		vd_exit(v);
	}
	expect_no_violation(test, d);
}

static void conf_l1_vmclear(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 2);
	int i;

	for (i = 0; i < 20; i++) {
		vd_enter(v, i % 2);
		vd_exit(v);
		vd_l1_vmclear(v, i % 2);
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_EQ(test, v->pool.stats.misses, 20);
}

static void conf_two_vms_one_cpu(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *a = vd_vcpu_create(d, 2);
	struct vd_vcpu *b = vd_vcpu_create(d, 2);
	int i;

	for (i = 0; i < 50; i++) {
		vd_enter(a, i % 2);
		vd_run(b);
		vd_exit(a);
		vd_enter(b, i % 2);
		vd_run(a);
		vd_exit(b);
		if (i % 10 == 9) {
			/* b's VM goes, another comes: tags are reused. */
			vd_l1_retag(b);
			vd_l1_vmclear(b, 0);
			vd_l1_vmclear(b, 1);
		}
	}
	expect_no_violation(test, d);
}

static void conf_tags_exhausted(struct kunit *test)
{
	struct vd_params p = *(const struct vd_params *)test->param_value;
	struct vd_vcpu *v[3];
	struct vd *d;
	int i, j;

	/* Three tags for three vCPUs with up to four L2 contexts each. */
	p.nr_tags = 3;
	d = vd_create(test, &p);
	for (j = 0; j < 3; j++)
		v[j] = vd_vcpu_create(d, 4);
	for (i = 0; i < 40; i++) {
		for (j = 0; j < 3; j++) {
			vd_enter(v[j], (i + j) % 4);
			vd_exit(v[j]);
		}
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(d->tags), 0);
}

static void conf_migrate_round_trips(struct kunit *test)
{
	struct vd *d = conf_vd(test);
	struct vd_vcpu *v = vd_vcpu_create(d, 2);
	int a, b, i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 CPUs");
	a = cpumask_first(cpu_online_mask);
	b = cpumask_next(a, cpu_online_mask);
	for (i = 0; i < 40; i++) {
		KUNIT_ASSERT_TRUE(test, vd_migrate(v, i % 2 ? a : b));
		vd_enter(v, i % 2);
		if (i % 3 == 0)
			KUNIT_ASSERT_TRUE(test, vd_migrate(v, i % 2 ? b : a));
		vd_exit(v);
	}
	expect_no_violation(test, d);
}

static struct kunit_case conf_cases[] = {
	KUNIT_CASE_PARAM(conf_l1_runs_flush_once, conf_gen_params),
	KUNIT_CASE_PARAM(conf_round_trips_flush_free, conf_gen_params),
	KUNIT_CASE_PARAM(conf_rotate_l2s_from_pool, conf_gen_params),
	KUNIT_CASE_PARAM(conf_more_l2s_than_pool, conf_gen_params),
	KUNIT_CASE_PARAM(conf_l1_flush_request, conf_gen_params),
	KUNIT_CASE_PARAM(conf_l1_invalidates_between_runs, conf_gen_params),
	KUNIT_CASE_PARAM(conf_l1_invalidate_unserviced_is_caught,
			 conf_gen_params),
	KUNIT_CASE_PARAM(conf_l1_changes_tag, conf_gen_params),
	KUNIT_CASE_PARAM(conf_l1_vmclear, conf_gen_params),
	KUNIT_CASE_PARAM(conf_two_vms_one_cpu, conf_gen_params),
	KUNIT_CASE_PARAM(conf_tags_exhausted, conf_gen_params),
	KUNIT_CASE_PARAM(conf_migrate_round_trips, conf_gen_params),
	{}
};

static struct kunit_suite conf_suite = {
	.name = "nested_conformance",
	.test_cases = conf_cases,
};

/* SVM only: vmcb12 clean bits decide what reaches vmcb02. */
static const struct vd_params svm_params = { VD_SVM, true, 64, 4 };

static void svm_vmcb12_clean_bits_honoured(struct kunit *test)
{
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);
	struct vmcb *vmcb12 = v->l2[0].vmcb12, *vmcb02;

	vmcb12->save.cr2 = 0x1000;
	vmcb12->save.dr7 = 0x400;
	vd_enter(v, 0);
	vmcb02 = v->cur->ptr;
	vd_exit(v);
	KUNIT_EXPECT_EQ(test, vmcb02->save.cr2, 0x1000);

	/* L1 changes CR2 and DR7 but marks only DR dirty. */
	vmcb12->save.cr2 = 0x2000;
	vmcb12->save.dr7 = 0x401;
	vmcb12->control.clean = VMCB_ALL_CLEAN_MASK & ~BIT(VMCB_DR);
	vd_enter(v, 0);
	vd_exit(v);
	KUNIT_EXPECT_EQ(test, vmcb02->save.dr7, 0x401);
	/* What L1 said was clean is taken from the cached vmcb02. */
	KUNIT_EXPECT_EQ(test, vmcb02->save.cr2, 0x1000);

	/* After L1 VMCLEARs it, a full copy. */
	vd_l1_vmclear(v, 0);
	vmcb12->control.clean = VMCB_ALL_CLEAN_MASK;
	vd_enter(v, 0);
	KUNIT_EXPECT_EQ(test, ((struct vmcb *)v->cur->ptr)->save.cr2, 0x2000);
	vd_exit(v);
	expect_no_violation(test, d);
}

static void svm_modified_group_reaches_hardware(struct kunit *test)
{
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);
	int i;

	for (i = 0; i < VMCB_NR_GROUPS; i++) {
		vd_enter(v, 0);
		vd_exit(v);
		vd_l1_modify(v, 0, i);
	}
	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
}

static void svm_asid_fallback_is_flushed(struct kunit *test)
{
	struct vd_params p = svm_params;
	struct vd_vcpu *a, *b;
	struct vd *d;
	int i;

	p.nr_tags = 1;
	d = vd_create(test, &p);
	a = vd_vcpu_create(d, 0);
	b = vd_vcpu_create(d, 0);
	/* b found no ASID: it runs on the shared fallback, flushed. */
	KUNIT_EXPECT_EQ(test, b->l1_tag.hw, 0);
	for (i = 0; i < 10; i++) {
		vd_run(a);
		vd_run(b);
	}
	KUNIT_EXPECT_EQ(test, ((struct vmcb *)b->l1.ptr)->control.asid, 2);
	expect_no_violation(test, d);
	KUNIT_EXPECT_GE(test, d->flushes, 10);
}

/*
 * A flush owed to vmcb02 survives a VMRUN of vmcb02 that fails its
 * consistency checks: the flush in TLB_CONTROL never took place, and L1's
 * next VMRUN rebuilds vmcb02's TLB_CONTROL from scratch.
 */
static void svm_failed_vmrun_keeps_flush(struct kunit *test)
{
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);

	vd_enter(v, 0);
	vd_exit(v);
	vd_l1_invalidate(v, 0, true);
	vd_enter_fails(v, 0);
	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
}

/*
 * vmcb12 TLB_CONTROL=1 flushes every ASID, L1's included: L1 finds none
 * of its own stale translations after the VM-exit.
 */
static void svm_l1_flush_all_asids(struct kunit *test)
{
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);

	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
	vd_l1_flush_all(v, 0);
	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
}

/*
 * After a VMRUN every group is clean but those written before every VMRUN,
 * the software-defined group (bit 31, Hyper-V's enlightenments when KVM
 * runs on Hyper-V) included, as KVM's vmcb_mark_all_clean() has it.
 */
static void svm_vmrun_leaves_sw_group_clean(struct kunit *test)
{
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);

	vd_run(v);
	/* Groups 0-11 and 31, but for INTR (3) and CR2 (9). */
	KUNIT_EXPECT_EQ(test, v->l1.vmcb->control.clean, 0x80000df7);
	vd_enter(v, 0);
	KUNIT_EXPECT_TRUE(test, v->cur->vmcb->control.clean & BIT(31));
	vd_exit(v);
	expect_no_violation(test, d);
}

/*
 * No ASID left for the space (SEV takes all but the last): kvm_amd loads
 * as in 6.12, and every VMCB runs on the fallback ASID, flushed each time.
 */
static void svm_empty_asid_space_runs_on_fallback(struct kunit *test)
{
	struct vd_params p = svm_params;
	struct vd_vcpu *a, *b;
	struct vd *d;
	int i;

	p.nr_tags = 0;
	d = vd_create(test, &p);
	a = vd_vcpu_create(d, 1);
	b = vd_vcpu_create(d, 0);
	KUNIT_EXPECT_EQ(test, a->l1_tag.hw, 0);
	for (i = 0; i < 5; i++) {
		vd_enter(a, 0);
		vd_exit(a);
		vd_run(b);
	}
	KUNIT_EXPECT_EQ(test, b->l1.vmcb->control.asid, 1);
	KUNIT_EXPECT_GE(test, d->flushes, 15);
	expect_no_violation(test, d);
}

/* More ASIDs than VPIDs' 16 bits: the space stops at 65535. */
static void svm_large_asid_space_is_capped(struct kunit *test)
{
	struct vd_params p = svm_params;
	struct vd *d;

	p.nr_tags = 0x1ffff;
	d = vd_create(test, &p);
	KUNIT_EXPECT_EQ(test, tlb_tags_nr_free(d->tags), 0xffff);
	vd_run(vd_vcpu_create(d, 0));
	expect_no_violation(test, d);
}

/*
 * Registering the SVM backend again fails with -EEXIST and leaves the
 * registered backend's ASID space as it was.
 */
static void svm_register_twice_keeps_asids(struct kunit *test)
{
	struct nested_svm_caps caps = {
		.flushbyasid = true,
		.min_asid = 1,
		.max_asid = 9,
	};
	struct vd *d = vd_create(test, &svm_params);
	struct vd_vcpu *a = vd_vcpu_create(d, 0), *b;
	unsigned int nr_free = tlb_tags_nr_free(d->tags);

	KUNIT_EXPECT_EQ(test, nested_svm_register(&caps), -EEXIST);
	KUNIT_ASSERT_EQ(test, tlb_tags_nr_free(d->tags), nr_free);
	b = vd_vcpu_create(d, 0);
	KUNIT_EXPECT_NE(test, a->l1_tag.hw, 0);
	KUNIT_EXPECT_NE(test, b->l1_tag.hw, a->l1_tag.hw);
	vd_run(a);
	vd_run(b);
	expect_no_violation(test, d);
}

static struct kunit_case svm_cases[] = {
	KUNIT_CASE(svm_vmcb12_clean_bits_honoured),
	KUNIT_CASE(svm_modified_group_reaches_hardware),
	KUNIT_CASE(svm_asid_fallback_is_flushed),
	KUNIT_CASE(svm_failed_vmrun_keeps_flush),
	KUNIT_CASE(svm_l1_flush_all_asids),
	KUNIT_CASE(svm_vmrun_leaves_sw_group_clean),
	KUNIT_CASE(svm_empty_asid_space_runs_on_fallback),
	KUNIT_CASE(svm_large_asid_space_is_capped),
	KUNIT_CASE(svm_register_twice_keeps_asids),
	{}
};

static struct kunit_suite svm_suite = {
	.name = "nested_svm",
	.test_cases = svm_cases,
};

/* VMX only: launch state and VPID 0. */
static const struct vd_params vmx_params = { VD_VMX, true, 64, 4 };

static void vmx_vmcs02_launched_once(struct kunit *test)
{
	struct vd *d = vd_create(test, &vmx_params);
	struct vd_vcpu *v = vd_vcpu_create(d, 1);
	int i;

	/* The model rejects VMLAUNCH twice and VMRESUME of a clear VMCS. */
	for (i = 0; i < 10; i++) {
		vd_enter(v, 0);
		KUNIT_EXPECT_TRUE(test, v->cur->launched);
		vd_exit(v);
	}
	vd_l1_vmclear(v, 0);
	vd_enter(v, 0);
	vd_exit(v);
	expect_no_violation(test, d);
}

static void vmx_vpid_disabled_needs_no_flush(struct kunit *test)
{
	struct vd_params p = vmx_params;
	struct vd_vcpu *v;
	struct vd *d;
	int i;

	p.nr_tags = 0;
	d = vd_create(test, &p);
	v = vd_vcpu_create(d, 1);
	for (i = 0; i < 10; i++) {
		vd_enter(v, 0);
		vd_exit(v);
	}
	expect_no_violation(test, d);
	KUNIT_EXPECT_EQ(test, d->flushes, 0);
}

static struct kunit_case vmx_cases[] = {
	KUNIT_CASE(vmx_vmcs02_launched_once),
	KUNIT_CASE(vmx_vpid_disabled_needs_no_flush),
	{}
};

static struct kunit_suite vmx_suite = {
	.name = "nested_vmx",
	.test_cases = vmx_cases,
};

kunit_test_suites(&conf_suite, &svm_suite, &vmx_suite);

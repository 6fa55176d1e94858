// SPDX-License-Identifier: GPL-2.0
/*
 * A miniature of KVM's use of the layer, driving the real VMX and SVM
 * backends with their hardware leaves redirected onto the hardware model.
 *
 * The sequence of calls per operation is the one the KVM patches make:
 * vCPU load -> nested_ctx_load(); VM-entry -> nested_ctx_prepare_entry()
 * (SVM: nested_svm_pre_run()), VMLAUNCH/VMRESUME or VMRUN, then
 * nested_ctx_entered() (SVM: nested_svm_post_run()); nested VM-entry ->
 * pool lookup, vmcb12 copy (SVM), nested_transition(), nested_ctx_load().
 *
 * Static stubs redirect a leaf only for a task that runs the test, and a
 * VMCLEAR on a context's old CPU runs in an IPI there.  So while the
 * driver does anything that may clear a context on another CPU, a thread
 * of the test spins on every other CPU (an anchor), and the IPI finds the
 * test in the task it interrupts.
 */

#include <kunit/static_stub.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <nested/svm.h>
#include <nested/vendor.h>
#include <nested/vmx.h>

#include "../vendor/svm/hw.h"
#include "../vendor/vmx/hw.h"
#include "vdriver.h"

static struct vd *vd_of_test(void)
{
	return kunit_get_current_test()->priv;
}

/* KVM's VMCLEAR and VMPTRLD, as the VMX backend is given them. */
static void vd_vmclear(struct vmcs *vmcs)
{
	struct vd *d = vd_of_test();

	hwm_vmx_vmclear(d->m, raw_smp_processor_id(), __pa(vmcs));
}

static void vd_vmptrld(struct vmcs *vmcs)
{
	struct vd *d = vd_of_test();

	hwm_vmx_vmptrld(d->m, raw_smp_processor_id(), __pa(vmcs));
}

static const struct nested_vmx_insns vd_vmx_insns = {
	.vmclear	= vd_vmclear,
	.vmptrld	= vd_vmptrld,
};

static bool vd_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct vd *d = vd_of_test();

	d->flushes++;
	hwm_vmx_invvpid(d->m, raw_smp_processor_id(), type, vpid);
	return true;
}

static void vd_set_asid(struct vmcb *vmcb, u32 asid)
{
	vmcb->control.asid = asid;
	hwm_svm_write(vd_of_test()->m, __pa(vmcb), VMCB_ASID);
}

static void vd_set_tlb_ctl(struct vmcb *vmcb, u8 tlb_ctl)
{
	if (tlb_ctl != TLB_CONTROL_DO_NOTHING)
		vd_of_test()->flushes++;
	vmcb->control.tlb_ctl = tlb_ctl;
}

static void vd_copy_group(struct vmcb *dst, const struct vmcb *src,
			  unsigned int group)
{
	__svm_hw_copy_group(dst, src, group);
	hwm_svm_write(vd_of_test()->m, __pa(dst), group);
}

/*
 * Anchors: one kthread of the test per CPU, which spins with preemption
 * disabled while the test does something that may send an IPI, so that
 * the IPI handler runs in a task that belongs to the test.
 */
struct vd_anchor {
	struct vd *d;
	struct task_struct *task;
	wait_queue_head_t wq;
	bool up;
};

static int vd_anchor_fn(void *data)
{
	struct vd_anchor *a = data;

	current->kunit_test = a->d->test;
	for (;;) {
		wait_event(a->wq, READ_ONCE(a->up) || kthread_should_stop());
		if (kthread_should_stop())
			break;
		preempt_disable();
		atomic_inc(&a->d->anchors_spinning);
		while (READ_ONCE(a->up))
			cpu_relax();
		atomic_dec(&a->d->anchors_spinning);
		preempt_enable();
	}
	current->kunit_test = NULL;
	return 0;
}

static void vd_anchors_stop(void *data)
{
	struct vd *d = data;
	int cpu;

	for_each_possible_cpu(cpu)
		if (d->anchors[cpu].task)
			kthread_stop_put(d->anchors[cpu].task);
}

/* Start an anchor on every online CPU; pin the test to its CPU. */
static void vd_anchors_create(struct vd *d)
{
	struct kunit *test = d->test;
	int cpu;

	d->anchors = kunit_kcalloc(test, nr_cpu_ids, sizeof(*d->anchors),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->anchors);
	for_each_online_cpu(cpu) {
		struct vd_anchor *a = &d->anchors[cpu];
		struct task_struct *t;

		a->d = d;
		init_waitqueue_head(&a->wq);
		t = kthread_create(vd_anchor_fn, a, "vd-anchor/%d", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpu);
		get_task_struct(t);
		a->task = t;
		wake_up_process(t);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vd_anchors_stop,
							d), 0);
}

static void vd_pin(void)
{
	set_cpus_allowed_ptr(current, cpumask_of(raw_smp_processor_id()));
}

/* Hold every other CPU in an anchor until vd_ipi_end(). */
static void vd_ipi_begin(struct vd *d)
{
	int cpu, self, n = 0;

	if (!d->anchors)
		return;
	vd_pin();
	self = raw_smp_processor_id();
	for_each_online_cpu(cpu) {
		if (cpu == self || !d->anchors[cpu].task)
			continue;
		WRITE_ONCE(d->anchors[cpu].up, true);
		wake_up(&d->anchors[cpu].wq);
		n++;
	}
	while (atomic_read(&d->anchors_spinning) != n)
		cpu_relax();
}

static void vd_ipi_end(struct vd *d)
{
	int cpu;

	if (!d->anchors)
		return;
	for_each_online_cpu(cpu)
		WRITE_ONCE(d->anchors[cpu].up, false);
	while (atomic_read(&d->anchors_spinning))
		cpu_relax();
}

static void vd_unregister(void *data)
{
	struct vd *d = data;

	if (d->p.vendor == VD_VMX)
		nested_vmx_unregister();
	else
		nested_svm_unregister();
}

/*
 * Register the backend of @p->vendor over a new hardware model; skip the
 * test if a real backend holds the registry.
 */
struct vd *vd_create(struct kunit *test, const struct vd_params *p)
{
	struct vd *d;
	int ret;

	if (nested_vendor_registered())
		kunit_skip(test, "a vendor backend is registered");

	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	d->test = test;
	d->p = *p;
	test->priv = d;

	if (p->vendor == VD_VMX) {
		struct nested_vmx_caps caps = {
			.max_vpid = p->nr_tags,
			.invvpid_single = p->flush_one,
			.invvpid_all = true,
			.insns = &vd_vmx_insns,
		};

		d->m = hwm_create(test, false, p->flush_one);
		kunit_activate_static_stub(test, vmx_hw_invvpid, vd_invvpid);
		ret = nested_vmx_register(&caps);
		d->tags = nested_vmx_vpids();
	} else {
		struct nested_svm_caps caps = {
			.flushbyasid = p->flush_one,
			.min_asid = 1,
			.max_asid = p->nr_tags + 1,
		};

		d->m = hwm_create(test, p->flush_one, false);
		kunit_activate_static_stub(test, svm_hw_set_asid, vd_set_asid);
		kunit_activate_static_stub(test, svm_hw_set_tlb_ctl,
					   vd_set_tlb_ctl);
		kunit_activate_static_stub(test, svm_hw_copy_group,
					   vd_copy_group);
		ret = nested_svm_register(&caps);
		d->tags = nested_svm_asids();
	}
	KUNIT_ASSERT_NOT_NULL(test, d->m);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (num_online_cpus() > 1)
		vd_anchors_create(d);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vd_unregister,
							d), 0);
	return d;
}

/*
 * A VMCS or VMCB as KVM allocates one: a zeroed page, and a VMCS VMCLEARed
 * so that its launch state starts clear.
 */
static int vd_ctx_alloc(struct nested_ctx *ctx, gfp_t gfp)
{
	void *page = (void *)get_zeroed_page(gfp);

	if (!page)
		return -ENOMEM;
	nested_ctx_init(ctx);
	ctx->ptr = page;
	ctx->pa = __pa(page);
	if (vd_of_test()->p.vendor == VD_VMX)
		vd_vmclear(ctx->vmcs);
	return 0;
}

/* Cleared where it is loaded, then freed, as KVM frees one. */
static void vd_ctx_free(struct nested_ctx *ctx)
{
	nested_ctx_clear(ctx);
	free_page((unsigned long)ctx->ptr);
}

static struct nested_ctx *vd_pool_alloc(struct nested_ctx_pool *pool,
					gfp_t gfp)
{
	struct nested_ctx *ctx = kzalloc(sizeof(*ctx), gfp);

	if (ctx && vd_ctx_alloc(ctx, gfp)) {
		kfree(ctx);
		ctx = NULL;
	}
	return ctx;
}

static void vd_pool_free(struct nested_ctx_pool *pool, struct nested_ctx *ctx)
{
	vd_ctx_free(ctx);
	kfree(ctx);
}

/* KVM's vmcs02s and vmcb02s: its own allocations, in the pool. */
static const struct nested_pool_ops vd_pool_ops = {
	.alloc	= vd_pool_alloc,
	.free	= vd_pool_free,
};

static void vd_vcpu_destroy(void *data)
{
	struct vd_vcpu *v = data;
	unsigned int i;

	vd_ipi_begin(v->d);
	nested_pool_destroy(&v->pool);
	vd_ctx_free(&v->l1);
	vd_ipi_end(v->d);
	if (v->d->tags)
		tlb_tags_free(v->d->tags, &v->l1_tag);
	for (i = 0; i < v->nr_l2; i++)
		free_page((unsigned long)v->l2[i].vmcb12);
}

/* A vCPU of its own L1 VM, with @nr_l2 L2 guests, running in L1. */
struct vd_vcpu *vd_vcpu_create(struct vd *d, unsigned int nr_l2)
{
	struct kunit *test = d->test;
	struct vd_vcpu *v;
	unsigned int i;

	KUNIT_ASSERT_LE(test, nr_l2, VD_MAX_L2);
	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	v->d = d;
	v->nr_l2 = nr_l2;
	for (i = 0; i < nr_l2; i++) {
		struct vd_l2 *l2 = &v->l2[i];

		l2->key = 0x100000ULL * (i + 1);
		l2->guest_tag = i + 1;
		l2->owner = ++d->next_owner;
		l2->vmcb12 = (void *)get_zeroed_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, l2->vmcb12);
	}
	KUNIT_ASSERT_EQ(test, vd_ctx_alloc(&v->l1, GFP_KERNEL), 0);
	if (d->tags) {
		tlb_tags_alloc(d->tags, &v->l1_tag);
		nested_ctx_set_tag(&v->l1, d->tags, &v->l1_tag);
	}
	v->l1_owner = ++d->next_owner;
	KUNIT_ASSERT_EQ(test, nested_pool_init(&v->pool, d->p.pool_capacity,
					       d->tags, &vd_pool_ops), 0);
	v->cur = &v->l1;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vd_vcpu_destroy,
							v), 0);
	return v;
}

/* vcpu_load(): the current context on this CPU. */
void vd_load(struct vd_vcpu *v)
{
	vd_ipi_begin(v->d);
	preempt_disable();
	nested_ctx_load(v->cur);
	preempt_enable();
	vd_ipi_end(v->d);
}

/* One VM-entry and VM-exit with the current context. */
void vd_run(struct vd_vcpu *v)
{
	struct nested_ctx *ctx = v->cur;
	u64 owner = v->in_l2 ? v->in_l2->owner : v->l1_owner;
	unsigned long flags;
	int cpu;

	vd_load(v);
	local_irq_save(flags);
	cpu = raw_smp_processor_id();
	if (v->d->p.vendor == VD_VMX) {
		nested_ctx_prepare_entry(ctx);
		hwm_vmx_run(v->d->m, cpu, ctx->launched, ctx->tag.hw, owner);
		nested_ctx_entered(ctx);
	} else {
		struct vmcb *vmcb = ctx->ptr;

		nested_svm_pre_run(ctx);
		hwm_svm_vmrun(v->d->m, cpu, ctx->pa, &vmcb->control, owner);
		nested_svm_post_run(ctx);
	}
	local_irq_restore(flags);
}

/* L1 executes VMLAUNCH/VMRESUME or VMRUN for its L2 number @i. */
void vd_enter(struct vd_vcpu *v, unsigned int i)
{
	struct kunit *test = v->d->test;
	struct vd_l2 *l2 = &v->l2[i];
	struct nested_transition tx = {
		.entry = true,
		.guest_tag = l2->guest_tag,
		.l1_flush = l2->l1_flush,
		.l1_flush_all = l2->l1_flush_all,
		.flush_syncs_mmu = v->d->p.vendor == VD_SVM,
	};
	struct nested_ctx *ctx;
	bool hit;

	KUNIT_ASSERT_NULL(test, v->in_l2);
	vd_load(v);
	vd_ipi_begin(v->d);
	ctx = nested_pool_get(&v->pool, l2->key, &hit);
	vd_ipi_end(v->d);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));

	if (v->d->p.vendor == VD_SVM) {
		u32 groups = nested_svm_vmcb12_groups(hit,
						      l2->vmcb12->control.clean);

		nested_svm_copy_vmcb12(ctx, l2->vmcb12, groups);
		/* As nested_vmcb02_prepare_control() does. */
		ctx->vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	}
	/* VMX without a VPID of its own shares L1's, or VPID 0. */
	tx.shared_tag = !ctx->tag.hw;
	nested_transition(v->cur, ctx, &tx);
	l2->l1_flush = false;
	l2->l1_flush_all = false;
	/* L1 sets the clean bits of what it did not change since. */
	l2->vmcb12->control.clean = VMCB_ALL_CLEAN_MASK;

	vd_ipi_begin(v->d);
	preempt_disable();
	nested_ctx_load(ctx);
	preempt_enable();
	vd_ipi_end(v->d);
	v->cur = ctx;
	v->in_l2 = l2;
	vd_run(v);
}

/*
 * The VM-entry with L2's context fails before L2 runs (VMRUN's consistency
 * checks, SVM_EXIT_ERR): KVM reflects it to L1 as VMEXIT_INVALID without
 * calling nested_svm_post_run().  L1 runs again.
 */
void vd_enter_fails(struct vd_vcpu *v, unsigned int i)
{
	struct kunit *test = v->d->test;
	struct nested_ctx *ctx;
	unsigned long flags;
	bool hit;

	KUNIT_ASSERT_EQ(test, v->d->p.vendor, VD_SVM);
	KUNIT_ASSERT_NULL(test, v->in_l2);
	vd_load(v);
	vd_ipi_begin(v->d);
	ctx = nested_pool_get(&v->pool, v->l2[i].key, &hit);
	vd_ipi_end(v->d);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	ctx->vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;

	preempt_disable();
	nested_ctx_load(ctx);
	local_irq_save(flags);
	nested_svm_pre_run(ctx);
	local_irq_restore(flags);
	nested_ctx_load(&v->l1);
	preempt_enable();
	v->cur = &v->l1;
	vd_run(v);
}

/* L2 exits to L1. */
void vd_exit(struct vd_vcpu *v)
{
	struct nested_transition tx = {
		.entry = false,
		.shared_tag = !v->cur->tag.hw,
		.flush_syncs_mmu = v->d->p.vendor == VD_SVM,
	};

	KUNIT_ASSERT_NOT_NULL(v->d->test, v->in_l2);
	nested_transition(v->cur, &v->l1, &tx);
	vd_ipi_begin(v->d);
	preempt_disable();
	nested_ctx_load(&v->l1);
	preempt_enable();
	vd_ipi_end(v->d);
	v->cur = &v->l1;
	v->in_l2 = NULL;
	vd_run(v);
}

/* L1 remaps L2 @i and asks for a flush with its next entry. */
void vd_l1_flush(struct vd_vcpu *v, unsigned int i)
{
	v->l2[i].l1_flush = true;
	hwm_invalidate_owner(v->d->m, v->l2[i].owner);
}

/*
 * L1 remaps its own memory and L2 @i's, and leaves the flush of both to
 * its next entry: vmcb12 TLB_CONTROL=1, which flushes every ASID.
 */
void vd_l1_flush_all(struct vd_vcpu *v, unsigned int i)
{
	vd_l1_flush(v, i);
	v->l2[i].l1_flush_all = true;
	hwm_invalidate_owner(v->d->m, v->l1_owner);
}

/*
 * L1, while it runs, invalidates translations of L2 @i's tag: INVLPGA with
 * L2's ASID, or INVVPID with its VPID.  No entry is taking place, so the
 * flush is owed to each cached context that last ran with that tag, as
 * KVM's INVLPGA intercept does for vmcb02.  @request false leaves the flush
 * out, for the cases that check that the model sees the stale entries.
 */
void vd_l1_invalidate(struct vd_vcpu *v, unsigned int i, bool request)
{
	struct nested_pool_entry *e;

	KUNIT_ASSERT_NULL(v->d->test, v->in_l2);
	hwm_invalidate_owner(v->d->m, v->l2[i].owner);
	if (!request)
		return;
	list_for_each_entry(e, &v->pool.lru, lru)
		if (e->ctx->guest_tag == v->l2[i].guest_tag)
			nested_ctx_request_flush(e->ctx);
}

/* L1 gives L2 @i a new tag: a new address space for it. */
void vd_l1_change_tag(struct vd_vcpu *v, unsigned int i)
{
	v->l2[i].guest_tag += VD_MAX_L2;
	hwm_invalidate_owner(v->d->m, v->l2[i].owner);
}

/* L1 VMCLEARs (or stops using) the structure of L2 @i. */
void vd_l1_vmclear(struct vd_vcpu *v, unsigned int i)
{
	vd_ipi_begin(v->d);
	nested_pool_invalidate(&v->pool, v->l2[i].key);
	vd_ipi_end(v->d);
}

/* The L1 VM is torn down and another takes its place: new tag, new guest. */
void vd_l1_retag(struct vd_vcpu *v)
{
	v->l1_owner = ++v->d->next_owner;
	if (!v->d->tags)
		return;
	tlb_tags_free(v->d->tags, &v->l1_tag);
	tlb_tags_alloc(v->d->tags, &v->l1_tag);
	nested_ctx_set_tag(&v->l1, v->d->tags, &v->l1_tag);
}

/* L1 changes a group of state of its vmcb12 for L2 @i (SVM). */
void vd_l1_modify(struct vd_vcpu *v, unsigned int i, unsigned int group)
{
	struct vmcb *vmcb12 = v->l2[i].vmcb12;

	vmcb12->save.cr2++;
	vmcb12->save.dr7++;
	vmcb12->control.clean &= ~BIT(group);
}

/*
 * Move the test, and with it the vCPU, to @cpu and load the vCPU there.
 * Returns false if there is no such CPU.
 */
bool vd_migrate(struct vd_vcpu *v, int cpu)
{
	struct vd *d = v->d;

	if (cpu == raw_smp_processor_id())
		return true;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || !d->anchors)
		return false;
	if (set_cpus_allowed_ptr(current, cpumask_of(cpu)))
		return false;
	vd_load(v);
	return true;
}

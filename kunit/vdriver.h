/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A miniature of KVM's use of the layer, for the backend suites: vCPUs
 * with an L1 context and a pool of L2 contexts, driven through the real
 * backends, whose hardware leaves are redirected onto the hardware model.
 */
#ifndef _NESTED_VDRIVER_H
#define _NESTED_VDRIVER_H

#include <kunit/test.h>
#include <asm/svm.h>

#include <nested/ctx.h>
#include <nested/pool.h>

#include "hwmodel.h"

enum vd_vendor {
	VD_VMX,
	VD_SVM,
};

struct vd_params {
	enum vd_vendor vendor;
	/* SVM: FLUSHBYASID; VMX: INVVPID single-context. */
	bool flush_one;
	/* Size of the tag space: small values exercise exhaustion. */
	u32 nr_tags;
	unsigned int pool_capacity;
};

/* One L2 guest of an L1 vCPU: L1's vmcs12/vmcb12 and what it says. */
struct vd_l2 {
	u64 key;		/* guest-physical address of vmcs12/vmcb12 */
	u32 guest_tag;		/* vmcs12 VPID / vmcb12 ASID */
	bool l1_flush;		/* vmcb12 TLB_CONTROL set for the next entry */
	bool l1_flush_all;	/* ... to FLUSH_ALL_ASID: L1's tag too */
	u64 owner;		/* the model's identity of this guest */
	struct vmcb *vmcb12;	/* SVM: L1's VMCB */
};

#define VD_MAX_L2	8

struct vd_vcpu {
	struct vd *d;
	struct nested_ctx l1;
	struct tlb_tag l1_tag;
	u64 l1_owner;
	struct nested_ctx_pool pool;
	struct nested_ctx *cur;
	struct vd_l2 *in_l2;
	struct vd_l2 l2[VD_MAX_L2];
	unsigned int nr_l2;
};

struct vd_anchor;

struct vd {
	struct kunit *test;
	struct vd_params p;
	struct hwm *m;
	struct tlb_tags *tags;
	u64 next_owner;
	/* Counted by the stubs. */
	unsigned int flushes;
	/* Threads of the test on the other CPUs; see vdriver.c. */
	struct vd_anchor *anchors;
	atomic_t anchors_spinning;
};

struct vd *vd_create(struct kunit *test, const struct vd_params *p);
struct vd_vcpu *vd_vcpu_create(struct vd *d, unsigned int nr_l2);
void vd_load(struct vd_vcpu *v);
void vd_run(struct vd_vcpu *v);
void vd_enter(struct vd_vcpu *v, unsigned int l2);
void vd_enter_fails(struct vd_vcpu *v, unsigned int l2);
void vd_exit(struct vd_vcpu *v);
void vd_l1_flush(struct vd_vcpu *v, unsigned int l2);
void vd_l1_flush_all(struct vd_vcpu *v, unsigned int l2);
void vd_l1_invalidate(struct vd_vcpu *v, unsigned int l2, bool request);
void vd_l1_change_tag(struct vd_vcpu *v, unsigned int l2);
void vd_l1_vmclear(struct vd_vcpu *v, unsigned int l2);
void vd_l1_retag(struct vd_vcpu *v);
void vd_l1_modify(struct vd_vcpu *v, unsigned int i, unsigned int group);
bool vd_migrate(struct vd_vcpu *v, int cpu);

#endif /* _NESTED_VDRIVER_H */

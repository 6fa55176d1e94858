// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware model of VMX and SVM: the nested layer's test oracle.
 */

/**
 * DOC: The hardware model
 *
 * The model holds the state that VMX and SVM hardware keeps about the
 * structures the layer manages, and checks every operation a backend
 * performs on it against the architecture:
 *
 * - VMX (Intel SDM vol. 3C ch. 24-25, 30).  Each VMCS, keyed by physical
 *   address, is active on at most one CPU and is launched or clear; each
 *   CPU has at most one current VMCS.  VMPTRLD of a VMCS active on another
 *   CPU, VMCLEAR on a CPU other than the one it is active on, VMLAUNCH of
 *   a launched VMCS (VM-instruction error 4), VMRESUME of a clear one
 *   (error 5), VMLAUNCH/VMRESUME without a current VMCS, and INVVPID with
 *   an unsupported type or VPID 0 are violations.
 *
 * - SVM (AMD APM vol. 2 §15.15-15.16).  Each VMCB, keyed by physical
 *   address, has a version per clean-bit group, bumped when software
 *   writes the group (hwm_svm_write()) and by the #VMEXIT writeback of the
 *   guest state.  Each CPU may hold a cached copy of several VMCBs, as the
 *   versions it last loaded.  VMRUN with a clean bit set for a group whose
 *   cached copy on this CPU is out of date, or for a VMCB that ran on
 *   another CPU since this CPU cached it, is a violation; so are ASID 0,
 *   a reserved TLB_CONTROL, and TLB_CONTROL 3 or 7 without FLUSHBYASID.
 *
 * - TLB.  Guest runs leave entries tagged (CPU, tag); VPIDs and ASIDs
 *   share one tag space per CPU, so a test drives one vendor per CPU.
 *   Each owner (an L1 vCPU or an L2, a number chosen by the caller) has an
 *   epoch, advanced by each of its runs (the guest may have changed its
 *   mappings and flushed only the CPU it ran on) and by
 *   hwm_invalidate_owner().  A run that could hit entries of another
 *   owner, or entries its owner left before its current epoch, is a
 *   violation; flushes remove entries.  VMX runs with VPID 0 leave none.
 *
 * An instruction that hardware would fail (VMLAUNCH/VMRESUME errors, VMRUN
 * with ASID 0 or a bad TLB_CONTROL) changes nothing and enters no guest,
 * so that one mistake is reported once.  Other violations are reported and
 * the model goes on as hardware would, or, where hardware is undefined, as
 * if the rule had been followed.
 *
 * Each violation is counted, kept as the last message and printed to the
 * test's log (the first 16 after creation or a reset: a broken schedule
 * can produce thousands).  The model never fails a test by itself: tests
 * that provoke violations on purpose check the count, and the others
 * expect zero (hwm_expect_clean()).
 *
 * A backend's leaves drive it in the order hardware sees the instructions:
 * for VMX, hwm_vmx_vmclear() on the old CPU, hwm_vmx_vmptrld(), any
 * hwm_vmx_invvpid(), then hwm_vmx_run() at VM entry; for SVM,
 * hwm_svm_write() for each group software changes, then hwm_svm_vmrun()
 * with the control area as hardware would read it.  Owners should be
 * chosen from the test's own view of whose translations run, not from the
 * layer's tag ownership, or the oracle would inherit what it checks.
 */

/*
 * First: on UML the generic headers reach sysdep/ptrace_64.h, whose HOST_*
 * register macros would rename the VMCS field encodings of <asm/vmx.h>.
 */
#include <asm/vmx.h>

#include <kunit/test.h>
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/hashtable.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include <asm/svm.h>

#include <nested/svm.h>

#include "hwmodel.h"

/* CPUs a test may name even where fewer exist (UML has one). */
#define HWM_MIN_CPUS		4
#define HWM_HASH_BITS		8
#define HWM_MSG_LEN		200
/* Violations one call can produce: a clean-bit and a TLB one for VMRUN. */
#define HWM_MAX_PER_CALL	2
/* Violations printed per model (all are counted), so that logs stay short. */
#define HWM_MAX_PRINTED		16

/* The guest state that #VMEXIT writes back to the VMCB. */
#define HWM_VMEXIT_WRITTEN	(BIT(VMCB_INTR) | BIT(VMCB_CR) | \
				 BIT(VMCB_DR) | BIT(VMCB_DT) | \
				 BIT(VMCB_SEG) | BIT(VMCB_CR2))

/* A VMCS: where it is active, and its launch state. */
struct hwm_vmcs {
	struct hlist_node node;
	u64 pa;
	int active_cpu;
	bool launched;
};

/* What one CPU cached of a VMCB when it last ran it. */
struct hwm_vmcb_cache {
	bool valid;
	u32 asid;
	u64 version[VMCB_NR_GROUPS];
};

/* A VMCB: the version of each group in memory, and each CPU's copy. */
struct hwm_vmcb {
	struct hlist_node node;
	u64 pa;
	int last_cpu;
	u64 version[VMCB_NR_GROUPS];
	struct hwm_vmcb_cache *cache;
};

/*
 * An owner of TLB entries.  @invalidated is the epoch of its last
 * hwm_invalidate_owner() and @last_cpu the CPU it last ran on, for
 * messages only.
 */
struct hwm_owner {
	struct hlist_node node;
	u64 id;
	u64 epoch;
	u64 invalidated;
	int last_cpu;
};

/* The entries of one tag on one CPU: who left them, at which epoch. */
struct hwm_stamp {
	u64 owner;
	u64 epoch;
};

/* A CPU: its current VMCS, and its TLB as a struct hwm_stamp per tag. */
struct hwm_cpu {
	struct hwm_vmcs *current_vmcs;
	struct xarray tlb;
};

struct hwm {
	struct kunit *test;
	bool flushbyasid;
	bool invvpid_single;
	unsigned int nr_cpus;
	spinlock_t lock;	/* protects everything below */
	unsigned int violations;
	unsigned int printed;
	unsigned int flushes;
	char last[HWM_MSG_LEN];
	struct hwm_cpu *cpus;
	DECLARE_HASHTABLE(vmcss, HWM_HASH_BITS);
	DECLARE_HASHTABLE(vmcbs, HWM_HASH_BITS);
	DECLARE_HASHTABLE(owners, HWM_HASH_BITS);
};

/*
 * Messages of one call, printed once the lock is dropped: kunit_err()
 * may allocate for the test's log.
 */
struct hwm_out {
	unsigned int n;
	bool muted;
	char msg[HWM_MAX_PER_CALL][HWM_MSG_LEN];
};

static const char * const hwm_group_names[VMCB_NR_GROUPS] = {
	[VMCB_INTERCEPTS]	= "INTERCEPTS",
	[VMCB_PERM_MAP]		= "PERM_MAP",
	[VMCB_ASID]		= "ASID",
	[VMCB_INTR]		= "INTR",
	[VMCB_NPT]		= "NPT",
	[VMCB_CR]		= "CR",
	[VMCB_DR]		= "DR",
	[VMCB_DT]		= "DT",
	[VMCB_SEG]		= "SEG",
	[VMCB_CR2]		= "CR2",
	[VMCB_LBR]		= "LBR",
	[VMCB_AVIC]		= "AVIC",
};

static __printf(3, 4)
void hwm_report(struct hwm *m, struct hwm_out *out, const char *fmt, ...)
	__must_hold(&m->lock)
{
	va_list args;

	m->violations++;
	va_start(args, fmt);
	vsnprintf(m->last, sizeof(m->last), fmt, args);
	va_end(args);
	if (m->printed >= HWM_MAX_PRINTED || out->n >= HWM_MAX_PER_CALL)
		return;
	strscpy(out->msg[out->n++], m->last, HWM_MSG_LEN);
	out->muted = ++m->printed == HWM_MAX_PRINTED;
}

static void hwm_print(struct hwm *m, const char *msg)
{
	/* The test's log, if it has one, is extended with GFP_KERNEL. */
	if (!m->test->log || preemptible())
		kunit_err(m->test, "hwm: %s\n", msg);
	else
		pr_err(KUNIT_SUBTEST_INDENT "# %s: hwm: %s\n", m->test->name,
		       msg);
}

static void hwm_emit(struct hwm *m, const struct hwm_out *out)
{
	unsigned int i;

	for (i = 0; i < out->n; i++)
		hwm_print(m, out->msg[i]);
	if (out->muted)
		hwm_print(m, "further violations are counted, not printed");
}

static bool hwm_cpu_ok(struct hwm *m, struct hwm_out *out, const char *op,
		       int cpu)
	__must_hold(&m->lock)
{
	if (cpu >= 0 && (unsigned int)cpu < m->nr_cpus)
		return true;
	hwm_report(m, out, "%s on CPU %d: no such CPU (the model has %u)", op,
		   cpu, m->nr_cpus);
	return false;
}

static void hwm_oom(struct hwm *m, struct hwm_out *out)
	__must_hold(&m->lock)
{
	hwm_report(m, out, "out of memory: the model lost track of state");
}

static struct hwm_vmcs *hwm_vmcs_find(struct hwm *m, u64 pa)
	__must_hold(&m->lock)
{
	struct hwm_vmcs *v;

	hash_for_each_possible(m->vmcss, v, node, pa)
		if (v->pa == pa)
			return v;
	return NULL;
}

/* A VMCS the model has not seen yet is clear and active nowhere. */
static struct hwm_vmcs *hwm_vmcs_get(struct hwm *m, struct hwm_out *out,
				     u64 pa)
	__must_hold(&m->lock)
{
	struct hwm_vmcs *v = hwm_vmcs_find(m, pa);

	if (v)
		return v;
	v = kzalloc(sizeof(*v), GFP_ATOMIC);
	if (!v) {
		hwm_oom(m, out);
		return NULL;
	}
	v->pa = pa;
	v->active_cpu = -1;
	hash_add(m->vmcss, &v->node, pa);
	return v;
}

/* A VMCB the model has not seen yet is cached nowhere. */
static struct hwm_vmcb *hwm_vmcb_get(struct hwm *m, struct hwm_out *out,
				     u64 pa)
	__must_hold(&m->lock)
{
	struct hwm_vmcb *b;

	hash_for_each_possible(m->vmcbs, b, node, pa)
		if (b->pa == pa)
			return b;
	b = kzalloc(sizeof(*b), GFP_ATOMIC);
	if (b)
		b->cache = kcalloc(m->nr_cpus, sizeof(*b->cache), GFP_ATOMIC);
	if (!b || !b->cache) {
		kfree(b);
		hwm_oom(m, out);
		return NULL;
	}
	b->pa = pa;
	b->last_cpu = -1;
	hash_add(m->vmcbs, &b->node, pa);
	return b;
}

static struct hwm_owner *hwm_owner_get(struct hwm *m, struct hwm_out *out,
				       u64 id)
	__must_hold(&m->lock)
{
	struct hwm_owner *o;

	hash_for_each_possible(m->owners, o, node, id)
		if (o->id == id)
			return o;
	o = kzalloc(sizeof(*o), GFP_ATOMIC);
	if (!o) {
		hwm_oom(m, out);
		return NULL;
	}
	o->id = id;
	o->last_cpu = -1;
	hash_add(m->owners, &o->node, id);
	return o;
}

/* Drop the entries of @tag on @cpu. */
static void hwm_flush_tag(struct hwm *m, int cpu, u32 tag)
	__must_hold(&m->lock)
{
	kfree(xa_erase(&m->cpus[cpu].tlb, tag));
	m->flushes++;
}

/* Drop the entries of every tag but 0 (the host's) on @cpu. */
static void hwm_flush_cpu(struct hwm *m, int cpu)
	__must_hold(&m->lock)
{
	struct xarray *tlb = &m->cpus[cpu].tlb;
	struct hwm_stamp *s;
	unsigned long tag;

	xa_for_each_start(tlb, tag, s, 1)
		kfree(xa_erase(tlb, tag));
	m->flushes++;
}

/*
 * A guest of @owner runs on @cpu with @tag, after the flush its entry
 * requested: check what it could hit in the TLB, then stamp the tag.
 */
static void hwm_guest_run(struct hwm *m, struct hwm_out *out, int cpu,
			  u32 tag, u64 owner)
	__must_hold(&m->lock)
{
	struct xarray *tlb = &m->cpus[cpu].tlb;
	struct hwm_owner *o;
	struct hwm_stamp *s;

	o = hwm_owner_get(m, out, owner);
	if (!o)
		return;
	s = xa_load(tlb, tag);
	if (s && s->owner != owner)
		hwm_report(m, out,
			   "run of owner %llu on CPU %d could see TLB entries of owner %llu under tag %u: no flush since that owner ran there",
			   owner, cpu, s->owner, tag);
	else if (s && s->epoch < o->invalidated)
		hwm_report(m, out,
			   "run of owner %llu on CPU %d could see stale entries from before an invalidation under tag %u: the owner's flush request did not reach this CPU",
			   owner, cpu, tag);
	else if (s && s->epoch < o->epoch)
		hwm_report(m, out,
			   "run of owner %llu on CPU %d could see stale entries from before an invalidation under tag %u: the owner ran on CPU %d since it left them here",
			   owner, cpu, tag, o->last_cpu);

	o->epoch++;
	o->last_cpu = cpu;
	if (!s) {
		s = kmalloc(sizeof(*s), GFP_ATOMIC);
		if (!s || xa_is_err(xa_store(tlb, tag, s, GFP_ATOMIC))) {
			kfree(s);
			hwm_oom(m, out);
			return;
		}
	}
	s->owner = owner;
	s->epoch = o->epoch;
}

static void hwm_destroy(void *arg)
{
	struct hwm *m = arg;
	struct hlist_node *tmp;
	struct hwm_owner *o;
	struct hwm_stamp *s;
	struct hwm_vmcs *v;
	struct hwm_vmcb *b;
	unsigned long flags, tag;
	unsigned int cpu;
	int bkt;

	spin_lock_irqsave(&m->lock, flags);
	hash_for_each_safe(m->vmcss, bkt, tmp, v, node) {
		hash_del(&v->node);
		kfree(v);
	}
	hash_for_each_safe(m->vmcbs, bkt, tmp, b, node) {
		hash_del(&b->node);
		kfree(b->cache);
		kfree(b);
	}
	hash_for_each_safe(m->owners, bkt, tmp, o, node) {
		hash_del(&o->node);
		kfree(o);
	}
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		xa_for_each(&m->cpus[cpu].tlb, tag, s)
			kfree(s);
		xa_destroy(&m->cpus[cpu].tlb);
	}
	spin_unlock_irqrestore(&m->lock, flags);
}

/**
 * hwm_create() - Create a hardware model for the rest of a test.
 * @test: The test; the model is freed when it ends.
 * @flushbyasid: SVM: the CPU supports TLB_CONTROL 3 and 7 (CPUID
 *	0x8000000A EDX FlushByAsid).
 * @invvpid_single: VMX: the CPU supports INVVPID types 1 and 3.
 *
 * The model starts with no VMCS active or current, no VMCB cached, an
 * empty TLB on every CPU and no violation.  INVVPID types 0 and 2 are
 * always supported.
 *
 * Context: Process context; may sleep.  Asserts on allocation failure.
 * Return: The model, never NULL.
 */
struct hwm *hwm_create(struct kunit *test, bool flushbyasid,
		       bool invvpid_single)
{
	unsigned int cpu;
	struct hwm *m;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->test = test;
	m->flushbyasid = flushbyasid;
	m->invvpid_single = invvpid_single;
	m->nr_cpus = max_t(unsigned int, nr_cpu_ids, HWM_MIN_CPUS);
	spin_lock_init(&m->lock);
	hash_init(m->vmcss);
	hash_init(m->vmcbs);
	hash_init(m->owners);
	m->cpus = kunit_kcalloc(test, m->nr_cpus, sizeof(*m->cpus),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->cpus);
	for (cpu = 0; cpu < m->nr_cpus; cpu++)
		xa_init(&m->cpus[cpu].tlb);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, hwm_destroy, m),
			0);
	return m;
}

/**
 * hwm_nr_cpus() - Number of CPUs the model has.
 * @m: The model.
 *
 * At least nr_cpu_ids, and at least 4 so that tests can model cross-CPU
 * schedules on a machine with one CPU.
 *
 * Context: Any context.
 * Return: CPUs 0 .. hwm_nr_cpus() - 1 are valid arguments.
 */
unsigned int hwm_nr_cpus(const struct hwm *m)
{
	return m->nr_cpus;
}

/**
 * hwm_violations() - Number of violations since creation or the last reset.
 * @m: The model.
 *
 * Context: Any context.
 * Return: The count.
 */
unsigned int hwm_violations(const struct hwm *m)
{
	return READ_ONCE(m->violations);
}

/**
 * hwm_last_violation() - The message of the last violation.
 * @m: The model.
 *
 * Context: Any context; read it when no other CPU is driving the model.
 * Return: The message, "" if there was no violation since creation or the
 * last reset.  It stays valid until the next violation or reset.
 */
const char *hwm_last_violation(const struct hwm *m)
{
	return m->last;
}

/**
 * hwm_reset_violations() - Forget the violations reported so far.
 * @m: The model.
 *
 * The modelled hardware state is left as it is.
 *
 * Context: Any context.
 */
void hwm_reset_violations(struct hwm *m)
{
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	m->violations = 0;
	m->printed = 0;
	m->last[0] = '\0';
	spin_unlock_irqrestore(&m->lock, flags);
}

/**
 * hwm_expect_clean() - Expect no violation, naming the last one if any.
 * @test: The test to fail.
 * @m: The model.
 *
 * Context: The test's own thread.
 */
void hwm_expect_clean(struct kunit *test, const struct hwm *m)
{
	KUNIT_EXPECT_EQ_MSG(test, hwm_violations(m), 0, "last: %s",
			    hwm_last_violation(m));
}

/**
 * hwm_tlb_flushes() - Number of TLB flushes performed.
 * @m: The model.
 *
 * Counts each INVVPID of type 1, 2 or 3 and each VMRUN with TLB_CONTROL 1,
 * 3 or 7 that the model accepted, not the implicit flushes of VPID 0.
 * Not reset by hwm_reset_violations().
 *
 * Context: Any context.
 * Return: The count since the model was created.
 */
unsigned int hwm_tlb_flushes(const struct hwm *m)
{
	return READ_ONCE(m->flushes);
}

static void __hwm_vmx_vmptrld(struct hwm *m, struct hwm_out *out, int cpu,
			      u64 pa)
	__must_hold(&m->lock)
{
	struct hwm_vmcs *v;

	if (!hwm_cpu_ok(m, out, "VMPTRLD", cpu))
		return;
	v = hwm_vmcs_get(m, out, pa);
	if (!v)
		return;
	if (v->active_cpu >= 0 && v->active_cpu != cpu) {
		hwm_report(m, out,
			   "VMCS active on two CPUs: VMPTRLD of VMCS %#llx on CPU %d, still active on CPU %d (no VMCLEAR there)",
			   pa, cpu, v->active_cpu);
		/* Go on as if it had been cleared there, launch state kept. */
		if (m->cpus[v->active_cpu].current_vmcs == v)
			m->cpus[v->active_cpu].current_vmcs = NULL;
	}
	v->active_cpu = cpu;
	m->cpus[cpu].current_vmcs = v;
}

/**
 * hwm_vmx_vmptrld() - VMPTRLD: make a VMCS active and current on a CPU.
 * @m: The model.
 * @cpu: The CPU executing VMPTRLD.
 * @pa: Physical address of the VMCS.
 *
 * A VMCS may be active on one CPU only: loading one that is still active
 * on another CPU (not VMCLEARed there) is a violation, after which the
 * model treats it as moved to @cpu.  A VMCS the model has not seen is
 * clear.  The VMCS that was current on @cpu stays active there.
 *
 * Context: Any context (see the file's header).
 */
void hwm_vmx_vmptrld(struct hwm *m, int cpu, u64 pa)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_vmx_vmptrld(m, &out, cpu, pa);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

static void __hwm_vmx_vmclear(struct hwm *m, struct hwm_out *out, int cpu,
			      u64 pa)
	__must_hold(&m->lock)
{
	struct hwm_vmcs *v;

	if (!hwm_cpu_ok(m, out, "VMCLEAR", cpu))
		return;
	v = hwm_vmcs_get(m, out, pa);
	if (!v)
		return;
	if (v->active_cpu >= 0 && v->active_cpu != cpu) {
		hwm_report(m, out,
			   "VMCLEAR of VMCS %#llx on CPU %d while it is active on CPU %d: its state stays cached there",
			   pa, cpu, v->active_cpu);
		return;
	}
	v->launched = false;
	v->active_cpu = -1;
	if (m->cpus[cpu].current_vmcs == v)
		m->cpus[cpu].current_vmcs = NULL;
}

/**
 * hwm_vmx_vmclear() - VMCLEAR: write a VMCS back and deactivate it.
 * @m: The model.
 * @cpu: The CPU executing VMCLEAR.
 * @pa: Physical address of the VMCS.
 *
 * The VMCS must be active on @cpu or nowhere; VMCLEAR on any other CPU is
 * a violation and changes nothing.  Otherwise its launch state becomes
 * clear and it is neither active nor current anywhere.
 *
 * Context: Any context (see the file's header).
 */
void hwm_vmx_vmclear(struct hwm *m, int cpu, u64 pa)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_vmx_vmclear(m, &out, cpu, pa);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

static void __hwm_vmx_invvpid(struct hwm *m, struct hwm_out *out, int cpu,
			      unsigned long type, u16 vpid)
	__must_hold(&m->lock)
{
	if (!hwm_cpu_ok(m, out, "INVVPID", cpu))
		return;
	switch (type) {
	case VMX_VPID_EXTENT_INDIVIDUAL_ADDR:
		/* One address: the tag's other entries stay. */
		if (!vpid)
			hwm_report(m, out,
				   "INVVPID type %lu of VPID 0 on CPU %d: VPID 0 is the host's",
				   type, cpu);
		break;
	case VMX_VPID_EXTENT_SINGLE_CONTEXT:
	case VMX_VPID_EXTENT_SINGLE_NON_GLOBAL:
		if (!m->invvpid_single)
			hwm_report(m, out,
				   "INVVPID type %lu on CPU %d: single-context INVVPID is not supported",
				   type, cpu);
		else if (!vpid)
			hwm_report(m, out,
				   "INVVPID type %lu of VPID 0 on CPU %d: VPID 0 is the host's",
				   type, cpu);
		else
			hwm_flush_tag(m, cpu, vpid);
		break;
	case VMX_VPID_EXTENT_ALL_CONTEXT:
		hwm_flush_cpu(m, cpu);
		break;
	default:
		hwm_report(m, out, "INVVPID type %lu on CPU %d: no such type",
			   type, cpu);
		break;
	}
}

/**
 * hwm_vmx_invvpid() - INVVPID on a CPU.
 * @m: The model.
 * @cpu: The CPU executing INVVPID.
 * @type: VMX_VPID_EXTENT_INDIVIDUAL_ADDR (0), _SINGLE_CONTEXT (1),
 *	_ALL_CONTEXT (2) or _SINGLE_NON_GLOBAL (3).
 * @vpid: The VPID, for types 0, 1 and 3.
 *
 * Type 0 invalidates one address, so the tag's other entries stay.  Types
 * 1 and 3 drop every entry of @vpid on @cpu; they are violations without
 * single-context support, or for VPID 0.  Type 2 drops every tag but 0 on
 * @cpu.  Type 0 for VPID 0 and any other type are violations.
 *
 * Context: Any context (see the file's header).
 */
void hwm_vmx_invvpid(struct hwm *m, int cpu, unsigned long type, u16 vpid)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_vmx_invvpid(m, &out, cpu, type, vpid);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

static void __hwm_vmx_run(struct hwm *m, struct hwm_out *out, int cpu,
			  bool resume, u16 vpid, u64 owner)
	__must_hold(&m->lock)
{
	const char *insn = resume ? "VMRESUME" : "VMLAUNCH";
	struct hwm_vmcs *v;
	struct hwm_owner *o;

	if (!hwm_cpu_ok(m, out, insn, cpu))
		return;
	v = m->cpus[cpu].current_vmcs;
	if (!v) {
		hwm_report(m, out, "%s on CPU %d with no current VMCS", insn,
			   cpu);
		return;
	}
	if (!resume && v->launched) {
		hwm_report(m, out,
			   "VMLAUNCH of launched VMCS %#llx on CPU %d: VM-instruction error 4",
			   v->pa, cpu);
		return;
	}
	if (resume && !v->launched) {
		hwm_report(m, out,
			   "VMRESUME of clear VMCS %#llx on CPU %d: VM-instruction error 5",
			   v->pa, cpu);
		return;
	}
	v->launched = true;

	if (vpid) {
		hwm_guest_run(m, out, cpu, vpid, owner);
		return;
	}
	/*
	 * VPID disabled: tag 0 is flushed at VM entry and exit, so nothing
	 * is left behind; the guest may still change its mappings.
	 */
	o = hwm_owner_get(m, out, owner);
	if (o) {
		o->epoch++;
		o->last_cpu = cpu;
	}
}

/**
 * hwm_vmx_run() - VMLAUNCH or VMRESUME of the current VMCS, and the guest.
 * @m: The model.
 * @cpu: The CPU entering the guest.
 * @resume: VMRESUME if true, VMLAUNCH if false.
 * @vpid: The VPID of the entry, 0 if VPID is disabled.
 * @owner: Who the guest's translations belong to (L1 vCPU or L2).
 *
 * Without a current VMCS, VMLAUNCH of a launched VMCS (VM-instruction
 * error 4) and VMRESUME of a clear one (error 5) are violations, and no
 * guest runs.  Otherwise the VMCS becomes launched and the guest runs with
 * tag @vpid under the TLB rule.  With @vpid 0 hardware flushes tag 0 at
 * entry and exit: no TLB entry is left or checked, but @owner's entries
 * under other tags are treated as possibly stale.
 *
 * Context: Any context (see the file's header).
 */
void hwm_vmx_run(struct hwm *m, int cpu, bool resume, u16 vpid, u64 owner)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_vmx_run(m, &out, cpu, resume, vpid, owner);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

/**
 * hwm_vmx_active_cpu() - Where a VMCS is active.
 * @m: The model.
 * @pa: Physical address of the VMCS.
 *
 * Context: Any context.
 * Return: The CPU, or -1 if the VMCS is not active anywhere.
 */
int hwm_vmx_active_cpu(struct hwm *m, u64 pa)
{
	struct hwm_vmcs *v;
	unsigned long flags;
	int cpu;

	spin_lock_irqsave(&m->lock, flags);
	v = hwm_vmcs_find(m, pa);
	cpu = v ? v->active_cpu : -1;
	spin_unlock_irqrestore(&m->lock, flags);
	return cpu;
}

/**
 * hwm_vmx_launched() - Whether a VMCS's launch state is "launched".
 * @m: The model.
 * @pa: Physical address of the VMCS.
 *
 * Context: Any context.
 * Return: true if it was launched since it was last cleared.
 */
bool hwm_vmx_launched(struct hwm *m, u64 pa)
{
	struct hwm_vmcs *v;
	unsigned long flags;
	bool launched;

	spin_lock_irqsave(&m->lock, flags);
	v = hwm_vmcs_find(m, pa);
	launched = v && v->launched;
	spin_unlock_irqrestore(&m->lock, flags);
	return launched;
}

/**
 * hwm_vmx_current() - The current VMCS of a CPU.
 * @m: The model.
 * @cpu: The CPU, 0 .. hwm_nr_cpus() - 1.
 * @pa: Set to the physical address of the current VMCS, if there is one.
 *
 * Context: Any context.
 * Return: true if @cpu has a current VMCS.
 */
bool hwm_vmx_current(struct hwm *m, int cpu, u64 *pa)
{
	struct hwm_vmcs *v;
	unsigned long flags;

	if (cpu < 0 || (unsigned int)cpu >= m->nr_cpus)
		return false;
	spin_lock_irqsave(&m->lock, flags);
	v = m->cpus[cpu].current_vmcs;
	if (v)
		*pa = v->pa;
	spin_unlock_irqrestore(&m->lock, flags);
	return v;
}

static void __hwm_svm_write(struct hwm *m, struct hwm_out *out, u64 vmcb_pa,
			    unsigned int group)
	__must_hold(&m->lock)
{
	struct hwm_vmcb *b;

	if (group >= VMCB_NR_GROUPS) {
		hwm_report(m, out,
			   "write of VMCB %#llx group %u: no such clean group",
			   vmcb_pa, group);
		return;
	}
	b = hwm_vmcb_get(m, out, vmcb_pa);
	if (b)
		b->version[group]++;
}

/**
 * hwm_svm_write() - Software changed a clean-bit group of a VMCB.
 * @m: The model.
 * @vmcb_pa: Physical address of the VMCB.
 * @group: The group, an &enum vmcb_clean.
 *
 * Every CPU's cached copy of @group becomes stale: a later VMRUN of the
 * VMCB with @group marked clean is a violation until the group is reloaded
 * (VMRUN with its clean bit clear, or on a CPU without a cached copy).
 * An unknown group is a violation.
 *
 * Context: Any context (see the file's header).
 */
void hwm_svm_write(struct hwm *m, u64 vmcb_pa, unsigned int group)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_svm_write(m, &out, vmcb_pa, group);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

/*
 * Check the clean bits of a VMRUN against what @cpu cached.  A VMCB that
 * ran elsewhere since must come with every clean bit clear, even if the
 * groups marked clean happen to be unchanged: software cannot know that.
 */
static void hwm_svm_check_clean(struct hwm *m, struct hwm_out *out, int cpu,
				struct hwm_vmcb *b,
				const struct vmcb_control_area *ctl)
	__must_hold(&m->lock)
{
	unsigned long clean = ctl->clean & VMCB_ALL_CLEAN_MASK;
	struct hwm_vmcb_cache *c = &b->cache[cpu];
	unsigned long stale = 0;
	unsigned int g;

	/* Nothing cached here: hardware loads every group from memory. */
	if (!clean || !c->valid)
		return;
	for_each_set_bit(g, &clean, VMCB_NR_GROUPS)
		if (c->version[g] != b->version[g])
			stale |= BIT(g);
	if ((clean & BIT(VMCB_ASID)) && c->asid != ctl->asid)
		stale |= BIT(VMCB_ASID);

	if (b->last_cpu != cpu)
		hwm_report(m, out,
			   "VMCB %#llx ran on CPU %d since it was cached here: VMRUN on CPU %d with clean bits %#lx (stale groups %#lx)",
			   b->pa, b->last_cpu, cpu, clean, stale);
	else if (stale)
		hwm_report(m, out,
			   "VMCB %#llx group %s modified but marked clean: VMRUN on CPU %d (stale groups %#lx)",
			   b->pa, hwm_group_names[__ffs(stale)], cpu, stale);
}

static void __hwm_svm_vmrun(struct hwm *m, struct hwm_out *out, int cpu,
			    u64 vmcb_pa, const struct vmcb_control_area *ctl,
			    u64 owner)
	__must_hold(&m->lock)
{
	u8 tlb_ctl = ctl->tlb_ctl;
	u32 asid = ctl->asid;
	struct hwm_vmcb *b;
	unsigned int g;

	if (!hwm_cpu_ok(m, out, "VMRUN", cpu))
		return;
	if (!asid) {
		hwm_report(m, out,
			   "guest run with the host's ASID 0: VMRUN of VMCB %#llx on CPU %d, owner %llu",
			   vmcb_pa, cpu, owner);
		return;
	}
	switch (tlb_ctl) {
	case TLB_CONTROL_DO_NOTHING:
	case TLB_CONTROL_FLUSH_ALL_ASID:
		break;
	case TLB_CONTROL_FLUSH_ASID:
	case TLB_CONTROL_FLUSH_ASID_LOCAL:
		if (m->flushbyasid)
			break;
		hwm_report(m, out,
			   "TLB_CONTROL %u needs FLUSHBYASID: VMRUN of VMCB %#llx on CPU %d",
			   tlb_ctl, vmcb_pa, cpu);
		return;
	default:
		hwm_report(m, out,
			   "TLB_CONTROL %u is reserved: VMRUN of VMCB %#llx on CPU %d",
			   tlb_ctl, vmcb_pa, cpu);
		return;
	}
	b = hwm_vmcb_get(m, out, vmcb_pa);
	if (!b)
		return;

	hwm_svm_check_clean(m, out, cpu, b, ctl);
	/* What this CPU now holds: every group as it is in memory. */
	b->cache[cpu].valid = true;
	b->cache[cpu].asid = asid;

	if (tlb_ctl == TLB_CONTROL_FLUSH_ALL_ASID)
		hwm_flush_cpu(m, cpu);
	else if (tlb_ctl != TLB_CONTROL_DO_NOTHING)
		hwm_flush_tag(m, cpu, asid);
	hwm_guest_run(m, out, cpu, asid, owner);

	/* #VMEXIT: guest state written back; only this CPU knows it. */
	for (g = 0; g < VMCB_NR_GROUPS; g++)
		if (HWM_VMEXIT_WRITTEN & BIT(g))
			b->version[g]++;
	memcpy(b->cache[cpu].version, b->version, sizeof(b->version));
	b->last_cpu = cpu;
}

/**
 * hwm_svm_vmrun() - VMRUN of a VMCB, the guest, and its #VMEXIT.
 * @m: The model.
 * @cpu: The CPU executing VMRUN.
 * @vmcb_pa: Physical address of the VMCB.
 * @ctl: Its control area: asid, tlb_ctl and clean are read.
 * @owner: Who the guest's translations belong to (L1 vCPU or L2).
 *
 * ASID 0, a reserved TLB_CONTROL, and TLB_CONTROL 3 or 7 without
 * FLUSHBYASID are violations, and no guest runs.  Otherwise a clean bit
 * set for a group that @cpu holds an out-of-date copy of (modified since,
 * or the VMCB ran on another CPU since @cpu cached it) is a violation; a
 * changed ASID counts as a modified ASID group even without
 * hwm_svm_write().  Without a cached copy on @cpu every group is loaded
 * and clean bits are ignored.  Then TLB_CONTROL is applied (1: every tag
 * on @cpu; 3 and 7: this ASID), the guest runs with tag @ctl->asid under
 * the TLB rule, and #VMEXIT writes the guest state back (groups INTR, CR,
 * DR, DT, SEG, CR2), which makes other CPUs' copies stale.
 *
 * Context: Any context (see the file's header).
 */
void hwm_svm_vmrun(struct hwm *m, int cpu, u64 vmcb_pa,
		   const struct vmcb_control_area *ctl, u64 owner)
{
	struct hwm_out out = {};
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	__hwm_svm_vmrun(m, &out, cpu, vmcb_pa, ctl, owner);
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

/**
 * hwm_invalidate_owner() - An owner's translations changed and it asked
 *	for a flush.
 * @m: The model.
 * @owner: The owner: a remote flush of an L1 vCPU, L1 remapping its L2
 *	and setting TLB_CONTROL, INVVPID by L1, ...
 *
 * Every TLB entry @owner left on any CPU becomes stale: its next run on a
 * CPU where it left entries is a violation unless that tag is flushed
 * there first.
 *
 * Context: Any context (see the file's header).
 */
void hwm_invalidate_owner(struct hwm *m, u64 owner)
{
	struct hwm_out out = {};
	struct hwm_owner *o;
	unsigned long flags;

	spin_lock_irqsave(&m->lock, flags);
	o = hwm_owner_get(m, &out, owner);
	if (o)
		o->invalidated = ++o->epoch;
	spin_unlock_irqrestore(&m->lock, flags);
	hwm_emit(m, &out);
}

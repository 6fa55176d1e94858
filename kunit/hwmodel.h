/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware model: a software model of the VMX and SVM state that the
 * nested layer manages, used as the test oracle.
 *
 * No test runs on VMX or SVM hardware, so the backends' hardware leaves are
 * redirected into this model, which applies the architectural rules and
 * reports every violation.  It models hardware state only and decides
 * nothing with the layer's own code: it shares no logic with tlbtags/ or
 * core/, so that a bug there cannot hide itself.
 *
 * CPUs are plain numbers, 0 .. hwm_nr_cpus() - 1; a backend passes
 * smp_processor_id().  The model keeps no real per-CPU data, so a test may
 * use CPU numbers as labels and model a cross-CPU schedule on a machine
 * with one CPU.
 *
 * Except hwm_create() and hwm_expect_clean(), which belong to the test's
 * thread, every function may be called in any context that can take a
 * spinlock (with preemption or interrupts disabled, from an IPI), from any
 * CPU, concurrently.  See the DOC section of hwmodel.c for the rules.
 */
#ifndef _NESTED_KUNIT_HWMODEL_H
#define _NESTED_KUNIT_HWMODEL_H

#include <kunit/test.h>
#include <linux/types.h>

struct vmcb_control_area;
struct hwm;

struct hwm *hwm_create(struct kunit *test, bool flushbyasid,
		       bool invvpid_single);
unsigned int hwm_nr_cpus(const struct hwm *m);

unsigned int hwm_violations(const struct hwm *m);
const char *hwm_last_violation(const struct hwm *m);
void hwm_reset_violations(struct hwm *m);
void hwm_expect_clean(struct kunit *test, const struct hwm *m);
unsigned int hwm_tlb_flushes(const struct hwm *m);

void hwm_vmx_vmptrld(struct hwm *m, int cpu, u64 pa);
void hwm_vmx_vmclear(struct hwm *m, int cpu, u64 pa);
void hwm_vmx_invvpid(struct hwm *m, int cpu, unsigned long type, u16 vpid);
void hwm_vmx_run(struct hwm *m, int cpu, bool resume, u16 vpid, u64 owner);
int hwm_vmx_active_cpu(struct hwm *m, u64 pa);
bool hwm_vmx_launched(struct hwm *m, u64 pa);
bool hwm_vmx_current(struct hwm *m, int cpu, u64 *pa);

void hwm_svm_write(struct hwm *m, u64 vmcb_pa, unsigned int group);
void hwm_svm_vmrun(struct hwm *m, int cpu, u64 vmcb_pa,
		   const struct vmcb_control_area *ctl, u64 owner);

void hwm_invalidate_owner(struct hwm *m, u64 owner);

#endif /* _NESTED_KUNIT_HWMODEL_H */

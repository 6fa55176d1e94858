// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized schedules against the hardware model: seeded sequences of
 * L1 runs, nested entries and exits among several L2s, pool eviction, L1
 * flush requests, tag changes and VMCLEARs, VMs replaced (tags freed and
 * reused), a tag space small enough to run out, and, with two CPUs, vCPU
 * migration.  Any violation fails the case and names the seed and step to
 * replay.
 */

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/prandom.h>

#include <nested/svm.h>

#include "vdriver.h"

/* UML runs the long schedules; QEMU adds migration to shorter ones. */
#define RANDOM_STEPS_UP		125000
#define RANDOM_STEPS_SMP	600
#define RANDOM_SEEDS		4

struct random_case {
	enum vd_vendor vendor;
	bool flush_one;
	u64 seed;
};

static struct random_case random_cases[2 * 2 * RANDOM_SEEDS];

static const void *random_gen(const void *prev, char *desc)
{
	const struct random_case *c = prev;

	c = c ? c + 1 : random_cases;
	if (c == random_cases + ARRAY_SIZE(random_cases))
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s%s seed %llu",
		 c->vendor == VD_VMX ? "vmx" : "svm",
		 c->flush_one ? "" : " no-single-flush", c->seed);
	return c;
}

static int random_suite_init(struct kunit_suite *suite)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(random_cases); i++) {
		random_cases[i].vendor = i & 1 ? VD_SVM : VD_VMX;
		random_cases[i].flush_one = !(i & 2);
		random_cases[i].seed = 0x6e65737465640000ULL + i;
	}
	return 0;
}

static unsigned long random_total_steps;

static void random_schedule(struct kunit *test)
{
	const struct random_case *c = test->param_value;
	struct vd_params p = {
		.vendor = c->vendor,
		.flush_one = c->flush_one,
		/* Fewer tags than 3 vCPUs with up to 1 + 3 contexts each. */
		.nr_tags = 7,
		.pool_capacity = 3,
	};
	bool smp = num_online_cpus() > 1;
	unsigned int steps = smp ? RANDOM_STEPS_SMP : RANDOM_STEPS_UP;
	struct rnd_state rnd;
	struct vd_vcpu *v[3];
	unsigned int i, step;
	struct vd *d;

	d = vd_create(test, &p);
	for (i = 0; i < ARRAY_SIZE(v); i++)
		v[i] = vd_vcpu_create(d, 5);
	prandom_seed_state(&rnd, c->seed);

	for (step = 0; step < steps; step++) {
		struct vd_vcpu *x = v[prandom_u32_state(&rnd) % ARRAY_SIZE(v)];
		u32 r = prandom_u32_state(&rnd);
		unsigned int l2 = (r >> 8) % x->nr_l2;

		switch (r % 16) {
		case 0 ... 4:
			vd_run(x);
			break;
		case 5 ... 8:
			if (x->in_l2)
				vd_exit(x);
			else
				vd_enter(x, l2);
			break;
		/* What L1 does, it does while it runs, not L2. */
		case 9:
			if (!x->in_l2)
				vd_l1_flush(x, l2);
			break;
		case 10:
			if (!x->in_l2)
				vd_l1_change_tag(x, l2);
			break;
		case 11:
			if (!x->in_l2)
				vd_l1_vmclear(x, l2);
			break;
		case 12:
			if (!x->in_l2)
				vd_l1_retag(x);
			break;
		case 13:
			if (!x->in_l2)
				vd_l1_modify(x, l2, (r >> 16) %
					     VMCB_NR_GROUPS);
			break;
		default:
			if (smp)
				vd_migrate(x, cpumask_nth((r >> 16) %
							  num_online_cpus(),
							  cpu_online_mask));
			else
				vd_run(x);
			break;
		}
		if (hwm_violations(d->m)) {
			KUNIT_FAIL(test, "seed %llu step %u: %s", c->seed, step,
				   hwm_last_violation(d->m));
			return;
		}
	}
	random_total_steps += steps;
	kunit_info(test, "%u steps, %lu in total so far\n", steps,
		   random_total_steps);
}

static struct kunit_case random_test_cases[] = {
	KUNIT_CASE_PARAM(random_schedule, random_gen),
	{}
};

static struct kunit_suite random_suite = {
	.name = "nested_random",
	.suite_init = random_suite_init,
	.test_cases = random_test_cases,
};

kunit_test_suite(random_suite);

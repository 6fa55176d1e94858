/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vCPU statistics the project's nested selftests count, for SVM and
 * VMX alike: tlb_flush and nested_run, which 6.12 has, and any other by
 * name.
 */
#ifndef SELFTEST_NESTED_STATS_H
#define SELFTEST_NESTED_STATS_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"

struct vcpu_stats {
	int fd;
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs;
	struct kvm_stats_desc *tlb_flush;
	struct kvm_stats_desc *nested_run;
};

/* The statistic @name if the kernel has it, else NULL. */
static inline struct kvm_stats_desc *stats_find_opt(struct vcpu_stats *s,
						    const char *name)
{
	struct kvm_stats_desc *d;
	unsigned int i;

	for (i = 0; i < s->header.num_desc; i++) {
		d = get_stats_descriptor(s->descs, i, &s->header);
		if (!strcmp(d->name, name))
			return d;
	}
	return NULL;
}

/* The statistic @name; the test fails if the kernel lacks it. */
static inline struct kvm_stats_desc *stats_find(struct vcpu_stats *s,
						const char *name)
{
	struct kvm_stats_desc *d = stats_find_opt(s, name);

	TEST_ASSERT(d, "vCPU statistic '%s' not found", name);
	return d;
}

static inline void stats_open(struct vcpu_stats *s, struct kvm_vcpu *vcpu)
{
	s->fd = vcpu_get_stats_fd(vcpu);
	read_stats_header(s->fd, &s->header);
	s->descs = read_stats_descriptors(s->fd, &s->header);
	s->tlb_flush = stats_find(s, "tlb_flush");
	s->nested_run = stats_find(s, "nested_run");
}

static inline u64 stats_read(struct vcpu_stats *s, struct kvm_stats_desc *d)
{
	u64 v;

	read_stat_data(s->fd, &s->header, d, &v, 1);
	return v;
}

static inline void stats_close(struct vcpu_stats *s)
{
	free(s->descs);
	close(s->fd);
}

static inline const char *cpu_mode(bool migrate)
{
	return migrate ? "cpu0<->cpu1" : "cpu0";
}

#endif /* SELFTEST_NESTED_STATS_H */

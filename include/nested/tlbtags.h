/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLB tags: one allocator for VPIDs and ASIDs, with per-CPU ownership.
 */
#ifndef _NESTED_TLBTAGS_H
#define _NESTED_TLBTAGS_H

#include <linux/mutex.h>
#include <linux/types.h>

/* The largest tag a space can hold: VPIDs are 16 bits wide. */
#define TLB_TAGS_MAX		0xffffU

struct tlb_tags;

/**
 * typedef tlb_tags_flush_all_t - Flush every tag of a space on every CPU.
 * @tags: The space whose freed tags are about to be reused.
 *
 * Supplied by spaces whose freed tags must be flushed before reuse (SEV
 * ASIDs).  Called with the space's mutex held, in process context; may
 * sleep.
 */
typedef void (*tlb_tags_flush_all_t)(struct tlb_tags *tags);

/**
 * struct tlb_tag - An allocated TLB tag.
 * @hw: The tag hardware is given (VPID or ASID); 0 means "no tag".
 * @seq: Unique stamp of this allocation.  Tells per-CPU ownership that a
 *	tag number was freed and allocated again since it last ran.
 */
struct tlb_tag {
	u32 hw;
	u64 seq;
};

/**
 * struct tlb_tag_owner - One user of a tag whose TLB entries are private.
 * @id: Never-reused identifier, set by tlb_tag_owner_init().
 * @last_cpu: CPU this owner last entered a guest on with a tag, or -1.
 *
 * An owner is an L1 vCPU or the L2 of a vCPU: several owners may share one
 * tag (all vCPUs of a VM share its ASID), and each must find no entries of
 * another in the TLB.
 */
struct tlb_tag_owner {
	u64 id;
	int last_cpu;
};

/**
 * struct tlb_tags - A space of TLB tags [@min, @max].
 * @lock: Serializes allocation and free.
 * @name: For messages.
 * @min: Lowest tag of the space, at least 1.
 * @max: Highest tag of the space, at most %TLB_TAGS_MAX.
 * @nr_words: Length of @map in longs.
 * @map: One bit per tag (bit 0 is @min): set if allocated or pending.
 *	Padding bits past @max are set.
 * @nonfull: One bit per word of @map: set if the word has a clear bit.
 *	Makes allocation cost independent of occupancy.
 * @pending: Freed tags awaiting a flush before reuse, or NULL if the space
 *	reuses freed tags at once.
 * @nr_pending: Number of bits set in @pending.
 * @flush_all: Called before pending tags are reused, or NULL.
 * @seq: Last allocation stamp handed out.
 * @slots: Per-CPU ownership records, direct-mapped by tag.
 * @slot_mask: Number of slots per CPU, minus one (a power of two).
 *
 * Everything is private to tlbtags/; the layout is public only so that a
 * space can be embedded.
 */
struct tlb_tags {
	struct mutex lock;	/* protects map, nonfull, pending, seq */
	const char *name;
	u32 min;
	u32 max;
	unsigned int nr_words;
	unsigned long *map;
	unsigned long *nonfull;
	unsigned long *pending;
	unsigned int nr_pending;
	tlb_tags_flush_all_t flush_all;
	u64 seq;
	struct tlb_tags_slot __percpu *slots;
	u32 slot_mask;
};

int tlb_tags_init(struct tlb_tags *tags, const char *name, u32 min, u32 max,
		  tlb_tags_flush_all_t flush_all);
void tlb_tags_destroy(struct tlb_tags *tags);
u32 tlb_tags_alloc(struct tlb_tags *tags, struct tlb_tag *tag);
u32 tlb_tags_get(struct tlb_tags *tags, struct tlb_tag *tag);
void tlb_tags_free(struct tlb_tags *tags, struct tlb_tag *tag);
unsigned int tlb_tags_nr_free(struct tlb_tags *tags);

void tlb_tag_owner_init(struct tlb_tag_owner *owner);
bool tlb_tags_needs_flush(const struct tlb_tags *tags,
			  const struct tlb_tag *tag,
			  const struct tlb_tag_owner *owner, int cpu);
void tlb_tags_ran(struct tlb_tags *tags, const struct tlb_tag *tag,
		  struct tlb_tag_owner *owner, int cpu);

#endif /* _NESTED_TLBTAGS_H */

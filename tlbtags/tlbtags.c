// SPDX-License-Identifier: GPL-2.0
/*
 * TLB tags: one allocator for VPIDs and ASIDs, with per-CPU ownership.
 *
 * DOC: TLB tag spaces
 *
 * A space hands out the tags of a range [min, max]: VPIDs 1..65535, or the
 * ASIDs above the SEV range up to CPUID 0x8000000A EBX - 1.  Tag 0 belongs
 * to the host and means "no tag": when a space is exhausted, which a user
 * can cause by creating VMs, allocation returns 0 without complaint and the
 * caller runs on its shared fallback, flushed on every VM-entry (VMX: VPID
 * disabled, hardware flushes on every transition; SVM: an ASID kept out of
 * the space for that purpose).
 *
 * Allocation is first-fit over a bitmap with a one-bit-per-word summary
 * of the words that still have a free tag, so its cost does not grow with
 * occupancy: at most 1024 + 16 words are looked at for 64K tags, and in
 * practice two.
 *
 * A space created with a flush_all callback does not reuse a freed tag at
 * once: the tag waits in a pending set until no clean tag is left, then
 * all pending tags are reclaimed together after one flush_all call (SEV's
 * rule that an ASID must be flushed everywhere before it is reassigned).
 * Other spaces pay one NULL test on free for it.
 *
 * DOC: TLB tag ownership
 *
 * Freeing a tag does not flush anything.  Instead, each CPU records which
 * owner (struct tlb_tag_owner) last entered a guest with each tag, and of
 * which allocation (struct tlb_tag.seq); an entry needs a flush of its tag
 * exactly when that record is not its own: another owner ran the tag here
 * since, the tag was freed and allocated again since, or the owner itself
 * ran on another CPU since it last ran here (invalidations it did there
 * did not reach this CPU's TLB).  The records are direct-mapped per CPU;
 * when two live tags share a slot, the older record is lost and the next
 * entry with it flushes, which is always safe.
 */

#define pr_fmt(fmt) "nested: tlbtags: " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/cleanup.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <kunit/visibility.h>

#include <nested/tlbtags.h>

/* Per CPU and space: 24 KiB, within what the per-CPU allocator grants. */
#define TLB_TAGS_SLOTS		1024

/* Who last entered a guest with a tag on one CPU. */
struct tlb_tags_slot {
	u64 owner;
	u64 seq;
	u32 hw;
};

static atomic64_t tlb_tag_owner_ids = ATOMIC64_INIT(0);

static unsigned int tlb_tags_nbits(const struct tlb_tags *tags)
{
	return tags->max - tags->min + 1;
}

/**
 * tlb_tags_init() - Initialise a space of TLB tags.
 * @tags: The space.
 * @name: For messages; must outlive the space.
 * @min: Lowest tag, at least 1 (0 is the host's).
 * @max: Highest tag, at most %TLB_TAGS_MAX.  A value below the hardware's
 *	limit caps the space, e.g. to make exhaustion testable; @min - 1
 *	makes an empty space, from which every allocation gets the
 *	fallback (no tag is left for it once others took theirs).
 * @flush_all: NULL to reuse freed tags at once; otherwise freed tags are
 *	reused only after this callback has flushed them on every CPU.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EINVAL if the range includes 0, exceeds
 * %TLB_TAGS_MAX or ends below @min - 1; -ENOMEM if memory runs out.
 */
int tlb_tags_init(struct tlb_tags *tags, const char *name, u32 min, u32 max,
		  tlb_tags_flush_all_t flush_all)
{
	unsigned int nbits, pad, nslots;

	if (!min || max < min - 1 || max > TLB_TAGS_MAX)
		return -EINVAL;

	memset(tags, 0, sizeof(*tags));
	tags->name = name;
	tags->min = min;
	tags->max = max;
	tags->flush_all = flush_all;
	nbits = tlb_tags_nbits(tags);
	tags->nr_words = BITS_TO_LONGS(nbits);
	pad = tags->nr_words * BITS_PER_LONG - nbits;

	tags->map = bitmap_zalloc(tags->nr_words * BITS_PER_LONG, GFP_KERNEL);
	tags->nonfull = bitmap_zalloc(tags->nr_words, GFP_KERNEL);
	if (flush_all)
		tags->pending = bitmap_zalloc(tags->nr_words * BITS_PER_LONG,
					      GFP_KERNEL);
	nslots = min_t(unsigned int, roundup_pow_of_two(max + 1),
		       TLB_TAGS_SLOTS);
	tags->slot_mask = nslots - 1;
	tags->slots = __alloc_percpu(nslots * sizeof(struct tlb_tags_slot),
				     __alignof__(struct tlb_tags_slot));
	if (!tags->map || !tags->nonfull || (flush_all && !tags->pending) ||
	    !tags->slots) {
		tlb_tags_destroy(tags);
		return -ENOMEM;
	}

	/* Padding past max is never free. */
	bitmap_set(tags->map, nbits, pad);
	bitmap_fill(tags->nonfull, tags->nr_words);
	mutex_init(&tags->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_init);

/**
 * tlb_tags_destroy() - Free what tlb_tags_init() allocated.
 * @tags: The space; every tag should have been freed.
 *
 * Safe on a space whose initialisation failed part way.
 *
 * Context: Process context.
 */
void tlb_tags_destroy(struct tlb_tags *tags)
{
	free_percpu(tags->slots);
	bitmap_free(tags->pending);
	bitmap_free(tags->nonfull);
	bitmap_free(tags->map);
	tags->slots = NULL;
	tags->pending = NULL;
	tags->nonfull = NULL;
	tags->map = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_destroy);

/* Make pending tags free again, after flushing them everywhere. */
static void tlb_tags_reclaim(struct tlb_tags *tags)
{
	unsigned int w;

	lockdep_assert_held(&tags->lock);

	tags->flush_all(tags);
	/* Whole words: the padding bits of the map must stay set. */
	bitmap_andnot(tags->map, tags->map, tags->pending,
		      tags->nr_words * BITS_PER_LONG);
	bitmap_zero(tags->pending, tags->nr_words * BITS_PER_LONG);
	tags->nr_pending = 0;
	for (w = 0; w < tags->nr_words; w++)
		if (tags->map[w] != ~0UL)
			__set_bit(w, tags->nonfull);
}

/* Allocate @tag with the space's mutex held; see tlb_tags_alloc(). */
static u32 __tlb_tags_alloc(struct tlb_tags *tags, struct tlb_tag *tag)
{
	unsigned int w, bit;
	u32 hw;

	lockdep_assert_held(&tags->lock);

	w = find_first_bit(tags->nonfull, tags->nr_words);
	if (w >= tags->nr_words && tags->nr_pending) {
		tlb_tags_reclaim(tags);
		w = find_first_bit(tags->nonfull, tags->nr_words);
	}
	if (w >= tags->nr_words) {
		tag->hw = 0;
		tag->seq = 0;
		return 0;
	}

	bit = w * BITS_PER_LONG + ffz(tags->map[w]);
	__set_bit(bit, tags->map);
	if (tags->map[w] == ~0UL)
		__clear_bit(w, tags->nonfull);

	hw = tags->min + bit;
	tag->seq = ++tags->seq;
	/*
	 * The stamp before the tag: pairs with smp_load_acquire() in
	 * tlb_tags_get(), whose callers read seq once they see hw without
	 * taking the mutex.
	 */
	smp_store_release(&tag->hw, hw);
	return hw;
}

/**
 * tlb_tags_alloc() - Allocate a tag.
 * @tags: The space.
 * @tag: Filled in: the tag and the stamp of this allocation.
 *
 * When no tag is left, @tag->hw is 0 and the caller must run on its shared
 * fallback, flushed on every VM-entry.  Exhaustion is not an error of the
 * kernel (userspace can cause it) and is not reported.
 *
 * Context: Process context; takes the space's mutex.
 * Return: @tag->hw, which is 0 if the space is exhausted.
 */
u32 tlb_tags_alloc(struct tlb_tags *tags, struct tlb_tag *tag)
{
	guard(mutex)(&tags->lock);
	return __tlb_tags_alloc(tags, tag);
}
EXPORT_SYMBOL_GPL(tlb_tags_alloc);

/**
 * tlb_tags_get() - Allocate a shared tag on first use.
 * @tags: The space.
 * @tag: A tag its users share (all vCPUs of a VM share its ASIDs): hw 0
 *	until it is first allocated, and while the space is exhausted.
 *
 * Allocates @tag if it has no tag yet, so that a tag is taken only once
 * something runs with it, and is taken again by a later call once the
 * space has room after it ran out.  Several users may call it at once;
 * one allocates, the others see its tag.  With a tag, it costs one load.
 *
 * Context: Process context; takes the space's mutex if @tag has no tag.
 * Return: @tag->hw, which is 0 if the space is exhausted.
 */
u32 tlb_tags_get(struct tlb_tags *tags, struct tlb_tag *tag)
{
	/* Pairs with smp_store_release() in __tlb_tags_alloc(). */
	u32 hw = smp_load_acquire(&tag->hw);

	if (hw)
		return hw;
	guard(mutex)(&tags->lock);
	return tag->hw ?: __tlb_tags_alloc(tags, tag);
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_get);

/**
 * tlb_tags_free() - Free a tag.
 * @tags: The space it was allocated from.
 * @tag: The tag; 0 (exhaustion fallback) is accepted and ignored.  Reset
 *	to 0 on return.
 *
 * Nothing is flushed: the next owner to run the tag number on a CPU is
 * told to flush it there by tlb_tags_needs_flush().  Freeing a tag that is
 * outside the space or not allocated is a bug in the caller; it warns once
 * and leaves the space unchanged.
 *
 * Context: Process context; takes the space's mutex.
 */
void tlb_tags_free(struct tlb_tags *tags, struct tlb_tag *tag)
{
	unsigned int bit;

	if (!tag->hw)
		return;
	if (WARN_ON_ONCE(tag->hw < tags->min || tag->hw > tags->max))
		return;
	bit = tag->hw - tags->min;

	scoped_guard(mutex, &tags->lock) {
		if (WARN_ON_ONCE(!test_bit(bit, tags->map)))
			return;
		if (tags->pending) {
			if (WARN_ON_ONCE(test_bit(bit, tags->pending)))
				return;
			__set_bit(bit, tags->pending);
			tags->nr_pending++;
		} else {
			__clear_bit(bit, tags->map);
			__set_bit(bit / BITS_PER_LONG, tags->nonfull);
		}
	}
	tag->hw = 0;
	tag->seq = 0;
}
EXPORT_SYMBOL_GPL(tlb_tags_free);

/**
 * tlb_tags_nr_free() - Count the tags that can still be allocated.
 * @tags: The space.
 *
 * Tags waiting for a flush before reuse count as free: allocation reclaims
 * them when it needs to.
 *
 * Context: Process context; takes the space's mutex.
 * Return: The number of tags tlb_tags_alloc() can still hand out.
 */
unsigned int tlb_tags_nr_free(struct tlb_tags *tags)
{
	guard(mutex)(&tags->lock);
	return tags->nr_words * BITS_PER_LONG -
	       bitmap_weight(tags->map, tags->nr_words * BITS_PER_LONG) +
	       tags->nr_pending;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_nr_free);

/**
 * tlb_tag_owner_init() - Give an owner an identity.
 * @owner: The owner; it has not run on any CPU yet.
 *
 * Identities are never reused, so an owner freed and allocated again at
 * the same address is still a different owner.
 *
 * Context: Any context.
 */
void tlb_tag_owner_init(struct tlb_tag_owner *owner)
{
	owner->id = atomic64_inc_return(&tlb_tag_owner_ids);
	owner->last_cpu = -1;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tag_owner_init);

static struct tlb_tags_slot *tlb_tags_slot(const struct tlb_tags *tags,
					   u32 hw, int cpu)
{
	return per_cpu_ptr(tags->slots, cpu) + (hw & tags->slot_mask);
}

/**
 * tlb_tags_needs_flush() - Whether entering with a tag requires a flush.
 * @tags: The space @tag belongs to.
 * @tag: The tag about to be used; 0 (the fallback) always needs a flush.
 * @owner: Who is about to enter with it.
 * @cpu: The CPU it is about to enter on.
 *
 * O(1), lockless and allocation-free: it reads @cpu's record of the tag.
 *
 * Context: @cpu's records must not change meanwhile: normally @cpu is the
 * current CPU and preemption is disabled.
 * Return: true if another owner or another allocation of the tag ran on
 * @cpu since @owner last did, if @owner ran on another CPU since, or if
 * @owner never ran @tag on @cpu.
 */
bool tlb_tags_needs_flush(const struct tlb_tags *tags,
			  const struct tlb_tag *tag,
			  const struct tlb_tag_owner *owner, int cpu)
{
	const struct tlb_tags_slot *slot;

	if (!tag->hw)
		return true;
	slot = tlb_tags_slot(tags, tag->hw, cpu);
	return slot->hw != tag->hw || slot->seq != tag->seq ||
	       slot->owner != owner->id || owner->last_cpu != cpu;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_needs_flush);

/**
 * tlb_tags_ran() - Record that an owner entered a guest with a tag.
 * @tags: The space @tag belongs to.
 * @tag: The tag it entered with (0: only the CPU is recorded).
 * @owner: The owner.
 * @cpu: The CPU.
 *
 * Context: As tlb_tags_needs_flush().
 */
void tlb_tags_ran(struct tlb_tags *tags, const struct tlb_tag *tag,
		  struct tlb_tag_owner *owner, int cpu)
{
	struct tlb_tags_slot *slot;

	owner->last_cpu = cpu;
	if (!tag->hw)
		return;
	slot = tlb_tags_slot(tags, tag->hw, cpu);
	slot->hw = tag->hw;
	slot->seq = tag->seq;
	slot->owner = owner->id;
}
EXPORT_SYMBOL_IF_KUNIT(tlb_tags_ran);

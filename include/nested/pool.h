/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The L2 context pool: a vCPU's cached L2 contexts (vmcs02s, vmcb02s),
 * keyed by the guest-physical address of L1's vmcs12 or vmcb12.
 */
#ifndef _NESTED_POOL_H
#define _NESTED_POOL_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/types.h>

#include <nested/ctx.h>
#include <nested/tlbtags.h>

/* The most L2 contexts one pool may cache. */
#define NESTED_POOL_MAX_CAPACITY	64

/* log2 of the number of hash buckets: one per entry at full capacity. */
#define NESTED_POOL_HASH_BITS		6

struct nested_ctx_pool;

/**
 * struct nested_pool_entry - One cached L2 context.
 * @ctx: The context; what nested_pool_get() returns.  It lives in what
 *	&nested_pool_ops.alloc allocated.
 * @key: Guest-physical address of the vmcs12 or vmcb12 it caches.
 * @lru: On &nested_ctx_pool.lru, most recently used first.
 * @node: In the bucket of &nested_ctx_pool.hash that @key hashes to.
 * @reserved: Allocated for @key by nested_pool_reserve() and not yet
 *	returned by nested_pool_get(): new to @key, whatever the lookup says.
 */
struct nested_pool_entry {
	struct nested_ctx *ctx;
	u64 key;
	struct list_head lru;
	struct hlist_node node;
	bool reserved;
};

/**
 * struct nested_pool_ops - How a pool makes and unmakes its contexts.
 * @alloc: Allocate a container of the caller's with a context in it, and
 *	the context's control structure, and initialise the context with
 *	nested_ctx_init() (never loaded, not launched, no tag).  Returns the
 *	context, or NULL if memory ran out.  Called in process context with
 *	@gfp.
 * @free: Free what @alloc allocated.  The pool has cleared the context on
 *	the CPU where it was loaded and freed its tag.
 *
 * The caller allocates control structures as it does its others (KVM: a
 * VMCS with its revision identifier, VMCLEARed; a VMCB), and may keep
 * state of its own with each context, as KVM keeps a struct loaded_vmcs
 * around each vmcs02: it finds its container from the
 * context with container_of(), and its vCPU from the pool the same way.
 * The pool never touches the container otherwise.  An evicted context is
 * reused in its container for another key (see nested_pool_get()): what the
 * caller keeps there for the old key is the caller's to redo on a miss.
 */
struct nested_pool_ops {
	struct nested_ctx *(*alloc)(struct nested_ctx_pool *pool, gfp_t gfp);
	void (*free)(struct nested_ctx_pool *pool, struct nested_ctx *ctx);
};

/**
 * struct nested_pool_stats - What a pool's lookups found.
 * @hits: nested_pool_get() calls that found their key.
 * @misses: nested_pool_get() calls that did not, and succeeded: each
 *	returned a context the caller had to prepare from scratch.
 * @evictions: Entries reused for another key by nested_pool_get() to
 *	make room.
 *
 * Counted from nested_pool_init() on and never reset; failed calls count
 * nowhere.
 */
struct nested_pool_stats {
	u64 hits;
	u64 misses;
	u64 evictions;
};

/**
 * struct nested_ctx_pool - A vCPU's cache of L2 contexts.
 * @hash: Every entry, by hash_64() of its key.
 * @lru: Every entry, most recently used first.
 * @nr: Number of entries.
 * @capacity: Most entries the pool holds, 1 to %NESTED_POOL_MAX_CAPACITY.
 * @tags: Space each entry's TLB tag is allocated from, or NULL.
 * @ops: How contexts are allocated and freed, as nested_pool_init() was
 *	given them.
 * @stats: Counters, for the caller to read.
 *
 * Embedded by KVM in its per-vCPU nested state.  All fields but @stats are
 * private to the pool.
 */
struct nested_ctx_pool {
	DECLARE_HASHTABLE(hash, NESTED_POOL_HASH_BITS);
	struct list_head lru;
	unsigned int nr;
	unsigned int capacity;
	struct tlb_tags *tags;
	const struct nested_pool_ops *ops;
	struct nested_pool_stats stats;
};

int nested_pool_init(struct nested_ctx_pool *pool, unsigned int capacity,
		     struct tlb_tags *tags, const struct nested_pool_ops *ops);
void nested_pool_destroy(struct nested_ctx_pool *pool);
struct nested_ctx *nested_pool_get(struct nested_ctx_pool *pool, u64 key,
				   bool *hit);
int nested_pool_reserve(struct nested_ctx_pool *pool, u64 key);
void nested_pool_invalidate(struct nested_ctx_pool *pool, u64 key);

#endif /* _NESTED_POOL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The L2 context pool: cached L2 contexts keyed by L1's vmcs12/vmcb12.
 *
 * DOC: L2 context pool
 *
 * An L1 hypervisor that runs several L2 guests on one vCPU switches between
 * several vmcs12s (VMPTRLD) or vmcb12s (VMRUN with another address).  With
 * one L2 context per vCPU, as in Linux 6.12, every such switch rebuilds the
 * vmcs02 or vmcb02 from scratch and throws away everything hardware cached
 * for it.  The pool keeps up to a capacity of L2 contexts per vCPU, keyed
 * by the guest-physical address of the vmcs12 or vmcb12 they were prepared
 * from, as the vmcs02 pool of the original nested VMX did.
 *
 * Lookup is O(1): a hash table on hash_64() of the key, and a list of the
 * entries, most recently used first.  When a key is missing and the pool
 * is full, the least recently used entry is evicted and reused for the new
 * key: its context is cleared on the CPU it was loaded on (through the
 * core, before anything about it changes), returned to the state of a newly
 * allocated context, and given a new TLB tag, whose first VM-entry flushes.
 * The caller learns from the miss that it must prepare the context from
 * scratch.  The pool never holds more than its capacity of contexts, and
 * it allocates memory only to grow up to it.
 *
 * Each entry has a TLB tag of its own, allocated from the space given to
 * nested_pool_init(), so that L1 and each of its L2s keep their TLB entries
 * across nested transitions.  When the space is exhausted an entry gets the
 * shared fallback (hw 0), which is flushed on every VM-entry: slower, not
 * wrong.  The pool frees the tags it allocated; the caller must not replace
 * them.  Without a space the pool allocates no tags: its contexts start
 * with none (flushed on every VM-entry), and a tag the caller gives one with
 * nested_ctx_set_tag() is the caller's to free.
 *
 * Each context lives in a container of the caller's, which the caller
 * allocates and frees through a &struct nested_pool_ops, with its control
 * structure and its own per-context state (KVM's struct loaded_vmcs around
 * a vmcs02).  The pool decides when a context is allocated, cleared, reused
 * and freed.
 *
 * The pool belongs to one vCPU: KVM embeds it in its per-vCPU nested state
 * and calls it only under the vCPU mutex, so it has no lock of its own.
 * Every call may clear contexts and free them; the caller must not make
 * one while it is running a guest with one of the pool's contexts, and a
 * context the pool returned stays valid only until the next call that may
 * evict or free it.
 */

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include <nested/pool.h>

static bool nested_pool_capacity_valid(unsigned int capacity)
{
	return capacity >= 1 && capacity <= NESTED_POOL_MAX_CAPACITY;
}

static struct hlist_head *nested_pool_bucket(struct nested_ctx_pool *pool,
					     u64 key)
{
	return &pool->hash[hash_64(key, HASH_BITS(pool->hash))];
}

static struct nested_pool_entry *nested_pool_find(struct nested_ctx_pool *pool,
						  u64 key)
{
	struct nested_pool_entry *e;

	hlist_for_each_entry(e, nested_pool_bucket(pool, key), node)
		if (e->key == key)
			return e;
	return NULL;
}

/* A new tag from the pool's space; the first entry with it flushes. */
static void nested_pool_tag_get(struct nested_ctx_pool *pool,
				struct nested_ctx *ctx)
{
	struct tlb_tag tag;

	if (!pool->tags)
		return;
	tlb_tags_alloc(pool->tags, &tag);
	nested_ctx_set_tag(ctx, pool->tags, &tag);
}

static void nested_pool_tag_put(struct nested_ctx_pool *pool,
				struct nested_ctx *ctx)
{
	if (pool->tags)
		tlb_tags_free(pool->tags, &ctx->tag);
}

/* Unlink an entry, clear its context where it is loaded and free it all. */
static void nested_pool_free_entry(struct nested_ctx_pool *pool,
				   struct nested_pool_entry *e)
{
	hash_del(&e->node);
	list_del(&e->lru);
	pool->nr--;
	nested_ctx_clear(e->ctx);
	nested_pool_tag_put(pool, e->ctx);
	pool->ops->free(pool, e->ctx);
	kfree(e);
}

static struct nested_pool_entry *nested_pool_lru(struct nested_ctx_pool *pool)
{
	return list_last_entry(&pool->lru, struct nested_pool_entry, lru);
}

/*
 * Take the least recently used entry for another key.  Its context is
 * cleared on the CPU it was loaded on before anything else happens to it,
 * then returned to the state nested_ctx_init() leaves (never loaded, not
 * launched, no flush owed, no guest tag, a new owner identity) with the
 * control structure kept, and given a new tag.
 */
static struct nested_pool_entry *nested_pool_evict(struct nested_ctx_pool *pool)
{
	struct nested_pool_entry *e = nested_pool_lru(pool);

	hash_del(&e->node);
	nested_ctx_clear(e->ctx);
	nested_pool_tag_put(pool, e->ctx);
	nested_ctx_init(e->ctx);
	nested_pool_tag_get(pool, e->ctx);
	pool->stats.evictions++;
	return e;
}

/* A new entry for @key, most recently used; NULL if memory ran out. */
static struct nested_pool_entry *nested_pool_new_entry(struct nested_ctx_pool *pool,
						       u64 key)
{
	struct nested_pool_entry *e;

	e = kzalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return NULL;
	e->ctx = pool->ops->alloc(pool, GFP_KERNEL_ACCOUNT);
	if (!e->ctx) {
		kfree(e);
		return NULL;
	}
	nested_pool_tag_get(pool, e->ctx);
	list_add(&e->lru, &pool->lru);
	pool->nr++;
	e->key = key;
	hlist_add_head(&e->node, nested_pool_bucket(pool, key));
	return e;
}

/**
 * nested_pool_init() - Initialise an empty pool of the caller's contexts.
 * @pool: The pool, embedded in the vCPU's nested state.
 * @capacity: Most L2 contexts the pool may hold, 1 to
 *	%NESTED_POOL_MAX_CAPACITY.  1 is Linux 6.12's single vmcs02/vmcb02.
 * @tags: Space each entry allocates a TLB tag of its own from, or NULL to
 *	leave tags to the caller.
 * @ops: How to allocate a context, with its control structure, inside a
 *	container of the caller's, and free it.  Must stay valid while the
 *	pool holds contexts.
 *
 * Nothing is allocated until nested_pool_get() needs a context.  On
 * failure @pool is left uninitialised.
 *
 * Context: Any context.  The vCPU mutex, or the vCPU not being visible yet,
 * serializes every call on @pool.
 * Return: 0, or -EINVAL if @capacity is out of range or @ops lacks a member.
 */
int nested_pool_init(struct nested_ctx_pool *pool, unsigned int capacity,
		     struct tlb_tags *tags, const struct nested_pool_ops *ops)
{
	if (!nested_pool_capacity_valid(capacity))
		return -EINVAL;
	if (!ops || !ops->alloc || !ops->free)
		return -EINVAL;

	hash_init(pool->hash);
	INIT_LIST_HEAD(&pool->lru);
	pool->nr = 0;
	pool->capacity = capacity;
	pool->tags = tags;
	pool->ops = ops;
	memset(&pool->stats, 0, sizeof(pool->stats));
	return 0;
}
EXPORT_SYMBOL_GPL(nested_pool_init);

/**
 * nested_pool_get() - Find or make the L2 context for a vmcs12/vmcb12.
 * @pool: The pool.
 * @key: Guest-physical address of the vmcs12 or vmcb12 L1 is entering L2
 *	with.
 * @hit: Set to true if the context was cached: it holds what was prepared
 *	for @key last time.  Set to false if it is new to @key: never loaded,
 *	not launched, with a new TLB tag, and the caller must prepare it from
 *	scratch.  Left unchanged on failure.
 *
 * The context becomes the most recently used.  On a miss with the pool
 * full, the least recently used context is cleared on the CPU it was
 * loaded on and reused for @key; otherwise a new one is allocated.
 * Contexts returned earlier for other keys may be gone when this returns.
 *
 * Context: Process context; may sleep.  Called under the vCPU mutex, not
 * while the vCPU is running a guest with a context of @pool.
 * Return: The context, or ERR_PTR(-ENOMEM) if a new one could not be
 * allocated, in which case the pool is unchanged.
 */
struct nested_ctx *nested_pool_get(struct nested_ctx_pool *pool, u64 key,
				   bool *hit)
{
	struct nested_pool_entry *e;

	might_sleep();

	e = nested_pool_find(pool, key);
	if (e && !e->reserved) {
		list_move(&e->lru, &pool->lru);
		pool->stats.hits++;
		*hit = true;
		return e->ctx;
	}

	if (e) {
		/* Reserved for @key: new to it. */
		e->reserved = false;
		list_move(&e->lru, &pool->lru);
	} else if (pool->nr < pool->capacity) {
		e = nested_pool_new_entry(pool, key);
		if (!e)
			return ERR_PTR(-ENOMEM);
	} else {
		e = nested_pool_evict(pool);
		list_move(&e->lru, &pool->lru);
		e->reserved = false;
		e->key = key;
		hlist_add_head(&e->node, nested_pool_bucket(pool, key));
	}
	pool->stats.misses++;
	*hit = false;
	return e->ctx;
}
EXPORT_SYMBOL_GPL(nested_pool_get);

/**
 * nested_pool_reserve() - Make sure a lookup will not need to allocate.
 * @pool: The pool.
 * @key: The key a later nested_pool_get() will look up.
 *
 * For a caller that must allocate everything before it changes anything
 * (KVM_SET_NESTED_STATE): if @key is not cached and the pool has room, a
 * context is allocated for @key now, which nested_pool_get() then returns
 * as a miss.  If @key is cached, or the pool is full (the lookup would
 * reuse the least recently used context), nothing happens.  Nothing is
 * evicted or cleared, so a context of @pool may be in use meanwhile.
 *
 * Context: Process context; may sleep.  Called under the vCPU mutex.
 * Return: 0, or -ENOMEM with the pool unchanged.
 */
int nested_pool_reserve(struct nested_ctx_pool *pool, u64 key)
{
	struct nested_pool_entry *e;

	might_sleep();

	if (nested_pool_find(pool, key) || pool->nr >= pool->capacity)
		return 0;
	e = nested_pool_new_entry(pool, key);
	if (!e)
		return -ENOMEM;
	/* The least recently used: it has not been used yet. */
	list_move_tail(&e->lru, &pool->lru);
	e->reserved = true;
	return 0;
}
EXPORT_SYMBOL_GPL(nested_pool_reserve);

/**
 * nested_pool_invalidate() - Drop the context cached for a vmcs12/vmcb12.
 * @pool: The pool.
 * @key: Guest-physical address of the structure L1 executed VMCLEAR on,
 *	or stopped using.
 *
 * The context is cleared on the CPU it was loaded on and freed with its
 * tag.  Nothing happens if @key is not cached.
 *
 * Context: Process context; may sleep.  Called under the vCPU mutex, not
 * while the vCPU is running a guest with a context of @pool.
 */
void nested_pool_invalidate(struct nested_ctx_pool *pool, u64 key)
{
	struct nested_pool_entry *e;

	might_sleep();

	e = nested_pool_find(pool, key);
	if (e)
		nested_pool_free_entry(pool, e);
}
EXPORT_SYMBOL_GPL(nested_pool_invalidate);

/**
 * nested_pool_destroy() - Free everything a pool holds.
 * @pool: The pool.
 *
 * For VMXOFF, EFER.SVME cleared and the destruction of the vCPU: each
 * context is cleared on the CPU it was loaded on and freed with its tag.
 * The pool is then empty, with its capacity and counters, and may be used
 * again.
 *
 * Context: Process context; may sleep.  Called under the vCPU mutex, or
 * once the vCPU can no longer run, and not while the vCPU is running a
 * guest with a context of @pool.
 */
void nested_pool_destroy(struct nested_ctx_pool *pool)
{
	struct nested_pool_entry *e, *tmp;

	might_sleep();

	list_for_each_entry_safe(e, tmp, &pool->lru, lru)
		nested_pool_free_entry(pool, e);
}
EXPORT_SYMBOL_GPL(nested_pool_destroy);

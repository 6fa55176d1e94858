// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of the vendor backend.
 *
 * DOC: Vendor registry
 *
 * One backend at a time: kvm-amd and kvm-intel are mutually exclusive, and
 * the core keeps a copy of the registered table so that a backend cannot
 * change it behind the core's back.  Registration checks the table once:
 * a mandatory leaf that is missing is reported by name and refused, so the
 * core never tests mandatory leaves on its paths, and tests only the
 * optional ones (see internal.h).
 */

#define pr_fmt(fmt) "nested: " fmt

#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

struct nested_vendor_ops nested_ops __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(nested_ops);

DEFINE_STATIC_CALL_NULL(nested_op_flush_tag, *nested_ops.flush_tag);
DEFINE_STATIC_CALL_NULL(nested_op_load, *nested_ops.load);
DEFINE_STATIC_CALL_NULL(nested_op_clear, *nested_ops.clear);
DEFINE_STATIC_CALL_NULL(nested_op_emergency_clear, *nested_ops.emergency_clear);
DEFINE_STATIC_CALL_NULL(nested_op_mark_dirty, *nested_ops.mark_dirty);

/* Point each leaf's static call at the leaf of @ops, NULL for none. */
static void nested_ops_update(const struct nested_vendor_ops *ops)
{
	static_call_update(nested_op_flush_tag, ops->flush_tag);
	static_call_update(nested_op_load, ops->load);
	static_call_update(nested_op_clear, ops->clear);
	static_call_update(nested_op_emergency_clear, ops->emergency_clear);
	static_call_update(nested_op_mark_dirty, ops->mark_dirty);
}

static const struct nested_vendor_ops *nested_ops_owner;
static DEFINE_MUTEX(nested_registry_lock);

static int nested_vendor_check(const struct nested_vendor_ops *ops)
{
	const char *missing = NULL;

	if (!ops->name)
		missing = "name";
	else if (!ops->flush_tag)
		missing = "flush_tag";
	else if (ops->clear && !ops->load)
		missing = "load (required by clear)";
	else if (ops->emergency_clear && !ops->clear)
		missing = "clear (required by emergency_clear)";
	else if (!ops->clear && !ops->mark_dirty)
		missing = "clear or mark_dirty (CPU migration)";

	if (missing) {
		pr_err("backend %s lacks %s\n", ops->name ?: "(unnamed)",
		       missing);
		return -EINVAL;
	}
	return 0;
}

/**
 * nested_vendor_register() - Register the vendor backend.
 * @ops: The backend's leaves; copied, so it may be freed afterwards.
 *
 * Context: Process context.  Takes and releases the registry mutex.
 * Return: 0 on success; -EINVAL if @ops lacks a mandatory member (which
 * one is logged); -EEXIST if a backend is already registered.
 */
int nested_vendor_register(const struct nested_vendor_ops *ops)
{
	int ret;

	ret = nested_vendor_check(ops);
	if (ret)
		return ret;

	guard(mutex)(&nested_registry_lock);
	if (nested_ops_owner) {
		pr_err("cannot register %s: %s is registered\n", ops->name,
		       nested_ops.name);
		return -EEXIST;
	}
	nested_ops = *ops;
	nested_ops_update(&nested_ops);
	nested_ops_owner = ops;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nested_vendor_register);

/**
 * nested_vendor_unregister() - Unregister the vendor backend.
 * @ops: The table passed to nested_vendor_register().
 *
 * The caller must have freed every context it created.  Unregistering a
 * table that is not the registered one is a bug in the caller: it warns
 * once and changes nothing.
 *
 * Context: Process context.  Takes and releases the registry mutex.
 */
void nested_vendor_unregister(const struct nested_vendor_ops *ops)
{
	guard(mutex)(&nested_registry_lock);
	if (WARN_ON_ONCE(!ops || ops != nested_ops_owner))
		return;
	memset(&nested_ops, 0, sizeof(nested_ops));
	nested_ops_update(&nested_ops);
	nested_ops_owner = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(nested_vendor_unregister);

/**
 * nested_vendor_registered() - Whether a vendor backend is registered.
 *
 * Context: Any context.
 * Return: true if a backend is registered.
 */
bool nested_vendor_registered(void)
{
	return READ_ONCE(nested_ops_owner);
}
EXPORT_SYMBOL_IF_KUNIT(nested_vendor_registered);

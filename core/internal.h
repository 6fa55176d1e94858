/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the files of the core, not part of the API.
 */
#ifndef _NESTED_CORE_INTERNAL_H
#define _NESTED_CORE_INTERNAL_H

#include <linux/static_call_types.h>

#include <nested/vendor.h>

/*
 * The registered backend's table, copied in at registration: the core
 * reads it to know which optional leaves the backend has.  It calls each
 * leaf through a static call of its own, nested_op_<leaf>, updated at
 * registration as KVM's kvm_ops_update() updates kvm_x86_ops', so that no
 * leaf on the VM-entry path is an indirect call; an optional leaf the
 * backend lacks is a NULL static call, called with static_call_cond().
 * Nothing may call them unless a backend is registered, which holds for
 * as long as a context exists: contexts are created by the backend's
 * users.
 */
extern struct nested_vendor_ops nested_ops;

DECLARE_STATIC_CALL(nested_op_flush_tag, *nested_ops.flush_tag);
DECLARE_STATIC_CALL(nested_op_load, *nested_ops.load);
DECLARE_STATIC_CALL(nested_op_clear, *nested_ops.clear);
DECLARE_STATIC_CALL(nested_op_emergency_clear, *nested_ops.emergency_clear);
DECLARE_STATIC_CALL(nested_op_mark_dirty, *nested_ops.mark_dirty);

void nested_ctx_cpu_lists_init(void);

#endif /* _NESTED_CORE_INTERNAL_H */

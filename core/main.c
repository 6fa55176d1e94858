// SPDX-License-Identifier: GPL-2.0
/*
 * Module glue of the nested layer.
 */

#include <linux/init.h>
#include <linux/module.h>

#include "internal.h"

static int __init nested_init(void)
{
	nested_ctx_cpu_lists_init();
	return 0;
}

/*
 * Built into the kernel, the layer must be ready before KVM's vendor
 * modules register with it at device_initcall time.
 */
subsys_initcall(nested_init);

MODULE_DESCRIPTION("Vendor-neutral nested virtualization layer for KVM x86");
MODULE_LICENSE("GPL");

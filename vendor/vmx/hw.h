/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instruction the backend executes itself, redirectable by KUnit
 * static stubs onto the hardware model.
 */
#ifndef _NESTED_VMX_HW_H
#define _NESTED_VMX_HW_H

#include <linux/types.h>

bool vmx_hw_invvpid(unsigned long type, u16 vpid, u64 gva);

#endif /* _NESTED_VMX_HW_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * INVVPID, the one VMX instruction the backend executes itself, in a
 * function of its own so that tests can redirect it onto the hardware
 * model with KUNIT_STATIC_STUB_REDIRECT().  VMCLEAR and VMPTRLD are the
 * caller's (&struct nested_vmx_insns).  Returns false if the instruction
 * reported VMfail (CF or ZF set).
 */

#include <kunit/static_stub.h>

#include "hw.h"

bool vmx_hw_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct {
		u64 vpid : 16;
		u64 rsvd : 48;
		u64 gva;
	} desc = { vpid, 0, gva };

	KUNIT_STATIC_STUB_REDIRECT(vmx_hw_invvpid, type, vpid, gva);

	asm goto("invvpid %0, %1\n\t"
		 "jna %l[fail]"
		 : : "m" (desc), "r" (type) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * VMX instructions, one function each, so that tests can redirect them
 * onto the hardware model with KUNIT_STATIC_STUB_REDIRECT().  Everything
 * else in the backend is plain C.  Each returns false if the instruction
 * reported VMfail (CF or ZF set).
 */

#include <kunit/static_stub.h>

#include "hw.h"

bool vmx_hw_vmclear(u64 pa)
{
	KUNIT_STATIC_STUB_REDIRECT(vmx_hw_vmclear, pa);

	asm goto("vmclear %0\n\t"
		 "jna %l[fail]"
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

bool vmx_hw_vmptrld(u64 pa)
{
	KUNIT_STATIC_STUB_REDIRECT(vmx_hw_vmptrld, pa);

	asm goto("vmptrld %0\n\t"
		 "jna %l[fail]"
		 : : "m" (pa) : "cc", "memory" : fail);
	return true;
fail:
	return false;
}

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

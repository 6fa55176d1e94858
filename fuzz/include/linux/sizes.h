/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: the sizes the layer uses. */
#ifndef _FUZZ_LINUX_SIZES_H
#define _FUZZ_LINUX_SIZES_H

#define SZ_4K		0x00001000
#define SZ_64K		0x00010000

#endif /* _FUZZ_LINUX_SIZES_H */

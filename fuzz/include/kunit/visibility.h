/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: scripts/fuzz.sh defines EXPORT_SYMBOL_IF_KUNIT() on the
 * command line, as it does EXPORT_SYMBOL_GPL().
 */
#ifndef _FUZZ_KUNIT_VISIBILITY_H
#define _FUZZ_KUNIT_VISIBILITY_H

#endif /* _FUZZ_KUNIT_VISIBILITY_H */

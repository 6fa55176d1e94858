/* SPDX-License-Identifier: GPL-2.0 */
/* Shim of <kunit/visibility.h> for the fuzz build: no modules, no KUnit. */
#ifndef _FUZZ_KUNIT_VISIBILITY_H
#define _FUZZ_KUNIT_VISIBILITY_H

#define EXPORT_SYMBOL_IF_KUNIT(symbol)

#endif

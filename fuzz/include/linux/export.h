/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: exports are plain external symbols; scripts/fuzz.sh
 * defines the export macro on the command line as an empty declaration.
 */
#ifndef _FUZZ_LINUX_EXPORT_H
#define _FUZZ_LINUX_EXPORT_H

#endif /* _FUZZ_LINUX_EXPORT_H */

// SPDX-License-Identifier: GPL-2.0
/* The failure path shared by the fuzz targets. */

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, cond);
	abort();
}

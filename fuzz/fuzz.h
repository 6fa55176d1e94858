/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz targets share: the libFuzzer entry point, a check that
 * turns a broken property into a finding, and the vCPU facts a legacy
 * input starts with.
 */
#ifndef _NESTED_FUZZ_H
#define _NESTED_FUZZ_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/string.h>
#include <asm/msr-index.h>

#include <nested/state.h>

/* Filled into a destination that a rejected input must not touch. */
#define FUZZ_PATTERN	0xa5

/* Size of the vCPU facts in front of a legacy input. */
#define FUZZ_CTX_SIZE	8

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fuzz_fail(__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

void fuzz_fail(const char *file, int line, const char *cond);
/*
 * The libFuzzer entry point of a target; scripts/fuzz.sh gives it the
 * name libFuzzer expects with -D.
 */
int fuzz_one_input(const u8 *data, size_t size);

static inline bool fuzz_mem_is(const void *p, u8 byte, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != byte)
			return false;
	return true;
}

/* Bits of the second context byte. */
#define FUZZ_CTX_SMM		BIT(0)
#define FUZZ_CTX_SMM_GUEST	BIT(1)
#define FUZZ_CTX_VMX		BIT(2)
#define FUZZ_CTX_EVMCS		BIT(3)
#define FUZZ_CTX_NPT		BIT(4)
#define FUZZ_CTX_NO_L2		BIT(5)
#define FUZZ_CTX_SVME		BIT(6)

/*
 * The vCPU facts of a legacy input, from its first FUZZ_CTX_SIZE bytes:
 * byte 0 MAXPHYADDR (mod 65), byte 1 the FUZZ_CTX_* bits.
 */
static inline void fuzz_ctx(const u8 *data, struct nested_legacy_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->maxphyaddr = data[0] % 65;
	ctx->smm = data[1] & FUZZ_CTX_SMM;
	ctx->smm_guest_mode = data[1] & FUZZ_CTX_SMM_GUEST;
	ctx->vmx = data[1] & FUZZ_CTX_VMX;
	ctx->evmcs = data[1] & FUZZ_CTX_EVMCS;
	ctx->npt = data[1] & FUZZ_CTX_NPT;
	ctx->efer = EFER_LME | ((data[1] & FUZZ_CTX_SVME) ? EFER_SVME : 0);
}

#endif /* _NESTED_FUZZ_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Write the seed corpus of the fuzz targets: valid containers and legacy
 * blobs made by the layer's own encoders and converters, in
 * DIR/container_svm, DIR/container_vmx, DIR/legacy_svm and DIR/legacy_vmx.
 *
 * Usage: seeds DIR
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <linux/unaligned.h>
#include <asm/processor-flags.h>
#include <asm/svm.h>

#include "fuzz.h"

static const char *dir;
static u8 buf[NESTED_STATE_MAX_SIZE];

static void put(const char *target, int n, const void *a, size_t alen,
		const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%02d", dir, target, n);
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, alen, f) != alen ||
	    (blen && fwrite(b, 1, blen, f) != blen) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "seeds: %s: %d\n", what, ret);
		exit(1);
	}
}

/* A save area that passes 6.12's checks of L1's and L2's. */
static void valid_save(struct vmcb_save_area *save, u64 cr3)
{
	memset(save, 0, sizeof(*save));
	save->efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_SCE | EFER_NX;
	save->cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_ET | X86_CR0_WP;
	save->cr3 = cr3;
	save->cr4 = X86_CR4_PAE | X86_CR4_PGE;
	save->dr6 = 0xffff0ff0;
	save->dr7 = 0x400;
	save->rflags = X86_EFLAGS_FIXED;
	save->cs.attrib = SVM_SELECTOR_L_MASK | SVM_SELECTOR_P_MASK;
	save->rip = 0xffffffff81000000ULL;
}

static void seeds_svm(void)
{
	static struct nested_svm_state s;
	struct vmcb_control_area *ctl = (void *)s.vmcb12;
	u8 ctx[FUZZ_CTX_SIZE] = { 48, FUZZ_CTX_NPT | FUZZ_CTX_SVME };
	u8 prefix[FUZZ_CTX_SIZE + sizeof(struct vmcb_save_area)];
	struct nested_legacy_ctx lctx;
	struct vmcb_save_area l2;
	int n = 0, i;
	size_t len;

	for (i = 0; i < 6; i++) {
		memset(&s, 0, sizeof(s));
		s.flags = i & 1 ? NESTED_SVM_F_GIF : 0;
		if (i == 2)
			s.flags |= NESTED_SVM_F_SMM | NESTED_SVM_F_SMM_GUEST_MODE;
		if (i >= 3) {
			s.flags |= NESTED_SVM_F_GUEST_MODE;
			if (i == 5)
				s.flags |= NESTED_SVM_F_RUN_PENDING;
			valid_save(&s.l1_save, 0x5000);
			s.l1_cr0 = s.l1_save.cr0;
			s.l1_cr3 = s.l1_save.cr3;
			s.l1_cr4 = s.l1_save.cr4;
			s.l1_efer = s.l1_save.efer;
			s.vmcb12_pa = 0x3000 + 0x1000 * i;
			ctl->intercepts[INTERCEPT_VMRUN / 32] |=
				BIT(INTERCEPT_VMRUN % 32);
			ctl->asid = i;
			ctl->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
			ctl->nested_cr3 = 0x7000;
			ctl->msrpm_base_pa = 0x10000;
			ctl->iopm_base_pa = 0x20000;
			valid_save(&l2, 0x9000);
			memcpy(s.vmcb12 + 0x400, &l2, sizeof(l2));
		}
		check(nested_svm_state_encode(&s, buf, sizeof(buf), &len),
		      "svm encode");
		put("container_svm", n, buf, len, NULL, 0);
		check(nested_svm_state_to_legacy(&s, buf, sizeof(buf), &len),
		      "svm to legacy");
		if (s.flags & NESTED_SVM_F_SMM)
			ctx[1] |= FUZZ_CTX_SMM | FUZZ_CTX_SMM_GUEST;
		else
			ctx[1] &= ~(FUZZ_CTX_SMM | FUZZ_CTX_SMM_GUEST);
		memcpy(prefix, ctx, sizeof(ctx));
		valid_save(&l2, 0x9000);
		memcpy(prefix + sizeof(ctx), &l2, sizeof(l2));
		put("legacy_svm", n, prefix, sizeof(prefix), buf, len);
		fuzz_ctx(ctx, &lctx);
		check(nested_svm_state_from_legacy(buf, len, &lctx, &l2, &s),
		      "svm from legacy");
		n++;
	}
}

static void seeds_vmx(void)
{
	static struct nested_vmx_state s;
	u8 ctx[FUZZ_CTX_SIZE] = { 48, FUZZ_CTX_VMX | FUZZ_CTX_EVMCS };
	struct nested_legacy_ctx lctx;
	int n = 0, i;
	size_t len;

	for (i = 0; i < 8; i++) {
		memset(&s, 0, sizeof(s));
		s.vmxon_pa = i ? 0x1000 : NESTED_STATE_INVALID_GPA;
		s.vmcs12_pa = i >= 2 && i != 6 ? 0x2000 :
			      NESTED_STATE_INVALID_GPA;
		if (i == 6)
			s.flags |= NESTED_VMX_F_EVMCS;
		if (i == 3)
			s.flags |= NESTED_VMX_F_SMM_VMXON |
				   NESTED_VMX_F_SMM_GUEST_MODE;
		if (i >= 4)
			s.flags |= NESTED_VMX_F_GUEST_MODE;
		if (i == 5) {
			s.flags |= NESTED_VMX_F_RUN_PENDING |
				   NESTED_VMX_F_MTF_PENDING;
			s.has_preemption_timer_deadline = true;
			s.preemption_timer_deadline = 0x123456789ULL;
		}
		/* KVM's vmcs12 revision, and shadowing with a valid link. */
		put_unaligned_le32(0x11e57ed0, s.vmcs12);
		if (i == 7) {
			put_unaligned_le32(BIT(31), s.vmcs12 + 748);
			put_unaligned_le32(BIT(14), s.vmcs12 + 804);
			put_unaligned_le64(0x3000, s.vmcs12 + 176);
			put_unaligned_le32(0x11e57ed0 | BIT(31),
					   s.shadow_vmcs12);
			s.has_shadow_vmcs12 = true;
		} else {
			put_unaligned_le64(NESTED_STATE_INVALID_GPA,
					   s.vmcs12 + 176);
		}
		check(nested_vmx_state_encode(&s, buf, sizeof(buf), &len),
		      "vmx encode");
		put("container_vmx", n, buf, len, NULL, 0);
		check(nested_vmx_state_to_legacy(&s, buf, sizeof(buf), &len),
		      "vmx to legacy");
		if (s.flags & NESTED_VMX_F_SMM_VMXON)
			ctx[1] |= FUZZ_CTX_SMM;
		else
			ctx[1] &= ~FUZZ_CTX_SMM;
		put("legacy_vmx", n, ctx, sizeof(ctx), buf, len);
		fuzz_ctx(ctx, &lctx);
		check(nested_vmx_state_from_legacy(buf, len, &lctx, &s),
		      "vmx from legacy");
		n++;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	seeds_svm();
	seeds_vmx();
	return 0;
}

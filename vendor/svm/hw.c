// SPDX-License-Identifier: GPL-2.0
/*
 * Writes of the VMCB fields the processor reads at VMRUN: the ASID,
 * TLB_CONTROL, the clean field, and each clean-bit group of state.  One
 * function each, redirectable with KUNIT_STATIC_STUB_REDIRECT() so that
 * the hardware model sees every change software makes.
 */

#include <kunit/static_stub.h>
#include <linux/string.h>
#include <asm/svm.h>

#include <nested/svm.h>

#include "hw.h"

void svm_hw_set_asid(struct vmcb *vmcb, u32 asid)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_hw_set_asid, vmcb, asid);
	vmcb->control.asid = asid;
}

void svm_hw_set_tlb_ctl(struct vmcb *vmcb, u8 tlb_ctl)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_hw_set_tlb_ctl, vmcb, tlb_ctl);
	vmcb->control.tlb_ctl = tlb_ctl;
}

void svm_hw_set_clean(struct vmcb *vmcb, u32 clean)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_hw_set_clean, vmcb, clean);
	vmcb->control.clean = clean;
}

void svm_hw_copy_group(struct vmcb *dst, const struct vmcb *src,
		       unsigned int group)
{
	KUNIT_STATIC_STUB_REDIRECT(svm_hw_copy_group, dst, src, group);
	__svm_hw_copy_group(dst, src, group);
}

/* Copy the fields of one clean-bit group, as listed in the APM. */
void __svm_hw_copy_group(struct vmcb *dst, const struct vmcb *src,
			 unsigned int group)
{
	struct vmcb_control_area *dc = &dst->control;
	const struct vmcb_control_area *sc = &src->control;
	struct vmcb_save_area *ds = &dst->save;
	const struct vmcb_save_area *ss = &src->save;

	switch (group) {
	case VMCB_INTERCEPTS:
		memcpy(dc->intercepts, sc->intercepts, sizeof(dc->intercepts));
		dc->pause_filter_thresh = sc->pause_filter_thresh;
		dc->pause_filter_count = sc->pause_filter_count;
		dc->tsc_offset = sc->tsc_offset;
		break;
	case VMCB_PERM_MAP:
		dc->iopm_base_pa = sc->iopm_base_pa;
		dc->msrpm_base_pa = sc->msrpm_base_pa;
		break;
	case VMCB_ASID:
		dc->asid = sc->asid;
		break;
	case VMCB_INTR:
		dc->int_ctl = sc->int_ctl;
		dc->int_vector = sc->int_vector;
		break;
	case VMCB_NPT:
		dc->nested_ctl = sc->nested_ctl;
		dc->nested_cr3 = sc->nested_cr3;
		ds->g_pat = ss->g_pat;
		break;
	case VMCB_CR:
		ds->cr0 = ss->cr0;
		ds->cr3 = ss->cr3;
		ds->cr4 = ss->cr4;
		ds->efer = ss->efer;
		break;
	case VMCB_DR:
		ds->dr6 = ss->dr6;
		ds->dr7 = ss->dr7;
		break;
	case VMCB_DT:
		ds->gdtr = ss->gdtr;
		ds->idtr = ss->idtr;
		break;
	case VMCB_SEG:
		ds->cs = ss->cs;
		ds->ds = ss->ds;
		ds->ss = ss->ss;
		ds->es = ss->es;
		ds->cpl = ss->cpl;
		break;
	case VMCB_CR2:
		ds->cr2 = ss->cr2;
		break;
	case VMCB_LBR:
		ds->dbgctl = ss->dbgctl;
		ds->br_from = ss->br_from;
		ds->br_to = ss->br_to;
		ds->last_excp_from = ss->last_excp_from;
		ds->last_excp_to = ss->last_excp_to;
		break;
	case VMCB_AVIC:
		dc->avic_backing_page = sc->avic_backing_page;
		dc->avic_logical_id = sc->avic_logical_id;
		dc->avic_physical_id = sc->avic_physical_id;
		break;
	}
}

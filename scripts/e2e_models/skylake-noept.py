# SPDX-License-Identifier: GPL-2.0
#
# Bochs 2.7's Skylake-X with kvm_intel.ept=0: L1 runs on KVM's shadow
# MMU, and nested VMX takes its paths without nested EPT (shadow paging
# of L2, INVVPID and INVLPG emulation, CR3 exits, no unrestricted guest).
# And kvm_intel.nested_vmcs02_pool=4: a vmcs02 per vmcs12, up to four,
# so that L1 rotating among more vmcs12s (vmx_nested_rotate_test, K=8)
# evicts.  The stock kernel has no such parameter and ignores it.
# Everything else is the skylake model's.

import dataclasses
import os

from e2e_model import load_model

_SKYLAKE = load_model('skylake', os.path.dirname(os.path.abspath(__file__)))

MODEL = dataclasses.replace(
    _SKYLAKE, name='skylake-noept',
    append=_SKYLAKE.append + ' kvm_intel.ept=0 kvm_intel.nested_vmcs02_pool=4',
    expect={**_SKYLAKE.expect, 'kvm_intel.ept': 'N',
            'kvm_intel.unrestricted_guest': 'N'})

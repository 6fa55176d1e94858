# SPDX-License-Identifier: GPL-2.0
#
# Bochs 2.7's Skylake-X: nested VMX with EPT, VPID, unrestricted guest,
# VMCS shadowing and PML, with kvm_intel's defaults.

from e2e_model import Model

# One CPU: two boot and pass, but 3-6 times slower.  "ips" is how many
# instructions make one second of guest time ("clock: sync=none"): the
# guest's clock, its timer ticks and its UART all run at that rate.
# ignore_bad_msrs: the guest kernel's early RDMSR 0x1a0 would otherwise
# triple-fault.  Bochs's CPUID makes two boot-time WARNINGs that are not
# KVM's (topology_common.c parse_legacy, xstate.c's XSAVE check):
# "boot_noise" lets them pass outside the tests, nowhere else.
# e2e.clocksource=tsc: init waits for the "tsc" clocksource, which
# vmx_nested_tsc_scaling_test needs and which the kernel registers only
# after its refined TSC calibration.  noxsave: Bochs's CPUID leaf 0xD
# gives an XSAVE area of 2432 bytes where the features it reports need
# 2688 (the xstate.c WARNING); the kernel then sizes a guest's FPU state
# by one and initialises it by the other, which KASAN (make e2e
# SANITIZE=1) reports as an out-of-bounds write in fpstate_init_user()
# at every vCPU creation.  Without XSAVE the host uses FXSAVE's fixed
# 512 bytes.  kvm_intel.pml=0: Bochs logs in the PML buffer the exact
# guest-physical address of a write, where the SDM clears bits 11:0, and
# vmx_flush_pml_buffer() WARNs on each such entry (nested_state_fuzz_test
# turns dirty logging on while L1 writes its stack); KVM then logs dirty
# pages by write protection instead.

MODEL = Model(name='skylake', vendor='intel', emulator='bochs',
              cpu='corei7_skylake_x', smp=1, mem='2G', ips=20000000,
              time_scale=15, idle=900,
              append='kvm_intel.nested=1 e2e.clocksource=tsc noxsave '
                     'kvm_intel.pml=0',
              boot_noise=[r'WARNING: .* at arch/x86/kernel/cpu/topology_common\.c',
                          r'WARNING: .* at arch/x86/kernel/fpu/xstate\.c'],
              expect={'vmx': 1, 'ept': 1, 'vpid': 1,
                      'kvm_intel.nested': 'Y', 'kvm_intel.ept': 'Y',
                      'kvm_intel.vpid': 'Y',
                      'kvm_intel.unrestricted_guest': 'Y',
                      'kvm_intel.enable_shadow_vmcs': 'Y',
                      'kvm_intel.pml': 'N'})

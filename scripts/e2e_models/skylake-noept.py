# SPDX-License-Identifier: GPL-2.0
#
# Bochs 2.7's Skylake-X with kvm_intel.ept=0: L1 runs on KVM's shadow
# MMU, and nested VMX takes its paths without nested EPT (shadow paging
# of L2, INVVPID and INVLPG emulation, CR3 exits, no unrestricted guest).

from e2e_model import Model

MODEL = Model(name='skylake-noept', vendor='intel', emulator='bochs',
              cpu='corei7_skylake_x', smp=1, mem='2G', ips=20000000,
              time_scale=15, idle=900,
              append='kvm_intel.nested=1 kvm_intel.ept=0 e2e.clocksource=tsc',
              boot_noise=[r'WARNING: .* at arch/x86/kernel/cpu/topology_common\.c',
                          r'WARNING: .* at arch/x86/kernel/fpu/xstate\.c'],
              expect={'vmx': 1, 'ept': 1, 'vpid': 1,
                      'kvm_intel.nested': 'Y', 'kvm_intel.ept': 'N',
                      'kvm_intel.vpid': 'Y',
                      'kvm_intel.unrestricted_guest': 'N',
                      'kvm_intel.enable_shadow_vmcs': 'Y'})

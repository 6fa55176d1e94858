# SPDX-License-Identifier: GPL-2.0
#
# QEMU 7.2's TCG EPYC: nested SVM without vGIF.

from e2e_model import Model

# 4G and not 2G: max_guest_memory_test fills a 2G memslot, and with 2G
# the RAM below the PCI hole ends in a partial 64-page chunk of the idle
# page bitmap, which access_tracking_perf_test cannot read.  "svm" and
# "vgif" are CPU flags the guest's /proc/cpuinfo must (1) or must not
# (0) show.

MODEL = Model(name='EPYC', vendor='amd', emulator='qemu', cpu='EPYC',
              smp=2, mem='4G', append='kvm_amd.nested=1',
              expect={'svm': 1, 'vgif': 0})

# SPDX-License-Identifier: GPL-2.0
#
# Two roles in one file:
#  - inside a kernel build (in tree as drivers/nested/, or out of tree with
#    "make -C $KDIR M=$PWD"), it is the Kbuild file of the layer;
#  - run directly, it holds the developer targets (see "make help").

ifneq ($(KERNELRELEASE),)

subdir-ccflags-y += -I$(src)/include

obj-$(CONFIG_NESTED)		+= nested.o
nested-y			:= core/main.o core/registry.o core/ctx.o \
				   core/policy.o core/pool.o core/state.o \
				   tlbtags/tlbtags.o
nested-$(CONFIG_NESTED_SVM)	+= vendor/svm/svm.o vendor/svm/hw.o \
				   vendor/svm/state.o
nested-$(CONFIG_NESTED_VMX)	+= vendor/vmx/vmx.o vendor/vmx/hw.o \
				   vendor/vmx/state.o
obj-$(CONFIG_NESTED_KUNIT_TEST)	+= kunit/

else

KDIR	?= /lib/modules/$(shell uname -r)/build
SUITE	?=

.PHONY: help modules kunit kunit-x86 lint check bench mutants fuzz fuzz-smoke \
	clean

help:
	@echo 'Targets:'
	@echo '  check      the test command: lint, kunit, kunit-x86, one summary line'
	@echo '  kunit      KUnit suites on UML (SUITE=glob to pick suites)'
	@echo '  kunit-x86  KUnit suites on x86_64 under QEMU, 2 vCPUs'
	@echo '  lint       checkpatch --strict, kernel-doc -Wall, W=1 and sparse'
	@echo '  bench      benchmark suites on UML, without lock debugging'
	@echo '  mutants    apply each mutant of scripts/mutants.txt, expect a failing test'
	@echo '  fuzz       libFuzzer+ASan+UBSan on the nested state parsers, FUZZ_TIME=600 s per target'
	@echo '  fuzz-smoke the same, FUZZ_SMOKE_TIME=5 s per target'
	@echo '  modules    out-of-tree build against KDIR=$(KDIR)'

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_NESTED=m \
		CONFIG_NESTED_SVM=y CONFIG_NESTED_VMX=y modules

kunit:
	scripts/kunit.sh um $(SUITE)

kunit-x86:
	scripts/kunit.sh x86_64 $(SUITE)

lint:
	scripts/lint.sh

bench:
	BENCH=1 scripts/kunit.sh um $(SUITE)

mutants:
	scripts/mutants.sh $(MUTANT)

fuzz:
	scripts/fuzz.sh full $(TARGET)

fuzz-smoke:
	scripts/fuzz.sh smoke $(TARGET)

check:
	scripts/check.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

endif

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
KERNEL	?= layer
TESTS	?=
QUICK	?= 0
CPUS	?=
SANITIZE ?= 0

RUNS	?= 5
ROUND_TRIPS ?= 100000
VCPUS	?= 1
PIN	?= 0

SEQS	?= 10000
SEED	?= 1
FUZZ_LIMIT ?= 3600
FUZZ_SANITIZE ?= 1

.PHONY: help modules kunit kunit-x86 lint check bench mutants e2e e2e-build \
	e2e-bench e2e-coverage e2e-fuzz e2e-mutants e2e-tool kvm-lint fuzz fuzz-smoke clean

help:
	@echo 'Targets:'
	@echo '  check      the test command: kunit, kunit-x86, lint, e2e-tool, e2e QUICK=1,'
	@echo '             kvm-lint;'
	@echo '             one summary line'
	@echo '  kunit      KUnit suites on UML (SUITE=glob to pick suites)'
	@echo '  kunit-x86  KUnit suites on x86_64 under QEMU, 2 vCPUs'
	@echo '  lint       checkpatch --strict, kernel-doc -Wall, W=1 and sparse'
	@echo '  bench      benchmark suites on UML, without lock debugging'
	@echo '  mutants    apply each mutant of scripts/mutants.txt, expect a failing test'
	@echo '  e2e        boot a 6.12 kernel under QEMU TCG and run the KVM x86_64'
	@echo '             selftests in it (KERNEL=layer|stock, TESTS="a b" for a subset,'
	@echo '             QUICK=1 without the slow stress tests), once per CPU model of'
	@echo '             scripts/e2e_models/ (CPUS="EPYC max" to pick); SANITIZE=1'
	@echo '             builds it with KASAN, UBSAN, KFENCE and fault injection'
	@echo '  e2e-build  build the e2e kernel and selftests only'
	@echo '  e2e-bench  nested round-trip benchmark, stock against layer kernel'
	@echo '             (RUNS=$(RUNS) boots each, ROUND_TRIPS=$(ROUND_TRIPS); VCPUS=2 PIN=1:'
	@echo '             two vCPUs of one VM taking turns on CPU 0)'
	@echo '  e2e-coverage'
	@echo '             gcov of arch/x86/kvm/ and the layer under the e2e quick set,'
	@echo '             every CPU model; lcov HTML report and summary'
	@echo '  e2e-fuzz   nested_state_fuzz_test on the sanitizer kernel (FUZZ_SANITIZE=0'
	@echo '             for the plain one): SEQS=$(SEQS) sequences, SEED=$(SEED), each model'
	@echo '             of CPUS, FUZZ_LIMIT=$(FUZZ_LIMIT) guest seconds per model'
	@echo '  e2e-mutants build the layer kernel with each mutant of scripts/e2e-mutants/'
	@echo '             (MUTANT=glob) and require its e2e tests to fail'
	@echo '  e2e-tool   the unit tests of the e2e runner (no kernel)'
	@echo '  kvm-lint   W=1 + sparse of arch/x86/kvm/, layer against stock'
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

e2e:
	scripts/e2e.py run --kernel '$(KERNEL)' --tests '$(TESTS)' \
		--suite '$(or $(SUITE),nested)' \
		$(if $(filter 1,$(QUICK)),--quick,--no-quick) --cpus '$(CPUS)' \
		$(if $(filter 1,$(SANITIZE)),--sanitize,--no-sanitize)

e2e-build:
	scripts/e2e.py build --kernel '$(KERNEL)' \
		$(if $(filter 1,$(SANITIZE)),--sanitize,--no-sanitize)

e2e-coverage:
	scripts/e2e.py coverage --kernel '$(KERNEL)' --tests '$(TESTS)' \
		--cpus '$(CPUS)'

e2e-bench:
	scripts/e2e.py bench --runs '$(RUNS)' --round-trips '$(ROUND_TRIPS)' \
		--vcpus '$(VCPUS)' $(if $(filter 1,$(PIN)),--pin,--no-pin)

e2e-fuzz:
	scripts/e2e.py run --kernel '$(KERNEL)' --cpus '$(CPUS)' \
		$(if $(filter 1,$(FUZZ_SANITIZE)),--sanitize,--no-sanitize) \
		--tests nested_state_fuzz_test \
		--test-args 'nested_state_fuzz_test=-n $(SEQS) -s $(SEED)' \
		--limit nested_state_fuzz_test=$(FUZZ_LIMIT)

e2e-mutants:
	scripts/e2e.py mutants $(MUTANT)

e2e-tool:
	python3 scripts/e2e_tool_test.py

kvm-lint:
	scripts/kvm-lint.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

endif

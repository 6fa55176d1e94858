// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_nested_rotate_test: L1 rotating among K vmcs12s, each L2 keeping
 * its own state.
 *
 * L0 is the kernel under test, L1 the guest of this program, L2 L1's
 * guests.  L1 has K vmcs12s (K = 1, 2, 4, 8, or the -k argument) and runs
 * their L2s in turn, round after round.  Each L2 has:
 *
 *  - a page of its own holding its number and a counter.  When L1 has
 *    EPT, every L2 reaches its page at the same linear and L2-physical
 *    address, P, through an EPT of its own that maps P to that L2's page
 *    (with VPID i + 1 when L1 has VPID); without EPT, at the page's own
 *    address;
 *  - its own stack (RSP) and a canary on it, and its own position in the
 *    code: L2 #i exits through one of two VMCALL sites by the parity of
 *    its counter, which starts at i, so L2s next to each other are at
 *    different RIPs;
 *  - its own general-purpose registers: before each VMCALL L2 #i loads
 *    every register but RSP with a value derived from its number and
 *    counter and checks them all after L1 resumed it.  L1 saves and
 *    restores each L2's registers around its VM-entries, as a hypervisor
 *    does.
 *
 * L2 checks its page's number and counter, its canary and its registers
 * every time it runs, then increments the counter and exits.  After every
 * VM-exit L1 checks that the exit is the VMCALL of the expected site, that
 * RSP is on that L2's stack and that every L2's counter is what it should
 * be (only the L2 that ran may have moved its own).
 *
 * Two ways to switch between vmcs12s, each a case of its own:
 *
 *   vmclear   VMPTRLD of the next vmcs12, VMLAUNCH, and after the exit
 *             VMCLEAR of it: every VM-entry is a VMLAUNCH of a vmcs12
 *             that L0 must have written back to memory and reads again;
 *   vmptrld   VMPTRLD of the next vmcs12 and VMRESUME (VMLAUNCH the first
 *             time): K launched vmcs12s stay active at once.
 *
 * Each is run with the vCPU thread pinned to CPU 0, and moved between CPU
 * 0 and CPU 1 after every round (skipped with one CPU).
 *
 * Per round the program prints the vCPU's nested_run and every vCPU or VM
 * statistic whose name starts with "nested_" or contains "vmcs02" or
 * "pool" (those of a vmcs02 pool, where the kernel has them), as deltas
 * over the round, and asserts that nested_run grew by K.
 *
 * What this exercises.  L0's handling of VMPTRLD, VMCLEAR and VMLAUNCH/
 * VMRESUME across several vmcs12s: its cached vmcs12 and shadow VMCS
 * written back and reloaded, and vmcs02 shared by all vmcs12s or, with
 * a pool of vmcs02s (kvm_intel.nested_vmcs02_pool > 1 on a kernel that
 * has it), one per vmcs12, each keeping its own EPTP and VPID.
 *
 * Usage: vmx_nested_rotate_test [-k K] [-r ROUNDS]
 */
#include "nested_vmx_util.h"

#define TEST_SLOT_PAGES		128
#define PG_P			0
#define PG_FIRST		1
#define P_GPA			test_page(PG_P)

#define MAX_L2S			8
#define CANARY			0xca1a4e5000000000UL
#define L2_MAGIC		0x4c32000000000000UL

/* An L2's own page. */
struct l2_page {
	u64 id;
	u64 counter;
};

struct rotate_args {
	u64 k;
	u64 rounds;
	u64 vmclear;
	u64 l2_page_gva;		/* where L2s reach their page */
	u64 page[MAX_L2S];		/* L1-physical: each L2's page */
	u64 vmcs_gpa[MAX_L2S];
	u64 eptp[MAX_L2S];		/* 0 without EPT */
	u64 vpid[MAX_L2S];		/* 0 without VPID */
};

/*
 * L2: load every register but RSP with @seed + N, exit through VMCALL site
 * A or B (@site_b), and return the OR of the differences found afterwards
 * (0 if L1 gave every register back).  One copy only: L1 compares RIP with
 * the sites' addresses, l2_site().
 */
static noinline u64 l2_exit_checked(u64 seed, u64 site_b)
{
	u64 rax = seed, rcx = site_b;

	asm volatile("lea -128(%%rsp), %%rsp\n\t"
		     "push %%rbp\n\t"
		     "push %%rax\n\t"		/* the seed */
		     "test %%rcx, %%rcx\n\t"	/* LEAs keep the flags */
		     "lea 1(%%rax), %%rbx\n\t"
		     "lea 2(%%rax), %%rdx\n\t"
		     "lea 3(%%rax), %%rsi\n\t"
		     "lea 4(%%rax), %%rdi\n\t"
		     "lea 5(%%rax), %%rbp\n\t"
		     "lea 6(%%rax), %%r8\n\t"
		     "lea 7(%%rax), %%r9\n\t"
		     "lea 8(%%rax), %%r10\n\t"
		     "lea 9(%%rax), %%r11\n\t"
		     "lea 10(%%rax), %%r12\n\t"
		     "lea 11(%%rax), %%r13\n\t"
		     "lea 12(%%rax), %%r14\n\t"
		     "lea 13(%%rax), %%r15\n\t"
		     "lea 15(%%rax), %%rcx\n\t"
		     "lea 14(%%rax), %%rax\n\t"
		     "jnz 1f\n\t"
		     ".global l2_site_a\n\t"
		     "l2_site_a: vmcall\n\t"
		     "jmp 2f\n\t"
		     "1:\n\t"
		     ".global l2_site_b\n\t"
		     "l2_site_b: vmcall\n\t"
		     "2: sub (%%rsp), %%rax\n\t"
		     "xor $14, %%rax\n\t"
		     "sub (%%rsp), %%rbx\n\t"
		     "xor $1, %%rbx\n\t"
		     "or %%rbx, %%rax\n\t"
		     "sub (%%rsp), %%rdx\n\t"
		     "xor $2, %%rdx\n\t"
		     "or %%rdx, %%rax\n\t"
		     "sub (%%rsp), %%rsi\n\t"
		     "xor $3, %%rsi\n\t"
		     "or %%rsi, %%rax\n\t"
		     "sub (%%rsp), %%rdi\n\t"
		     "xor $4, %%rdi\n\t"
		     "or %%rdi, %%rax\n\t"
		     "sub (%%rsp), %%rbp\n\t"
		     "xor $5, %%rbp\n\t"
		     "or %%rbp, %%rax\n\t"
		     "sub (%%rsp), %%r8\n\t"
		     "xor $6, %%r8\n\t"
		     "or %%r8, %%rax\n\t"
		     "sub (%%rsp), %%r9\n\t"
		     "xor $7, %%r9\n\t"
		     "or %%r9, %%rax\n\t"
		     "sub (%%rsp), %%r10\n\t"
		     "xor $8, %%r10\n\t"
		     "or %%r10, %%rax\n\t"
		     "sub (%%rsp), %%r11\n\t"
		     "xor $9, %%r11\n\t"
		     "or %%r11, %%rax\n\t"
		     "sub (%%rsp), %%r12\n\t"
		     "xor $10, %%r12\n\t"
		     "or %%r12, %%rax\n\t"
		     "sub (%%rsp), %%r13\n\t"
		     "xor $11, %%r13\n\t"
		     "or %%r13, %%rax\n\t"
		     "sub (%%rsp), %%r14\n\t"
		     "xor $12, %%r14\n\t"
		     "or %%r14, %%rax\n\t"
		     "sub (%%rsp), %%r15\n\t"
		     "xor $13, %%r15\n\t"
		     "or %%r15, %%rax\n\t"
		     "sub (%%rsp), %%rcx\n\t"
		     "xor $15, %%rcx\n\t"
		     "or %%rcx, %%rax\n\t"
		     "add $8, %%rsp\n\t"
		     "pop %%rbp\n\t"
		     "lea 128(%%rsp), %%rsp"
		     : "+a"(rax), "+c"(rcx)
		     :
		     : "rbx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		       "r12", "r13", "r14", "r15", "cc", "memory");
	return rax;
}

/* The address of VMCALL site B (@site_b) or A. */
static u64 l2_site(bool site_b)
{
	u64 rip;

	if (site_b)
		asm("lea l2_site_b(%%rip), %0" : "=r"(rip));
	else
		asm("lea l2_site_a(%%rip), %0" : "=r"(rip));
	return rip;
}

static u64 l2_seed(u64 id, u64 counter)
{
	return L2_MAGIC | id << 40 | counter << 8;
}

/* L2 #@id, started by L1 with RDI = its page and RSI = @id. */
static void l2_main(struct l2_page *p, u64 id)
{
	u64 counter = id, canary, bad;

	WRITE_ONCE(canary, CANARY | id);
	for (;;) {
		__GUEST_ASSERT(READ_ONCE(p->id) == (L2_MAGIC | id),
			       "L2 #%lu: its page says %#lx", id,
			       READ_ONCE(p->id));
		__GUEST_ASSERT(READ_ONCE(p->counter) == counter,
			       "L2 #%lu: counter %lu, last written %lu", id,
			       READ_ONCE(p->counter), counter);
		WRITE_ONCE(p->counter, ++counter);
		bad = l2_exit_checked(l2_seed(id, counter), counter & 1);
		__GUEST_ASSERT(!bad,
			       "L2 #%lu, counter %lu: registers changed across the exit (%#lx)",
			       id, counter, bad);
		__GUEST_ASSERT(READ_ONCE(canary) == (CANARY | id),
			       "L2 #%lu: stack canary %#lx", id,
			       READ_ONCE(canary));
	}
}

#define L2_STACK_WORDS		512

static unsigned long l2_stacks[MAX_L2S][L2_STACK_WORDS];

struct l2 {
	struct l2_gprs gprs;
	bool launched;
	u64 counter;
};

static void l1_check_counters(struct rotate_args *a, struct l2 *l2,
			      unsigned int ran, unsigned int round)
{
	unsigned int i;
	u64 c;

	for (i = 0; i < a->k; i++) {
		c = READ_ONCE(((struct l2_page *)a->page[i])->counter);
		__GUEST_ASSERT(c == l2[i].counter,
			       "round %u, after L2 #%u ran: L2 #%u's counter is %lu, expected %lu",
			       round, ran, i, c, l2[i].counter);
	}
}

static void l1_code(struct vmx_pages *vmx, struct rotate_args *a)
{
	struct l2 l2[MAX_L2S] = {};
	unsigned int r, i;
	u64 rip, rsp, want, lo, hi;

	l1_vmx_init(vmx);
	for (i = 0; i < a->k; i++) {
		l2[i].counter = i;
		/* Without EPT each L2 reaches its page at its own address. */
		l2[i].gprs.rdi = a->eptp[i] ? a->l2_page_gva : a->page[i];
		l2[i].gprs.rsi = i;
		*(u32 *)a->vmcs_gpa[i] = vmcs_revision();
		GUEST_ASSERT(!vmclear(a->vmcs_gpa[i]));
		GUEST_ASSERT(!vmptrld(a->vmcs_gpa[i]));
		l1_vmcs_setup(vmx, l2_main, &l2_stacks[i][L2_STACK_WORDS],
			      0, a->eptp[i], a->vpid[i]);
		GUEST_ASSERT(!vmclear(a->vmcs_gpa[i]));
	}

	for (r = 0; r < a->rounds; r++) {
		for (i = 0; i < a->k; i++) {
			GUEST_ASSERT(!vmptrld(a->vmcs_gpa[i]));
			__GUEST_ASSERT(!vmx_enter(&l2[i].gprs,
						  !l2[i].launched),
				       "round %u, L2 #%u: VM%s failed, VM-instruction error %lu",
				       r, i, l2[i].launched ? "RESUME" : "LAUNCH",
				       vmx_insn_error());
			l2[i].counter++;

			rip = vmreadz(GUEST_RIP);
			want = l2_site(l2[i].counter & 1);
			__GUEST_ASSERT(vmreadz(VM_EXIT_REASON) == EXIT_REASON_VMCALL &&
				       rip == want,
				       "round %u, L2 #%u: exit reason %#lx at RIP %#lx, expected VMCALL at %#lx",
				       r, i, vmreadz(VM_EXIT_REASON), rip, want);
			rsp = vmreadz(GUEST_RSP);
			lo = (u64)&l2_stacks[i][0];
			hi = (u64)&l2_stacks[i][L2_STACK_WORDS];
			__GUEST_ASSERT(rsp > lo && rsp < hi,
				       "round %u, L2 #%u: RSP %#lx is not on its stack [%#lx, %#lx)",
				       r, i, rsp, lo, hi);
			__GUEST_ASSERT((l2[i].gprs.rax ^ l2_seed(i, l2[i].counter)) == 14,
				       "round %u, L2 #%u: RAX %#lx at its exit",
				       r, i, l2[i].gprs.rax);
			l1_check_counters(a, l2, i, r);

			GUEST_ASSERT(!vmwrite(GUEST_RIP, rip +
					      vmreadz(VM_EXIT_INSTRUCTION_LEN)));
			if (a->vmclear) {
				GUEST_ASSERT(!vmclear(a->vmcs_gpa[i]));
				/* VMCLEAR made the vmcs12 "clear". */
				l2[i].launched = false;
			} else {
				l2[i].launched = true;
			}
		}
		GUEST_SYNC2(r, a->k);
	}
	GUEST_DONE();
}

/* The statistics printed per round: nested_run, and the pool's if any. */
struct stat_src {
	int fd;
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs;
};

struct stat_one {
	struct stat_src *src;
	struct kvm_stats_desc *desc;
	const char *owner;
	u64 last;
};

#define MAX_STATS		16

static bool stat_wanted(const char *name)
{
	return !strcmp(name, "nested_run") || !strncmp(name, "nested_", 7) ||
	       strstr(name, "vmcs02") || strstr(name, "pool");
}

static unsigned int stats_collect(struct stat_src *src, const char *owner,
				  struct stat_one *out, unsigned int n)
{
	struct kvm_stats_desc *d;
	unsigned int i;

	read_stats_header(src->fd, &src->header);
	src->descs = read_stats_descriptors(src->fd, &src->header);
	for (i = 0; i < src->header.num_desc && n < MAX_STATS; i++) {
		d = get_stats_descriptor(src->descs, i, &src->header);
		if (!stat_wanted(d->name) || d->size != 1)
			continue;
		out[n].src = src;
		out[n].desc = d;
		out[n].owner = owner;
		n++;
	}
	return n;
}

static u64 stat_read(struct stat_one *s)
{
	u64 v;

	read_stat_data(s->src->fd, &s->src->header, s->desc, &v, 1);
	return v;
}

static struct nested_vmx_env env;
static unsigned int nr_rounds = 10;

static void test_rotate(unsigned int k, bool vmclear, bool migrate)
{
	struct stat_one stats[MAX_STATS];
	struct stat_src vcpu_src, vm_src;
	vm_vaddr_t vmx_gva, args_gva;
	struct stat_one *nested_run = NULL;
	struct rotate_args *a;
	struct kvm_vcpu *vcpu;
	struct test_mem mem;
	struct kvm_vm *vm;
	unsigned int i, n, cpu = 0;
	struct ucall uc;
	char line[512];
	int len;
	u64 v;

	vm = vm_create_with_one_vcpu(&vcpu, l1_code);
	vcpu_alloc_vmx(vm, &vmx_gva);
	test_mem_init(&mem, vm, TEST_SLOT_PAGES, PG_FIRST);
	args_gva = vm_vaddr_alloc_page(vm);
	a = addr_gva2hva(vm, args_gva);
	memset(a, 0, sizeof(*a));
	a->k = k;
	a->rounds = nr_rounds;
	a->vmclear = vmclear;
	a->l2_page_gva = env.ept ? P_GPA : 0;
	for (i = 0; i < k; i++) {
		struct l2_page *p;

		a->page[i] = test_alloc_page(&mem);
		p = addr_gpa2hva(vm, a->page[i]);
		p->id = L2_MAGIC | i;
		p->counter = i;
		a->vmcs_gpa[i] = test_alloc_page(&mem);
		if (env.ept)
			a->eptp[i] = ept_pointer(test_ept_create(&mem, P_GPA,
								 a->page[i],
								 NULL));
		a->vpid[i] = env.vpid ? i + 1 : 0;
	}
	vcpu_args_set(vcpu, 2, vmx_gva, args_gva);

	vcpu_src.fd = vcpu_get_stats_fd(vcpu);
	vm_src.fd = vm_get_stats_fd(vm);
	n = stats_collect(&vcpu_src, "vcpu", stats, 0);
	n = stats_collect(&vm_src, "vm", stats, n);
	for (i = 0; i < n; i++) {
		stats[i].last = stat_read(&stats[i]);
		if (!strcmp(stats[i].desc->name, "nested_run") &&
		    !strcmp(stats[i].owner, "vcpu"))
			nested_run = &stats[i];
	}
	TEST_ASSERT(nested_run, "vCPU statistic nested_run not found");
	if (k == 1 && !vmclear && !migrate) {
		len = 0;
		for (i = 0; i < n; i++)
			len += snprintf(line + len, sizeof(line) - len, " %s%s",
					strcmp(stats[i].owner, "vm") ? "" : "vm.",
					stats[i].desc->name);
		ksft_print_msg("statistics printed per round:%s\n", line);
	}

	kvm_pin_this_task_to_pcpu(cpu);
	for (;;) {
		vcpu_run(vcpu);
		TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			if (migrate) {
				cpu = !cpu;
				kvm_pin_this_task_to_pcpu(cpu);
			}
			len = 0;
			for (i = 0; i < n; i++) {
				v = stat_read(&stats[i]);
				if (&stats[i] == nested_run)
					TEST_ASSERT(v - stats[i].last == uc.args[1],
						    "round %lu: nested_run grew by %lu, L1 made %lu VM-entries",
						    uc.args[0], v - stats[i].last,
						    uc.args[1]);
				len += snprintf(line + len, sizeof(line) - len,
						" %s%s=%lu",
						strcmp(stats[i].owner, "vm") ? "" : "vm.",
						stats[i].desc->name,
						v - stats[i].last);
				stats[i].last = v;
			}
			ksft_print_msg("  k=%u %s %s round %lu:%s\n", k,
				       vmclear ? "vmclear" : "vmptrld",
				       cpu_mode(migrate), uc.args[0], line);
			break;
		case UCALL_DONE:
			goto done;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("unexpected ucall %lu", uc.cmd);
		}
	}
done:
	ksft_test_result_pass("k=%u %s %s: %u rounds, EPT %s, VPID %s\n", k,
			      vmclear ? "vmclear" : "vmptrld",
			      cpu_mode(migrate), nr_rounds,
			      env.ept ? "per L2" : "off",
			      env.vpid ? "per L2" : "off");
	free(vcpu_src.descs);
	free(vm_src.descs);
	close(vcpu_src.fd);
	close(vm_src.fd);
	kvm_vm_free(vm);
}

/* A kvm_intel parameter, or "-" if it does not exist. */
static void print_param(const char *name)
{
	char path[128], val[32] = "-";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kvm_intel/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(val, sizeof(val), f))
			snprintf(val, sizeof(val), "?");
		val[strcspn(val, "\n")] = 0;
		fclose(f);
	}
	ksft_print_msg("kvm_intel.%s=%s\n", name, val);
}

int main(int argc, char *argv[])
{
	unsigned int ks[] = { 1, 2, 4, 8 }, nr_ks = ARRAY_SIZE(ks);
	unsigned int i, mode, mig;
	int opt;

	while ((opt = getopt(argc, argv, "k:r:")) != -1) {
		switch (opt) {
		case 'k':
			ks[0] = atoi_positive("K", optarg);
			TEST_ASSERT(ks[0] <= MAX_L2S, "K is at most %u",
				    MAX_L2S);
			nr_ks = 1;
			break;
		case 'r':
			nr_rounds = atoi_positive("rounds", optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-k K] [-r ROUNDS]\n",
				argv[0]);
			exit(KSFT_FAIL);
		}
	}

	TEST_REQUIRE(kvm_cpu_has(X86_FEATURE_VMX));
	nested_vmx_env_init(&env);

	ksft_print_header();
	ksft_set_plan(2 * 2 * nr_ks);
	ksft_print_msg("L1: EPT %s, VPID %s; each L2 %s; %d CPUs\n",
		       env.ept ? "yes" : "no", env.vpid ? "yes" : "no",
		       env.ept ? "reaches its page through its own EPT" :
				 "reaches its page at its own address",
		       get_nprocs());
	print_param("nested_vmcs02_pool");
	print_param("enable_shadow_vmcs");
	for (mig = 0; mig < 2; mig++) {
		for (mode = 0; mode < 2; mode++) {
			for (i = 0; i < nr_ks; i++) {
				if (mig && !env.can_migrate)
					ksft_test_result_skip("k=%u %s %s: needs 2 CPUs\n",
							      ks[i],
							      mode ? "vmclear" : "vmptrld",
							      cpu_mode(mig));
				else
					test_rotate(ks[i], mode, mig);
			}
		}
	}
	ksft_finished();
}

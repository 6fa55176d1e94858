// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the nested state v2 container and its SVM and VMX
 * sections: every validation rule with its error, nothing written on a
 * rejection, byte-identical round trips and random corruption.
 */

#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <asm/msr-index.h>

#include <nested/state.h>

/* Filled into every destination before a call that must not write it. */
#define STATE_PATTERN	0xa5

/* Number of random states per vendor, and of corrupted containers. */
#define STATE_ROUND_TRIPS	100000
#define STATE_MUTATIONS		20000

/* An unknown type, beyond every type this reader knows. */
#define STATE_UNKNOWN		0x7777

#define OK_MAGIC	NESTED_STATE_MAGIC
#define OK_VERSION	NESTED_STATE_VERSION
#define REQ		NESTED_STATE_SEC_REQUIRED

/* The first payload offset after a table of @nr descriptors. */
#define TABLE_END(nr)	(16 + 12 * (nr))

struct raw_desc {
	u16 type;
	u16 flags;
	u32 offset;
	u32 size;
};

/*
 * A container written field by field, so that each field can be wrong;
 * payloads are zero.  @len is the length given to the parser.
 */
struct parse_case {
	const char *desc;
	u32 magic;
	u16 version;
	u16 flags;
	u32 size;
	u32 nr;
	struct raw_desc d[3];
	size_t len;
	int ret;
	u32 skipped;
};

#define SVMF	NESTED_STATE_SEC_SVM_FLAGS
#define VMXF	NESTED_STATE_SEC_VMX_FLAGS
#define VMCS12	NESTED_STATE_SEC_VMX_VMCS12

/* Two 8-byte sections after a table of two: 40..48, 48..56. */
#define TWO_OK	{ { SVMF, REQ, 40, 8 }, { VMXF, REQ, 48, 8 } }

static const struct parse_case parse_cases[] = {
	{ "empty buffer", OK_MAGIC, OK_VERSION, 0, 16, 0, {}, 0, -EINVAL },
	{ "truncated header", OK_MAGIC, OK_VERSION, 0, 16, 0, {}, 15,
	  -EINVAL },
	{ "bad magic", 0x3154534e, OK_VERSION, 0, 16, 0, {}, 16, -EINVAL },
	{ "version 0", OK_MAGIC, 0, 0, 16, 0, {}, 16, -EINVAL },
	{ "version 2", OK_MAGIC, 2, 0, 16, 0, {}, 16, -EINVAL },
	{ "header flags set", OK_MAGIC, OK_VERSION, 1, 16, 0, {}, 16,
	  -EINVAL },
	{ "zero sections", OK_MAGIC, OK_VERSION, 0, 16, 0, {}, 16, 0 },
	{ "zero sections, longer buffer", OK_MAGIC, OK_VERSION, 0, 16, 0, {},
	  4096, 0 },
	{ "size larger than buffer", OK_MAGIC, OK_VERSION, 0, 56, 2, TWO_OK,
	  55, -EINVAL },
	{ "size above max", OK_MAGIC, OK_VERSION, 0,
	  NESTED_STATE_MAX_SIZE + 8, 0, {}, NESTED_STATE_MAX_SIZE + 8,
	  -E2BIG },
	{ "size 4 GiB - 1", OK_MAGIC, OK_VERSION, 0, 0xffffffff, 0, {}, 16,
	  -E2BIG },
	{ "size below header", OK_MAGIC, OK_VERSION, 0, 8, 0, {}, 16,
	  -EINVAL },
	{ "too many sections", OK_MAGIC, OK_VERSION, 0, 4096,
	  NESTED_STATE_MAX_SECTIONS + 1, {}, 4096, -E2BIG },
	{ "nr_sections 4G - 1", OK_MAGIC, OK_VERSION, 0, 4096, 0xffffffff,
	  {}, 4096, -E2BIG },
	{ "table beyond size", OK_MAGIC, OK_VERSION, 0, 39, 2, TWO_OK, 64,
	  -EINVAL },
	{ "two sections", OK_MAGIC, OK_VERSION, 0, 56, 2, TWO_OK, 56, 0 },
	{ "sections in reverse order", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { SVMF, REQ, 48, 8 }, { VMXF, REQ, 40, 8 } }, 56, 0 },
	{ "gap between sections", OK_MAGIC, OK_VERSION, 0, 72, 2,
	  { { SVMF, REQ, 40, 8 }, { VMXF, REQ, 64, 8 } }, 72, 0 },
	{ "section beyond end", OK_MAGIC, OK_VERSION, 0, 55, 2, TWO_OK, 56,
	  -EINVAL },
	{ "offset beyond end", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { STATE_UNKNOWN, 0, 64, 0 } }, 56, -EINVAL },
	{ "offset overflow", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { STATE_UNKNOWN, 0, 0xfffffff8, 16 } }, 56, -EINVAL },
	{ "offset 0xffffffff", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { SVMF, REQ, 0xffffffff, 8 } }, 56, -EINVAL },
	{ "size overflow", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { STATE_UNKNOWN, 0, 32, 0xffffffff } }, 56, -EINVAL },
	{ "payload in header", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { SVMF, REQ, 0, 8 } }, 56, -EINVAL },
	{ "payload in table", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { SVMF, REQ, 32, 8 }, { VMXF, REQ, 48, 8 } }, 56, -EINVAL },
	{ "overlap", OK_MAGIC, OK_VERSION, 0, 64, 2,
	  { { STATE_UNKNOWN, 0, 40, 16 }, { SVMF, REQ, 48, 8 } }, 64,
	  -EINVAL },
	{ "overlap, same offset", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { SVMF, REQ, 40, 8 }, { VMXF, REQ, 40, 8 } }, 56, -EINVAL },
	{ "overlap, contained", OK_MAGIC, OK_VERSION, 0, 72, 2,
	  { { STATE_UNKNOWN, 0, 40, 32 }, { SVMF, REQ, 48, 8 } }, 72,
	  -EINVAL },
	{ "misaligned offset", OK_MAGIC, OK_VERSION, 0, 64, 2,
	  { { SVMF, REQ, 40, 8 }, { VMXF, REQ, 52, 8 } }, 64, -EINVAL },
	{ "duplicate known type", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { SVMF, REQ, 40, 8 }, { SVMF, REQ, 48, 8 } }, 56, -EINVAL },
	{ "duplicate unknown type", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { STATE_UNKNOWN, 0, 40, 8 }, { STATE_UNKNOWN, 0, 48, 8 } }, 56,
	  -EINVAL },
	{ "unknown optional skipped", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { STATE_UNKNOWN, 0, 40, 5 }, { VMXF, REQ, 48, 8 } }, 56, 0, 1 },
	{ "unknown optional, size 0 at the end", OK_MAGIC, OK_VERSION, 0, 48,
	  2, { { SVMF, REQ, 40, 8 }, { STATE_UNKNOWN, 0, 48, 0 } }, 48, 0,
	  1 },
	{ "two unknown optional skipped", OK_MAGIC, OK_VERSION, 0, 136, 3,
	  { { STATE_UNKNOWN, 0, 64, 8 }, { 0xffff, 0, 72, 64 },
	    { SVMF, 0, 56, 8 } }, 136, 0, 2 },
	{ "empty unknown inside another", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { STATE_UNKNOWN, 0, 48, 0 }, { 0x7778, 0, 40, 16 } }, 56, 0, 2 },
	{ "unknown required rejected", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { STATE_UNKNOWN, REQ, 40, 8 }, { VMXF, REQ, 48, 8 } }, 56,
	  -EINVAL },
	{ "type none", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { NESTED_STATE_SEC_NONE, 0, 40, 8 }, { VMXF, REQ, 48, 8 } }, 56,
	  -EINVAL },
	{ "undefined descriptor flag", OK_MAGIC, OK_VERSION, 0, 56, 2,
	  { { SVMF, REQ | 2, 40, 8 }, { VMXF, REQ, 48, 8 } }, 56, -EINVAL },
	{ "wrong fixed size, larger", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { SVMF, REQ, 32, 16 } }, 56, -EINVAL },
	{ "wrong fixed size, zero", OK_MAGIC, OK_VERSION, 0, 56, 1,
	  { { SVMF, REQ, 32, 0 } }, 56, -EINVAL },
	{ "wrong fixed size, vmcs12 short", OK_MAGIC, OK_VERSION, 0, 4128, 1,
	  { { VMCS12, REQ, 32, 4095 } }, 4128, -EINVAL },
	{ "vmcs12 fits exactly", OK_MAGIC, OK_VERSION, 0, 4128, 1,
	  { { VMCS12, REQ, 32, 4096 } }, 4128, 0 },
};

static void parse_desc(const struct parse_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_desc);

/* Write @c into a zeroed buffer large enough for any case. */
static u8 *parse_case_buf(struct kunit *test, const struct parse_case *c)
{
	size_t alloc = NESTED_STATE_MAX_SIZE + 64;
	struct nested_state_header *hdr;
	struct nested_state_desc *d;
	u8 *buf;
	u32 i;

	buf = kunit_kzalloc(test, alloc, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	hdr = (void *)buf;
	hdr->magic = cpu_to_le32(c->magic);
	hdr->version = cpu_to_le16(c->version);
	hdr->flags = cpu_to_le16(c->flags);
	hdr->size = cpu_to_le32(c->size);
	hdr->nr_sections = cpu_to_le32(c->nr);
	d = (void *)(buf + sizeof(*hdr));
	for (i = 0; i < min_t(u32, c->nr, ARRAY_SIZE(c->d)); i++) {
		d[i].type = cpu_to_le16(c->d[i].type);
		d[i].flags = cpu_to_le16(c->d[i].flags);
		d[i].offset = cpu_to_le32(c->d[i].offset);
		d[i].size = cpu_to_le32(c->d[i].size);
	}
	return buf;
}

static bool mem_is(const void *p, u8 byte, size_t n)
{
	return !memchr_inv(p, byte, n);
}

static void nested_state_parse_rules(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	struct nested_state_view view;
	u8 *buf = parse_case_buf(test, c);
	u32 i;

	memset(&view, STATE_PATTERN, sizeof(view));
	KUNIT_ASSERT_EQ(test, nested_state_parse(buf, c->len, &view), c->ret);
	if (c->ret) {
		/* Nothing written on a rejection. */
		KUNIT_EXPECT_TRUE(test, mem_is(&view, STATE_PATTERN,
					       sizeof(view)));
		return;
	}
	KUNIT_EXPECT_EQ(test, view.nr_sections, c->nr);
	KUNIT_EXPECT_EQ(test, view.nr_skipped, c->skipped);
	for (i = 0; i < c->nr; i++) {
		u16 type = c->d[i].type;

		if (type >= NESTED_STATE_SEC_NR)
			continue;
		KUNIT_EXPECT_PTR_EQ(test, view.data[type],
				    (const void *)buf + c->d[i].offset);
		KUNIT_EXPECT_EQ(test, view.size[type], c->d[i].size);
	}
	/* Every known type not in the table is absent. */
	for (i = 0; i < NESTED_STATE_SEC_NR; i++) {
		u32 j;
		bool listed = false;

		for (j = 0; j < c->nr; j++)
			listed |= c->d[j].type == i;
		if (!listed) {
			KUNIT_EXPECT_NULL(test, view.data[i]);
			KUNIT_EXPECT_EQ(test, view.size[i], 0);
		}
	}
}

/* The byte-by-byte layout of Documentation/nested-state.rst. */
static void nested_state_encode_layout(struct kunit *test)
{
	static const u8 payload[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const u8 odd[5] = { 9, 10, 11, 12, 13 };
	static const u8 expect[] = {
		'N', 'S', 'T', '2', 1, 0, 0, 0, 56, 0, 0, 0, 2, 0, 0, 0,
		/* descriptor 0: unknown optional, offset 40, size 5 */
		0x77, 0x77, 0, 0, 40, 0, 0, 0, 5, 0, 0, 0,
		/* descriptor 1: SVM flags, required, offset 48, size 8 */
		1, 0, 1, 0, 48, 0, 0, 0, 8, 0, 0, 0,
		9, 10, 11, 12, 13, 0, 0, 0,
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	const struct nested_state_section secs[] = {
		{ STATE_UNKNOWN, 0, sizeof(odd), odd },
		{ SVMF, REQ, sizeof(payload), payload },
	};
	u8 buf[72];
	size_t size;

	memset(buf, STATE_PATTERN, sizeof(buf));
	KUNIT_ASSERT_EQ(test, nested_state_encode(secs, ARRAY_SIZE(secs), buf,
						  sizeof(buf), &size), 0);
	KUNIT_ASSERT_EQ(test, size, sizeof(expect));
	KUNIT_EXPECT_MEMEQ(test, buf, expect, sizeof(expect));
	/* Nothing written beyond the container. */
	KUNIT_EXPECT_TRUE(test, mem_is(buf + size, STATE_PATTERN,
				       sizeof(buf) - size));
}

static void nested_state_encode_size_query(struct kunit *test)
{
	static const u8 payload[8];
	const struct nested_state_section secs[] = {
		{ SVMF, REQ, sizeof(payload), payload },
	};
	struct nested_state_view view;
	size_t size = 0, again = 0;
	u8 buf[64];

	KUNIT_EXPECT_EQ(test, nested_state_encode(secs, 1, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, 40);

	/* One byte short: -E2BIG and nothing written. */
	memset(buf, STATE_PATTERN, sizeof(buf));
	KUNIT_EXPECT_EQ(test, nested_state_encode(secs, 1, buf, size - 1,
						  &again), -E2BIG);
	KUNIT_EXPECT_EQ(test, again, size);
	KUNIT_EXPECT_TRUE(test, mem_is(buf, STATE_PATTERN, sizeof(buf)));

	KUNIT_EXPECT_EQ(test, nested_state_encode(secs, 1, buf, size, &again),
			0);
	KUNIT_EXPECT_EQ(test, nested_state_parse(buf, size, &view), 0);
	KUNIT_EXPECT_EQ(test, view.nr_sections, 1);

	/* No sections: the header alone. */
	KUNIT_EXPECT_EQ(test, nested_state_encode(NULL, 0, buf, sizeof(buf),
						  &size), 0);
	KUNIT_EXPECT_EQ(test, size, 16);
	KUNIT_EXPECT_EQ(test, nested_state_parse(buf, size, &view), 0);
	KUNIT_EXPECT_EQ(test, view.nr_sections, 0);
}

struct encode_case {
	const char *desc;
	struct nested_state_section secs[2];
	unsigned int nr;
	int ret;
};

static const u8 state_zeros[NESTED_STATE_PAGE_SIZE];

static const struct encode_case encode_cases[] = {
	{ "type none", { { NESTED_STATE_SEC_NONE, 0, 8, state_zeros } }, 1,
	  -EINVAL },
	{ "undefined flag", { { SVMF, 2, 8, state_zeros } }, 1, -EINVAL },
	{ "wrong known size", { { SVMF, REQ, 16, state_zeros } }, 1,
	  -EINVAL },
	{ "duplicate type", { { SVMF, REQ, 8, state_zeros },
			      { SVMF, REQ, 8, state_zeros } }, 2, -EINVAL },
	{ "missing payload", { { STATE_UNKNOWN, 0, 8, NULL } }, 1, -EINVAL },
	{ "above max size", { { STATE_UNKNOWN, 0, NESTED_STATE_MAX_SIZE,
				state_zeros } }, 1, -EINVAL },
	{ "too many sections", {}, NESTED_STATE_MAX_SECTIONS + 1, -EINVAL },
	{ "empty unknown section", { { STATE_UNKNOWN, 0, 0, NULL } }, 1, 0 },
	{ "vmcs12", { { VMCS12, REQ, NESTED_STATE_PAGE_SIZE,
			state_zeros } }, 1, 0 },
};

static void encode_desc(const struct encode_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(encode, encode_cases, encode_desc);

static void nested_state_encode_rules(struct kunit *test)
{
	const struct encode_case *c = test->param_value;
	size_t len = 2 * NESTED_STATE_PAGE_SIZE, size = 0;
	struct nested_state_view view;
	u8 *buf;

	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, STATE_PATTERN, len);
	KUNIT_ASSERT_EQ(test, nested_state_encode(c->secs, c->nr, buf, len,
						  &size), c->ret);
	if (c->ret) {
		KUNIT_EXPECT_TRUE(test, mem_is(buf, STATE_PATTERN, len));
		return;
	}
	/* What the encoder accepts, the parser accepts. */
	KUNIT_EXPECT_EQ(test, nested_state_parse(buf, size, &view), 0);
}

static struct kunit_case nested_state_cases[] = {
	KUNIT_CASE_PARAM(nested_state_parse_rules, parse_gen_params),
	KUNIT_CASE(nested_state_encode_layout),
	KUNIT_CASE(nested_state_encode_size_query),
	KUNIT_CASE_PARAM(nested_state_encode_rules, encode_gen_params),
	{}
};

static struct kunit_suite nested_state_suite = {
	.name = "nested_state",
	.test_cases = nested_state_cases,
};

/* Vendor sections. */

#define SEC(t)		BIT(NESTED_STATE_SEC_##t)
#define SVM_GUEST_SECS	(SEC(SVM_FLAGS) | SEC(SVM_L1_SAVE) | SEC(SVM_L1_CRS) | \
			 SEC(SVM_VMCB12) | SEC(SVM_VMCB12_PA))
#define VMX_BASE_SECS	(SEC(VMX_FLAGS) | SEC(VMX_POINTERS))
#define INVALID		NESTED_STATE_INVALID_GPA

/*
 * A container of the sections in @secs (a mask of types), with the given
 * flags, EFER and pointers and zero payloads otherwise: it passes the
 * parser whatever the vendor rules say.
 */
struct vendor_blob {
	u64 flags;
	u64 efer;
	u64 vmxon_pa;
	u64 vmcs12_pa;
	u32 secs;
};

static size_t vendor_blob_build(struct kunit *test,
				const struct vendor_blob *b, u8 *buf,
				size_t len)
{
	struct nested_state_section secs[NESTED_STATE_SEC_NR];
	struct nested_state_svm_l1_crs crs = {
		.efer = cpu_to_le64(b->efer),
	};
	struct nested_state_vmx_pointers p = {
		.vmxon_pa = cpu_to_le64(b->vmxon_pa),
		.vmcs12_pa = cpu_to_le64(b->vmcs12_pa),
	};
	__le64 flags = cpu_to_le64(b->flags);
	unsigned int nr = 0, t;
	size_t size;

	for (t = 1; t < NESTED_STATE_SEC_NR; t++) {
		const void *data = state_zeros;

		if (!(b->secs & BIT(t)))
			continue;
		if (t == NESTED_STATE_SEC_SVM_FLAGS ||
		    t == NESTED_STATE_SEC_VMX_FLAGS)
			data = &flags;
		else if (t == NESTED_STATE_SEC_SVM_L1_CRS)
			data = &crs;
		else if (t == NESTED_STATE_SEC_VMX_POINTERS)
			data = &p;
		else if (t == NESTED_STATE_SEC_SVM_VMCB12_PA)
			data = &p.vmcs12_pa;
		secs[nr] = (struct nested_state_section) {
			t, REQ, 0, data };
		switch (t) {
		case NESTED_STATE_SEC_SVM_L1_SAVE:
			secs[nr].size = NESTED_STATE_SVM_L1_SAVE_SIZE;
			break;
		case NESTED_STATE_SEC_SVM_L1_CRS:
			secs[nr].size = sizeof(crs);
			break;
		case NESTED_STATE_SEC_VMX_POINTERS:
			secs[nr].size = sizeof(p);
			break;
		case NESTED_STATE_SEC_SVM_VMCB12:
		case NESTED_STATE_SEC_VMX_VMCS12:
		case NESTED_STATE_SEC_VMX_SHADOW_VMCS12:
			secs[nr].size = NESTED_STATE_PAGE_SIZE;
			break;
		default:
			secs[nr].size = 8;
			break;
		}
		nr++;
	}
	KUNIT_ASSERT_EQ(test, nested_state_encode(secs, nr, buf, len, &size),
			0);
	return size;
}

struct vendor_case {
	const char *desc;
	struct vendor_blob b;
	int ret;
};

static void vendor_desc(const struct vendor_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

#define SVM(f)		NESTED_SVM_F_##f
#define SVME		EFER_SVME

static const struct vendor_case svm_cases[] = {
	{ "outside guest mode", { SVM(GIF), 0, 0, 0, SEC(SVM_FLAGS) }, 0 },
	{ "GIF clear", { 0, 0, 0, 0, SEC(SVM_FLAGS) }, 0 },
	{ "guest mode", { SVM(GIF) | SVM(GUEST_MODE), SVME, 0, 0,
			  SVM_GUEST_SECS }, 0 },
	{ "guest mode, GIF clear", { SVM(GUEST_MODE), SVME, 0, 0,
				     SVM_GUEST_SECS }, 0 },
	{ "run pending", { SVM(GIF) | SVM(GUEST_MODE) | SVM(RUN_PENDING),
			   SVME, 0, 0, SVM_GUEST_SECS }, 0 },
	{ "SMM", { SVM(SMM), 0, 0, 0, SEC(SVM_FLAGS) }, 0 },
	{ "SMM from guest mode", { SVM(SMM) | SVM(SMM_GUEST_MODE), 0, 0, 0,
				   SEC(SVM_FLAGS) }, 0 },
	{ "undefined flag 5", { BIT_ULL(5), 0, 0, 0, SEC(SVM_FLAGS) },
	  -EINVAL },
	{ "undefined flag 63", { BIT_ULL(63) | SVM(GIF), 0, 0, 0,
				 SEC(SVM_FLAGS) }, -EINVAL },
	{ "run pending outside guest mode", { SVM(RUN_PENDING), 0, 0, 0,
					      SEC(SVM_FLAGS) }, -EINVAL },
	{ "SMM_GUEST_MODE without SMM", { SVM(SMM_GUEST_MODE), 0, 0, 0,
					  SEC(SVM_FLAGS) }, -EINVAL },
	{ "guest mode in SMM", { SVM(GUEST_MODE) | SVM(SMM), SVME, 0, 0,
				 SVM_GUEST_SECS }, -EINVAL },
	{ "guest mode without EFER.SVME", { SVM(GUEST_MODE), 0, 0, 0,
					    SVM_GUEST_SECS }, -EINVAL },
	{ "guest mode, EFER other bits only", { SVM(GUEST_MODE), ~SVME, 0, 0,
						SVM_GUEST_SECS }, -EINVAL },
	{ "no flags section", { 0, 0, 0, 0, 0 }, -EINVAL },
	{ "no flags section, guest sections",
	  { 0, SVME, 0, 0, SVM_GUEST_SECS & ~SEC(SVM_FLAGS) }, -EINVAL },
	{ "vmcb12 outside guest mode", { 0, 0, 0, 0,
					 SEC(SVM_FLAGS) | SEC(SVM_VMCB12) },
	  -EINVAL },
	{ "L1 save area outside guest mode",
	  { 0, 0, 0, 0, SEC(SVM_FLAGS) | SEC(SVM_L1_SAVE) }, -EINVAL },
	{ "L1 CRs outside guest mode",
	  { 0, SVME, 0, 0, SEC(SVM_FLAGS) | SEC(SVM_L1_CRS) }, -EINVAL },
	{ "guest mode without vmcb12",
	  { SVM(GUEST_MODE), SVME, 0, 0, SVM_GUEST_SECS & ~SEC(SVM_VMCB12) },
	  -EINVAL },
	{ "guest mode without L1 save area",
	  { SVM(GUEST_MODE), SVME, 0, 0, SVM_GUEST_SECS & ~SEC(SVM_L1_SAVE) },
	  -EINVAL },
	{ "guest mode without L1 CRs",
	  { SVM(GUEST_MODE), SVME, 0, 0, SVM_GUEST_SECS & ~SEC(SVM_L1_CRS) },
	  -EINVAL },
	{ "VMX section present", { SVM(GIF), 0, 0, 0,
				   SEC(SVM_FLAGS) | SEC(VMX_POINTERS) },
	  -EINVAL },
	{ "guest mode, high vmcb12 address",
	  { SVM(GUEST_MODE), SVME, 0, 0xfffffffffffff000ULL, SVM_GUEST_SECS },
	  0 },
	{ "guest mode without vmcb12 address",
	  { SVM(GUEST_MODE), SVME, 0, 0,
	    SVM_GUEST_SECS & ~SEC(SVM_VMCB12_PA) }, -EINVAL },
	{ "vmcb12 address outside guest mode",
	  { 0, 0, 0, 0, SEC(SVM_FLAGS) | SEC(SVM_VMCB12_PA) }, -EINVAL },
	{ "vmcb12 address misaligned",
	  { SVM(GUEST_MODE), SVME, 0, 0x1008, SVM_GUEST_SECS }, -EINVAL },
	{ "vmcb12 address invalid",
	  { SVM(GUEST_MODE), SVME, 0, INVALID, SVM_GUEST_SECS }, -EINVAL },
};

KUNIT_ARRAY_PARAM(svm, svm_cases, vendor_desc);

#define VMX(f)		NESTED_VMX_F_##f
#define VMXON		0x1000ULL
#define VMPTR		0x2000ULL
#define VMCS		(VMX_BASE_SECS | SEC(VMX_VMCS12))
#define VMCS_SHADOW	(VMCS | SEC(VMX_SHADOW_VMCS12))
#define VMCS_TIMER	(VMCS | SEC(VMX_PREEMPTION_TIMER))

static const struct vendor_case vmx_cases[] = {
	{ "outside VMX operation", { 0, 0, INVALID, INVALID, VMX_BASE_SECS },
	  0 },
	{ "VMXON, no current VMCS", { 0, 0, VMXON, INVALID, VMX_BASE_SECS },
	  0 },
	{ "current VMCS", { 0, 0, VMXON, VMPTR, VMCS }, 0 },
	{ "current VMCS, shadow", { 0, 0, VMXON, VMPTR, VMCS_SHADOW }, 0 },
	{ "guest mode", { VMX(GUEST_MODE), 0, VMXON, VMPTR, VMCS }, 0 },
	{ "guest mode, timer", { VMX(GUEST_MODE), 0, VMXON, VMPTR,
				 VMCS_TIMER }, 0 },
	{ "guest mode, run pending", { VMX(GUEST_MODE) | VMX(RUN_PENDING), 0,
				       VMXON, VMPTR, VMCS_SHADOW }, 0 },
	{ "eVMCS", { VMX(EVMCS), 0, VMXON, INVALID, VMCS }, 0 },
	{ "eVMCS, guest mode", { VMX(EVMCS) | VMX(GUEST_MODE), 0, VMXON,
				 INVALID, VMCS_TIMER }, 0 },
	{ "SMM", { VMX(SMM_VMXON), 0, VMXON, INVALID, VMX_BASE_SECS }, 0 },
	{ "SMM from guest mode", { VMX(SMM_VMXON) | VMX(SMM_GUEST_MODE), 0,
				   VMXON, VMPTR, VMCS }, 0 },
	{ "high pointers", { 0, 0, 0xfffffffffffff000ULL, 0xffffe000ULL,
			     VMCS }, 0 },
	{ "undefined flag", { BIT_ULL(6), 0, VMXON, INVALID, VMX_BASE_SECS },
	  -EINVAL },
	{ "guest mode, MTF pending", { VMX(GUEST_MODE) | VMX(MTF_PENDING), 0,
				       VMXON, VMPTR, VMCS }, 0 },
	{ "MTF pending outside guest mode", { VMX(MTF_PENDING), 0, VMXON,
					      VMPTR, VMCS }, -EINVAL },
	{ "SVM vmcb12 address present",
	  { 0, 0, VMXON, INVALID, VMX_BASE_SECS | SEC(SVM_VMCB12_PA) },
	  -EINVAL },
	{ "vmxon misaligned", { 0, 0, VMXON + 8, INVALID, VMX_BASE_SECS },
	  -EINVAL },
	{ "vmcs12 misaligned", { 0, 0, VMXON, VMPTR + 0x800, VMCS },
	  -EINVAL },
	{ "vmcs12 equals vmxon", { 0, 0, VMXON, VMXON, VMCS }, -EINVAL },
	{ "vmcs12 without vmxon", { 0, 0, INVALID, VMPTR, VMCS }, -EINVAL },
	{ "SMM without vmxon", { VMX(SMM_VMXON), 0, INVALID, INVALID,
				 VMX_BASE_SECS }, -EINVAL },
	{ "SMM guest mode without vmxon",
	  { VMX(SMM_VMXON) | VMX(SMM_GUEST_MODE), 0, INVALID, INVALID,
	    VMX_BASE_SECS }, -EINVAL },
	{ "guest mode without vmxon", { VMX(GUEST_MODE), 0, INVALID, INVALID,
					VMX_BASE_SECS }, -EINVAL },
	{ "eVMCS without vmxon", { VMX(EVMCS), 0, INVALID, INVALID, VMCS },
	  -EINVAL },
	{ "SMM_GUEST_MODE without SMM_VMXON",
	  { VMX(SMM_GUEST_MODE), 0, VMXON, VMPTR, VMCS }, -EINVAL },
	{ "guest mode in SMM", { VMX(GUEST_MODE) | VMX(SMM_VMXON), 0, VMXON,
				 VMPTR, VMCS }, -EINVAL },
	{ "run pending outside guest mode", { VMX(RUN_PENDING), 0, VMXON,
					      VMPTR, VMCS }, -EINVAL },
	{ "eVMCS with a vmcs12 pointer", { VMX(EVMCS), 0, VMXON, VMPTR,
					   VMCS }, -EINVAL },
	{ "vmcs12 section without pointer", { 0, 0, VMXON, INVALID, VMCS },
	  -EINVAL },
	{ "vmcs12 pointer without section", { 0, 0, VMXON, VMPTR,
					      VMX_BASE_SECS }, -EINVAL },
	{ "guest mode without vmcs12", { VMX(GUEST_MODE), 0, VMXON, INVALID,
					 VMX_BASE_SECS }, -EINVAL },
	{ "shadow without vmcs12", { 0, 0, VMXON, INVALID,
				     VMX_BASE_SECS | SEC(VMX_SHADOW_VMCS12) },
	  -EINVAL },
	{ "timer outside guest mode", { 0, 0, VMXON, VMPTR, VMCS_TIMER },
	  -EINVAL },
	{ "no flags section", { 0, 0, INVALID, INVALID, SEC(VMX_POINTERS) },
	  -EINVAL },
	{ "no pointers section", { 0, 0, INVALID, INVALID, SEC(VMX_FLAGS) },
	  -EINVAL },
	{ "SVM section present", { 0, 0, INVALID, INVALID,
				   VMX_BASE_SECS | SEC(SVM_FLAGS) }, -EINVAL },
};

KUNIT_ARRAY_PARAM(vmx, vmx_cases, vendor_desc);

/* Room for the largest container either vendor writes. */
#define VENDOR_BUF	(3 * NESTED_STATE_PAGE_SIZE)

static void *vendor_alloc(struct kunit *test, size_t size)
{
	void *p = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void nested_svm_state_decode_rules(struct kunit *test)
{
	const struct vendor_case *c = test->param_value;
	struct nested_svm_state *state = vendor_alloc(test, sizeof(*state));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	u8 *again = vendor_alloc(test, VENDOR_BUF);
	struct nested_state_view view;
	size_t size, size2;

	size = vendor_blob_build(test, &c->b, buf, VENDOR_BUF);
	KUNIT_ASSERT_EQ(test, nested_state_parse(buf, size, &view), 0);

	memset(state, STATE_PATTERN, sizeof(*state));
	KUNIT_ASSERT_EQ(test, nested_svm_state_decode(&view, state), c->ret);
	if (c->ret) {
		KUNIT_EXPECT_TRUE(test, mem_is(state, STATE_PATTERN,
					       sizeof(*state)));
		return;
	}
	KUNIT_EXPECT_EQ(test, state->flags, c->b.flags);
	/* Accepted state encodes back to the same bytes. */
	KUNIT_ASSERT_EQ(test, nested_svm_state_encode(state, again, VENDOR_BUF,
						      &size2), 0);
	KUNIT_ASSERT_EQ(test, size2, size);
	KUNIT_EXPECT_MEMEQ(test, again, buf, size);
}

static void nested_vmx_state_decode_rules(struct kunit *test)
{
	const struct vendor_case *c = test->param_value;
	struct nested_vmx_state *state = vendor_alloc(test, sizeof(*state));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	u8 *again = vendor_alloc(test, VENDOR_BUF);
	struct nested_state_view view;
	size_t size, size2;

	size = vendor_blob_build(test, &c->b, buf, VENDOR_BUF);
	KUNIT_ASSERT_EQ(test, nested_state_parse(buf, size, &view), 0);

	memset(state, STATE_PATTERN, sizeof(*state));
	KUNIT_ASSERT_EQ(test, nested_vmx_state_decode(&view, state), c->ret);
	if (c->ret) {
		KUNIT_EXPECT_TRUE(test, mem_is(state, STATE_PATTERN,
					       sizeof(*state)));
		return;
	}
	KUNIT_EXPECT_EQ(test, state->flags, c->b.flags);
	KUNIT_EXPECT_EQ(test, state->vmxon_pa, c->b.vmxon_pa);
	KUNIT_EXPECT_EQ(test, state->vmcs12_pa, c->b.vmcs12_pa);
	KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(state, again, VENDOR_BUF,
						      &size2), 0);
	KUNIT_ASSERT_EQ(test, size2, size);
	KUNIT_EXPECT_MEMEQ(test, again, buf, size);
}

/* The encoders refuse what the decoders refuse. */
static void nested_svm_state_encode_invalid(struct kunit *test)
{
	struct nested_svm_state *state = vendor_alloc(test, sizeof(*state));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	size_t size;

	state->flags = NESTED_SVM_F_GUEST_MODE;
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	state->flags = NESTED_SVM_F_RUN_PENDING;
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	state->flags = BIT_ULL(40);
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	KUNIT_EXPECT_TRUE(test, mem_is(buf, 0, VENDOR_BUF));

	state->flags = NESTED_SVM_F_GUEST_MODE;
	state->l1_efer = EFER_SVME;
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(state, buf, 64, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(state, buf, size, &size),
			0);
}

static void nested_vmx_state_encode_invalid(struct kunit *test)
{
	struct nested_vmx_state *state = vendor_alloc(test, sizeof(*state));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	size_t size;

	state->vmxon_pa = VMXON;
	state->vmcs12_pa = VMXON;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	state->vmcs12_pa = INVALID;
	state->has_shadow_vmcs12 = true;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	state->has_shadow_vmcs12 = false;
	state->has_preemption_timer_deadline = true;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(state, buf, VENDOR_BUF,
						      &size), -EINVAL);
	KUNIT_EXPECT_TRUE(test, mem_is(buf, 0, VENDOR_BUF));

	state->has_preemption_timer_deadline = false;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(state, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(state, buf, size, &size),
			0);
}

/* The container sizes Documentation/nested-state.rst gives. */
static void nested_state_vendor_encode_sizes(struct kunit *test)
{
	struct nested_svm_state *svm = vendor_alloc(test, sizeof(*svm));
	struct nested_vmx_state *vmx = vendor_alloc(test, sizeof(*vmx));
	size_t size;

	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(svm, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, 40);
	svm->flags = NESTED_SVM_F_GUEST_MODE;
	svm->l1_efer = EFER_SVME;
	KUNIT_EXPECT_EQ(test, nested_svm_state_encode(svm, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, 4968);

	vmx->vmxon_pa = INVALID;
	vmx->vmcs12_pa = INVALID;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(vmx, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, 64);
	vmx->flags = NESTED_VMX_F_GUEST_MODE;
	vmx->vmxon_pa = VMXON;
	vmx->vmcs12_pa = VMPTR;
	vmx->has_shadow_vmcs12 = true;
	vmx->has_preemption_timer_deadline = true;
	KUNIT_EXPECT_EQ(test, nested_vmx_state_encode(vmx, NULL, 0, &size),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, size, 8304);
}

/*
 * The maximum sizes KVM reports for KVM_CAP_NESTED_STATE_V2 are those of
 * the largest containers the encoders write; nested_state_size() refuses
 * what it cannot size.
 */
static void nested_state_vendor_max_sizes(struct kunit *test)
{
	static const u16 none[] = { NESTED_STATE_SEC_NONE };
	static const u16 unknown[] = { NESTED_STATE_SEC_NR };
	static const u16 flags[] = { NESTED_STATE_SEC_SVM_FLAGS };
	u16 many[NESTED_STATE_MAX_SECTIONS + 1];
	int i;

	KUNIT_EXPECT_EQ(test, nested_svm_state_max_size(), 4968);
	KUNIT_EXPECT_EQ(test, nested_vmx_state_max_size(), 8304);
	KUNIT_EXPECT_EQ(test, nested_state_size(flags, 1), 40);
	KUNIT_EXPECT_EQ(test, nested_state_size(flags, 0), 16);
	KUNIT_EXPECT_EQ(test, nested_state_size(none, 1), 0);
	KUNIT_EXPECT_EQ(test, nested_state_size(unknown, 1), 0);
	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = NESTED_STATE_SEC_SVM_FLAGS;
	KUNIT_EXPECT_EQ(test, nested_state_size(many, ARRAY_SIZE(many)), 0);
	/* 16 page-sized payloads exceed NESTED_STATE_MAX_SIZE. */
	for (i = 0; i < 16; i++)
		many[i] = NESTED_STATE_SEC_SVM_VMCB12;
	KUNIT_EXPECT_EQ(test, nested_state_size(many, 16), 0);
	KUNIT_EXPECT_EQ(test, nested_state_size(many, 15),
			ALIGN(16 + 15 * 12, 8) + 15 * NESTED_STATE_PAGE_SIZE);
}

static bool rnd_bool(struct rnd_state *rnd)
{
	return prandom_u32_state(rnd) & 1;
}

static u64 rnd_u64(struct rnd_state *rnd)
{
	return (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
}

/*
 * Random bytes in a page-sized payload: its first and last words and a few
 * in between.  Cheaper than filling the whole page, which matters at
 * STATE_ROUND_TRIPS iterations, and enough to catch a payload copied to
 * or from the wrong place or with the wrong length.
 */
static void rnd_sprinkle(struct rnd_state *rnd, void *buf, size_t size)
{
	int i;

	put_unaligned(rnd_u64(rnd), (u64 *)buf);
	put_unaligned(rnd_u64(rnd), (u64 *)(buf + size - 8));
	for (i = 0; i < 6; i++)
		put_unaligned(rnd_u64(rnd),
			      (u64 *)(buf + (prandom_u32_state(rnd) % size & ~7)));
}

/* A random valid SVM state; the fields it does not use stay zero. */
static void svm_random_state(struct rnd_state *rnd,
			     struct nested_svm_state *s)
{
	memset(s, 0, sizeof(*s));
	if (rnd_bool(rnd))
		s->flags |= NESTED_SVM_F_GIF;
	switch (prandom_u32_state(rnd) % 3) {
	case 0:
		break;
	case 1:
		s->flags |= NESTED_SVM_F_SMM;
		if (rnd_bool(rnd))
			s->flags |= NESTED_SVM_F_SMM_GUEST_MODE;
		break;
	case 2:
		s->flags |= NESTED_SVM_F_GUEST_MODE;
		if (rnd_bool(rnd))
			s->flags |= NESTED_SVM_F_RUN_PENDING;
		rnd_sprinkle(rnd, &s->l1_save, sizeof(s->l1_save));
		s->l1_cr0 = rnd_u64(rnd);
		s->l1_cr3 = rnd_u64(rnd);
		s->l1_cr4 = rnd_u64(rnd);
		s->l1_efer = rnd_u64(rnd) | EFER_SVME;
		s->vmcb12_pa = rnd_u64(rnd) & GENMASK_ULL(63, 12);
		rnd_sprinkle(rnd, s->vmcb12, sizeof(s->vmcb12));
		break;
	}
}

/* A random valid VMX state; the fields it does not use stay zero. */
static void vmx_random_state(struct rnd_state *rnd,
			     struct nested_vmx_state *s)
{
	u64 page = rnd_u64(rnd) & GENMASK_ULL(51, 12);
	bool vmcs12 = false;

	memset(s, 0, sizeof(*s));
	s->vmxon_pa = INVALID;
	s->vmcs12_pa = INVALID;
	if (!(prandom_u32_state(rnd) % 4))
		return;

	s->vmxon_pa = page;
	switch (prandom_u32_state(rnd) % 3) {
	case 0:
		break;
	case 1:
		s->vmcs12_pa = page ^ SZ_4K;
		vmcs12 = true;
		break;
	case 2:
		s->flags |= NESTED_VMX_F_EVMCS;
		vmcs12 = true;
		break;
	}
	if (vmcs12) {
		rnd_sprinkle(rnd, s->vmcs12, sizeof(s->vmcs12));
		if (rnd_bool(rnd)) {
			s->has_shadow_vmcs12 = true;
			rnd_sprinkle(rnd, s->shadow_vmcs12,
				     sizeof(s->shadow_vmcs12));
		}
	}
	if (vmcs12 && rnd_bool(rnd)) {
		s->flags |= NESTED_VMX_F_GUEST_MODE;
		if (rnd_bool(rnd))
			s->flags |= NESTED_VMX_F_RUN_PENDING;
		if (rnd_bool(rnd))
			s->flags |= NESTED_VMX_F_MTF_PENDING;
		if (rnd_bool(rnd)) {
			s->has_preemption_timer_deadline = true;
			s->preemption_timer_deadline = rnd_u64(rnd);
		}
	} else if (rnd_bool(rnd)) {
		s->flags |= NESTED_VMX_F_SMM_VMXON;
		if (vmcs12 && rnd_bool(rnd))
			s->flags |= NESTED_VMX_F_SMM_GUEST_MODE;
	}
}

static void nested_svm_state_round_trip(struct kunit *test)
{
	struct nested_svm_state *a = vendor_alloc(test, sizeof(*a));
	struct nested_svm_state *b = vendor_alloc(test, sizeof(*b));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	u8 *again = vendor_alloc(test, VENDOR_BUF);
	struct nested_state_view view;
	struct rnd_state rnd;
	size_t size, size2;
	int i;

	prandom_seed_state(&rnd, 0x53564d32);
	for (i = 0; i < STATE_ROUND_TRIPS; i++) {
		svm_random_state(&rnd, a);
		KUNIT_ASSERT_EQ(test, nested_svm_state_encode(a, buf, VENDOR_BUF,
							      &size), 0);
		KUNIT_ASSERT_EQ(test, nested_state_parse(buf, size, &view), 0);
		KUNIT_ASSERT_EQ(test, nested_svm_state_decode(&view, b), 0);
		KUNIT_ASSERT_EQ(test, memcmp(a, b, sizeof(*a)), 0);
		KUNIT_ASSERT_EQ(test, nested_svm_state_encode(b, again,
							      VENDOR_BUF,
							      &size2), 0);
		KUNIT_ASSERT_EQ(test, size2, size);
		KUNIT_ASSERT_EQ(test, memcmp(buf, again, size), 0);
	}
}

static void nested_vmx_state_round_trip(struct kunit *test)
{
	struct nested_vmx_state *a = vendor_alloc(test, sizeof(*a));
	struct nested_vmx_state *b = vendor_alloc(test, sizeof(*b));
	u8 *buf = vendor_alloc(test, VENDOR_BUF);
	u8 *again = vendor_alloc(test, VENDOR_BUF);
	struct nested_state_view view;
	struct rnd_state rnd;
	size_t size, size2;
	int i;

	prandom_seed_state(&rnd, 0x564d5832);
	for (i = 0; i < STATE_ROUND_TRIPS; i++) {
		vmx_random_state(&rnd, a);
		KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(a, buf, VENDOR_BUF,
							      &size), 0);
		KUNIT_ASSERT_EQ(test, nested_state_parse(buf, size, &view), 0);
		KUNIT_ASSERT_EQ(test, nested_vmx_state_decode(&view, b), 0);
		KUNIT_ASSERT_EQ(test, a->flags, b->flags);
		KUNIT_ASSERT_EQ(test, a->vmxon_pa, b->vmxon_pa);
		KUNIT_ASSERT_EQ(test, a->vmcs12_pa, b->vmcs12_pa);
		KUNIT_ASSERT_EQ(test, a->has_shadow_vmcs12,
				b->has_shadow_vmcs12);
		KUNIT_ASSERT_EQ(test, a->has_preemption_timer_deadline,
				b->has_preemption_timer_deadline);
		KUNIT_ASSERT_EQ(test, a->preemption_timer_deadline,
				b->preemption_timer_deadline);
		KUNIT_ASSERT_EQ(test, memcmp(a->vmcs12, b->vmcs12,
					     sizeof(a->vmcs12)), 0);
		KUNIT_ASSERT_EQ(test, memcmp(a->shadow_vmcs12, b->shadow_vmcs12,
					     sizeof(a->shadow_vmcs12)), 0);
		KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(b, again,
							      VENDOR_BUF,
							      &size2), 0);
		KUNIT_ASSERT_EQ(test, size2, size);
		KUNIT_ASSERT_EQ(test, memcmp(buf, again, size), 0);
	}
}

/* Corrupt @buf (@len bytes) in one random way; returns the new length. */
static size_t state_mutate(struct rnd_state *rnd, u8 *buf, size_t len)
{
	u32 r = prandom_u32_state(rnd);
	size_t span, pos;

	if (!len)
		return 0;
	/* Aim half the writes at the header and the table. */
	span = (r & 1) ? min_t(size_t, len, TABLE_END(5)) : len;
	pos = prandom_u32_state(rnd) % span;

	switch ((r >> 1) % 5) {
	case 0:
		buf[pos] ^= BIT(prandom_u32_state(rnd) % 8);
		break;
	case 1:
		buf[pos] = prandom_u32_state(rnd);
		break;
	case 2:
		if (pos + 4 <= len)
			put_unaligned_le32(prandom_u32_state(rnd), buf + pos);
		break;
	case 3:
		/* A field set to a boundary value. */
		if (pos + 4 <= len)
			put_unaligned_le32(r & 8 ? 0xffffffff : 0x7ffffff8,
					   buf + pos);
		break;
	case 4:
		return prandom_u32_state(rnd) % (len + 1);
	}
	return len;
}

/* Check a view the parser accepted: everything lies inside the buffer. */
static void state_view_in_bounds(struct kunit *test,
				 const struct nested_state_view *view,
				 const u8 *buf, size_t len)
{
	int t;

	for (t = 0; t < NESTED_STATE_SEC_NR; t++) {
		const u8 *p = view->data[t];

		if (!p) {
			KUNIT_ASSERT_EQ(test, view->size[t], 0);
			continue;
		}
		KUNIT_ASSERT_TRUE(test, p >= buf && p <= buf + len);
		KUNIT_ASSERT_LE(test, view->size[t], (size_t)(buf + len - p));
	}
}

static void nested_state_parse_mutations(struct kunit *test)
{
	struct nested_svm_state *svm = vendor_alloc(test, sizeof(*svm));
	struct nested_vmx_state *vmx = vendor_alloc(test, sizeof(*vmx));
	u8 *base[2], *work = vendor_alloc(test, VENDOR_BUF);
	int i, accepted = 0, rejected = 0, decoded = 0;
	size_t base_len[2];
	struct nested_state_view view;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 0x4e535432);
	base[0] = vendor_alloc(test, VENDOR_BUF);
	base[1] = vendor_alloc(test, VENDOR_BUF);
	svm->flags = NESTED_SVM_F_GIF | NESTED_SVM_F_GUEST_MODE;
	svm->l1_efer = EFER_SVME;
	KUNIT_ASSERT_EQ(test, nested_svm_state_encode(svm, base[0], VENDOR_BUF,
						      &base_len[0]), 0);
	vmx->flags = NESTED_VMX_F_GUEST_MODE;
	vmx->vmxon_pa = VMXON;
	vmx->vmcs12_pa = VMPTR;
	vmx->has_shadow_vmcs12 = true;
	vmx->has_preemption_timer_deadline = true;
	KUNIT_ASSERT_EQ(test, nested_vmx_state_encode(vmx, base[1], VENDOR_BUF,
						      &base_len[1]), 0);

	for (i = 0; i < STATE_MUTATIONS; i++) {
		int which = i & 1, n = 1 + prandom_u32_state(&rnd) % 4, ret;
		size_t len = base_len[which];

		memcpy(work, base[which], len);
		while (n--)
			len = state_mutate(&rnd, work, len);

		memset(&view, STATE_PATTERN, sizeof(view));
		ret = nested_state_parse(work, len, &view);
		if (ret) {
			KUNIT_ASSERT_TRUE(test, ret == -EINVAL || ret == -E2BIG);
			KUNIT_ASSERT_TRUE(test, mem_is(&view, STATE_PATTERN,
						       sizeof(view)));
			rejected++;
			continue;
		}
		accepted++;
		state_view_in_bounds(test, &view, work, len);

		memset(svm, STATE_PATTERN, sizeof(*svm));
		ret = nested_svm_state_decode(&view, svm);
		KUNIT_ASSERT_TRUE(test, ret == 0 || ret == -EINVAL);
		if (ret)
			KUNIT_ASSERT_TRUE(test, mem_is(svm, STATE_PATTERN,
						       sizeof(*svm)));
		decoded += !ret;

		memset(vmx, STATE_PATTERN, sizeof(*vmx));
		ret = nested_vmx_state_decode(&view, vmx);
		KUNIT_ASSERT_TRUE(test, ret == 0 || ret == -EINVAL);
		if (ret)
			KUNIT_ASSERT_TRUE(test, mem_is(vmx, STATE_PATTERN,
						       sizeof(*vmx)));
		decoded += !ret;
	}
	kunit_info(test, "%d accepted (%d decoded), %d rejected\n", accepted,
		   decoded, rejected);
	KUNIT_EXPECT_GT(test, accepted, 0);
	KUNIT_EXPECT_GT(test, rejected, 0);
	KUNIT_EXPECT_GT(test, decoded, 0);
}

static struct kunit_case nested_state_vendor_cases[] = {
	KUNIT_CASE_PARAM(nested_svm_state_decode_rules, svm_gen_params),
	KUNIT_CASE_PARAM(nested_vmx_state_decode_rules, vmx_gen_params),
	KUNIT_CASE(nested_svm_state_encode_invalid),
	KUNIT_CASE(nested_vmx_state_encode_invalid),
	KUNIT_CASE(nested_state_vendor_encode_sizes),
	KUNIT_CASE(nested_state_vendor_max_sizes),
	KUNIT_CASE(nested_svm_state_round_trip),
	KUNIT_CASE(nested_vmx_state_round_trip),
	KUNIT_CASE(nested_state_parse_mutations),
	{}
};

static struct kunit_suite nested_state_vendor_suite = {
	.name = "nested_state_vendor",
	.test_cases = nested_state_vendor_cases,
};

kunit_test_suites(&nested_state_suite, &nested_state_vendor_suite);

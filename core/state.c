// SPDX-License-Identifier: GPL-2.0
/*
 * The nested state v2 container: encoder and parser.
 *
 * DOC: Nested state container
 *
 * A container is a little-endian blob: a header, a table of section
 * descriptors and the section payloads, each at a multiple of
 * NESTED_STATE_ALIGN.  The parser validates the header, the table and
 * every descriptor before it hands out a single payload pointer, and it
 * reads nothing it has not bounds-checked first: the input is userspace
 * controlled.  It commits nothing either: it fills a view of the known
 * sections, which the vendor decoders check for vendor semantics before
 * they write anything.  Documentation/nested-state.rst describes the
 * format and lists every rule with its error.
 */

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <kunit/visibility.h>

#include <nested/state.h>

/* The payload size of each known section type; 0 for NONE. */
static const u32 nested_state_sec_size[NESTED_STATE_SEC_NR] = {
	[NESTED_STATE_SEC_SVM_FLAGS]	= sizeof(struct nested_state_svm_flags),
	[NESTED_STATE_SEC_SVM_L1_SAVE]	= NESTED_STATE_SVM_L1_SAVE_SIZE,
	[NESTED_STATE_SEC_SVM_L1_CRS]	= sizeof(struct nested_state_svm_l1_crs),
	[NESTED_STATE_SEC_SVM_VMCB12]	= NESTED_STATE_PAGE_SIZE,
	[NESTED_STATE_SEC_VMX_FLAGS]	= sizeof(struct nested_state_vmx_flags),
	[NESTED_STATE_SEC_VMX_POINTERS]	= sizeof(struct nested_state_vmx_pointers),
	[NESTED_STATE_SEC_VMX_VMCS12]	= NESTED_STATE_PAGE_SIZE,
	[NESTED_STATE_SEC_VMX_SHADOW_VMCS12] = NESTED_STATE_PAGE_SIZE,
	[NESTED_STATE_SEC_VMX_PREEMPTION_TIMER] =
		sizeof(struct nested_state_vmx_timer),
	[NESTED_STATE_SEC_SVM_VMCB12_PA] =
		sizeof(struct nested_state_svm_vmcb12_pa),
};

/* Offset of the first payload after a table of @nr descriptors. */
static size_t nested_state_table_end(unsigned int nr)
{
	return sizeof(struct nested_state_header) +
	       (size_t)nr * sizeof(struct nested_state_desc);
}

/**
 * nested_state_size() - Size of a container of known sections.
 * @types: Section types, each a known type other than
 *         NESTED_STATE_SEC_NONE.
 * @nr: Number of entries in @types.
 *
 * The size nested_state_encode() gives a container of these sections:
 * what a caller must allocate, or report to userspace as the largest
 * state it may be given, before it has the state itself.
 *
 * Return: the size in bytes, or 0 if @nr exceeds NESTED_STATE_MAX_SECTIONS,
 * a type is unknown or NESTED_STATE_SEC_NONE, or the container would
 * exceed NESTED_STATE_MAX_SIZE.
 */
size_t nested_state_size(const u16 *types, unsigned int nr)
{
	size_t total;
	unsigned int i;

	if (nr > NESTED_STATE_MAX_SECTIONS)
		return 0;
	total = ALIGN(nested_state_table_end(nr), NESTED_STATE_ALIGN);
	for (i = 0; i < nr; i++) {
		if (types[i] == NESTED_STATE_SEC_NONE ||
		    types[i] >= NESTED_STATE_SEC_NR)
			return 0;
		total = ALIGN(total + nested_state_sec_size[types[i]],
			      NESTED_STATE_ALIGN);
	}
	return total > NESTED_STATE_MAX_SIZE ? 0 : total;
}
EXPORT_SYMBOL_IF_KUNIT(nested_state_size);

/**
 * nested_state_encode() - Build a container from sections.
 * @secs: The sections, in the order their payloads are laid out.
 * @nr: Number of sections.
 * @buf: Destination, or NULL with @len 0 to query the size.
 * @len: Size of @buf in bytes.
 * @size: Set to the size of the container, also when it does not fit.
 *
 * The header, the table and every payload are written at the offsets
 * documented in Documentation/nested-state.rst; the padding in between is
 * zero.  Nothing is written to @buf unless the whole container fits.
 *
 * Return: 0 on success; -EINVAL if @nr exceeds NESTED_STATE_MAX_SECTIONS,
 * a section has type NESTED_STATE_SEC_NONE, undefined flags, a payload
 * pointer missing, a type that appears twice, or a known type with the
 * wrong size, or if the container would exceed NESTED_STATE_MAX_SIZE;
 * -E2BIG if it does not fit in @len bytes (*@size says how many it needs).
 */
int nested_state_encode(const struct nested_state_section *secs,
			unsigned int nr, void *buf, size_t len, size_t *size)
{
	struct nested_state_header *hdr = buf;
	struct nested_state_desc *desc;
	size_t off, total;
	unsigned int i, j;

	if (nr > NESTED_STATE_MAX_SECTIONS)
		return -EINVAL;

	total = ALIGN(nested_state_table_end(nr), NESTED_STATE_ALIGN);
	for (i = 0; i < nr; i++) {
		const struct nested_state_section *s = &secs[i];

		if (s->type == NESTED_STATE_SEC_NONE ||
		    (s->flags & ~NESTED_STATE_SEC_REQUIRED) ||
		    (s->size && !s->data))
			return -EINVAL;
		if (s->type < NESTED_STATE_SEC_NR &&
		    s->size != nested_state_sec_size[s->type])
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (secs[j].type == s->type)
				return -EINVAL;
		if (s->size > NESTED_STATE_MAX_SIZE)
			return -EINVAL;
		total = ALIGN(total + s->size, NESTED_STATE_ALIGN);
		if (total > NESTED_STATE_MAX_SIZE)
			return -EINVAL;
	}

	*size = total;
	if (!buf || total > len)
		return -E2BIG;

	memset(buf, 0, total);
	put_unaligned_le32(NESTED_STATE_MAGIC, &hdr->magic);
	put_unaligned_le16(NESTED_STATE_VERSION, &hdr->version);
	put_unaligned_le16(0, &hdr->flags);
	put_unaligned_le32(total, &hdr->size);
	put_unaligned_le32(nr, &hdr->nr_sections);

	desc = buf + sizeof(*hdr);
	off = ALIGN(nested_state_table_end(nr), NESTED_STATE_ALIGN);
	for (i = 0; i < nr; i++) {
		put_unaligned_le16(secs[i].type, &desc[i].type);
		put_unaligned_le16(secs[i].flags, &desc[i].flags);
		put_unaligned_le32(off, &desc[i].offset);
		put_unaligned_le32(secs[i].size, &desc[i].size);
		if (secs[i].size)
			memcpy(buf + off, secs[i].data, secs[i].size);
		off = ALIGN(off + secs[i].size, NESTED_STATE_ALIGN);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nested_state_encode);

/*
 * Check descriptor @i of a table already known to lie within the
 * container, against the container's @size and descriptors 0..@i-1, which
 * passed this check.
 */
static int nested_state_check_desc(const struct nested_state_desc *desc,
				   unsigned int i, u32 size, u32 table_end)
{
	u16 type = get_unaligned_le16(&desc[i].type);
	u16 flags = get_unaligned_le16(&desc[i].flags);
	u32 off = get_unaligned_le32(&desc[i].offset);
	u32 len = get_unaligned_le32(&desc[i].size);
	unsigned int j;
	u32 end;

	if (type == NESTED_STATE_SEC_NONE ||
	    (flags & ~NESTED_STATE_SEC_REQUIRED))
		return -EINVAL;
	if (!IS_ALIGNED(off, NESTED_STATE_ALIGN))
		return -EINVAL;
	if (check_add_overflow(off, len, &end) || end > size)
		return -EINVAL;
	/* No payload inside the header or the table. */
	if (off < table_end)
		return -EINVAL;
	if (type < NESTED_STATE_SEC_NR) {
		if (len != nested_state_sec_size[type])
			return -EINVAL;
	} else if (flags & NESTED_STATE_SEC_REQUIRED) {
		return -EINVAL;
	}

	for (j = 0; j < i; j++) {
		u32 o = get_unaligned_le32(&desc[j].offset);
		u32 l = get_unaligned_le32(&desc[j].size);

		if (get_unaligned_le16(&desc[j].type) == type)
			return -EINVAL;
		/*
		 * Payloads may not share a byte (o + l cannot overflow:
		 * descriptor j passed this check).
		 */
		if (len && l && off < o + l && o < end)
			return -EINVAL;
	}
	return 0;
}

/**
 * nested_state_parse() - Validate a container and map its known sections.
 * @buf: The container.
 * @len: Number of readable bytes at @buf.
 * @view: Filled with the known sections on success, untouched on error.
 *
 * Every field is bounds-checked before it is read, and the whole header
 * and table are validated before @view is written, so a container that
 * fails validation leaves no trace.  Unknown sections without
 * NESTED_STATE_SEC_REQUIRED are skipped and counted in @view->nr_skipped.
 * Vendor semantics are not checked here: see nested_svm_state_decode()
 * and nested_vmx_state_decode().
 *
 * Return: 0 on success; -EINVAL if @len is shorter than the header, the
 * magic, version or header flags are wrong, the container is larger than
 * @len, the table does not fit in the container, or a descriptor has
 * type NESTED_STATE_SEC_NONE, undefined flags, a misaligned offset, a
 * payload beyond the container (offset overflow included) or inside the
 * header or table, a size other than its known type's, an unknown type
 * marked required, a type already seen, or a payload that overlaps
 * another; -E2BIG if the container is larger than NESTED_STATE_MAX_SIZE
 * or has more than NESTED_STATE_MAX_SECTIONS sections.
 */
int nested_state_parse(const void *buf, size_t len,
		       struct nested_state_view *view)
{
	const struct nested_state_header *hdr = buf;
	const struct nested_state_desc *desc;
	struct nested_state_view v = {};
	u32 size, nr, table_end, i;
	int ret;

	if (len < sizeof(*hdr))
		return -EINVAL;
	if (get_unaligned_le32(&hdr->magic) != NESTED_STATE_MAGIC ||
	    get_unaligned_le16(&hdr->version) != NESTED_STATE_VERSION ||
	    get_unaligned_le16(&hdr->flags))
		return -EINVAL;

	size = get_unaligned_le32(&hdr->size);
	if (size > NESTED_STATE_MAX_SIZE)
		return -E2BIG;
	if (size > len)
		return -EINVAL;

	nr = get_unaligned_le32(&hdr->nr_sections);
	if (nr > NESTED_STATE_MAX_SECTIONS)
		return -E2BIG;
	table_end = nested_state_table_end(nr);
	if (table_end > size)
		return -EINVAL;

	desc = buf + sizeof(*hdr);
	for (i = 0; i < nr; i++) {
		u16 type;

		ret = nested_state_check_desc(desc, i, size, table_end);
		if (ret)
			return ret;
		type = get_unaligned_le16(&desc[i].type);
		if (type < NESTED_STATE_SEC_NR) {
			v.data[type] = buf + get_unaligned_le32(&desc[i].offset);
			v.size[type] = get_unaligned_le32(&desc[i].size);
		} else {
			v.nr_skipped++;
		}
	}
	v.nr_sections = nr;
	*view = v;
	return 0;
}
EXPORT_SYMBOL_GPL(nested_state_parse);

// SPDX-License-Identifier: MIT
/* The input format, mutator and helpers of the fuzz-gpt-* targets (see
 * gptinput.h). */
#include "gptinput.h"

#include <stdlib.h>
#include <string.h>

#include "fuzzfix.h"
#include "guid.h"

static const char *const extra_type_text[4] = {
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", /* EFI system */
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", /* Microsoft basic data */
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", /* Microsoft reserved */
	"0FC63DAF-8483-4772-8E79-3D69D8477DE4", /* Linux filesystem data */
};

/* Bits 6-7 of byte 1. */
static const enum md_op fault_ops[4] = { MD_ALLOC, MD_READ, MD_WRITE,
					 MD_FLUSH };

bool input_decode(const uint8_t *data, size_t size, struct input *in)
{
	unsigned int extra;

	memset(in, 0, sizeof(*in));
	if (size < GPT_IN_HDR_BYTES)
		return false;
	extra = (data[0] >> 2) & 0xF;
	in->bs = 512u << (data[0] & 3);
	in->driver_repair = data[0] & 0x80;
	in->fault_op = fault_ops[data[1] >> 6];
	in->fault_k = data[1] & 0x3F;
	in->img = data + GPT_IN_HDR_BYTES;
	in->len = size - GPT_IN_HDR_BYTES;
	in->last_lba = (in->len + in->bs - 1) / in->bs;
	if (in->last_lba < GPT_IN_MIN_BLOCKS)
		in->last_lba = GPT_IN_MIN_BLOCKS;
	in->last_lba--;
	in->types[in->ntypes++] = GPT_TYPE_WINDOWS_RE;
	for (int i = 0; i < 4; i++)
		if (extra & (1u << i))
			FUZZ_CHECK(guid_parse(extra_type_text[i],
					      &in->types[in->ntypes++]),
				   "guid_parse(\"%s\")", extra_type_text[i]);
	return true;
}

void input_disk(const struct input *in, struct memdisk *d)
{
	fuzz_disk_open(d, in->img, in->len, in->bs, in->last_lba);
}

void input_run(const uint8_t *data, size_t size, bool faulted, input_fn fn)
{
	struct gpt_table t;
	struct memdisk d;
	struct input in;
	struct loaded l = { &in, &d, &t, GPT_OK, { 0 } };

	if (!input_decode(data, size, &in) || (faulted && !in.fault_k))
		return;
	input_disk(&in, &d);
	if (faulted)
		memdisk_fail(&d, in.fault_op, in.fault_k);
	l.st = gpt_load(&d.dev, &t, &l.why);
	fn(&l);
	gpt_table_release(&t);
	memdisk_close(&d);
}

const struct gpt_header *copy_header(const struct gpt_copy *c)
{
	return (const struct gpt_header *)(const void *)c->header;
}

uint32_t header_size(const struct gpt_copy *c)
{
	return le32(&copy_header(c)->header_size);
}

size_t array_bytes(const struct gpt_copy *c)
{
	return (size_t)c->num_entries * c->entry_size;
}

uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	FUZZ_CHECK(q, "out of memory (%zu bytes)", n);
	memcpy(q, p, n);
	return q;
}

bool status_in(enum gpt_status st, unsigned int mask)
{
	return (mask >> st) & 1u;
}

bool backup_must_decode(const struct gpt_table *t)
{
	const struct gpt_copy *good = gpt_good_copy(t);
	bool one_table = (t->primary.valid && t->backup.valid &&
			  t->copies_agree) ||
			 (t->primary.valid != t->backup.valid &&
			  gpt_check_commit(t, NULL, GPT_REPAIR_ALLOW, NULL) == GPT_OK);

	return one_table && le16(t->mbr + 510) == 0xAA55 && good &&
	       header_size(good) <= GPT_BACKUP_SLOT &&
	       (!t->primary.valid ||
		header_size(&t->primary) <= GPT_BACKUP_SLOT) &&
	       (!t->backup.valid || header_size(&t->backup) <= GPT_BACKUP_SLOT);
}

void expect_init(struct expect *x, const struct gpt_table *t,
			const struct gpt_plan *plan)
{
	const struct gpt_copy *good = gpt_good_copy(t);

	x->bytes = array_bytes(good);
	x->num_entries = good->num_entries;
	x->entry_size = good->entry_size;
	x->old_array = dup_bytes(good->array, x->bytes);
	x->new_array = dup_bytes(good->array, x->bytes);
	for (uint32_t k = 0; k < plan->count; k++)
		memset(x->new_array + (size_t)plan->index[k] * x->entry_size, 0,
		       x->entry_size);
	x->disk_guid = copy_header(good)->disk_guid;
	x->first_usable = le64(&copy_header(good)->first_usable_lba);
	x->primary_valid = t->primary.valid;
	x->backup_valid = t->backup.valid;
	x->split_by_removal = t->split_by_removal;
	x->backup_misplaced = t->backup_misplaced;
	x->primary_array_lba = t->primary.array_lba;
}

void expect_fini(struct expect *x)
{
	free(x->old_array);
	free(x->new_array);
}

/* Is copy c exactly the old table or exactly the new one? */
const char *old_or_new(const struct expect *x, const struct gpt_copy *c)
{
	if (c->num_entries != x->num_entries || c->entry_size != x->entry_size)
		return "entry count or size changed";
	if (!guid_equal(&copy_header(c)->disk_guid, &x->disk_guid))
		return "disk GUID changed";
	if (le64(&copy_header(c)->first_usable_lba) != x->first_usable)
		return "FirstUsableLBA changed";
	if (memcmp(c->array, x->old_array, x->bytes) == 0)
		return NULL;
	if (memcmp(c->array, x->new_array, x->bytes) == 0)
		return NULL;
	return "entry array is neither the old nor the new one";
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Where a loader would look for the backup header of img. */
static uint64_t backup_lba(const uint8_t *img, size_t len, uint32_t bs,
			   uint64_t last_lba, uint32_t *r)
{
	if (fuzzfix_rand(r) % 2 && 2u * bs <= len &&
	    memcmp(img + bs, GPT_HEADER_SIGNATURE, 8) == 0)
		return le64(img + bs + 32);
	return last_lba;
}

/* Half the time libFuzzer's own mutation, else one to three changes of
 * header or entry fields (fuzzfix_tweak_header), or the disk grown or
 * shrunk by a few blocks; then the CRCs are recomputed (for libFuzzer's
 * mutations, of none, one or both copies). */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	uint32_t r = seed, mode, bs, seal = 3;
	uint8_t *img = data + GPT_IN_HDR_BYTES;
	size_t len;
	uint64_t last;

	if (size <= GPT_IN_HDR_BYTES || max_size <= GPT_IN_HDR_BYTES)
		return LLVMFuzzerMutate(data, size, max_size);
	mode = fuzzfix_rand(&r) % 16;
	bs = 512u << (data[0] & 3);
	if (mode < 8) {
		size = LLVMFuzzerMutate(data, size, max_size);
		seal = fuzzfix_rand(&r) % 4;
		if (size <= GPT_IN_HDR_BYTES)
			return size;
		bs = 512u << (data[0] & 3);
	} else if (mode < 15) {
		len = size - GPT_IN_HDR_BYTES;
		last = (len + bs - 1) / bs;
		last = (last < GPT_IN_MIN_BLOCKS ? GPT_IN_MIN_BLOCKS : last) - 1;
		for (uint32_t n = 1 + fuzzfix_rand(&r) % 3; n; n--)
			if (!fuzzfix_tweak_header(img, len, bs,
						  fuzzfix_rand(&r) % 2 ?
						  1 : backup_lba(img, len, bs,
								 last, &r),
						  last, &r))
				fuzzfix_tweak_header(img, len, bs, 1, last, &r);
	} else {
		/* A grown or shrunk disk: whole blocks at the end. */
		size_t blocks = 1 + fuzzfix_rand(&r) % 8, delta = blocks * bs;

		if (fuzzfix_rand(&r) % 2 && size + delta <= max_size) {
			memset(data + size, 0, delta);
			size += delta;
		} else if (size - GPT_IN_HDR_BYTES > delta) {
			size -= delta;
		}
	}
	len = size - GPT_IN_HDR_BYTES;
	last = (len + bs - 1) / bs;
	last = (last < GPT_IN_MIN_BLOCKS ? GPT_IN_MIN_BLOCKS : last) - 1;
	if (seal & 2) {
		if (2u * bs <= len &&
		    memcmp(img + bs, GPT_HEADER_SIGNATURE, 8) == 0)
			fuzzfix_seal_header(img, len, bs, le64(img + bs + 32));
		fuzzfix_seal_header(img, len, bs, last);
	}
	if (seal & 1)
		fuzzfix_seal_header(img, len, bs, 1);
	return size;
}

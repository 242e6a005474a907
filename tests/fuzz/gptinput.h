/* SPDX-License-Identifier: MIT */
/* What the fuzz-gpt-* targets share: their input format (a disk image
 * behind two bytes of options, the format of the seeds and of every
 * regression input in tests/fuzz/regress/fuzz-gpt-*), its custom mutator,
 * and small helpers. Each target checks one property of what a run does
 * with the table it loads:
 *   fuzz-gpt-load     load, verdicts, plan, report; nothing written
 *   fuzz-gpt-backup   the sgdisk backup round trip, and restoring a
 *                     table's own backup onto its disk
 *   fuzz-gpt-commit   the commit on an honest disk, and save -> change ->
 *                     restore, with the --undo check before and after
 *   fuzz-gpt-faults   a commit with one failing call leaves old or new
 *   fuzz-gpt-driver   gptrim_run_disk --apply, the front ends' driver
 *
 * Input layout:
 *   byte 0  bits 0-1  block size 512 << n
 *           bits 2-5  types to remove besides Windows RE: EFI system,
 *                     Microsoft basic data, Microsoft reserved, Linux data
 *           bit 6     (was: run the driver; fuzz-gpt-driver always does)
 *           bit 7     the driver runs with --repair
 *   byte 1  fuzz-gpt-faults: 0 no fault (nothing to do); else bits 6-7 the
 *           operation (alloc, read, write, flush) and bits 0-5 k: its k-th
 *           call fails
 *   rest    the disk from LBA 0, zero-padded to whole blocks (at least
 *           GPT_IN_MIN_BLOCKS) */
#ifndef GPTRIM_TESTS_GPTINPUT_H
#define GPTRIM_TESTS_GPTINPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzzcheck.h"
#include "gpt.h"

#define GPT_IN_HDR_BYTES 2u
#define GPT_IN_MIN_BLOCKS 2u
#define GPT_IN_DISK_NAME "fuzz"

struct input {
	const uint8_t *img;
	size_t len;
	uint32_t bs;
	uint64_t last_lba;
	struct gpt_guid types[5];
	uint32_t ntypes;
	bool driver_repair;
	enum md_op fault_op;
	uint32_t fault_k;
};

/* An input's disk as gpt_load left it. */
struct loaded {
	const struct input *in;
	struct memdisk *d;
	struct gpt_table *t;
	enum gpt_status st;    /* gpt_load's status */
	struct gpt_reason why; /* and reason */
};
/* One property of what a run does with the table of an input's disk. */
typedef void (*input_fn)(struct loaded *l);
/* What every fuzz-gpt-* target does: decode the input, load its disk
 * (with faulted, the input's fault set first; no fault: nothing to do),
 * fn, then release the table and close the disk. */
void input_run(const uint8_t *data, size_t size, bool faulted, input_fn fn);
/* false when the input is too short to hold the option bytes. */
bool input_decode(const uint8_t *data, size_t size, struct input *in);
/* A fresh disk of the input (the input is never written). */
void input_disk(const struct input *in, struct memdisk *d);

const struct gpt_header *copy_header(const struct gpt_copy *c);
uint32_t header_size(const struct gpt_copy *c);
size_t array_bytes(const struct gpt_copy *c);
uint8_t *dup_bytes(const void *p, size_t n);
#define S(x) (1u << (x))
/* Is st one of the statuses in mask (S(a) | S(b) ...)? */
bool status_in(enum gpt_status st, unsigned int mask);

/* Must gpt_backup_encode's file of t decode? When t is one table (both
 * copies valid and agreeing, or one bad copy that can be rebuilt), LBA 0
 * has the MBR signature and every valid copy's header fits the format's
 * 512-byte slots. */
bool backup_must_decode(const struct gpt_table *t);

/* The table before a commit, and what it must become. */
struct expect {
	uint8_t *old_array; /* num x size bytes of the good copy */
	uint8_t *new_array; /* the same with the planned entries zeroed */
	size_t bytes;
	uint32_t num_entries, entry_size;
	struct gpt_guid disk_guid;
	uint64_t first_usable;
	bool primary_valid, backup_valid, backup_misplaced, split_by_removal;
	uint64_t primary_array_lba;
};

void expect_init(struct expect *x, const struct gpt_table *t,
		 const struct gpt_plan *plan);
void expect_fini(struct expect *x);
/* Is copy c exactly the old table or exactly the new one? NULL when it
 * is, else what differs. */
const char *old_or_new(const struct expect *x, const struct gpt_copy *c);

#endif

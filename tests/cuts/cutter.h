/* SPDX-License-Identifier: MIT */
/* The cutter (tests/cuts/cutter.c): what it was asked for, and the journal
 * of the blocks a commit wrote, from which cutimage.c writes the image a
 * cut, a tear or a reordering leaves. */
#ifndef GPTRIM_TESTS_CUTTER_H
#define GPTRIM_TESTS_CUTTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpt.h"
#include "memdisk.h"

struct args {
	enum { MODE_NONE, MODE_COUNT, MODE_CUT, MODE_REORDER } mode;
	uint32_t sector_size;
	bool repair;
	struct gpt_guid types[GPT_TYPES_MAX];
	size_t ntypes;
	unsigned long cut, tear, epoch, mask;
	const char *image, *out;
	const char *order;
};

/* One block a commit wrote, in the order written (a write call of several
 * blocks is several, ascending). */
struct jblock {
	uint64_t lba;
	uint32_t call;       /* 1-based write call */
	uint32_t epoch;      /* flushes before it */
	const uint8_t *data; /* in the memdisk's log (keep_writes) */
};

struct journal {
	struct jblock *j;
	size_t n;
	uint32_t calls, flushes, block_size;
};

/* The journal of every successful write and flush in md's log; -1 when
 * out of memory. */
int journal_from_log(struct journal *jr, const struct memdisk *md);
void journal_free(struct journal *jr);
/* Index of the first block of flush epoch e (jr->n when there is none). */
size_t epoch_first(const struct journal *jr, unsigned long e);
/* Apply --order: a permutation of the journal's blocks (1-based). */
int permute(struct journal *jr, const char *list);
/* Write a->out: a->image (sparse) plus what the cut, tear or reordering
 * of a leaves of the journal. 0, or 1 with the reason on stderr. */
int write_state(const struct journal *jr, const struct args *a);

#endif

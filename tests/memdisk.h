/* SPDX-License-Identifier: MIT */
/* A recording block device for tests: a private in-memory copy of an image
 * file (copy-on-write mapping, so sparse 1 GiB images cost only the blocks
 * touched) or of a buffer, with any block size 512..4096. Every call is
 * recorded in order; the k-th read, write or flush can be made to fail with
 * GPT_E_IO; and the device can lie about what it stored, so that a commit's
 * read-back must notice. Buffers handed to read/write must come from the
 * device's own alloc (as EFI Block I/O needs aligned buffers); anything else
 * is counted in bad_buffers. */
#ifndef GPTRIM_TESTS_MEMDISK_H
#define GPTRIM_TESTS_MEMDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

enum md_op { MD_READ, MD_WRITE, MD_FLUSH, MD_OPS };

struct md_call {
	enum md_op op;
	uint64_t lba;
	uint32_t count;
	enum gpt_status status; /* what the device returned */
};

enum md_readback {
	MD_RB_EXACT,   /* an honest device */
	MD_RB_DROP,    /* writes report success but store nothing */
	MD_RB_FLIP,    /* blocks once written read back with one bit flipped */
};

#define MD_MAX_ALLOCS 64

struct md_alloc {
	void *ptr;
	size_t size;
};

struct memdisk {
	struct blockdev dev;      /* hand &md->dev to the core */
	uint8_t *data;            /* the disk's content, size bytes */
	size_t size;
	struct md_call *log;      /* every call, in order */
	size_t nlog, log_cap;
	uint32_t done[MD_OPS];    /* calls made per op */
	uint32_t fail_at[MD_OPS]; /* fail the k-th call (1-based); 0 never */
	enum md_readback readback;
	uint8_t *written;         /* one byte per block: written since open */
	struct md_alloc allocs[MD_MAX_ALLOCS];
	uint32_t live_allocs;
	uint32_t bad_buffers;     /* I/O on memory not from alloc, bad frees */
	uint32_t out_of_range;    /* calls beyond the last block */
};

/* Open a private copy of an image file; size must be a multiple of
 * block_size. Returns 0, or -1 with errno set. */
int memdisk_open_file(struct memdisk *md, const char *path,
		      uint32_t block_size);
/* A disk of size bytes initialised from buf (len bytes, rest zero). */
int memdisk_open_buffer(struct memdisk *md, const void *buf, size_t len,
			size_t size, uint32_t block_size);
void memdisk_close(struct memdisk *md);

/* Forget the log, the call counts and any pending failure. */
void memdisk_clear_log(struct memdisk *md);
/* Fail the k-th call of op from now on (k = 1 is the next one). */
void memdisk_fail(struct memdisk *md, enum md_op op, uint32_t k);
/* Sum of counts of successful writes in the log. */
uint32_t memdisk_blocks_written(const struct memdisk *md);
uint32_t memdisk_calls(const struct memdisk *md, enum md_op op);
/* Pointer to block lba of the content. */
uint8_t *memdisk_block(const struct memdisk *md, uint64_t lba);
/* One line per call ("write 2097151+1") to stdout, each prefixed "# ". */
void memdisk_dump_log(const struct memdisk *md);
const char *memdisk_op_name(enum md_op op);

#endif

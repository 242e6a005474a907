/* SPDX-License-Identifier: MIT */
/* The in-memory block device of every C test: the unit tests, the power-cut
 * cutter (tests/cuts) and the fuzz targets (tests/fuzz). Any block size
 * 512..4096. Two kinds of content:
 *  - flat: a private copy of an image file (copy-on-write mapping, so sparse
 *    1 GiB images cost only the blocks touched) or of a buffer; the bytes
 *    are one array (memdisk_block);
 *  - overlay: a caller's buffer read in place, zeros past its end, written
 *    blocks kept in a sparse table; a disk of any size up to 2^64 blocks
 *    costs nothing and the buffer is never copied (a fuzzer's input).
 * Every read, write and flush is recorded in order (with the data written
 * when keep_writes is set); the k-th alloc, read, write or flush can be made
 * to fail; a flat device can lie about what it stored, so that a commit's
 * read-back must notice. Buffers handed to read/write must come from the
 * device's own alloc (as EFI Block I/O needs aligned buffers); each
 * allocation is exactly the size asked for (ASan sees overruns). Anything
 * else (a stray buffer, a bad free, a call beyond the disk, an allocation
 * still live at close) is counted and, when trap is set, reported to it at
 * once (the fuzz targets abort there, with the stack). */
#ifndef GPTRIM_TESTS_MEMDISK_H
#define GPTRIM_TESTS_MEMDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"

enum md_op { MD_READ, MD_WRITE, MD_FLUSH, MD_ALLOC, MD_OPS };

struct md_call {
	enum md_op op;
	uint64_t lba;
	uint32_t count;
	enum gpt_status status; /* what the device returned */
	uint8_t *data;          /* keep_writes: the blocks a write stored */
};

enum md_readback {
	MD_RB_EXACT,   /* an honest device */
	MD_RB_DROP,    /* writes report success but store nothing (flat) */
	MD_RB_FLIP,    /* blocks once written read back with one bit flipped
			* (flat) */
};

#define MD_MAX_ALLOCS 64

struct md_alloc {
	void *ptr;
	size_t size;
};

struct md_slot {
	uint64_t lba;
	uint8_t *data; /* NULL: empty slot */
};

struct memdisk {
	struct blockdev dev;      /* hand &md->dev to the core */
	uint64_t last_block;      /* the last block the device really has (a
				   * test may make dev.last_lba lie) */
	uint8_t *data;            /* flat: the disk's content, size bytes */
	size_t size;
	const uint8_t *base;      /* overlay: initial content, base_len bytes */
	size_t base_len;
	struct md_slot *slots;    /* overlay: written blocks, open addressing */
	size_t nslots, slot_cap;  /* slot_cap a power of two */
	struct md_call *log;      /* every read, write and flush, in order */
	size_t nlog, log_cap;
	bool keep_writes;         /* keep a copy of what each write stored */
	uint32_t done[MD_OPS];    /* calls made per op, failed ones too */
	uint32_t fail_at[MD_OPS]; /* fail the k-th call (1-based); 0 never */
	bool fault_fired;         /* an injected failure happened */
	enum md_readback readback;
	uint8_t *written;         /* flat: a byte per block, written since open */
	struct md_alloc allocs[MD_MAX_ALLOCS];
	uint32_t live_allocs;
	uint32_t bad_buffers;     /* I/O on memory not from alloc, bad frees */
	uint32_t out_of_range;    /* calls beyond the last block */
	/* Called with what went wrong at each stray buffer, bad free, call
	 * beyond the disk, allocation beyond MD_MAX_ALLOCS, and at close
	 * with allocations still live; NULL: only count. */
	void (*trap)(const struct memdisk *md, const char *what);
};

/* Open a private copy of an image file; size must be a multiple of
 * block_size. Returns 0, or -1 with errno set. */
int memdisk_open_file(struct memdisk *md, const char *path,
		      uint32_t block_size);
/* A disk of size bytes initialised from buf (len bytes, rest zero). */
int memdisk_open_buffer(struct memdisk *md, const void *buf, size_t len,
			size_t size, uint32_t block_size);
/* An overlay disk of last_lba + 1 blocks whose initial content is
 * base[0..len) followed by zeros; base must outlive the disk. */
int memdisk_open_overlay(struct memdisk *md, const uint8_t *base, size_t len,
			 uint32_t block_size, uint64_t last_lba);
/* Free everything (trap first, if allocations are still live). */
void memdisk_close(struct memdisk *md);

/* Forget the log, the call counts and any pending failure. */
void memdisk_clear_log(struct memdisk *md);
/* Fail the k-th call of op from now on (k = 1 is the next one); k = 0
 * clears it. A failed read or write transfers nothing. */
void memdisk_fail(struct memdisk *md, enum md_op op, uint32_t k);
/* Sum of counts of successful writes in the log. */
uint32_t memdisk_blocks_written(const struct memdisk *md);
/* Read, write or flush calls in the log, failed ones too. */
uint32_t memdisk_calls(const struct memdisk *md, enum md_op op);
/* Flat disks: pointer to block lba of the content. */
uint8_t *memdisk_block(const struct memdisk *md, uint64_t lba);
/* The current content of block lba into out (block_size bytes). */
void memdisk_peek(const struct memdisk *md, uint64_t lba, uint8_t *out);
/* Block lba becomes src, bypassing the device (memstore.c; md_write's
 * storage). */
void memdisk_store(struct memdisk *md, uint64_t lba, const uint8_t *src);
/* One line per call ("write 2097151+1") to stdout, each prefixed "# ". */
void memdisk_dump_log(const struct memdisk *md);
const char *memdisk_op_name(enum md_op op);

#endif

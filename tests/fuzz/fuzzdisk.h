/* SPDX-License-Identifier: MIT */
/* Support for the fuzz targets: a sparse copy-on-write memory disk over the
 * fuzzer's input, with one injectable fault and strict accounting, a report
 * sink that checks every line, and an assertion that aborts (libFuzzer then
 * reports the input and the stack).
 *
 * The disk reads the input bytes (zeros past their end) and keeps written
 * blocks in a hash table, so its size costs nothing and an execution never
 * copies the input. Every buffer the core hands to read/write must come
 * from the disk's alloc (as EFI Block I/O needs aligned buffers); each
 * allocation is exactly the size asked for, so ASan catches overruns; and
 * fuzzdisk_fini aborts if any allocation is still live (a leak in the core,
 * also on its error paths). */
#ifndef GPTRIM_TESTS_FUZZDISK_H
#define GPTRIM_TESTS_FUZZDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "report.h"

/* Abort with a message naming the broken invariant. */
#define FUZZ_CHECK(cond, ...)                                                \
	do {                                                                 \
		if (!(cond))                                                 \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);   \
	} while (0)
void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...) __attribute__((noreturn, format(printf, 4, 5)));

/* Is tag listed in GPTRIM_FUZZ_KNOWN (comma-separated)? While a reported
 * core bug is open, a long run can tolerate it this way to keep looking
 * for others; each tag guards one check and names a regression input.
 * make check never sets it. */
bool fuzz_known(const char *tag);

enum fd_op { FD_ALLOC, FD_READ, FD_WRITE, FD_FLUSH, FD_OPS, FD_NONE = FD_OPS };

struct fd_slot {
	uint64_t lba;
	uint8_t *data; /* NULL: empty slot */
};

#define FD_MAX_ALLOCS 64

struct fuzzdisk {
	struct blockdev dev;       /* hand &d->dev to the core */
	const uint8_t *base;       /* initial content; zeros past base_len */
	size_t base_len;
	struct fd_slot *slots;     /* written blocks, open addressing */
	size_t nslots, slot_cap;   /* slot_cap a power of two */
	uint32_t calls[FD_OPS];    /* calls made per op (failed ones too) */
	uint32_t blocks_written;   /* by successful writes */
	enum fd_op fault_op;       /* fail the fault_k-th call of this op */
	uint32_t fault_k;
	bool fault_fired;
	struct { void *ptr; size_t size; } allocs[FD_MAX_ALLOCS];
	uint32_t live_allocs;
};

/* A disk of last_lba + 1 blocks of block_size bytes whose initial content
 * is base[0..len) followed by zeros. base must outlive the disk. */
void fuzzdisk_init(struct fuzzdisk *d, const uint8_t *base, size_t len,
		   uint32_t block_size, uint64_t last_lba);
/* Free everything; aborts if the core left an allocation live. */
void fuzzdisk_fini(struct fuzzdisk *d);
/* Fail the k-th call (1-based, counted from now) of op; FD_NONE or k == 0
 * clears the fault. A failed read or write transfers nothing. */
void fuzzdisk_fault(struct fuzzdisk *d, enum fd_op op, uint32_t k);
/* The current content of block lba into out (block_size bytes). */
void fuzzdisk_peek(const struct fuzzdisk *d, uint64_t lba, uint8_t *out);

/* A sink that checks each line: a known level, NUL-terminated within
 * REPORT_LINE_MAX, no control characters. ctx may be NULL. */
extern const struct report_sink fuzz_sink;

#endif

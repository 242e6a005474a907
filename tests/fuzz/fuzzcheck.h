/* SPDX-License-Identifier: MIT */
/* Support for the fuzz targets: an assertion that aborts (libFuzzer then
 * reports the input and the stack), the memory disk of the tests set up to
 * fail at once on anything the core does wrong with it, and a report sink
 * that checks every line. */
#ifndef GPTRIM_TESTS_FUZZCHECK_H
#define GPTRIM_TESTS_FUZZCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "memdisk.h"
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

/* A disk for the core: an overlay memdisk (tests/memdisk.h) of last_lba + 1
 * blocks of block_size bytes whose initial content is base[0..len)
 * followed by zeros, base never copied nor written; any stray buffer, bad
 * free, call beyond the disk, or allocation still live at memdisk_close
 * (a leak in the core, also on its error paths) fails at once with
 * fuzz_fail. */
void fuzz_disk_open(struct memdisk *md, const uint8_t *base, size_t len,
		    uint32_t block_size, uint64_t last_lba);

/* A sink that checks each line: a known level, NUL-terminated within
 * REPORT_LINE_MAX, no control characters. ctx may be NULL. */
extern const struct report_sink fuzz_sink;

#endif

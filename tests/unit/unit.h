/* SPDX-License-Identifier: MIT */
/* Shared helpers of the cmocka unit tests: fixtures (made at test time by
 * tests/fixtures/mkfixtures.sh into $GPTRIM_FIXTURES, default
 * build/fixtures), an independent CRC-32, and reason-text matching. */
#ifndef GPTRIM_TESTS_UNIT_H
#define GPTRIM_TESTS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gpt.h"
#include "guid.h"
#include "memdisk.h"

const char *fixture_dir(void);
/* Block size of a fixture as listed in fixtures.list; fails the test when
 * the fixture is not there. */
uint32_t fixture_block_size(const char *name);
/* Path of OUTDIR/<file>; a static buffer, valid until the next call. */
const char *fixture_path(const char *file);
/* A private copy of fixture <name>.img on md (fails the test otherwise). */
void fixture_open(struct memdisk *md, const char *name);
/* The whole of a fixture file, malloc'd; fails the test when missing. */
uint8_t *fixture_slurp(const char *file, size_t *len);
/* Bytes [off, off + len) of a fixture file as made (the pristine image). */
void fixture_pread(const char *file, uint64_t off, void *buf, size_t len);

/* Open fixture <name> and gpt_load it, asserting GPT_OK. */
void load_fixture(struct memdisk *md, struct gpt_table *t, const char *name);
void unload(struct memdisk *md, struct gpt_table *t);

/* CRC-32 written bit by bit from the definition, to check the core's. */
uint32_t ref_crc32(const void *data, size_t len);
/* Are a header block's CRC and array CRC right (array: num x size bytes)? */
bool ref_header_crc_ok(const uint8_t *hdr);
bool ref_array_crc_ok(const uint8_t *hdr, const uint8_t *array);

/* Does text name one of the '|'-separated keywords? Case, spaces, '_' and
 * '-' are ignored on both sides, so "MyLBA", "my_lba" and "My LBA" match
 * "mylba". */
bool reason_names(const char *text, const char *keywords);
#define assert_reason(text, keywords)                                      \
	do {                                                               \
		if (!reason_names((text), (keywords)))                     \
			fail_msg("reason \"%s\" names none of \"%s\"",     \
				 (text), (keywords));                      \
	} while (0)
#define assert_status(got, want)                                           \
	do {                                                               \
		enum gpt_status got_ = (got), want_ = (want);              \
		if (got_ != want_)                                         \
			fail_msg("status %s, expected %s",                 \
				 gpt_status_name(got_),                    \
				 gpt_status_name(want_));                  \
	} while (0)

/* Run a group of tests (names as in the table; $UNIT_FILTER selects by
 * name); the exit status of main: 0, or 1 when a test failed. */
int unit_run(const char *group, struct CMUnitTest *tests, size_t n);

#endif

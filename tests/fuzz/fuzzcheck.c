// SPDX-License-Identifier: MIT
/* The fuzz targets' assertion, disk and report sink. */
#include "fuzzcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "\n==== fuzz invariant failed at %s:%d: %s\n     ", file,
		line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	abort();
}

bool fuzz_known(const char *tag)
{
	const char *s = getenv("GPTRIM_FUZZ_KNOWN");
	size_t n = strlen(tag);

	while (s && *s) {
		size_t len = strcspn(s, ",");

		if (len == n && strncmp(s, tag, n) == 0)
			return true;
		s += len + (s[len] == ',');
	}
	return false;
}

static void disk_trap(const struct memdisk *md, const char *what)
{
	(void)md;
	fuzz_fail(__FILE__, __LINE__, "the core uses the disk as it must",
		  "%s", what);
}

void fuzz_disk_open(struct memdisk *md, const uint8_t *base, size_t len,
		    uint32_t block_size, uint64_t last_lba)
{
	FUZZ_CHECK(memdisk_open_overlay(md, base, len, block_size,
					last_lba) == 0,
		   "overlay disk of %u-byte blocks", block_size);
	md->trap = disk_trap;
}

static void sink_line(void *ctx, enum report_level level, const char *text)
{
	size_t len;

	(void)ctx;
	FUZZ_CHECK(level >= REPORT_INFO && level <= REPORT_ERROR,
		   "report level %d", (int)level);
	FUZZ_CHECK(text, "report line is NULL");
	len = strnlen(text, REPORT_LINE_MAX);
	FUZZ_CHECK(len < REPORT_LINE_MAX,
		   "report line not NUL-terminated within %d bytes",
		   REPORT_LINE_MAX);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)text[i] >= 0x20 && text[i] != 0x7F,
			   "control character 0x%02x at %zu in report line "
			   "\"%s\"", (unsigned char)text[i], i, text);
}

const struct report_sink fuzz_sink = { sink_line, NULL };

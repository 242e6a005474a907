// SPDX-License-Identifier: MIT
/* Helpers shared by the unit tests; see unit.h. */
#include "unit.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fixture_dir(void)
{
	const char *d = getenv("GPTRIM_FIXTURES");

	return d && *d ? d : "build/fixtures";
}

const char *fixture_path(const char *file)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), file);
	return path;
}

uint32_t fixture_block_size(const char *name)
{
	char line[256], n[200];
	unsigned bs = 0;
	FILE *f = fopen(fixture_path("fixtures.list"), "r");

	if (!f)
		fail_msg("no %s: run tests/fixtures/mkfixtures.sh %s",
			 fixture_path("fixtures.list"), fixture_dir());
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%199s %u", n, &bs) == 2 && !strcmp(n, name))
			break;
		else
			bs = 0;
	fclose(f);
	if (!bs)
		fail_msg("fixture %s is not in %s (mkfixtures.sh needs root for "
			 "1K/2K/4Kn images)", name, fixture_path("fixtures.list"));
	return bs;
}

void fixture_open(struct memdisk *md, const char *name)
{
	uint32_t bs = fixture_block_size(name);
	char file[256];

	snprintf(file, sizeof(file), "%s.img", name);
	if (memdisk_open_file(md, fixture_path(file), bs) != 0)
		fail_msg("cannot open fixture %s: %s", fixture_path(file),
			 strerror(errno));
}

uint8_t *fixture_slurp(const char *file, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(fixture_path(file), O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0)
		fail_msg("cannot open fixture %s: %s", fixture_path(file),
			 strerror(errno));
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		fail_msg("short read of %s", fixture_path(file));
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

void fixture_pread(const char *file, uint64_t off, void *buf, size_t len)
{
	int fd = open(fixture_path(file), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fail_msg("cannot open fixture %s: %s", fixture_path(file),
			 strerror(errno));
	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		fail_msg("short read of %s at %llu", fixture_path(file),
			 (unsigned long long)off);
	close(fd);
}

void load_fixture(struct memdisk *md, struct gpt_table *t, const char *name)
{
	struct gpt_reason why = { 0 };

	fixture_open(md, name);
	memset(t, 0, sizeof(*t));
	if (gpt_load(&md->dev, t, &why) != GPT_OK)
		fail_msg("gpt_load(%s): %s: %s", name,
			 gpt_status_name(why.status), why.text);
}

void unload(struct memdisk *md, struct gpt_table *t)
{
	gpt_table_release(t);
	assert_int_equal(md->live_allocs, 0); /* the core freed its buffers */
	assert_int_equal(md->bad_buffers, 0);
	memdisk_close(md);
}

uint32_t ref_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

bool ref_header_crc_ok(const uint8_t *hdr)
{
	uint8_t copy[4096];
	uint32_t size = le32(hdr + 12);

	if (size < 92 || size > sizeof(copy))
		return false;
	memcpy(copy, hdr, size);
	memset(copy + 16, 0, 4);
	return ref_crc32(copy, size) == le32(hdr + 16);
}

bool ref_array_crc_ok(const uint8_t *hdr, const uint8_t *array)
{
	uint64_t bytes = (uint64_t)le32(hdr + 80) * le32(hdr + 84);

	return ref_crc32(array, (size_t)bytes) == le32(hdr + 88);
}

static void squeeze(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 1 < cap; in++)
		if (isalnum((unsigned char)*in))
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = 0;
}

bool reason_names(const char *text, const char *keywords)
{
	char hay[GPT_REASON_MAX * 2], kw[128], word[128];
	const char *k = keywords;

	squeeze(text, hay, sizeof(hay));
	while (*k) {
		size_t n = strcspn(k, "|");

		snprintf(word, sizeof(word), "%.*s", (int)n, k);
		squeeze(word, kw, sizeof(kw));
		if (*kw && strstr(hay, kw))
			return true;
		k += n + (k[n] == '|');
	}
	return false;
}

int unit_run(const char *group, struct CMUnitTest *tests, size_t n)
{
	const char *filter = getenv("UNIT_FILTER");

	if (filter && *filter)
		cmocka_set_test_filter(filter);
	if (_cmocka_run_group_tests(group, tests, n, NULL, NULL) == 0)
		return 0; /* and LeakSanitizer checks the core freed everything */
	/* A failed assertion skips its test's cleanup: leave before the
	 * leak report, which would only bury the failure. */
	fflush(stdout);
	_exit(1);
}

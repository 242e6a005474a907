// SPDX-License-Identifier: MIT
/* The cutter's journal and the images it writes: the input plus a prefix
 * of the journal (a cut), with the next block torn, or the blocks of the
 * epochs before one and a subset of that epoch (a reordering). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cutter.h"

int journal_from_log(struct journal *jr, const struct memdisk *md)
{
	uint32_t bs = md->dev.block_size;

	memset(jr, 0, sizeof(*jr));
	jr->block_size = bs;
	jr->n = memdisk_blocks_written(md);
	jr->j = calloc(jr->n ? jr->n : 1, sizeof(*jr->j));
	if (!jr->j)
		return -1;
	jr->n = 0;
	for (size_t i = 0; i < md->nlog; i++) {
		const struct md_call *c = &md->log[i];

		if (c->status != GPT_OK)
			continue;
		if (c->op == MD_FLUSH)
			jr->flushes++;
		if (c->op != MD_WRITE)
			continue;
		jr->calls++;
		for (uint32_t k = 0; k < c->count; k++)
			jr->j[jr->n++] = (struct jblock){
				c->lba + k, jr->calls, jr->flushes,
				c->data + (size_t)k * bs };
	}
	return 0;
}

void journal_free(struct journal *jr)
{
	free(jr->j);
	memset(jr, 0, sizeof(*jr));
}

/* OUT = IMAGE, sparse: only the data extents are copied. */
static int copy_sparse(const char *in, const char *out)
{
	int ifd = open(in, O_RDONLY | O_CLOEXEC);
	int ofd = -1, rc = -1;
	struct stat st;
	off_t pos = 0;
	static char buf[1 << 16];

	if (ifd < 0 || fstat(ifd, &st) != 0)
		goto out;
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0 || ftruncate(ofd, st.st_size) != 0)
		goto out;
	while (pos < st.st_size) {
		off_t data = lseek(ifd, pos, SEEK_DATA);
		off_t hole;

		if (data < 0)
			break; /* ENXIO: only a hole is left */
		hole = lseek(ifd, data, SEEK_HOLE);
		if (hole < 0)
			goto out;
		for (pos = data; pos < hole;) {
			size_t want = (size_t)(hole - pos) < sizeof(buf) ?
					      (size_t)(hole - pos) : sizeof(buf);
			ssize_t got = pread(ifd, buf, want, pos);

			if (got <= 0 || pwrite(ofd, buf, (size_t)got, pos) != got)
				goto out;
			pos += got;
		}
	}
	rc = 0;
out:
	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0 && close(ofd) != 0)
		rc = -1;
	return rc;
}

static int put_block(int fd, const struct journal *jr, size_t i, size_t bytes)
{
	return pwrite(fd, jr->j[i].data, bytes,
		      (off_t)(jr->j[i].lba * jr->block_size)) ==
			       (ssize_t)bytes ? 0 : -1;
}

size_t epoch_first(const struct journal *jr, unsigned long e)
{
	size_t i = 0;

	while (i < jr->n && jr->j[i].epoch < e)
		i++;
	return i;
}

int permute(struct journal *jr, const char *list)
{
	struct jblock *nj = calloc(jr->n ? jr->n : 1, sizeof(*nj));
	bool *seen = calloc(jr->n ? jr->n : 1, sizeof(*seen));
	const char *p = list;
	size_t k = 0;
	int rc = -1;

	if (!nj || !seen)
		goto out;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v < 1 || v > jr->n || seen[v - 1] || k == jr->n)
			goto out;
		seen[v - 1] = true;
		nj[k++] = jr->j[v - 1];
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			goto out;
	}
	if (k != jr->n)
		goto out;
	memcpy(jr->j, nj, jr->n * sizeof(*nj));
	rc = 0;
out:
	free(nj);
	free(seen);
	return rc;
}

int write_state(const struct journal *jr, const struct args *a)
{
	uint32_t bs = jr->block_size;
	int fd, rc = 0;

	if (copy_sparse(a->image, a->out) != 0) {
		fprintf(stderr, "cutter: copying %s to %s: %s\n", a->image,
			a->out, strerror(errno));
		return 1;
	}
	fd = open(a->out, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	if (a->mode == MODE_CUT) {
		size_t keep = a->cut - 1;

		for (size_t i = 0; i < keep && !rc; i++)
			rc = put_block(fd, jr, i, bs);
		if (!rc && a->tear)
			rc = put_block(fd, jr, keep, a->tear * 512);
	} else {
		size_t first = epoch_first(jr, a->epoch);

		for (size_t i = 0; i < first && !rc; i++)
			rc = put_block(fd, jr, i, bs);
		for (size_t i = first; i < jr->n && jr->j[i].epoch == a->epoch &&
				       !rc; i++)
			if (a->mask >> (i - first) & 1)
				rc = put_block(fd, jr, i, bs);
	}
	if (close(fd) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "cutter: writing %s: %s\n", a->out,
			strerror(errno));
	return rc ? 1 : 0;
}

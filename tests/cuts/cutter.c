// SPDX-License-Identifier: MIT
/* cutter: what a power cut in the middle of a removal leaves on the disk.
 *
 * The core plans the Windows RE removal of an image (or --type GUIDs) and
 * commits it on a journaling device over tests/memdisk (a private copy:
 * the input is never written). Every block the commit writes is recorded
 * in order, one entry per block (a write call of several blocks is several
 * entries, ascending), with the write call and the flush epoch it belongs
 * to. The image after a cut is then the input plus a prefix of the journal:
 *
 *   --cut K          block writes 1..K-1 reached the disk; block K and
 *                    everything after it are lost (K = blocks + 1: the
 *                    whole commit). The cut may fall between the blocks of
 *                    one multi-block write call.
 *   --cut K --tear N as --cut K, and block K is torn: its first N*512
 *                    bytes are new, the rest old (1 <= N < block/512).
 *   --reorder E MASK the blocks of flush epochs before E reached the disk,
 *                    of epoch E only those whose bit is set in MASK (bit 0
 *                    the first block of the epoch), nothing later: a write
 *                    cache may persist the writes between two flushes in
 *                    any order.
 *
 * Flushes do not change what reaches the image in this model except that
 * everything before the cut did.
 *
 *   --order LIST     (to test the tests) first permute the journal: LIST is
 *                    1-based block numbers, comma separated, a permutation
 *                    of 1..blocks, e.g. 1,3,2,4 writes both arrays before
 *                    either header, an order that must fail the judge.
 *
 *   cutter --count [opts] IMAGE         blocks, calls, flushes; the journal
 *   cutter --cut K [--tear N] [opts] IMAGE OUT
 *   cutter --reorder E MASK [opts] IMAGE OUT
 * opts: --sector-size N (512), --repair, --type GUID (repeatable),
 *       --order LIST
 * OUT is created sparse (only the data extents of IMAGE are copied).
 * Exit 0, 1 when the commit itself failed (reason on stderr), 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpt.h"
#include "guid.h"
#include "memdisk.h"

struct jblock {
	uint64_t lba;
	uint32_t call;  /* 1-based write call */
	uint32_t epoch; /* flushes before it */
	uint8_t *data;
};

struct jdev {
	struct blockdev dev;   /* what the core sees */
	struct memdisk md;     /* where the commit really goes */
	struct jblock *j;
	size_t n, cap;
	uint32_t calls, flushes;
};

static struct jdev *to_jd(struct blockdev *dev)
{
	return dev->ctx;
}

static enum gpt_status j_read(struct blockdev *dev, uint64_t lba,
			      uint32_t count, void *buf, struct gpt_reason *why)
{
	struct jdev *jd = to_jd(dev);

	return jd->md.dev.ops->read(&jd->md.dev, lba, count, buf, why);
}

static enum gpt_status j_write(struct blockdev *dev, uint64_t lba,
			       uint32_t count, const void *buf,
			       struct gpt_reason *why)
{
	struct jdev *jd = to_jd(dev);
	uint32_t bs = dev->block_size;
	enum gpt_status st = jd->md.dev.ops->write(&jd->md.dev, lba, count,
						   buf, why);

	if (st != GPT_OK)
		return st;
	jd->calls++;
	for (uint32_t i = 0; i < count; i++) {
		struct jblock *b;

		if (jd->n == jd->cap) {
			size_t cap = jd->cap ? jd->cap * 2 : 16;
			struct jblock *nj = realloc(jd->j, cap * sizeof(*nj));

			if (!nj)
				abort();
			jd->j = nj;
			jd->cap = cap;
		}
		b = &jd->j[jd->n++];
		b->lba = lba + i;
		b->call = jd->calls;
		b->epoch = jd->flushes;
		b->data = malloc(bs);
		if (!b->data)
			abort();
		memcpy(b->data, (const uint8_t *)buf + (size_t)i * bs, bs);
	}
	return GPT_OK;
}

static enum gpt_status j_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct jdev *jd = to_jd(dev);
	enum gpt_status st = jd->md.dev.ops->flush(&jd->md.dev, why);

	if (st == GPT_OK)
		jd->flushes++;
	return st;
}

static void *j_alloc(struct blockdev *dev, size_t size)
{
	struct jdev *jd = to_jd(dev);

	return jd->md.dev.ops->alloc(&jd->md.dev, size);
}

static void j_free(struct blockdev *dev, void *buf, size_t size)
{
	struct jdev *jd = to_jd(dev);

	jd->md.dev.ops->free(&jd->md.dev, buf, size);
}

static const struct blockdev_ops j_ops = {
	.read = j_read,
	.write = j_write,
	.flush = j_flush,
	.alloc = j_alloc,
	.free = j_free,
};

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

static int usage(const char *why)
{
	fprintf(stderr, "cutter: %s\n"
		"usage: cutter --count [opts] IMAGE\n"
		"       cutter --cut K [--tear N] [opts] IMAGE OUT\n"
		"       cutter --reorder EPOCH MASK [opts] IMAGE OUT\n"
		"opts: --sector-size N, --repair, --type GUID\n", why);
	return 2;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return s[0] && !*end && !errno;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	const char *pos[2] = { NULL, NULL };
	int npos = 0;
	unsigned long v;

	memset(a, 0, sizeof(*a));
	a->sector_size = 512;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		bool more = i + 1 < argc;

		if (!strcmp(s, "--count")) {
			a->mode = MODE_COUNT;
		} else if (!strcmp(s, "--cut") && more) {
			a->mode = MODE_CUT;
			if (!parse_ulong(argv[++i], &a->cut) || !a->cut)
				return usage("--cut K: K >= 1");
		} else if (!strcmp(s, "--tear") && more) {
			if (!parse_ulong(argv[++i], &a->tear) || !a->tear)
				return usage("--tear N: N >= 1");
		} else if (!strcmp(s, "--reorder") && i + 2 < argc) {
			a->mode = MODE_REORDER;
			if (!parse_ulong(argv[++i], &a->epoch) ||
			    !parse_ulong(argv[++i], &a->mask))
				return usage("--reorder EPOCH MASK: numbers");
		} else if (!strcmp(s, "--sector-size") && more) {
			if (!parse_ulong(argv[++i], &v) || v < 512 || v > 4096 ||
			    (v & (v - 1)))
				return usage("--sector-size: 512..4096");
			a->sector_size = (uint32_t)v;
		} else if (!strcmp(s, "--order") && more) {
			a->order = argv[++i];
		} else if (!strcmp(s, "--repair")) {
			a->repair = true;
		} else if (!strcmp(s, "--type") && more) {
			if (a->ntypes == GPT_TYPES_MAX ||
			    !guid_parse(argv[++i], &a->types[a->ntypes++]))
				return usage("--type: a GUID, at most 8");
		} else if (s[0] == '-' && s[1]) {
			return usage("unknown option or missing value");
		} else if (npos < 2) {
			pos[npos++] = s;
		} else {
			return usage("too many arguments");
		}
	}
	if (a->mode == MODE_NONE)
		return usage("--count, --cut or --reorder");
	if (npos != (a->mode == MODE_COUNT ? 1 : 2))
		return usage(a->mode == MODE_COUNT ? "IMAGE" : "IMAGE OUT");
	if (a->tear && a->mode != MODE_CUT)
		return usage("--tear goes with --cut");
	if (a->tear && a->tear >= a->sector_size / 512)
		return usage("--tear N: N < sector size / 512");
	a->image = pos[0];
	a->out = pos[1];
	if (!a->ntypes)
		a->types[a->ntypes++] = GPT_TYPE_WINDOWS_RE;
	return 0;
}

/* Load, check, plan and commit on the journaling device. */
static int run_commit(struct jdev *jd, const struct args *a,
		      struct gpt_commit_result *res, uint32_t *planned)
{
	struct gpt_table t;
	struct gpt_plan plan;
	struct gpt_reason why;
	enum gpt_status st;

	st = gpt_load(&jd->dev, &t, &why);
	if (st == GPT_OK)
		st = gpt_check_table(&t, a->repair, &why);
	if (st == GPT_OK)
		st = gpt_plan_removals(&t, a->types, a->ntypes, &plan, &why);
	if (st == GPT_OK)
		st = gpt_commit_removals(&t, &plan, a->repair, res, &why);
	gpt_table_release(&t);
	if (st != GPT_OK) {
		fprintf(stderr, "cutter: %s: %s: %s\n", a->image,
			gpt_status_name(st), why.text);
		return 1;
	}
	*planned = plan.count;
	if (jd->md.live_allocs || jd->md.bad_buffers || jd->md.out_of_range) {
		fprintf(stderr, "cutter: %s: %u buffers leaked, %u bad "
			"buffers, %u out-of-range calls\n", a->image,
			jd->md.live_allocs, jd->md.bad_buffers,
			jd->md.out_of_range);
		return 1;
	}
	if (res->blocks_written != jd->n || res->write_calls != jd->calls) {
		fprintf(stderr, "cutter: %s: the core counted %u blocks in %u "
			"calls, the device saw %zu in %u\n", a->image,
			res->blocks_written, res->write_calls, jd->n,
			jd->calls);
		return 1;
	}
	return 0;
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

static int put_block(int fd, const struct jdev *jd, size_t i, size_t bytes)
{
	uint32_t bs = jd->dev.block_size;

	return pwrite(fd, jd->j[i].data, bytes, (off_t)(jd->j[i].lba * bs)) ==
			       (ssize_t)bytes ? 0 : -1;
}

/* Blocks per epoch, and the first block of each. */
static size_t epoch_first(const struct jdev *jd, unsigned long e)
{
	size_t i = 0;

	while (i < jd->n && jd->j[i].epoch < e)
		i++;
	return i;
}

/* Apply --order: a permutation of the journal's blocks (1-based). */
static int permute(struct jdev *jd, const char *list)
{
	struct jblock *nj = calloc(jd->n ? jd->n : 1, sizeof(*nj));
	bool *seen = calloc(jd->n ? jd->n : 1, sizeof(*seen));
	const char *p = list;
	size_t k = 0;
	int rc = -1;

	if (!nj || !seen)
		goto out;
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v < 1 || v > jd->n || seen[v - 1] || k == jd->n)
			goto out;
		seen[v - 1] = true;
		nj[k++] = jd->j[v - 1];
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			goto out;
	}
	if (k != jd->n)
		goto out;
	memcpy(jd->j, nj, jd->n * sizeof(*nj));
	rc = 0;
out:
	free(nj);
	free(seen);
	return rc;
}

static int write_state(const struct jdev *jd, const struct args *a)
{
	uint32_t bs = jd->dev.block_size;
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
			rc = put_block(fd, jd, i, bs);
		if (!rc && a->tear)
			rc = put_block(fd, jd, keep, a->tear * 512);
	} else {
		size_t first = epoch_first(jd, a->epoch);

		for (size_t i = 0; i < first && !rc; i++)
			rc = put_block(fd, jd, i, bs);
		for (size_t i = first; i < jd->n && jd->j[i].epoch == a->epoch &&
				       !rc; i++)
			if (a->mask >> (i - first) & 1)
				rc = put_block(fd, jd, i, bs);
	}
	if (close(fd) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "cutter: writing %s: %s\n", a->out,
			strerror(errno));
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct args a;
	struct jdev jd;
	struct gpt_commit_result res;
	uint32_t planned = 0;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc;
	memset(&jd, 0, sizeof(jd));
	if (memdisk_open_file(&jd.md, a.image, a.sector_size) != 0) {
		fprintf(stderr, "cutter: %s: %s\n", a.image, strerror(errno));
		return 1;
	}
	jd.dev.ops = &j_ops;
	jd.dev.ctx = &jd;
	jd.dev.block_size = jd.md.dev.block_size;
	jd.dev.last_lba = jd.md.dev.last_lba;

	rc = run_commit(&jd, &a, &res, &planned);
	if (rc == 0 && a.order && permute(&jd, a.order) != 0)
		rc = usage("--order: a permutation of 1..blocks");
	if (rc == 0 && a.mode == MODE_COUNT) {
		printf("blocks %zu calls %u flushes %u removed %u epochs %u\n",
		       jd.n, jd.calls, jd.flushes, planned,
		       jd.n ? jd.j[jd.n - 1].epoch + 1 : 0);
		for (size_t i = 0; i < jd.n; i++)
			printf("# block %zu: lba %llu call %u epoch %u\n", i + 1,
			       (unsigned long long)jd.j[i].lba, jd.j[i].call,
			       jd.j[i].epoch);
	} else if (rc == 0 && a.mode == MODE_CUT && a.cut > jd.n + 1) {
		rc = usage("--cut K: K > blocks + 1");
	} else if (rc == 0 && a.mode == MODE_CUT && a.tear && a.cut > jd.n) {
		rc = usage("--tear: K must name a written block");
	} else if (rc == 0 && a.mode == MODE_REORDER &&
		   (a.epoch >= jd.flushes + 1u ||
		    epoch_first(&jd, a.epoch + 1) - epoch_first(&jd, a.epoch) >
			    30 ||
		    a.mask >> (epoch_first(&jd, a.epoch + 1) -
			       epoch_first(&jd, a.epoch)))) {
		rc = usage("--reorder: no such epoch or mask");
	} else if (rc == 0 && a.mode != MODE_COUNT) {
		rc = write_state(&jd, &a);
	}
	for (size_t i = 0; i < jd.n; i++)
		free(jd.j[i].data);
	free(jd.j);
	memdisk_close(&jd.md);
	return rc;
}

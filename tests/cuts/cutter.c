// SPDX-License-Identifier: MIT
/* cutter: what a power cut in the middle of a removal leaves on the disk.
 *
 * The core plans the Windows RE removal of an image (or --type GUIDs) and
 * commits it on tests/memdisk (a private copy: the input is never
 * written), which keeps what each write stored. Every block the commit
 * writes is in the journal in order, one entry per block (a write call of
 * several blocks is several entries, ascending), with the write call and
 * the flush epoch it belongs to (cutimage.c). The image after a cut is
 * then the input plus a prefix of the journal:
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cutter.h"
#include "guid.h"

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

/* Load, check, plan and commit on the disk, and the journal of what the
 * commit wrote. */
static int run_commit(struct memdisk *md, struct journal *jr,
		      const struct args *a, struct gpt_commit_result *res,
		      uint32_t *planned)
{
	struct gpt_table t;
	struct gpt_plan plan;
	struct gpt_reason why;
	enum gpt_status st;

	st = gpt_load(&md->dev, &t, &why);
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
	if (md->live_allocs || md->bad_buffers || md->out_of_range) {
		fprintf(stderr, "cutter: %s: %u buffers leaked, %u bad "
			"buffers, %u out-of-range calls\n", a->image,
			md->live_allocs, md->bad_buffers, md->out_of_range);
		return 1;
	}
	if (journal_from_log(jr, md) != 0) {
		fprintf(stderr, "cutter: out of memory\n");
		return 1;
	}
	if (res->blocks_written != jr->n || res->write_calls != jr->calls) {
		fprintf(stderr, "cutter: %s: the core counted %u blocks in %u "
			"calls, the device saw %zu in %u\n", a->image,
			res->blocks_written, res->write_calls, jr->n,
			jr->calls);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;
	struct memdisk md;
	struct journal jr = { 0 };
	struct gpt_commit_result res;
	uint32_t planned = 0;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc;
	if (memdisk_open_file(&md, a.image, a.sector_size) != 0) {
		fprintf(stderr, "cutter: %s: %s\n", a.image, strerror(errno));
		return 1;
	}
	md.keep_writes = true;

	rc = run_commit(&md, &jr, &a, &res, &planned);
	if (rc == 0 && a.order && permute(&jr, a.order) != 0)
		rc = usage("--order: a permutation of 1..blocks");
	if (rc == 0 && a.mode == MODE_COUNT) {
		printf("blocks %zu calls %u flushes %u removed %u epochs %u\n",
		       jr.n, jr.calls, jr.flushes, planned,
		       jr.n ? jr.j[jr.n - 1].epoch + 1 : 0);
		for (size_t i = 0; i < jr.n; i++)
			printf("# block %zu: lba %llu call %u epoch %u\n", i + 1,
			       (unsigned long long)jr.j[i].lba, jr.j[i].call,
			       jr.j[i].epoch);
	} else if (rc == 0 && a.mode == MODE_CUT && a.cut > jr.n + 1) {
		rc = usage("--cut K: K > blocks + 1");
	} else if (rc == 0 && a.mode == MODE_CUT && a.tear && a.cut > jr.n) {
		rc = usage("--tear: K must name a written block");
	} else if (rc == 0 && a.mode == MODE_REORDER &&
		   (a.epoch >= jr.flushes + 1u ||
		    epoch_first(&jr, a.epoch + 1) - epoch_first(&jr, a.epoch) >
			    30 ||
		    a.mask >> (epoch_first(&jr, a.epoch + 1) -
			       epoch_first(&jr, a.epoch)))) {
		rc = usage("--reorder: no such epoch or mask");
	} else if (rc == 0 && a.mode != MODE_COUNT) {
		rc = write_state(&jr, &a);
	}
	journal_free(&jr);
	memdisk_close(&md);
	return rc;
}

// SPDX-License-Identifier: MIT
/* Eva harness: a backup file of unknown bytes, of any length up to
 * GPT_BACKUP_MAX_BYTES, in a buffer of exactly that length (as the front
 * ends read it), decoded; and, when it decodes, one of the checks a
 * --restore and an --undo make against a table loaded from a device of
 * block size PROOF_BS (any size, unknown bytes, failing reads and
 * allocations): gpt_check_restore, gpt_check_undo, or gpt_backup_verify of
 * the same bytes. One per path, straight after the decode, as load.c does.
 * The buffer comes from the modelled allocator, whose contract (a block
 * valid for the size asked) WP reads: Eva takes the validity of the
 * smallest length, so the reads of the entry array are alarms that WP
 * disproves from the contracts, and a read past the file's end would be
 * one it cannot. A file shorter than the three 512-byte slots gets a
 * buffer of its own, so that Eva knows the slots of the longer ones
 * valid. The file is made after the load, and said apart from the table
 * (Eva proves it: WP cannot see that a new block is fresh). */
#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"

#define PROOF_SLOTS (3u * GPT_BACKUP_SLOT)

int main(void)
{
	size_t len = Frama_C_size_t_interval(0, GPT_BACKUP_MAX_BYTES);
	struct blockdev dev;
	struct gpt_table t;
	struct gpt_backup b;
	struct gpt_reason why;
	uint32_t restored;
	uint8_t *buf;

	proof_dev_init(&dev, PROOF_BS);
	if (gpt_load(&dev, &t, &why) != GPT_OK)
		goto out;
	if (len < PROOF_SLOTS)
		buf = bdev_alloc(&dev, len ? len : 1);
	else
		buf = bdev_alloc(&dev, len);
	if (!buf)
		goto out;
	if (len) /* the built-in itself: WP reads its assigns */
		Frama_C_make_unknown((char *)buf, len);
	//@ assert \separated(buf + (0 .. len - 1), &t, &b, &why, &dev);
	if (gpt_backup_decode(buf, len, &b, &why) == GPT_OK) {
		//@ split t.primary.valid;
		//@ split t.backup.valid;
		/* What the three checks require, said once here, where WP
		 * carries gpt_load's postcondition across the file's
		 * allocation and decode (3 s of CVC4). Left to each
		 * call, CVC4 took a minute for gpt_backup_verify's, and over
		 * its 2' under make check's load (tests/proof/README.md). */
		//@ assert gpt_table_loaded(&t);
		switch (Frama_C_interval(0, 2)) {
		case 0:
			(void)gpt_check_restore(&t, &b, &why);
			break;
		case 1:
			(void)gpt_check_undo(&t, &b, &restored, &why);
			break;
		default:
			(void)gpt_backup_verify(&t, buf, len, &why);
			break;
		}
	}
	bdev_free(&dev, buf, len ? len : 1);
out:
	gpt_table_release(&t);
	return 0;
}

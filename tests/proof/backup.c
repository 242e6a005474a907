// SPDX-License-Identifier: MIT
/* Eva harness: a backup file of unknown bytes, of any length up to
 * GPT_BACKUP_MAX_BYTES, in a buffer of exactly that length (as the front
 * ends read it), decoded; and, when it decodes, the checks a --restore and
 * an --undo make against a table loaded from a device of block size
 * PROOF_BS (any size, unknown bytes, failing reads and allocations):
 * gpt_check_restore, gpt_check_undo, and gpt_backup_verify of the same
 * bytes. */
#include <stdlib.h>

#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"

int main(void)
{
	size_t len = Frama_C_size_t_interval(0, GPT_BACKUP_MAX_BYTES);
	uint8_t *buf = malloc(len ? len : 1);
	struct blockdev dev;
	struct gpt_table t;
	struct gpt_backup b;
	struct gpt_reason why;
	uint32_t restored;

	if (!buf)
		return 0;
	proof_unknown(buf, len);
	if (gpt_backup_decode(buf, len, &b, &why) != GPT_OK)
		goto out;
	proof_dev_init(&dev, PROOF_BS);
	if (gpt_load(&dev, &t, &why) == GPT_OK) {
		//@ split t.primary.valid;
		//@ split t.backup.valid;
		(void)gpt_check_restore(&t, &b, &why);
		(void)gpt_check_undo(&t, &b, &restored, &why);
		(void)gpt_backup_verify(&t, buf, len, &why);
	}
	gpt_table_release(&t);
out:
	free(buf);
	return 0;
}

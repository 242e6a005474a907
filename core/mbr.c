// SPDX-License-Identifier: MIT
/* Protective MBR classification (UEFI §5.2.3; Linux efi.c is_pmbr_valid;
 * EDK2 accepts an 0xEE record anywhere in the table). */
#include "gpt_internal.h"

enum mbr_kind mbr_classify(const uint8_t *block, struct gpt_reason *why)
{
	const struct mbr *m = (const struct mbr *)(const void *)block;
	int protective = -1, others = 0;

	gpt_reason_clear(why);
	if (le16(&m->signature) != MBR_SIGNATURE) {
		gpt_fail(why, GPT_E_NOT_GPT,
			 "LBA 0: MBR signature 0x%04x, expected 0xAA55",
			 le16(&m->signature));
		return MBR_NONE;
	}
	for (int i = 0; i < 4; i++) {
		const struct mbr_record *r = &m->record[i];

		if (r->os_type == MBR_TYPE_GPT_PROTECTIVE &&
		    le32(&r->starting_lba) == GPT_PRIMARY_HEADER_LBA &&
		    protective < 0)
			protective = i;
		else if (r->os_type != 0)
			others++;
	}
	if (protective < 0) {
		gpt_fail(why, GPT_E_NOT_GPT,
			 "LBA 0: MBR has no 0xEE record starting at LBA 1");
		return MBR_ONLY;
	}
	if (others) {
		gpt_fail(why, GPT_OK,
			 "LBA 0: hybrid MBR (0xEE record and %d other "
			 "record(s)); it is kept byte for byte", others);
		return MBR_HYBRID;
	}
	return MBR_PROTECTIVE;
}

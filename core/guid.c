// SPDX-License-Identifier: MIT
/* GUIDs in the mixed-endian on-disk form (UEFI §5.3.3 / Appendix A):
 * the first three fields are little-endian, the last eight bytes as is. */
#include "guid.h"

#include "strbuf.h"

const struct gpt_guid GPT_TYPE_WINDOWS_RE = { {
	0xA4, 0xBB, 0x94, 0xDE, 0xD1, 0x06, 0x40, 0x4D,
	0xA1, 0x6A, 0xBF, 0xD5, 0x01, 0x79, 0xD6, 0xAC } };
const struct gpt_guid GPT_TYPE_EFI_SYSTEM = { {
	0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
	0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B } };

/* Byte order of the 16 bytes as they appear in the registry string. */
static const uint8_t guid_text_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					     8, 9, 10, 11, 12, 13, 14, 15 };

bool guid_equal(const struct gpt_guid *a, const struct gpt_guid *b)
{
	return mem_compare(a->b, b->b, sizeof(a->b)) == 0;
}

bool guid_is_zero(const struct gpt_guid *g)
{
	return mem_is_zero(g->b, sizeof(g->b));
}

/*@ assigns \nothing;
    ensures -1 <= \result <= 15;
    exits \false; */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool guid_parse(const char *s, struct gpt_guid *out)
{
	struct gpt_guid g;
	size_t len = str_len(s);
	size_t at = 0; /* where the 36 characters start: 1 after a brace */

	if (len == GUID_STRING_LEN + 2 && s[0] == '{' && s[len - 1] == '}') {
		at = 1;
		len -= 2;
	}
	if (len != GUID_STRING_LEN)
		return false;
	if (s[at + 8] != '-' || s[at + 13] != '-' || s[at + 18] != '-' ||
	    s[at + 23] != '-')
		return false;
	/*@ loop invariant 0 <= k <= 16;
	    loop assigns k, g; */
	for (unsigned k = 0; k < 16; k++) {
		/* Two digits a byte, a dash before bytes 4, 6, 8 and 10. */
		size_t p = at + 2 * k + (k >= 4) + (k >= 6) + (k >= 8) +
			   (k >= 10);
		int hi = hex_value(s[p]), lo = hex_value(s[p + 1]);

		if (hi < 0 || lo < 0)
			return false;
		g.b[guid_text_order[k]] = (uint8_t)(hi << 4 | lo);
	}
	*out = g;
	return true;
}

void guid_format(const struct gpt_guid *g, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned pos = 0;

	/*@ loop invariant 0 <= i <= 16;
	    loop invariant pos == 2 * i + (i > 4 ? 1 : 0) + (i > 6 ? 1 : 0) +
			     (i > 8 ? 1 : 0) + (i > 10 ? 1 : 0);
	    loop assigns i, pos, out[0 .. GUID_STRING_LEN - 1]; */
	for (unsigned i = 0; i < 16; i++) {
		uint8_t v = g->b[guid_text_order[i]];

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[pos++] = '-';
		out[pos++] = hex[v >> 4];
		out[pos++] = hex[v & 15];
	}
	out[pos] = '\0';
}

struct guid_str guid_str(const struct gpt_guid *g)
{
	struct guid_str t;

	guid_format(g, t.s);
	return t;
}

struct type_name {
	const char *guid;
	const char *name;
};

/* The types a Windows or Linux VM disk usually carries. */
static const struct type_name type_names[] = {
	{ "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC", "Windows RE" },
	{ "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "EFI system" },
	{ "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "Microsoft reserved" },
	{ "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "Basic data" },
	{ "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "Windows LDM metadata" },
	{ "AF9B60A0-1431-4F62-BC68-3311714A69AD", "Windows LDM data" },
	{ "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D", "Storage Spaces" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
	{ "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
	{ "A19D880F-05FC-4D3B-A006-743F0F84911E", "Linux RAID" },
	{ "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709", "Linux root (x86-64)" },
	{ "BC13C2FF-59E6-4262-A352-B275FD6F7172", "Linux extended boot" },
	{ "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	{ "024DEE41-33E7-11D3-9D69-0008C781F39F", "MBR partition scheme" },
};

const char *gpt_type_name(const struct gpt_guid *type)
{
	/*@ loop invariant 0 <= i <= sizeof(type_names) / sizeof(type_names[0]);
	    loop assigns i; */
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		struct gpt_guid g;

		if (guid_parse(type_names[i].guid, &g) && guid_equal(&g, type))
			return type_names[i].name;
	}
	return NULL;
}

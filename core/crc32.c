// SPDX-License-Identifier: MIT
/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as the UEFI spec
 * uses for GPT headers and arrays (§5.3.2). A nibble table keeps the
 * binary small; speed is irrelevant for a few KiB. */
#include "gpt.h"

static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC,
	0x76DC4190, 0x6B6B51F4, 0x4DB26158, 0x5005713C,
	0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
	0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
};

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	/* By index below len, as mem_compare (core/strbuf.c). */
	/*@ loop invariant 0 <= i <= len;
	    loop assigns i, crc; */
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
		crc = (crc >> 4) ^ crc_nibble[crc & 15];
	}
	return ~crc;
}

uint32_t crc32_calc(const void *data, size_t len)
{
	return crc32_update(0, data, len);
}

// SPDX-License-Identifier: MIT
/* UTF-16 <-> UTF-8 (RFC 3629, Unicode 15 §3.9); see include/utf.h. */
#include "utf.h"

#include "gpt_ondisk.h"
#include "strbuf.h"

size_t utf16_decode(uint16_t unit, uint16_t next, uint32_t *cp)
{
	if (unit >= 0xD800 && unit <= 0xDBFF && next >= 0xDC00 &&
	    next <= 0xDFFF) {
		*cp = 0x10000 + ((uint32_t)(unit - 0xD800) << 10) +
		      (uint32_t)(next - 0xDC00);
		return 2;
	}
	*cp = unit;
	return 1;
}

size_t utf8_encode(uint32_t cp, uint8_t out[UTF8_SEQ_MAX])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		c = s[0] & 0x1Fu;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		c = s[0] & 0x0Fu;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		c = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	/*@ loop invariant 1 <= i <= len;
	    loop assigns i, c; */
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    utf_is_surrogate(c) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return len;
}

size_t utf16le_to_utf8(const void *in, size_t units, char *out, size_t cap,
		       unsigned flags)
{
	const uint8_t *p = in;
	size_t n = 0;

	if (cap == 0)
		return 0;
	/* Every byte defined, not only up to the NUL: a reader that scans
	 * the text by index never meets an indeterminate byte. */
	mem_zero(out, cap);
	/* By index below cap, each character whole or not at all; the loop
	 * annotations let WP bound every read and write (tests/proof/). */
	/*@ loop invariant 0 <= i <= units + 1;
	    loop invariant 0 <= n < cap;
	    loop assigns i, n, out[0 .. cap - 1]; */
	for (size_t i = 0; p && i < units && le16(p + 2 * i); ) {
		uint16_t next = i + 1 < units ? le16(p + 2 * (i + 1)) : 0;
		uint8_t b[UTF8_SEQ_MAX] = { 0 };
		uint32_t cp;
		size_t len;

		i += utf16_decode(le16(p + 2 * i), next, &cp);
		if (utf_is_surrogate(cp) ||
		    ((flags & UTF16_CONTROLS_AS_QMARK) &&
		     (cp < 0x20 || cp == 0x7F)))
			cp = '?';
		len = utf8_encode(cp, b);
		if (len >= cap - n)
			break;
		/* n + 1 < cap holds already (len < cap - n); said again so
		 * that Eva, which does not relate n and len, sees the last
		 * byte kept for the NUL. */
		/*@ loop invariant 0 <= k <= len;
		    loop invariant n == \at(n, LoopEntry) + k;
		    loop assigns k, n, out[0 .. cap - 1]; */
		for (size_t k = 0; k < len && n + 1 < cap; k++)
			out[n++] = (char)b[k];
	}
	out[n] = '\0';
	return n;
}

void utf8_to_utf16le(const char *in, void *out, size_t cap)
{
	const uint8_t *s = (const uint8_t *)in;
	/* Decoded within the string's bytes (utf8_decode's contract). */
	size_t left = in ? str_len(in) : 0;
	uint8_t *o = out;
	size_t n = 0;

	if (cap == 0)
		return;
	while (left && n + 1 < cap) {
		uint32_t cp;
		size_t len = utf8_decode(s, left < UTF8_SEQ_MAX ? left :
							UTF8_SEQ_MAX, &cp);

		if (len == 0) {
			/* One '?' for the bad byte and the continuation
			 * bytes that follow it. */
			cp = '?';
			len = 1;
			while (len < left && (s[len] & 0xC0) == 0x80)
				len++;
		}
		s += len;
		left -= len;
		put_le16(o + 2 * n++, cp > 0xFFFF ? '?' : (uint16_t)cp);
	}
	put_le16(o + 2 * n, 0);
}

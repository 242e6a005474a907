/* SPDX-License-Identifier: MIT */
/* UTF-16 and UTF-8: the one converter for GPT partition names (UTF-16LE on
 * the disk, UEFI 2.10 §5.3.3), gptrim.cfg (core/config.c) and firmware
 * strings (CHAR16, UTF-16 in the byte order of all of UEFI, little-endian:
 * UEFI 2.10 §2.3.1). Freestanding. */
#ifndef GPTRIM_UTF_H
#define GPTRIM_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_SEQ_MAX 4

/*@ assigns \nothing; exits \false; */
static inline bool utf_is_surrogate(uint32_t cp)
{
	return cp >= 0xD800 && cp <= 0xDFFF;
}

/* The code point that starts with UTF-16 unit `unit`, `next` being the unit
 * after it (0 when there is none): a high surrogate followed by a low one
 * is one code point (returns 2 units); any other unit is itself (returns
 * 1), an unpaired surrogate included, for the caller to replace or
 * refuse. */
/*@ requires \valid(cp);
    assigns *cp;
    ensures \result == 1 || \result == 2;
    ensures \result == 2 ==> 0xDC00 <= next <= 0xDFFF;
    exits \false; */
size_t utf16_decode(uint16_t unit, uint16_t next, uint32_t *cp);
/* cp (at most U+10FFFF) as UTF-8 into out; returns its length, 1..4. */
/*@ requires \valid(out + (0 .. UTF8_SEQ_MAX - 1));
    assigns out[0 .. UTF8_SEQ_MAX - 1];
    ensures 1 <= \result <= UTF8_SEQ_MAX;
    exits \false; */
size_t utf8_encode(uint32_t cp, uint8_t out[UTF8_SEQ_MAX]);
/* The well-formed UTF-8 sequence at s (at most n bytes, n > 0): its
 * length, and its code point in *cp; 0 when it is malformed (a bad lead
 * or continuation byte, cut short, overlong, a surrogate, above
 * U+10FFFF). */
/*@ requires 1 <= n && \valid_read(s + (0 .. n - 1)) && \valid(cp);
    requires \initialized(s + (0 .. n - 1));
    assigns *cp;
    ensures \result <= n && \result <= UTF8_SEQ_MAX;
    exits \false; */
size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);

enum utf16_flags {
	/* C0 controls and DEL become '?' too: text for a report line. */
	UTF16_CONTROLS_AS_QMARK = 1,
};
/* UTF-16LE text, at most `units` code units and ending early at a zero
 * unit, as UTF-8 into out (cap bytes; terminated when cap > 0). Unpaired
 * surrogates become '?'. A character that does not fit ends the text.
 * Returns the bytes written, without the NUL. in holds units units (or
 * is NULL: no text). */
/*@ requires in == \null ||
             \valid_read((const uint8_t *)in + (0 .. 2 * units - 1));
    requires \valid(out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];
    ensures \result < cap || cap == 0;
    exits \false; */
size_t utf16le_to_utf8(const void *in, size_t units, char *out, size_t cap,
		       unsigned flags);
/* UTF-8 text to UTF-16LE in out (cap units, the terminating zero unit
 * included; terminated when cap > 0). Malformed sequences become one '?'
 * each, and so do characters beyond the BMP: the UEFI text console has no
 * glyphs for them (UEFI 2.10 §12.4, a font of UCS-2 characters). */
void utf8_to_utf16le(const char *in, void *out, size_t cap);

#endif

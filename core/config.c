/* SPDX-License-Identifier: MIT */
/* gptrim.cfg: the options of a run started without a shell. Notepad saves
 * UTF-8 with or without a BOM, or "Unicode" (UTF-16LE with BOM); all become
 * UTF-8 here, then split into arguments for options_parse. Freestanding. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "strbuf.h"
#include "utf.h"

/* Bounded UTF-8 output; the last byte of cap is kept for the NUL. */
struct u8out {
	char *p;
	size_t cap;
	size_t len;
};

/* For the proof: o's text and its NUL fit in its buffer (u8out_ok), and
 * o's buffer and capacity are the same at two points (u8out_same). */
/*@ predicate u8out_ok(struct u8out *o) =
      \valid(o) && o->len < o->cap && \valid(o->p + (0 .. o->cap - 1)) &&
      \separated(o, o->p + (0 .. o->cap - 1));
    predicate u8out_same{L1, L2}(struct u8out *o) =
      \at(o->p, L1) == \at(o->p, L2) && \at(o->cap, L1) == \at(o->cap, L2);
    // What from_utf8 and from_utf16 require: len bytes in, o apart.
    predicate converter_args(uint8_t *in, integer len, struct u8out *o,
                             struct gpt_reason *why) =
      \valid_read(in + (0 .. len - 1)) && \valid(why) && u8out_ok(o) &&
      \separated(o->p + (0 .. o->cap - 1), in + (0 .. len - 1), o, why) &&
      \separated(o, why);
*/

/*@ requires u8out_ok(o);
    assigns o->len, o->p[0 .. o->cap - 1];
    ensures u8out_ok(o) && u8out_same{Pre, Post}(o);
    exits \false; */
static bool put_byte(struct u8out *o, uint8_t b)
{
	if (o->len + 1 >= o->cap)
		return false;
	o->p[o->len++] = (char)b;
	return true;
}

/*@ requires u8out_ok(o);
    assigns o->len, o->p[0 .. o->cap - 1];
    ensures u8out_ok(o) && u8out_same{Pre, Post}(o);
    exits \false; */
static bool put_code_point(struct u8out *o, uint32_t cp)
{
	uint8_t b[UTF8_SEQ_MAX] = { 0 };
	size_t len = utf8_encode(cp, b);

	/*@ loop invariant 0 <= i <= len;
	    loop invariant u8out_ok(o) && u8out_same{Pre, Here}(o);
	    loop assigns i, o->len, o->p[0 .. o->cap - 1]; */
	for (size_t i = 0; i < len; i++)
		if (!put_byte(o, b[i]))
			return false;
	return true;
}

/*@ requires \valid(why);
    assigns *why;
    exits \false; */
static enum gpt_status too_large(size_t cap, struct gpt_reason *why)
{
	return gpt_fail(why, GPT_E_ARG,
			"configuration longer than %zu bytes as UTF-8",
			cap ? cap - 1 : 0);
}

/*@ requires converter_args(in, len, o, why);
    requires \initialized(in + (0 .. len - 1));
    assigns o->len, o->p[0 .. o->cap - 1], *why;
    ensures u8out_ok(o) && u8out_same{Pre, Post}(o);
    exits \false; */
static enum gpt_status from_utf8(const uint8_t *in, size_t len, size_t base,
				 struct u8out *o, struct gpt_reason *why)
{
	size_t i = 0;

	/*@ loop invariant 0 <= i <= len;
	    loop invariant u8out_ok(o) && u8out_same{Pre, Here}(o);
	    loop assigns i, o->len, o->p[0 .. o->cap - 1]; */
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(in + i, len - i, &cp);

		/* A NUL byte usually means UTF-16 saved without a BOM. */
		if (in[i] == 0)
			return gpt_fail(why, GPT_E_ARG,
					"configuration: NUL byte at offset %zu "
					"(UTF-16 without a byte order mark?)",
					base + i);
		if (n == 0)
			return gpt_fail(why, GPT_E_ARG,
					"configuration: invalid UTF-8 at "
					"offset %zu", base + i);
		/*@ loop invariant 0 <= k <= n && i + n <= len;
		    loop invariant u8out_ok(o) && u8out_same{Pre, Here}(o);
		    loop assigns k, o->len, o->p[0 .. o->cap - 1]; */
		for (size_t k = 0; k < n; k++)
			if (!put_byte(o, in[i + k]))
				return too_large(o->cap, why);
		i += n;
	}
	return GPT_OK;
}

/*@ requires \valid_read(p + (0 .. 1)) && \initialized(p + (0 .. 1));
    assigns \nothing;
    exits \false; */
static uint16_t unit_at(const uint8_t *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1])
			  : (uint16_t)(p[1] << 8 | p[0]);
}

/*@ requires converter_args(in, len, o, why);
    requires \initialized(in + (0 .. len - 1));
    assigns o->len, o->p[0 .. o->cap - 1], *why;
    ensures u8out_ok(o) && u8out_same{Pre, Post}(o);
    exits \false; */
static enum gpt_status from_utf16(const uint8_t *in, size_t len, bool be,
				  struct u8out *o, struct gpt_reason *why)
{
	if (len % 2)
		return gpt_fail(why, GPT_E_ARG,
				"configuration: UTF-16 text of odd length %zu",
				len + 2);
	/*@ loop invariant 0 <= i <= len && i % 2 == 0;
	    loop invariant u8out_ok(o) && u8out_same{Pre, Here}(o);
	    loop assigns i, o->len, o->p[0 .. o->cap - 1]; */
	for (size_t i = 0; i < len;) {
		uint16_t next = i + 2 < len ? unit_at(in + i + 2, be) : 0;
		size_t off = i + 2; /* offset in the file, after the BOM */
		uint32_t cp;

		i += 2 * utf16_decode(unit_at(in + i, be), next, &cp);
		if (utf_is_surrogate(cp))
			return gpt_fail(why, GPT_E_ARG,
					"configuration: unpaired UTF-16 "
					"surrogate 0x%04x at offset %zu", cp,
					off);
		if (cp == 0)
			return gpt_fail(why, GPT_E_ARG,
					"configuration: NUL character at "
					"offset %zu", off);
		if (!put_code_point(o, cp))
			return too_large(o->cap, why);
	}
	return GPT_OK;
}

enum gpt_status config_to_utf8(const uint8_t *in, size_t len, char *out,
			       size_t cap, size_t *out_len,
			       struct gpt_reason *why)
{
	struct u8out o = { out, cap, 0 };
	enum gpt_status st;

	if (!out || cap == 0 || (!in && len))
		return gpt_fail(why, GPT_E_ARG, "configuration: no buffer");
	out[0] = '\0';
	if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF)
		st = from_utf8(in + 3, len - 3, 3, &o, why);
	else if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE)
		st = from_utf16(in + 2, len - 2, false, &o, why);
	else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF)
		st = from_utf16(in + 2, len - 2, true, &o, why);
	else
		st = from_utf8(in, len, 0, &o, why);
	out[st == GPT_OK ? o.len : 0] = '\0';
	if (out_len)
		*out_len = st == GPT_OK ? o.len : 0;
	return st;
}

/*@ assigns \nothing;
    ensures \result ==> c != '\0';
    exits \false; */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* For the proof: p points into text, of len bytes and its NUL. */
/*@ predicate in_text(char *p, char *text, integer len) =
      \base_addr(p) == \base_addr(text) && text <= p <= text + len;
*/

/* Copy one argument starting at *rp to w, removing quotes; stops at
 * whitespace, '#' or the end. Returns the character it stopped at (it may
 * be overwritten by the NUL the caller stores) or -1 for an open quote. */
/*@ requires \valid(rp) && \valid(wend) && \separated(rp, wend);
    requires w == *rp && valid_string(w);
    requires \separated(w + (0 .. strlen(w)), rp, wend);
    assigns *rp, *wend, w[0 .. strlen(w)];
    ensures \base_addr(*wend) == \base_addr(w) &&
            \base_addr(*rp) == \base_addr(w);
    ensures w <= *wend <= *rp <= w + \old(strlen(w));
    ensures \result > 0 ==> *rp < w + \old(strlen(w));
    ensures w[\old(strlen(w))] == '\0';
    exits \false; */
static int take_word(char **rp, char *w, char **wend)
{
	char *r = *rp;
	bool quoted = false;

	/*@ loop invariant in_text(w, \at(w, Pre), \at(strlen(w), Pre));
	    loop invariant in_text(r, \at(w, Pre), \at(strlen(w), Pre));
	    loop invariant w <= r;
	    loop invariant *\at(w + strlen(w), Pre) == '\0';
	    loop assigns r, w, quoted,
	                 \at(w, Pre)[0 .. \at(strlen(w), Pre)]; */
	for (;; r++) {
		char c = *r;

		if (c == '\0' || (quoted && c == '\n'))
			break;
		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (is_space(c) || c == '#'))
			break;
		*w++ = c;
	}
	*rp = r;
	*wend = w;
	return quoted ? -1 : (unsigned char)*r;
}

enum gpt_status config_split(char *text, char **argv, int max, int *argc,
			     struct gpt_reason *why)
{
	char *r = text, *wend;
	unsigned int line = 1;
	int n = 0;

	*argc = 0;
	if (!text)
		return GPT_OK;
	/* Each argument lies within the text, whose NUL stays (for WP). */
	/*@ loop invariant in_text(r, text, \at(strlen(text), Pre));
	    loop invariant text[\at(strlen(text), Pre)] == '\0';
	    loop invariant 0 <= n <= max;
	    loop invariant \forall integer k; 0 <= k < n ==>
	      in_text(argv[k], text, \at(strlen(text), Pre));
	    loop assigns r, wend, line, n, argv[0 .. max - 1],
	                 text[0 .. \at(strlen(text), Pre)]; */
	for (;;) {
		int stop;

		/*@ loop invariant in_text(r, text, \at(strlen(text), Pre));
		    loop assigns r, line; */
		for (; is_space(*r); r++)
			line += *r == '\n';
		if (*r == '\0')
			break;
		if (*r == '#') {
			/*@ loop invariant in_text(r, text, \at(strlen(text), Pre));
			    loop assigns r; */
			while (*r && *r != '\n')
				r++;
			continue;
		}
		if (n >= max)
			return gpt_fail(why, GPT_E_ARG,
					"configuration line %u: more than %d "
					"arguments", line, max);
		/* Quotes are removed in place: the write position never
		 * passes the read position, so the text can be reused. */
		argv[n] = r;
		/* The word's string ends at or before the text's NUL (WP). */
		//@ assert r[text + \at(strlen(text), Pre) - r] == '\0';
		//@ assert 0 <= strlen(r) <= text + \at(strlen(text), Pre) - r;
		stop = take_word(&r, argv[n], &wend);
		//@ assert in_text(r, text, \at(strlen(text), Pre));
		//@ assert in_text(wend, text, \at(strlen(text), Pre));
		//@ assert text[\at(strlen(text), Pre)] == '\0';
		if (stop < 0)
			return gpt_fail(why, GPT_E_ARG,
					"configuration line %u: unterminated "
					"quote", line);
		*wend = '\0';
		n++;
		if (stop == '\0')
			break;
		if (stop == '\n')
			line++;
		/* Step over the stop character first: the NUL above may
		 * have replaced it. */
		r++;
		if (stop == '#')
			/*@ loop invariant in_text(r, text, \at(strlen(text), Pre));
			    loop assigns r; */
			while (*r && *r != '\n')
				r++;
	}
	/* Each argument a string within the text (the postcondition, in
	 * steps for WP). */
	/*@ assert \forall integer k; 0 <= k < n ==>
	      argv[k][text + \at(strlen(text), Pre) - argv[k]] == '\0'; */
	/*@ assert \forall integer k; 0 <= k < n ==>
	      0 <= strlen(argv[k]) <= text + \at(strlen(text), Pre) - argv[k]; */
	//@ assert \valid(text + (0 .. \at(strlen(text), Pre)));
	/*@ assert \forall integer k, j; 0 <= k < n ==>
	      0 <= j <= text + \at(strlen(text), Pre) - argv[k] ==>
	      \valid_read(argv[k] + j); */
	/*@ assert \forall integer k; 0 <= k < n ==>
	      nul_at(argv[k], text + \at(strlen(text), Pre) - argv[k]); */
	*argc = n;
	return GPT_OK;
}

/* SPDX-License-Identifier: MIT */
/* A bounded string builder and a small printf for the freestanding core.
 * Output is always NUL-terminated and silently truncated at the capacity.
 *
 * Formats: %s %c %d %u %x %X with optional '-' (strings) or '0' flag and
 * width (strings right-aligned as in C unless '-'), the length modifiers
 * l and ll, %zu and %%: a subset of C's, so the compiler checks every
 * format string (format(printf) below, -Wformat=2 -Werror=format). A GUID
 * or a size is a %s of guid_str() (guid.h) or size_str(). A conversion
 * outside the subset ends the formatting: the rest of the format is
 * copied as it is, and no further argument is read.
 */
#ifndef GPTRIM_STRBUF_H
#define GPTRIM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __FRAMAC__
/* ACSL's strlen and valid_read_string, for the contracts below (Frama-C
 * only: tests/proof/). */
#include <__fc_string_axiomatic.h>
#endif

/* For the proof: s[n] is a NUL and s[0 .. n] may be read, so s is a string
 * of at most n bytes. Unlike valid_read_string, it speaks of one byte,
 * which WP keeps across writes elsewhere (the option loop's, where strlen
 * is not kept: tests/proof/README.md). */
/*@ predicate nul_at(char *s, integer n) =
      0 <= n && \valid_read(s + (0 .. n)) && s[n] == '\0';
*/

struct strbuf {
	char *buf;
	size_t cap; /* bytes in buf, including the terminating NUL */
	size_t len;
};

/*@ exits \false; */
void sb_init(struct strbuf *sb, char *buf, size_t cap);
/* What they change, for WP to keep everything else (tests/proof/). */
/*@ assigns sb->len, sb->buf[0 .. sb->cap - 1]; exits \false; */
void sb_putc(struct strbuf *sb, char c);
/*@ requires valid_read_string(s);
    assigns sb->len, sb->buf[0 .. sb->cap - 1];
    exits \false; */
void sb_puts(struct strbuf *sb, const char *s);
/*@ exits \false; */
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*@ exits \false; */
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Pad with spaces up to column width (no-op when already longer). */
/*@ exits \false; */
void sb_pad_to(struct strbuf *sb, size_t column);

/* A size in bytes in binary units with one decimal ("499.0 MiB", "512
 * bytes"), for a %s. The text lives in the returned struct, which lasts
 * until the end of the full expression (C11 6.2.4p8), so
 * sb_printf(sb, "%s", size_str(n).s) needs no buffer of its own. */
struct size_str {
	char s[16]; /* the longest is "1024.0 PiB" */
};
/*@ assigns \nothing; exits \false; */
struct size_str size_str(uint64_t bytes);

/* An argument as a message quotes it, for a %s: at most QUOTE_STR_MAX
 * bytes of it, cut at the start of a UTF-8 character and followed by "..."
 * when cut. A reason holds GPT_REASON_MAX bytes, and a gptrim.cfg word may
 * be 64 KiB long: the explanation after the argument must survive. (And
 * a bounded copy is a string Frama-C Eva can follow: tests/proof/.) */
#define QUOTE_STR_MAX 64u
struct quote_str {
	char s[QUOTE_STR_MAX + 4]; /* "..." and the NUL after a cut */
};
/*@ requires valid_read_string(s);
    assigns \nothing;
    exits \false; */
struct quote_str quote_str(const char *s);

/* Freestanding memory and string helpers (core may not use libc).
 * Frama-C Eva takes mem_copy, mem_set and str_len for its memcpy, memset
 * and strlen built-ins, checking these contracts' preconditions at each
 * call; WP proves the code meets them (tests/proof/README.md, "Three
 * helpers as Eva's built-ins"). */
/*@ requires \valid((uint8_t *)dst + (0 .. n - 1));
    requires \valid_read((const uint8_t *)src + (0 .. n - 1));
    requires \separated((uint8_t *)dst + (0 .. n - 1),
                        (const uint8_t *)src + (0 .. n - 1));
    assigns ((uint8_t *)dst)[0 .. n - 1];
    ensures \forall integer k; 0 <= k < n ==>
              ((uint8_t *)dst)[k] == \old(((const uint8_t *)src)[k]);
    exits \false; */
void mem_copy(void *dst, const void *src, size_t n);
/* Each of the n bytes at dst set to (uint8_t)c, as memset: the one fill
 * loop, which mem_zero calls. */
/*@ requires \valid((uint8_t *)dst + (0 .. n - 1));
    assigns ((uint8_t *)dst)[0 .. n - 1];
    ensures \forall integer k; 0 <= k < n ==> ((uint8_t *)dst)[k] == (uint8_t)c;
    exits \false; */
void mem_set(void *dst, int c, size_t n);
/*@ requires \valid((uint8_t *)dst + (0 .. n - 1));
    assigns ((uint8_t *)dst)[0 .. n - 1];
    exits \false; */
void mem_zero(void *dst, size_t n);
/*@ requires \valid_read((const uint8_t *)a + (0 .. n - 1));
    requires \valid_read((const uint8_t *)b + (0 .. n - 1));
    assigns \nothing;
    exits \false; */
int mem_compare(const void *a, const void *b, size_t n);
/*@ requires \valid_read((const uint8_t *)p + (0 .. n - 1));
    assigns \nothing;
    exits \false; */
int mem_is_zero(const void *p, size_t n);
/*@ requires valid_read_string(s);
    assigns \nothing;
    ensures \result == strlen(s);
    exits \false; */
size_t str_len(const char *s);
/*@ requires valid_read_string(a);
    requires valid_read_string(b);
    assigns \nothing;
    exits \false; */
int str_equal(const char *a, const char *b);
/*@ requires valid_read_string(s);
    requires valid_read_string(prefix);
    assigns \nothing;
    exits \false; */
int str_starts_with(const char *s, const char *prefix);

#endif

// SPDX-License-Identifier: MIT
/* Bounded string building and a small printf for the freestanding core. */
#include "strbuf.h"

#include <stdbool.h>

void mem_copy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	/*@ loop invariant 0 <= i <= n;
	    loop invariant \forall integer k; 0 <= k < i ==> d[k] == s[k];
	    loop assigns i, d[0 .. n - 1]; */
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

void mem_set(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	/*@ loop invariant 0 <= i <= n;
	    loop invariant \forall integer k; 0 <= k < i ==> d[k] == (uint8_t)c;
	    loop assigns i, d[0 .. n - 1]; */
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)c;
}

void mem_zero(void *dst, size_t n)
{
	mem_set(dst, 0, n);
}

/* The byte loops read by index below n, not by a moving pointer and a
 * count: WP bounds every read by the contract (include/strbuf.h). */
int mem_compare(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	/*@ loop invariant 0 <= i <= n;
	    loop assigns i; */
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

int mem_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	/*@ loop invariant 0 <= i <= n;
	    loop assigns i; */
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

size_t str_len(const char *s)
{
	size_t n = 0;
	/*@ loop invariant 0 <= n <= strlen(s);
	    loop invariant \forall integer k; 0 <= k < n ==> s[k] != 0;
	    loop assigns n; */
	while (s[n])
		n++;
	return n;
}

/* By index, as the contracts speak of positions (strlen). */
int str_equal(const char *a, const char *b)
{
	size_t i = 0;
	/*@ loop invariant 0 <= i <= strlen(a) && i <= strlen(b);
	    loop invariant \forall integer k; 0 <= k < i ==> a[k] == b[k];
	    loop assigns i; */
	while (a[i] && a[i] == b[i])
		i++;
	return a[i] == b[i];
}

int str_starts_with(const char *s, const char *prefix)
{
	size_t i = 0;
	/*@ loop invariant 0 <= i <= strlen(prefix) && i <= strlen(s);
	    loop invariant \forall integer k; 0 <= k < i ==> s[k] == prefix[k];
	    loop assigns i; */
	while (prefix[i]) {
		if (s[i] != prefix[i])
			return 0;
		i++;
	}
	return 1;
}

void sb_init(struct strbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	/* Every byte defined, not just the first: a reader that scans a
	 * builder's buffer by index (report_emit) never meets an
	 * indeterminate byte, and Frama-C Eva can show it (tests/proof/). */
	mem_zero(buf, cap);
}

void sb_putc(struct strbuf *sb, char c)
{
	/* Room for c and the NUL, with no sum that could wrap. */
	if (sb->cap == 0 || sb->len >= sb->cap - 1)
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

/* The n bytes at s, as many as fit, in one copy. Appended a byte at a
 * time, each byte was a call Frama-C Eva analysed, nearly a third of its
 * time on a disk harness (tests/proof/README.md); WP proves the copy in
 * bounds from the contract, which Eva checks at each call. */
/*@ requires \valid(sb) && \valid(sb->buf + (0 .. sb->cap - 1));
    requires sb->cap == 0 || sb->len < sb->cap;
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(sb, sb->buf + (0 .. sb->cap - 1), s + (0 .. n - 1));
    assigns sb->len, sb->buf[0 .. sb->cap - 1];
    exits \false; */
static void sb_put_bytes(struct strbuf *sb, const char *s, size_t n)
{
	size_t room;

	if (sb->cap == 0 || sb->len >= sb->cap - 1)
		return;
	room = sb->cap - 1 - sb->len;
	if (n > room)
		n = room;
	mem_copy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_put_bytes(sb, s, str_len(s));
}

void sb_pad_to(struct strbuf *sb, size_t column)
{
	while (sb->len < column && sb->len + 1 < sb->cap)
		sb_putc(sb, ' ');
}

/* Unsigned number in base 10 or 16, padded to width with pad. */
/*@ exits \false; */
static void sb_put_uint(struct strbuf *sb, uint64_t v, unsigned base,
			bool upper, unsigned width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned n = sizeof(tmp);

	/* From the last digit back, so that they are appended in one copy. */
	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	while (width > sizeof(tmp) - n) {
		sb_putc(sb, pad);
		width--;
	}
	sb_put_bytes(sb, tmp + n, sizeof(tmp) - n);
}

/* Size in binary units with one decimal: "499.0 MiB", "512 bytes". */
/*@ exits \false; */
static void sb_put_size(struct strbuf *sb, uint64_t bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB",
					     "EiB" };
	unsigned u = 0;
	uint64_t whole, tenths;

	if (bytes < 1024) {
		sb_put_uint(sb, bytes, 10, false, 0, ' ');
		sb_puts(sb, " bytes");
		return;
	}
	while (u < 5 && bytes >= ((uint64_t)1024 << (10 * (u + 1))))
		u++;
	whole = bytes >> (10 * (u + 1));
	/* Round the first decimal of the remainder. */
	tenths = ((bytes - (whole << (10 * (u + 1)))) * 10 +
		  ((uint64_t)1 << (10 * (u + 1) - 1))) >> (10 * (u + 1));
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	sb_put_uint(sb, whole, 10, false, 0, ' ');
	sb_putc(sb, '.');
	sb_putc(sb, (char)('0' + tenths));
	sb_putc(sb, ' ');
	sb_puts(sb, unit[u]);
}

struct size_str size_str(uint64_t bytes)
{
	struct size_str t;
	struct strbuf sb;

	sb_init(&sb, t.s, sizeof(t.s));
	sb_put_size(&sb, bytes);
	return t;
}

struct quote_str quote_str(const char *s)
{
	struct quote_str q = { { 0 } };
	size_t n = 0;
	bool cut;

	/* Measured first, then copied: WP keeps strlen(s) only while
	 * nothing is written (tests/proof/README.md). */
	/*@ loop invariant 0 <= n <= QUOTE_STR_MAX && n <= strlen(s);
	    loop assigns n; */
	while (n < QUOTE_STR_MAX && s[n])
		n++;
	cut = s[n] != '\0';
	/* A cut before s[n] goes back to the start of its character when
	 * s[n] continues one (10xxxxxx; at most 3 such bytes in UTF-8). */
	/*@ loop invariant 0 <= k <= 3;
	    loop invariant 0 <= n <= QUOTE_STR_MAX && n <= strlen(s);
	    loop assigns k, n; */
	for (unsigned k = 0;
	     cut && k < 3 && n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80; k++)
		n--;
	mem_copy(q.s, s, n);
	if (cut)
		mem_copy(q.s + n, "...", 4);
	return q;
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned width = 0, longs = 0;
		bool size_t_arg = false, left = false;
		char pad = ' ';
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			size_t run = 1;

			while (fmt[run] && fmt[run] != '%')
				run++;
			sb_put_bytes(sb, fmt, run);
			fmt += run - 1;
			continue;
		}
		fmt++;
		if (*fmt == '-')
			left = true, fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		if (*fmt == 'z')
			size_t_arg = true, fmt++;

		switch (*fmt) {
		case 'd':
			s = longs >= 2 ? va_arg(ap, long long) :
			    longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			if (s < 0 && pad == '0') {
				/* "-0042": the sign takes one zero's place. */
				sb_putc(sb, '-');
				sb_put_uint(sb, u, 10, false,
					    width ? width - 1 : 0, pad);
			} else if (s < 0) {
				/* "  -42": pad, sign, digits. */
				unsigned digits = 1;

				for (uint64_t v = u; v >= 10; v /= 10)
					digits++;
				while (width > digits + 1)
					sb_putc(sb, ' '), width--;
				sb_putc(sb, '-');
				sb_put_uint(sb, u, 10, false, 0, pad);
			} else {
				sb_put_uint(sb, u, 10, false, width, pad);
			}
			break;
		case 'u':
		case 'x':
		case 'X':
			u = size_t_arg ? va_arg(ap, size_t) :
			    longs >= 2 ? va_arg(ap, unsigned long long) :
			    longs == 1 ? va_arg(ap, unsigned long) :
					 va_arg(ap, unsigned int);
			sb_put_uint(sb, u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				    width, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t start = sb->len;

			str = str ? str : "(null)";
			/* Measured only to pad: each scan of a long name or
			 * reason is one Eva follows byte by byte (tests/proof/). */
			if (!left && width > 0) {
				size_t n = str_len(str);

				if (n < width)
					sb_pad_to(sb, start + (width - n));
			}
			start = sb->len;
			sb_puts(sb, str);
			if (left)
				sb_pad_to(sb, start + width);
			break;
		}
		case 'c':
			sb_putc(sb, (char)va_arg(ap, int));
			break;
		case '%':
			sb_putc(sb, '%');
			break;
		default:
			/* A conversion C has and this subset lacks (%p, %i,
			 * %hu...): the compiler accepts it, so show the rest
			 * of the format as it is rather than take its
			 * argument, and every later one, as the wrong type. */
			sb_putc(sb, '%');
			sb_puts(sb, fmt);
			return;
		}
	}
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

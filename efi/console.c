/* SPDX-License-Identifier: MIT */
/* Console output: the core's report lines on ConOut, which OVMF mirrors to
 * the serial port. Text is UTF-8 inside gptrim and UTF-16 at the firmware.
 * Colours on the text console: notes green, warnings yellow, errors red;
 * the text itself is the same either way, so a serial log greps cleanly. */
#include "gptrim-efi.h"
#include "strbuf.h"

#define CON_LINE_MAX 320

void utf16_to_utf8(const CHAR16 *in, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return;
	for (; in && *in; in++) {
		uint32_t c = *in;
		uint8_t b[4];
		size_t len, i;

		if (c >= 0xD800 && c <= 0xDBFF && in[1] >= 0xDC00 &&
		    in[1] <= 0xDFFF) {
			c = 0x10000 + ((c - 0xD800) << 10) + (in[1] - 0xDC00);
			in++;
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = '?';
		}
		if (c < 0x80) {
			b[0] = (uint8_t)c;
			len = 1;
		} else if (c < 0x800) {
			b[0] = (uint8_t)(0xC0 | c >> 6);
			b[1] = (uint8_t)(0x80 | (c & 0x3F));
			len = 2;
		} else if (c < 0x10000) {
			b[0] = (uint8_t)(0xE0 | c >> 12);
			b[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c & 0x3F));
			len = 3;
		} else {
			b[0] = (uint8_t)(0xF0 | c >> 18);
			b[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
			b[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
			b[3] = (uint8_t)(0x80 | (c & 0x3F));
			len = 4;
		}
		if (n + len >= cap)
			break;
		for (i = 0; i < len; i++)
			out[n++] = (char)b[i];
	}
	out[n] = '\0';
}

void utf8_to_utf16(const char *in, CHAR16 *out, size_t cap)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t n = 0;

	if (cap == 0)
		return;
	while (s && *s && n + 1 < cap) {
		uint32_t c = *s;
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 :
			     (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		size_t i;

		if (len == 0) {
			out[n++] = '?';
			s++;
			continue;
		}
		c = len == 1 ? c : c & (0x7F >> len);
		for (i = 1; i < len; i++) {
			if ((s[i] & 0xC0) != 0x80)
				break;
			c = c << 6 | (s[i] & 0x3F);
		}
		if (i < len) { /* truncated sequence */
			out[n++] = '?';
			s += i;
			continue;
		}
		s += len;
		/* The text console has no glyphs beyond the BMP. */
		out[n++] = c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF) ?
				   '?' : (CHAR16)c;
	}
	out[n] = 0;
}

static UINTN level_attribute(enum report_level level)
{
	switch (level) {
	case REPORT_NOTE:
		return EFI_TEXT_ATTR(EFI_LIGHTGREEN, EFI_BLACK);
	case REPORT_WARN:
		return EFI_TEXT_ATTR(EFI_YELLOW, EFI_BLACK);
	case REPORT_ERROR:
		return EFI_TEXT_ATTR(EFI_LIGHTRED, EFI_BLACK);
	case REPORT_INFO:
	default:
		return EFI_TEXT_ATTR(EFI_LIGHTGRAY, EFI_BLACK);
	}
}

void con_text(enum report_level level, const char *utf8)
{
	static CHAR16 wide[CON_LINE_MAX];
	SIMPLE_TEXT_OUTPUT_INTERFACE *out = ST->ConOut;
	bool colour = level != REPORT_INFO;

	utf8_to_utf16(utf8, wide, CON_LINE_MAX);
	if (colour)
		out->SetAttribute(out, level_attribute(level));
	out->OutputString(out, wide);
	if (colour)
		out->SetAttribute(out, level_attribute(REPORT_INFO));
}

#ifdef GPTRIM_PROFILE
/* make bench's profile build only: each line starts with "@<TSC/1000> ".
 * Under QEMU -icount shift=0 the TSC advances 1 ns per guest instruction,
 * so stamps count thousands of instructions, the same on every run. */
static void con_stamp(void)
{
	char stamp[32];
	struct strbuf sb;
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	sb_init(&sb, stamp, sizeof(stamp));
	sb_printf(&sb, "@%llu ",
		  (unsigned long long)(((uint64_t)hi << 32 | lo) / 1000));
	con_text(REPORT_INFO, stamp);
}
#else
static void con_stamp(void)
{
}
#endif

/* One line of the core's report: the core has already wrapped it at 79
 * columns and tagged warnings and errors in words; colour is added here. */
static void con_sink_line(void *ctx, enum report_level level, const char *text)
{
	(void)ctx;
	con_stamp();
	con_text(level, text);
	con_text(REPORT_INFO, "\r\n");
}

const struct report_sink console_sink = { con_sink_line, NULL };

void con_line(enum report_level level, const char *fmt, ...)
{
	char buf[CON_LINE_MAX];
	struct strbuf sb;
	va_list ap;

	sb_init(&sb, buf, sizeof(buf));
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	con_sink_line(NULL, level, buf);
}

const char *efi_status_text(EFI_STATUS s)
{
	static char other[40];
	struct strbuf sb;

	switch (s) {
	case EFI_SUCCESS: return "success";
	case EFI_LOAD_ERROR: return "load error";
	case EFI_INVALID_PARAMETER: return "invalid parameter";
	case EFI_UNSUPPORTED: return "unsupported";
	case EFI_BAD_BUFFER_SIZE: return "bad buffer size";
	case EFI_BUFFER_TOO_SMALL: return "buffer too small";
	case EFI_NOT_READY: return "not ready";
	case EFI_DEVICE_ERROR: return "device error";
	case EFI_WRITE_PROTECTED: return "write protected";
	case EFI_OUT_OF_RESOURCES: return "out of resources";
	case EFI_VOLUME_CORRUPTED: return "volume corrupted";
	case EFI_VOLUME_FULL: return "volume full";
	case EFI_NO_MEDIA: return "no media";
	case EFI_MEDIA_CHANGED: return "media changed";
	case EFI_NOT_FOUND: return "not found";
	case EFI_ACCESS_DENIED: return "access denied";
	case EFI_TIMEOUT: return "timeout";
	case EFI_ALREADY_STARTED: return "already started";
	case EFI_ABORTED: return "aborted";
	case EFI_SECURITY_VIOLATION: return "security violation";
	default:
		sb_init(&sb, other, sizeof(other));
		sb_printf(&sb, "status 0x%llx", (unsigned long long)s);
		return other;
	}
}

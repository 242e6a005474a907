/* SPDX-License-Identifier: MIT */
/* Console output: the core's report lines on ConOut, which OVMF mirrors to
 * the serial port. Text is UTF-8 inside gptrim and UTF-16 at the firmware.
 * Colours on the text console: notes green, warnings yellow, errors red;
 * the text itself is the same either way, so a serial log greps cleanly. */
#include "gptrim-efi.h"
#include "strbuf.h"

#define CON_LINE_MAX 320

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

	utf8_to_utf16le(utf8, wide, CON_LINE_MAX);
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
	/* Warnings and errors go through the core's report, which says
	 * "warning:" / "error:" in words (a serial console has no colour)
	 * and wraps them as it wraps its own. */
	if (level == REPORT_WARN || level == REPORT_ERROR)
		report_line(&console_sink, level, "%s", buf);
	else
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

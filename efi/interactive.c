/* SPDX-License-Identifier: MIT */
/* Questions on the console with a countdown: no answer means the safe
 * choice (No; exit). Keys typed before the question are discarded, so a
 * stray key can never confirm a change. Works the same on the serial
 * console, where OVMF's terminal driver turns bytes into keys. */
#include "gptrim-efi.h"
#include "strbuf.h"

#define ONE_SECOND 10000000ULL /* in 100 ns units */
#define PROMPT_MAX 200

/* Wait for one key for up to *remaining seconds, redrawing prompt with the
 * seconds left each second. Returns the character, or 0 on timeout. */
static CHAR16 wait_key(const char *prompt, UINTN *remaining)
{
	SIMPLE_INPUT_INTERFACE *in = ST->ConIn;
	char line[PROMPT_MAX];
	EFI_EVENT timer, events[2];
	CHAR16 answer = 0;
	struct strbuf sb;
	EFI_STATUS err;

	err = BS->CreateEvent(EVT_TIMER, 0, NULL, NULL, &timer);
	if (err != EFI_SUCCESS) {
		con_line(REPORT_ERROR, "creating a timer: %s",
			 efi_status_text(err));
		return 0;
	}
	BS->SetTimer(timer, TimerPeriodic, ONE_SECOND);
	events[0] = in->WaitForKey;
	events[1] = timer;
	while (*remaining > 0) {
		EFI_INPUT_KEY key;
		UINTN index;

		sb_init(&sb, line, sizeof(line));
		sb_printf(&sb, "\r%s (%llu s) ", prompt,
			  (unsigned long long)*remaining);
		con_text(REPORT_WARN, line);
		err = BS->WaitForEvent(2, events, &index);
		if (err != EFI_SUCCESS)
			break;
		if (index == 1) {
			(*remaining)--;
			continue;
		}
		if (in->ReadKeyStroke(in, &key) != EFI_SUCCESS)
			continue;
		if (key.ScanCode == SCAN_ESC)
			answer = 0x1B;
		else if (key.UnicodeChar)
			answer = key.UnicodeChar;
		if (answer)
			break;
	}
	BS->SetTimer(timer, TimerCancel, 0);
	BS->CloseEvent(timer);
	con_text(REPORT_INFO, "\r\n");
	return answer;
}

bool ask_yes_no(const char *question, UINTN seconds)
{
	char prompt[PROMPT_MAX];
	struct strbuf sb;
	UINTN remaining = seconds;

	ST->ConIn->Reset(ST->ConIn, FALSE);
	sb_init(&sb, prompt, sizeof(prompt));
	sb_printf(&sb, "%s [y/N]", question);
	for (;;) {
		CHAR16 c = char16_lower(wait_key(prompt, &remaining));

		if (c == 'y') {
			con_line(REPORT_INFO, "answer: yes");
			return true;
		}
		if (c == 0) {
			con_line(REPORT_INFO, "no answer: no");
			return false;
		}
		if (c == 'n' || c == '\r' || c == '\n' || c == 0x1B) {
			con_line(REPORT_INFO, "answer: no");
			return false;
		}
		/* any other key: ask again with the time that is left */
	}
}

enum then_action ask_then(UINTN seconds)
{
	UINTN remaining = seconds;

	ST->ConIn->Reset(ST->ConIn, FALSE);
	for (;;) {
		CHAR16 c = char16_lower(wait_key("[r]eboot, [s]hutdown or "
						 "[e]xit?", &remaining));

		if (c == 'r')
			return THEN_REBOOT;
		if (c == 's')
			return THEN_SHUTDOWN;
		if (c == 'e' || c == 0 || c == '\r' || c == 0x1B)
			return THEN_EXIT;
	}
}

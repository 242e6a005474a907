/* SPDX-License-Identifier: MIT */
/* How the run ends (--then exit|shutdown|reboot) and the status the caller
 * sees.
 *
 * Exit status mapping: the gptrim exit code N (include/options.h, 0..7) is
 * returned from efi_main as the EFI_STATUS with value N, unchanged:
 *   0 EFI_SUCCESS    healthy, nothing left to do
 *   1                report only: entries would be removed
 *   2                bad command line or config
 *   3                no GPT: on a disk named with --disk, or on any disk
 *   4                damaged or inconsistent table refused
 *   5                backup could not be saved: disk not changed
 *   6                I/O error or read-back mismatch
 *   7                no fixed disk found at all
 * The UEFI shell shows it as %lasterror% (0x0 .. 0x7). Values 1..7 have the
 * high bit clear, so the firmware treats them as warnings rather than load
 * failures, and the boot manager simply goes on to the next boot option. */
#include "gptrim-efi.h"
#include "strbuf.h"

EFI_STATUS exit_status(enum gptrim_exit code)
{
	return (EFI_STATUS)code;
}

const char *exit_name(enum gptrim_exit code)
{
	switch (code) {
	case GPTRIM_EXIT_OK: return "healthy, nothing left to do";
	case GPTRIM_EXIT_PENDING: return "report only, entries would be removed";
	case GPTRIM_EXIT_USAGE: return "bad command line or config";
	case GPTRIM_EXIT_NOT_GPT: return "no GPT on a disk named or on any disk";
	case GPTRIM_EXIT_REFUSED: return "damaged or inconsistent table refused";
	case GPTRIM_EXIT_BACKUP: return "backup not saved, disk not changed";
	case GPTRIM_EXIT_IO: return "I/O error or read-back mismatch";
	case GPTRIM_EXIT_NO_DISK: return "no fixed disk found";
	default: return "unknown";
	}
}

/* Wait for good without spinning: hlt sleeps until the next interrupt,
 * and for ever where the firmware runs with interrupts masked. */
static void __attribute__((noreturn)) halt(void)
{
	for (;;)
		__asm__ volatile("hlt");
}

/* U-Boot's boot-time ResetSystem maps EfiResetShutdown to nothing and
 * then loops for ever (lib/efi_loader/efi_runtime.c, 2023.01 as in Debian
 * 12; later versions only with CONFIG_SYSRESET_CMD_POWEROFF): a VM that
 * stays on with its CPU at 100 % and no word why. Its cold reset works. */
static bool shutdown_spins(void)
{
	static const CHAR16 uboot[] = L"Das U-Boot";
	const CHAR16 *vendor = ST->FirmwareVendor;

	return vendor && str16_len(vendor) + 1 == sizeof(uboot) / sizeof(*uboot) &&
	       mem_compare(vendor, uboot, sizeof(uboot)) == 0;
}

EFI_STATUS end_run(enum then_action then, enum gptrim_exit code)
{
	switch (then) {
	case THEN_SHUTDOWN:
		if (shutdown_spins()) {
			con_line(REPORT_WARN, "gptrim: this firmware cannot "
				 "power off: switch the VM off");
			halt();
		}
		con_line(REPORT_INFO, "gptrim: powering off");
		RT->ResetSystem(EfiResetShutdown, exit_status(code), 0, NULL);
		con_line(REPORT_WARN, "gptrim: this firmware did not power "
			 "off: switch the VM off");
		halt();
	case THEN_REBOOT:
		con_line(REPORT_INFO, "gptrim: rebooting");
		RT->ResetSystem(EfiResetCold, exit_status(code), 0, NULL);
		con_line(REPORT_WARN, "gptrim: this firmware did not reboot: "
			 "reset the VM");
		halt();
	case THEN_EXIT:
	default:
		break;
	}
	return exit_status(code);
}

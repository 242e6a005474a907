/* SPDX-License-Identifier: MIT */
/* The empty gnu-efi application: the baseline for the boot-to-power-off
 * timing in ovmf/e2e.sh. Same flags as gptrim.efi; it only powers off. */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	InitializeLib(image, st);
	Print(L"empty: power off\r\n");
	st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}

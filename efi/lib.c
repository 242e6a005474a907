/* SPDX-License-Identifier: MIT */
/* The few library services gptrim needs, in place of gnu-efi's libefi.
 *
 * Debian's libefi.a is compiled with SSE: its printing, string and event
 * code holds about 200 SSE instructions, and its data tables pull that code
 * in. Firmware need not enable SSE for an application (U-Boot leaves
 * CR4.OSFXSR clear: one SSE instruction is a triple fault), so gptrim links
 * only crt0 and libgnuefi's relocator from gnu-efi and brings these, built
 * with -mgeneral-regs-only like the rest of it (efi.mk checks the linked
 * image for any SSE, x87 or MMX instruction). The headers stay gnu-efi's. */
#include "gptrim-efi.h"
#include "strbuf.h"

#include <efigpt.h>

/* Declared here for the definitions below: no libc header to give them. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

/* The globals and GUIDs efilib.h declares, for the names gptrim uses. */
EFI_SYSTEM_TABLE *ST;
EFI_BOOT_SERVICES *BS;
EFI_RUNTIME_SERVICES *RT;
EFI_GUID gEfiBlockIoProtocolGuid = EFI_BLOCK_IO_PROTOCOL_GUID;
EFI_GUID gEfiDevicePathProtocolGuid = EFI_DEVICE_PATH_PROTOCOL_GUID;
EFI_GUID gEfiDevicePathToTextProtocolGuid =
	EFI_DEVICE_PATH_TO_TEXT_PROTOCOL_GUID;
EFI_GUID gEfiDiskIoProtocolGuid = EFI_DISK_IO_PROTOCOL_GUID;
EFI_GUID gEfiLoadedImageProtocolGuid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
EFI_GUID gEfiSimpleFileSystemProtocolGuid =
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
EFI_GUID gEfiFileInfoGuid = EFI_FILE_INFO_ID;
EFI_GUID ShellProtocolGuid = EFI_SHELL_PROTOCOL_GUID;
EFI_GUID ShellParametersProtocolGuid = EFI_SHELL_PARAMETERS_PROTOCOL_GUID;
EFI_GUID EfiPartTypeSystemPartitionGuid = EFI_PART_TYPE_EFI_SYSTEM_PART_GUID;

/* The compiler may call these for struct copies and clears even in a
 * freestanding build; string instructions need no SSE. */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : :
			 "memory");
	return dst;
}

void efi_lib_init(EFI_SYSTEM_TABLE *systab)
{
	ST = systab;
	BS = systab->BootServices;
	RT = systab->RuntimeServices;
}

/* Pool memory of the type an application's own data has (UEFI 2.10
 * §7.2, LoadImage: EfiLoaderData). NULL when the pool is exhausted. */
void *efi_alloc(UINTN size)
{
	void *p = NULL;

	if (BS->AllocatePool(EfiLoaderData, size, &p) != EFI_SUCCESS)
		return NULL;
	return p;
}

void *efi_alloc_zero(UINTN size)
{
	void *p = efi_alloc(size);

	if (p)
		mem_zero(p, size);
	return p;
}

void efi_free(void *p)
{
	if (p)
		BS->FreePool(p);
}

EFI_DEVICE_PATH *efi_handle_path(EFI_HANDLE h)
{
	EFI_DEVICE_PATH *path = NULL;

	if (BS->HandleProtocol(h, &DevicePathProtocol, (void **)&path) !=
	    EFI_SUCCESS)
		return NULL;
	return path;
}

/* Bytes of a device path up to and including its end node (UEFI 2.10
 * §10.3.1); 0 for NULL or a node shorter than its own header, which
 * would never reach the end. */
UINTN efi_path_size(const EFI_DEVICE_PATH *path)
{
	const UINT8 *p = (const UINT8 *)path;
	UINTN size = 0;

	if (!path)
		return 0;
	for (;;) {
		const EFI_DEVICE_PATH *node = (const EFI_DEVICE_PATH *)(p + size);
		UINTN len = DevicePathNodeLength(node);

		if (len < sizeof(EFI_DEVICE_PATH))
			return 0;
		size += len;
		if (IsDevicePathEnd(node))
			return size;
	}
}

/* The path as "type.subtype" hex nodes, for a firmware without the
 * Device Path To Text protocol (optional before UEFI 2.0). */
void efi_path_nodes_text(const EFI_DEVICE_PATH *path, char *out, size_t cap)
{
	const UINT8 *p = (const UINT8 *)path;
	UINTN total = efi_path_size(path);
	struct strbuf sb;

	sb_init(&sb, out, cap);
	if (total == 0) {
		sb_puts(&sb, "(no device path)");
		return;
	}
	sb_puts(&sb, "DevicePath(");
	for (UINTN at = 0; at < total;) {
		const EFI_DEVICE_PATH *node = (const EFI_DEVICE_PATH *)(p + at);

		if (IsDevicePathEnd(node))
			break;
		sb_printf(&sb, "%s%02x.%02x", at ? "/" : "",
			  DevicePathType(node), DevicePathSubType(node));
		at += DevicePathNodeLength(node);
	}
	sb_putc(&sb, ')');
}

EFI_FILE_HANDLE efi_open_root(EFI_HANDLE device)
{
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_FILE_HANDLE root;

	if (BS->HandleProtocol(device, &FileSystemProtocol, (void **)&fs) !=
		    EFI_SUCCESS ||
	    fs->OpenVolume(fs, &root) != EFI_SUCCESS)
		return NULL;
	return root;
}

/* EFI_FILE_INFO of an open file, in pool memory the caller frees; the
 * first call learns the size (the file name makes it vary). */
EFI_FILE_INFO *efi_file_info(EFI_FILE_HANDLE f)
{
	EFI_FILE_INFO *info;
	UINTN size = 0;
	EFI_STATUS err;

	err = f->GetInfo(f, &GenericFileInfo, &size, NULL);
	if (err != EFI_BUFFER_TOO_SMALL || size < sizeof(*info))
		return NULL;
	info = efi_alloc(size);
	if (!info)
		return NULL;
	if (f->GetInfo(f, &GenericFileInfo, &size, info) != EFI_SUCCESS) {
		efi_free(info);
		return NULL;
	}
	return info;
}

UINTN str16_len(const CHAR16 *s)
{
	UINTN n = 0;

	while (s[n])
		n++;
	return n;
}

CHAR16 char16_lower(CHAR16 c)
{
	return c >= 'A' && c <= 'Z' ? (CHAR16)(c - 'A' + 'a') : c;
}

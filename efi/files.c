/* SPDX-License-Identifier: MIT */
/* Reading small whole files: gptrim.cfg and --restore backups. */
#include "gptrim-efi.h"
#include "strbuf.h"

/* Read an open file of at most max bytes into pool memory (+1 NUL byte,
 * not counted in *len). */
static EFI_STATUS read_handle(EFI_FILE_HANDLE f, size_t max, uint8_t **data,
			      size_t *len)
{
	EFI_FILE_INFO *info = efi_file_info(f);
	UINT64 size;
	UINTN got, done = 0;
	uint8_t *buf;
	EFI_STATUS err;

	if (!info)
		return EFI_DEVICE_ERROR;
	size = info->FileSize;
	efi_free(info);
	if (size > max)
		return EFI_BAD_BUFFER_SIZE;
	buf = efi_alloc((UINTN)size + 1);
	if (!buf)
		return EFI_OUT_OF_RESOURCES;
	while (done < size) {
		got = (UINTN)size - done;
		err = f->Read(f, &got, buf + done);
		if (err != EFI_SUCCESS || got == 0) {
			efi_free(buf);
			return err != EFI_SUCCESS ? err : EFI_END_OF_FILE;
		}
		done += got;
	}
	buf[done] = 0;
	*data = buf;
	*len = done;
	return EFI_SUCCESS;
}

EFI_STATUS file_read_root(EFI_FILE_HANDLE root, const CHAR16 *path,
			  size_t max, uint8_t **data, size_t *len)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS err;

	err = root->Open(root, &f, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	if (err != EFI_SUCCESS)
		return err;
	err = read_handle(f, max, data, len);
	f->Close(f);
	return err;
}

EFI_STATUS file_read_volume(EFI_HANDLE device, const CHAR16 *path,
			    size_t max, uint8_t **data, size_t *len)
{
	EFI_FILE_HANDLE root = efi_open_root(device);
	EFI_STATUS err;

	if (!root)
		return EFI_NOT_FOUND;
	err = file_read_root(root, path, max, data, len);
	root->Close(root);
	return err;
}

/* Through the UEFI shell: fsN:\ mappings and the current directory. */
static EFI_STATUS read_shell(EFI_SHELL_PROTOCOL *shell, const CHAR16 *path,
			     size_t max, uint8_t **data, size_t *len)
{
	SHELL_FILE_HANDLE f;
	UINT64 size;
	UINTN got;
	uint8_t *buf;
	EFI_STATUS err;

	err = shell->OpenFileByName(path, &f, EFI_FILE_MODE_READ);
	if (err != EFI_SUCCESS)
		return err;
	err = shell->GetFileSize(f, &size);
	if (err == EFI_SUCCESS && size > max)
		err = EFI_BAD_BUFFER_SIZE;
	if (err != EFI_SUCCESS)
		goto out;
	buf = efi_alloc((UINTN)size + 1);
	if (!buf) {
		err = EFI_OUT_OF_RESOURCES;
		goto out;
	}
	got = (UINTN)size;
	err = shell->ReadFile(f, &got, buf);
	if (err == EFI_SUCCESS && got != size)
		err = EFI_END_OF_FILE;
	if (err != EFI_SUCCESS) {
		efi_free(buf);
		goto out;
	}
	buf[got] = 0;
	*data = buf;
	*len = got;
out:
	shell->CloseFile(f);
	return err;
}

EFI_STATUS file_read_arg(EFI_HANDLE image, const char *path, size_t max,
			 uint8_t **data, size_t *len)
{
	static CHAR16 wide[512];
	EFI_SHELL_PROTOCOL *shell;
	EFI_LOADED_IMAGE *li;
	EFI_STATUS err;

	utf8_to_utf16le(path, wide, sizeof(wide) / sizeof(wide[0]));
	for (CHAR16 *p = wide; *p; p++)
		if (*p == '/')
			*p = '\\';
	if (BS->LocateProtocol(&ShellProtocolGuid, NULL, (void **)&shell) ==
	    EFI_SUCCESS)
		return read_shell(shell, wide, max, data, len);
	err = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (err != EFI_SUCCESS)
		return err;
	return file_read_volume(li->DeviceHandle, wide, max, data, len);
}

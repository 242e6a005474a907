/* SPDX-License-Identifier: MIT */
/* Where the options come from. Started by the UEFI shell: its command line,
 * through EFI_SHELL_PARAMETERS_PROTOCOL on our image handle (gnu-efi's
 * GetShellArgcArgv gives -1 without a shell). Started by the boot manager
 * (BOOTX64.EFI on the ISO): gptrim.cfg in the binary's directory, else in
 * the root of the same volume; from an ISO that volume is the FAT El Torito
 * image, as OVMF has no ISO 9660 driver. Neither: no options, which main
 * takes as interactive mode. The strings live until the program ends. */
#include "gptrim-efi.h"
#include "strbuf.h"

#define CONFIG_MAX_BYTES (64u * 1024u)
#define CONFIG_NAME L"gptrim.cfg"
#define PATH_UNITS 512u

static const CHAR16 root_config[] = L"\\" CONFIG_NAME;

static char *utf8_dup(const CHAR16 *s)
{
	size_t units = s ? str16_len(s) : 0;
	size_t cap = units * 3 + 1; /* a UTF-16 unit is at most 3 bytes */
	char *out = efi_alloc(cap);

	if (out)
		utf16le_to_utf8(s, units, out, cap, 0);
	return out;
}

static enum gpt_status from_shell(EFI_SHELL_PARAMETERS_PROTOCOL *sp,
				  struct gptrim_options *o,
				  struct gpt_reason *why)
{
	static char *argv[OPT_MAX_ARGS + 1];
	UINTN argc = sp->Argc > 0 ? sp->Argc - 1 : 0; /* without argv[0] */

	if (argc > OPT_MAX_ARGS)
		return gpt_fail(why, GPT_E_ARG,
				"too many arguments (%llu, at most %u)",
				(unsigned long long)argc, OPT_MAX_ARGS);
	for (UINTN i = 0; i < argc; i++) {
		argv[i] = utf8_dup(sp->Argv[i + 1]);
		if (!argv[i])
			return gpt_fail(why, GPT_E_NOMEM,
					"no memory for the command line");
	}
	argv[argc] = NULL;
	return options_parse((int)argc, argv, OPT_FRONTEND_EFI, o, why);
}

/* The image's file path (the FILEPATH nodes joined, made absolute) up to
 * and including its last backslash, then CONFIG_NAME. */
static void config_beside(const EFI_DEVICE_PATH *fp, CHAR16 *out, UINTN cap)
{
	UINTN n = 0, dir_end = 1;
	const EFI_DEVICE_PATH *node = fp;

	out[n++] = '\\';
	while (node && !IsDevicePathEnd(node)) {
		if (DevicePathType(node) == MEDIA_DEVICE_PATH &&
		    DevicePathSubType(node) == MEDIA_FILEPATH_DP) {
			const FILEPATH_DEVICE_PATH *f = (const void *)node;
			UINTN len = DevicePathNodeLength(node);
			UINTN units = len > 4 ? (len - 4) / sizeof(CHAR16) : 0;

			for (UINTN i = 0; i < units && f->PathName[i] &&
					  n + 1 < cap; i++) {
				CHAR16 c = f->PathName[i];

				if (c == '\\' && out[n - 1] == '\\')
					continue;
				if (i == 0 && c != '\\' && out[n - 1] != '\\')
					out[n++] = '\\';
				if (n + 1 < cap)
					out[n++] = c;
			}
		}
		node = NextDevicePathNode(node);
	}
	for (UINTN i = 0; i < n; i++)
		if (out[i] == '\\')
			dir_end = i + 1;
	n = dir_end;
	for (const CHAR16 *c = CONFIG_NAME; *c && n + 1 < cap; c++)
		out[n++] = *c;
	out[n] = 0;
}

/* Read a config file at path; EFI_NOT_FOUND when it is not there. */
static EFI_STATUS read_config(EFI_HANDLE device, const CHAR16 *path,
			      uint8_t **data, size_t *len)
{
	return file_read_volume(device, path, CONFIG_MAX_BYTES, data, len);
}

static enum gpt_status parse_config(const uint8_t *raw, size_t len,
				    const char *where,
				    struct gptrim_options *o,
				    struct gpt_reason *why)
{
	static char *argv[OPT_MAX_ARGS + 1];
	size_t cap = len * 2 + 1, text_len = 0; /* len <= 64 KiB */
	/* Zero-filled, as the proof's harness has it (tests/proof/cfgfile.c):
	 * every byte defined, written by the conversion or not. */
	char *text = efi_alloc_zero(cap);
	enum gpt_status st;
	int argc = 0;

	if (!text)
		return gpt_fail(why, GPT_E_NOMEM, "no memory to read %s",
				where);
	st = config_to_utf8(raw, len, text, cap, &text_len, why);
	if (st == GPT_OK)
		st = config_split(text, argv, OPT_MAX_ARGS, &argc, why);
	/* A file that is there but says nothing is a mistake (a truncated
	 * copy, options commented out), not a wish for the interactive
	 * question, which an unattended boot would leave unanswered. */
	if (st == GPT_OK && argc == 0)
		st = gpt_fail(why, GPT_E_ARG, "%s holds no option (it is empty "
			      "or only comments); for the question before any "
			      "change, leave the file out", where);
	if (st != GPT_OK) {
		efi_free(text);
		return st;
	}
	argv[argc] = NULL;
	return options_parse(argc, argv, OPT_FRONTEND_EFI, o, why);
}

static enum gpt_status from_config(EFI_HANDLE image, struct gptrim_options *o,
				   const char **source, struct gpt_reason *why)
{
	static CHAR16 path[PATH_UNITS];
	static char where[PATH_UNITS];
	EFI_LOADED_IMAGE *li;
	uint8_t *raw = NULL;
	enum gpt_status st;
	size_t len = 0;
	EFI_STATUS err;

	err = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_ARG,
				"getting the loaded image protocol: %s",
				efi_status_text(err));
	config_beside(li->FilePath, path, PATH_UNITS);
	err = read_config(li->DeviceHandle, path, &raw, &len);
	/* path has PATH_UNITS units: comparing the whole of root_config,
	 * terminator included, stays inside it. */
	if (err == EFI_NOT_FOUND &&
	    mem_compare(path, root_config, sizeof(root_config)) != 0) {
		mem_copy(path, root_config, sizeof(root_config));
		err = read_config(li->DeviceHandle, path, &raw, &len);
	}
	utf16le_to_utf8(path, PATH_UNITS, where, sizeof(where), 0);
	if (err == EFI_NOT_FOUND) {
		static char *none[1];

		*source = "no gptrim.cfg";
		return options_parse(0, none, OPT_FRONTEND_EFI, o, why);
	}
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_ARG, "reading %s: %s", where,
				efi_status_text(err));
	*source = where;
	st = parse_config(raw, len, where, o, why);
	efi_free(raw); /* the arguments point into the converted copy */
	return st;
}

enum gpt_status args_get(EFI_HANDLE image, struct gptrim_options *o,
			 const char **source, struct gpt_reason *why)
{
	EFI_SHELL_PARAMETERS_PROTOCOL *sp;

	mem_zero(o, sizeof(*o));
	if (BS->HandleProtocol(image, &ShellParametersProtocolGuid,
			       (void **)&sp) == EFI_SUCCESS && sp) {
		*source = "the shell command line";
		return from_shell(sp, o, why);
	}
	return from_config(image, o, source, why);
}

/* SPDX-License-Identifier: MIT */
/* The UEFI front end's internal interfaces (gnu-efi). Each file in efi/ is
 * one concern; the GPT logic stays in the core (include/). */
#ifndef GPTRIM_EFI_H
#define GPTRIM_EFI_H

#include <efi.h>
#include <efilib.h>
/* efipart.h and gpt_ondisk.h both define it (same value, 0xAA55). */
#undef MBR_SIGNATURE

#include "gptrim.h"
#include "options.h"
#include "report.h"
#include "utf.h"

#define DISK_NAME_MAX 160

/* One whole disk: a Block I/O handle with LogicalPartition == FALSE. */
struct efi_disk {
	EFI_HANDLE handle;
	EFI_BLOCK_IO *bio;
	EFI_DEVICE_PATH *path;    /* the handle's own device path */
	uint32_t number;          /* 1-based, in handle order */
	char name[DISK_NAME_MAX]; /* device path text, UTF-8 */
	/* Block I/O adapter state (blockio.c) */
	UINT32 media_id;
	struct blockdev dev;
};

/* console.c: the report sink on ConOut (mirrored to serial by OVMF). */
extern const struct report_sink console_sink;
void con_line(enum report_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text without a newline, for prompts; \r returns to the line start. */
void con_text(enum report_level level, const char *utf8);
const char *efi_status_text(EFI_STATUS s);

/* lib.c: gptrim's own replacements for the gnu-efi libefi calls it needs
 * (Debian's libefi is built with SSE; see lib.c). */
void efi_lib_init(EFI_SYSTEM_TABLE *systab);
void *efi_alloc(UINTN size);
void *efi_alloc_zero(UINTN size);
void efi_free(void *p);             /* NULL is fine */
EFI_DEVICE_PATH *efi_handle_path(EFI_HANDLE h); /* NULL: none */
UINTN efi_path_size(const EFI_DEVICE_PATH *path); /* 0: NULL or broken */
void efi_path_nodes_text(const EFI_DEVICE_PATH *path, char *out, size_t cap);
EFI_FILE_HANDLE efi_open_root(EFI_HANDLE device); /* NULL: no file system */
EFI_FILE_INFO *efi_file_info(EFI_FILE_HANDLE f);  /* efi_free it */
UINTN str16_len(const CHAR16 *s);
CHAR16 char16_lower(CHAR16 c); /* ASCII A-Z only, as FAT and a key press */

/* main.c: called by gnu-efi's crt0 with the SysV convention (not EFIAPI). */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* connect.c */
EFI_STATUS locate_handles(EFI_LOCATE_SEARCH_TYPE type, EFI_GUID *protocol,
			  UINTN *count, EFI_HANDLE **handles);
void connect_all(void);

/* disks.c: the whole disks to work on, numbered 1.. in handle order;
 * skipped ones (read-only, removable, no media) get a report line. */
EFI_STATUS disks_find(bool removable, struct efi_disk **disks, UINTN *count);
void disks_free(struct efi_disk *disks);
/* A device path as UTF-8 text. */
void device_path_text(EFI_DEVICE_PATH *path, char *out, size_t cap);

/* blockio.c: struct blockdev over EFI Block I/O (include/blockdev.h). */
enum gpt_status blockio_open(struct efi_disk *d, struct gpt_reason *why);

/* esp.c: the disk's own EFI system partition. */
struct esp_ctx {
	struct efi_disk *disk;
	char saved[64];  /* file name of the backup written, if any */
};
enum gpt_status esp_save_backup(void *ctx, const struct gpt_guid *disk,
				const uint8_t *data, size_t len,
				struct gpt_reason *why);
/* Open the root of the first FAT ESP the firmware shows on disk d;
 * EFI_NOT_FOUND when there is none. */
EFI_STATUS esp_root(struct efi_disk *d, EFI_FILE_HANDLE *root,
		    uint32_t *partition);
/* Append "<date> <text>" to \EFI\gptrim\gptrim.log on the disk's ESP. */
EFI_STATUS esp_log(struct efi_disk *d, const char *text);
/* Read a file (path on the ESP, '/' or '\\') from the disk's ESP. */
EFI_STATUS esp_read_file(struct efi_disk *d, const char *path, size_t max,
			 uint8_t **data, size_t *len);

/* backups.c: gptrim's backups on an ESP, \EFI\gptrim\<GUID>[.k].gpt;
 * the highest k is the newest. */
#define BACKUP_VERSIONS 100
void backup_name(const struct gpt_guid *g, unsigned k, char *out, size_t cap);
/* The newest version of g's backups under root, -1 when there is none. */
int backup_newest(EFI_FILE_HANDLE root, const struct gpt_guid *g);
/* struct gptrim_env's load_backup and free_backup (ctx: struct esp_ctx):
 * the newest backup of disk on d's ESP, in pool memory. */
enum gpt_status esp_load_backup(void *ctx, const struct gpt_guid *disk,
				uint8_t **data, size_t *len,
				struct gpt_reason *why);
void esp_free_backup(void *ctx, uint8_t *data, size_t len);

/* partitions.c: the firmware's own view of a disk's GPT partitions. */
#define FW_PARTS_MAX 128u
struct fw_parts {
	uint32_t count;
	bool overflow;
	struct {
		uint32_t number;      /* HardDrive node PartitionNumber */
		bool has_type;        /* Partition Info gave the type */
		struct gpt_guid type;
		bool esp;
		struct gpt_guid unique; /* HardDrive node signature */
		EFI_HANDLE handle;
	} p[FW_PARTS_MAX];
};
/* Types come from the Partition Info protocol, EDK2's ESP tag, or else the
 * disk's own GPT read through the core (d->dev must be open). */
EFI_STATUS fw_partitions(struct efi_disk *d, struct fw_parts *parts);
/* Make the firmware re-read the disk's partition table: disconnect the
 * drivers that consume its Block I/O, then connect recursively. *reread
 * says whether it did: false when no driver had the disk open, or when
 * the partition handles listed in before (may be NULL) outlived the
 * disconnect; then the firmware's partition list is the old one. */
EFI_STATUS fw_reread(struct efi_disk *d, const struct fw_parts *before,
		     bool *reread);
/* Report the firmware's view after fw_reread and check it: exactly
 * `removed` partitions gone, none of the removed types left, none new. */
enum gpt_status fw_confirm(const struct fw_parts *before,
			   const struct fw_parts *after, uint32_t removed,
			   const struct gpt_guid *types, size_t ntypes,
			   struct gpt_reason *why);

/* files.c: read a whole file (at most max bytes) into pool memory. */
EFI_STATUS file_read_root(EFI_FILE_HANDLE root, const CHAR16 *path,
			  size_t max, uint8_t **data, size_t *len);
EFI_STATUS file_read_volume(EFI_HANDLE device, const CHAR16 *path,
			    size_t max, uint8_t **data, size_t *len);
/* A path given on the shell command line (fsN:\..., relative), through
 * the shell protocol; else relative to the image's own volume. */
EFI_STATUS file_read_arg(EFI_HANDLE image, const char *path, size_t max,
			 uint8_t **data, size_t *len);

/* args.c: options from the shell, or from gptrim.cfg beside the binary.
 * Returns GPT_OK or GPT_E_ARG (reason in why); *source says where from. */
enum gpt_status args_get(EFI_HANDLE image, struct gptrim_options *o,
			 const char **source, struct gpt_reason *why);

/* run.c: one disk through the core (restore when restore != NULL), the
 * firmware's confirmation, the summary line and the ESP log line. */
void efi_run_disk(struct efi_disk *d, const struct gptrim_options *o,
	      const uint8_t *restore, size_t restore_len,
	      struct disk_outcome *res);

/* interactive.c */
/* Ask a yes/no question; no answer within seconds means No. */
bool ask_yes_no(const char *question, UINTN seconds);
/* Offer [r]eboot / [s]hutdown / [e]xit; no answer means exit. */
enum then_action ask_then(UINTN seconds);

/* reset.c: --then, and the exit status the shell sees. */
EFI_STATUS exit_status(enum gptrim_exit code);
const char *exit_name(enum gptrim_exit code);
EFI_STATUS end_run(enum then_action then, enum gptrim_exit code);

#endif

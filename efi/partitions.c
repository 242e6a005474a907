/* SPDX-License-Identifier: MIT */
/* The firmware's own view of a disk's GPT partitions: the child handles its
 * partition driver made, each a Block I/O with LogicalPartition set and a
 * device path of the disk's path plus one HardDrive node. After a commit we
 * make the firmware re-read the table and check that view, independently of
 * the core's read-back. */
#include "gptrim-efi.h"
#include "guid.h"
#include "strbuf.h"

/* EFI_PARTITION_INFO_PROTOCOL (UEFI 2.7 §13.18), not in gnu-efi 3.0.15. */
static EFI_GUID partition_info_guid = {
	0x8cf2f62c, 0xbc9b, 0x4821,
	{ 0x80, 0x8d, 0xec, 0x9e, 0xc4, 0x21, 0xa1, 0xa0 }
};
#define PARTITION_INFO_TYPE_GPT 2
struct partition_info {
	UINT32 revision;
	UINT32 type;
	UINT8 system; /* 1: an EFI system partition */
	UINT8 reserved[7];
	union {
		UINT8 mbr[16];
		struct gpt_entry gpt;
	} info;
} __attribute__((packed));

#define END_NODE_BYTES 4u

/* The Hard Drive media device path node, UEFI 2.10 §10.3.5.1. gnu-efi's
 * HARDDRIVE_DEVICE_PATH is not packed (48 bytes with padding); the node
 * is 42 bytes, so read it through this packed layout. */
struct hd_node {
	UINT8 type;
	UINT8 subtype;
	UINT8 length[2];
	UINT32 partition_number;
	UINT64 partition_start;
	UINT64 partition_size;
	UINT8 signature[16];
	UINT8 mbr_type;
	UINT8 signature_type;
} __attribute__((packed));
_Static_assert(sizeof(struct hd_node) == 42, "Hard Drive node is 42 bytes");

/* The HardDrive node when path is disk's path plus exactly that one node
 * (a GPT partition), else NULL. */
static const struct hd_node *child_node(EFI_DEVICE_PATH *disk,
					EFI_DEVICE_PATH *path)
{
	UINTN disk_bytes = efi_path_size(disk), path_bytes;
	EFI_DEVICE_PATH *node;
	const struct hd_node *hd;

	if (!disk || !path || disk_bytes < END_NODE_BYTES)
		return NULL;
	disk_bytes -= END_NODE_BYTES;
	path_bytes = efi_path_size(path);
	if (path_bytes <= disk_bytes + END_NODE_BYTES ||
	    mem_compare(disk, path, disk_bytes) != 0)
		return NULL;
	node = (EFI_DEVICE_PATH *)((UINT8 *)path + disk_bytes);
	if (DevicePathType(node) != MEDIA_DEVICE_PATH ||
	    DevicePathSubType(node) != MEDIA_HARDDRIVE_DP ||
	    (UINTN)DevicePathNodeLength(node) < sizeof(struct hd_node) ||
	    !IsDevicePathEnd(NextDevicePathNode(node)))
		return NULL;
	hd = (const struct hd_node *)node;
	if (hd->mbr_type != MBR_TYPE_EFI_PARTITION_TABLE_HEADER)
		return NULL;
	return hd;
}

static void describe(EFI_HANDLE h, struct fw_parts *parts)
{
	struct partition_info *pi;
	void *marker;
	uint32_t i = parts->count;

	if (BS->HandleProtocol(h, &partition_info_guid, (void **)&pi) ==
		    EFI_SUCCESS &&
	    pi->type == PARTITION_INFO_TYPE_GPT) {
		mem_copy(&parts->p[i].type, &pi->info.gpt.type_guid,
			 sizeof(parts->p[i].type));
		parts->p[i].has_type = true;
		parts->p[i].esp = pi->system == 1 ||
				  guid_equal(&parts->p[i].type,
					     &GPT_TYPE_EFI_SYSTEM);
	}
	/* EDK2's partition driver also tags ESPs with this GUID. */
	if (BS->HandleProtocol(h, &EfiPartTypeSystemPartitionGuid, &marker) ==
	    EFI_SUCCESS)
		parts->p[i].esp = true;
}

/* Firmware older than UEFI 2.7 has no Partition Info protocol, and only
 * EDK2 tags ESPs: take the type from the disk's own GPT, for the entry the
 * HardDrive node names (number = index + 1) when its unique GUID matches. */
static void types_from_gpt(struct efi_disk *d, struct fw_parts *parts)
{
	struct gpt_table t;
	struct gpt_reason why;
	uint32_t i;

	for (i = 0; i < parts->count && parts->p[i].has_type; i++)
		;
	if (i == parts->count || !d->dev.ops)
		return; /* every type known, or the disk is not open */
	if (gpt_load(&d->dev, &t, &why) != GPT_OK) {
		gpt_table_release(&t);
		return;
	}
	for (i = 0; i < parts->count; i++) {
		const struct gpt_entry *e;

		if (parts->p[i].has_type || parts->p[i].number == 0)
			continue;
		e = gpt_entry_at(&t, parts->p[i].number - 1);
		if (!e || !gpt_entry_used(e) ||
		    !guid_equal(&e->unique_guid, &parts->p[i].unique))
			continue;
		parts->p[i].type = e->type_guid;
		parts->p[i].has_type = true;
		parts->p[i].esp = parts->p[i].esp ||
				  guid_equal(&e->type_guid, &GPT_TYPE_EFI_SYSTEM);
	}
	gpt_table_release(&t);
}

/* Add handle h to parts when it is a partition of disk d. */
static void add_if_child(struct efi_disk *d, EFI_HANDLE h,
			 struct fw_parts *parts)
{
	EFI_BLOCK_IO *bio;
	const struct hd_node *hd;

	if (BS->HandleProtocol(h, &BlockIoProtocol, (void **)&bio) !=
		    EFI_SUCCESS ||
	    !bio->Media->LogicalPartition)
		return;
	hd = child_node(d->path, efi_handle_path(h));
	if (!hd)
		return;
	for (uint32_t i = 0; i < parts->count; i++)
		if (parts->p[i].handle == h)
			return; /* listed twice by the firmware */
	if (parts->count == FW_PARTS_MAX) {
		parts->overflow = true;
		return;
	}
	parts->p[parts->count].number = hd->partition_number;
	parts->p[parts->count].handle = h;
	mem_copy(&parts->p[parts->count].unique, hd->signature,
		 sizeof(hd->signature));
	describe(h, parts);
	parts->count++;
}

/* The partition driver's children of d: it opens the disk's Disk I/O
 * BY_CHILD_CONTROLLER for each (UEFI 2.10 §7.3.9, OpenProtocol). Asking the
 * disk costs a few entries; scanning every Block I/O handle costs a walk
 * of the handle database per handle, per disk (quadratic in disks). */
static void children_of(struct efi_disk *d, struct fw_parts *parts)
{
	EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *info;
	UINTN n;

	if (BS->OpenProtocolInformation(d->handle, &DiskIoProtocol, &info,
					&n) != EFI_SUCCESS)
		return;
	for (UINTN i = 0; i < n; i++)
		if (info[i].Attributes & EFI_OPEN_PROTOCOL_BY_CHILD_CONTROLLER)
			add_if_child(d, info[i].ControllerHandle, parts);
	BS->FreePool(info);
}

EFI_STATUS fw_partitions(struct efi_disk *d, struct fw_parts *parts)
{
	EFI_HANDLE *handles;
	UINTN n;
	EFI_STATUS err;

	mem_zero(parts, sizeof(*parts));
	children_of(d, parts);
	if (parts->count == 0) {
		/* A driver that did not record its children, or none:
		 * look at every Block I/O handle's device path. */
		err = locate_handles(ByProtocol, &BlockIoProtocol, &n,
				     &handles);
		if (err == EFI_NOT_FOUND)
			return EFI_SUCCESS;
		if (err != EFI_SUCCESS)
			return err;
		for (UINTN i = 0; i < n && !parts->overflow; i++)
			add_if_child(d, handles[i], parts);
		BS->FreePool(handles);
	}
	types_from_gpt(d, parts);
	return EFI_SUCCESS;
}

#define AGENTS_MAX 8

/* Does any of the partition handles listed in before still carry Block
 * I/O? After its driver stopped it must not (EDK2 uninstalls the child
 * and frees the handle; HandleProtocol validates the handle first). */
static bool children_survive(const struct fw_parts *before)
{
	void *bio;

	for (uint32_t i = 0; before && i < before->count; i++)
		if (BS->HandleProtocol(before->p[i].handle, &BlockIoProtocol,
				       &bio) == EFI_SUCCESS)
			return true;
	return false;
}

EFI_STATUS fw_reread(struct efi_disk *d, const struct fw_parts *before,
		     bool *reread)
{
	EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *info;
	EFI_HANDLE agents[AGENTS_MAX];
	UINTN n, nagents = 0;
	EFI_STATUS err;

	*reread = false;
	/* The drivers that consume the disk's Block I/O (Disk I/O, and
	 * through it the partition driver and the file systems). */
	err = BS->OpenProtocolInformation(d->handle, &BlockIoProtocol, &info,
					  &n);
	if (err != EFI_SUCCESS)
		return err;
	for (UINTN i = 0; i < n; i++) {
		bool seen = false;

		if (!(info[i].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER))
			continue;
		for (UINTN j = 0; j < nagents; j++)
			seen = seen || agents[j] == info[i].AgentHandle;
		if (!seen && nagents < AGENTS_MAX)
			agents[nagents++] = info[i].AgentHandle;
	}
	BS->FreePool(info);
	/* No driver has the disk open (U-Boot makes partitions when it
	 * probes the device, not through a driver): nothing can re-read. */
	if (nagents == 0)
		return EFI_SUCCESS;
	for (UINTN i = 0; i < nagents; i++) {
		err = BS->DisconnectController(d->handle, agents[i], NULL);
		if (err != EFI_SUCCESS)
			break;
	}
	*reread = err == EFI_SUCCESS && !children_survive(before);
	/* Connect even after a failed disconnect: leave the disk usable. */
	BS->ConnectController(d->handle, NULL, NULL, TRUE);
	return err;
}

static bool has_number(const struct fw_parts *parts, uint32_t number)
{
	for (uint32_t i = 0; i < parts->count; i++)
		if (parts->p[i].number == number)
			return true;
	return false;
}

static bool type_listed(const struct gpt_guid *type,
			const struct gpt_guid *types, size_t ntypes)
{
	for (size_t i = 0; i < ntypes; i++)
		if (guid_equal(type, &types[i]))
			return true;
	return false;
}

/* Partition numbers of a that are (in_b) or are not (!in_b) in b. */
static uint32_t list_numbers(struct strbuf *sb, const struct fw_parts *a,
			     const struct fw_parts *b, bool in_b)
{
	uint32_t count = 0;

	for (uint32_t i = 0; i < a->count; i++) {
		if (has_number(b, a->p[i].number) != in_b)
			continue;
		sb_printf(sb, "%s%u", count ? "," : "", a->p[i].number);
		count++;
	}
	if (count == 0)
		sb_puts(sb, "none");
	return count;
}

enum gpt_status fw_confirm(const struct fw_parts *before,
			   const struct fw_parts *after, uint32_t removed,
			   const struct gpt_guid *types, size_t ntypes,
			   struct gpt_reason *why)
{
	char text[REPORT_LINE_MAX];
	struct strbuf sb;
	uint32_t gone;

	sb_init(&sb, text, sizeof(text));
	sb_puts(&sb, "  Firmware re-read the disk: partitions gone: ");
	gone = list_numbers(&sb, before, after, false);
	sb_puts(&sb, "; present: ");
	list_numbers(&sb, after, after, true);
	con_line(REPORT_INFO, "%s", text);

	for (uint32_t i = 0; i < after->count; i++) {
		const char *name;

		if (!after->p[i].has_type ||
		    !type_listed(&after->p[i].type, types, ntypes))
			continue;
		name = gpt_type_name(&after->p[i].type);
		return gpt_fail(why, GPT_E_VERIFY,
				"firmware still shows partition %u (%s) "
				"after re-reading the disk",
				after->p[i].number, name ? name : "removed type");
	}
	/* Too many to compare by number, or the firmware had not accepted
	 * the table before (nothing to compare with). */
	if (before->overflow || after->overflow || before->count == 0)
		return GPT_OK;
	if (gone != removed)
		return gpt_fail(why, GPT_E_VERIFY,
				"firmware lost %u partition(s) after "
				"re-reading the disk, %u were removed",
				gone, removed);
	for (uint32_t i = 0; i < after->count; i++)
		if (!has_number(before, after->p[i].number))
			return gpt_fail(why, GPT_E_VERIFY,
					"firmware shows a new partition %u "
					"after re-reading the disk",
					after->p[i].number);
	return GPT_OK;
}

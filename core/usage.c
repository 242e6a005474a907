// SPDX-License-Identifier: MIT
/* The --help text of both front ends (options.h options_usage). */
#include "options.h"

#define USAGE_COMMON \
"Remove Windows Recovery (WinRE) entries from GPT disks so that VMware\n" \
"quiesced snapshots of Windows EFI VMs work. Without --apply nothing is\n" \
"written: the tables are checked and the planned removals reported.\n" \
"\n" \
"  --apply           remove the entries (default: report only)\n" \
"  --repair          rebuild one damaged GPT copy from the good one\n" \
"  --type GUID       remove this partition type instead of Windows RE\n" \
"                    (DE94BBA4-06D1-4D40-A16A-BFD50179D6AC); repeatable,\n" \
"                    at most 8\n" \
"  --no-backup       do not save the table before the first write\n" \
"                    (firmware: no log line on the ESP either)\n" \
"  --restore FILE    write the table saved in FILE (sgdisk --backup\n" \
"                    format) back to one disk; needs --apply\n" \
"  --undo            put back, on every selected disk, the entries gptrim\n" \
"                    removed, from the disk's newest backup; refused\n" \
"                    unless the table is still as gptrim left it; the\n" \
"                    table it replaces is saved first; needs --apply to\n" \
"                    write (without: what would be restored, exit 1)\n"

#define USAGE_HELP \
"  -h, --help        show this text\n" \
"  --version         show the version\n"

#define USAGE_EXIT \
"\n" \
"Exit status (the worst over all disks):\n" \
"  0  every disk healthy, nothing left to do\n" \
"  1  report only: entries would be removed, or restored by --undo\n" \
"     (run again with --apply)\n" \
"  2  bad command line or configuration (also: a --restore FILE that\n" \
"     cannot be opened)\n" \
"  3  no GPT: on a disk named explicitly, or (firmware) on any disk\n" \
"  4  damaged or inconsistent table refused, or --undo refused (no\n" \
"     backup of the disk, or its table is no longer what gptrim left);\n" \
"     nothing written\n" \
"  5  the backup could not be saved; nothing written\n" \
"  6  I/O error, out of memory, or the read-back after writing did not\n" \
"     match\n" \
"  7  (firmware) no fixed disk at all: a controller without a driver in\n" \
"     this firmware, or a boot that brought up only the CD\n"

static const char usage_host[] =
"Usage: gptrim [options] IMAGE|DEVICE...\n"
USAGE_COMMON
"  --disk N          only the Nth IMAGE|DEVICE given (1-based); repeatable\n"
"  --then ACTION, --removable\n"
"                    firmware only: checked, then ignored (a note says so)\n"
"  --sector-size N   sector size of image files: 512, 1024, 2048 or 4096\n"
"                    (default 512; devices report their own)\n"
"  --backup-dir DIR  save backups in DIR as NAME.DISK-GUID.gpt, then\n"
"                    .1.gpt, .2.gpt ... (default: beside the image;\n"
"                    required for block devices); --undo takes the\n"
"                    highest-numbered backup of the disk from there\n"
"  --top-only        a qcow2 with a backing file or internal snapshots, a\n"
"                    VMDK delta: write the top image's current state only\n"
USAGE_HELP
"\n"
"IMAGE is a raw disk image, a VMware -flat.vmdk, a VHD, a VHDX, a qcow2\n"
"or a VMDK (an OVA or streamOptimized VMDK: report only); containers go\n"
"through qemu-storage-daemon's FUSE export.\n"
USAGE_EXIT;

static const char usage_efi[] =
"Usage: gptrim.efi [options]\n"
USAGE_COMMON
"  --disk N          only disk N as numbered in the report; repeatable\n"
"  --removable       also look at removable media\n"
"  --then ACTION     afterwards: exit (default), shutdown or reboot\n"
USAGE_HELP
"\n"
"Backups go to \\EFI\\gptrim\\DISK-GUID.gpt, then .1.gpt, .2.gpt ... on\n"
"the disk's ESP; --undo takes the highest-numbered. Started\n"
"without a shell, options are read from \\gptrim.cfg beside the program.\n"
USAGE_EXIT;

const char *options_usage(enum opt_frontend fe)
{
	return fe == OPT_FRONTEND_EFI ? usage_efi : usage_host;
}

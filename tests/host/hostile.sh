#!/bin/bash
# SPDX-License-Identifier: MIT
# Hostile tables: each case breaks ONE rule of docs/design.md "The GPT rules we enforce" on an
# sgdisk image, with tests/fixtures/gptpoke.py (CRCs resealed, so only that
# rule fails), and expects from the ASan build of the host tool:
#   - no crash and no sanitizer report;
#   - a message naming the failed check (a keyword of the reason, on the
#     one-line "gptrim: disk 1 ...: refused: ..." summary);
#   - exit status 4 (refused) or 3 (no GPT on a disk named explicitly);
#   - not one byte changed and no write at all (digest and mtime), for the
#     report, for --apply and for --apply --repair.
# Damage to both copies, copies that disagree and bad entries are refused
# even with --repair. One bad copy is refused without --repair and rebuilt
# with it: the result must be the good copy's table with the recovery
# entry removed, judged against the pristine image after `sgdisk -d 1`
# (sgdisk -v, sfdisk --json, and byte for byte). A hybrid MBR is reported
# and kept byte for byte; the removal itself succeeds.
# The last line is "# hostile cases: N".
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"
# The base images and the kinds of case: tests/host/hostile-lib.sh.
# shellcheck source=tests/host/hostile-lib.sh
. "$(dirname "$0")/hostile-lib.sh"

if ! make_bases; then
	echo "FAIL: making the base images (sgdisk, sfdisk, losetup)"
	exit 1
fi

# ---- Headers, both copies broken the same way: refused even with --repair.
geometry ws2019
refused 4 "both headers: bad signature" "no GPT header" ws2019 \
	--copy both --header "signature=EFI PARU" --fix-header-crc
refused 4 "both headers: revision 0x00020000" "revision 0x00020000" ws2019 \
	--copy both --header revision=0x00020000 --fix-header-crc
refused 4 "both headers: HeaderSize 91" "HeaderSize 91 is below 92" ws2019 \
	--copy both --header header_size=91 --fix-header-crc
refused 4 "both headers: HeaderSize 513 (block 512)" \
	"HeaderSize 513 exceeds the block size 512" ws2019 \
	--copy both --header header_size=513 --fix-header-crc
refused 4 "both headers: header CRC" "header CRC" ws2019 \
	--copy both --bad-crc header
refused 4 "both headers: Reserved field non-zero" "Reserved" ws2019 \
	--copy both --header reserved=1 --fix-header-crc
refused 4 "both headers: MyLBA wrong" "MyLBA 2, but read from LBA 1" ws2019 \
	--header my_lba=2 --fix-header-crc + \
	--copy backup --header my_lba=$((last - 1)) --fix-header-crc
refused 4 "both headers: AlternateLBA beyond the disk" "AlternateLBA" ws2019 \
	--copy both --header alternate_lba=$((last + 10)) --fix-header-crc
refused 4 "both headers: FirstUsableLBA > LastUsableLBA" \
	"FirstUsableLBA $((lu + 1)) > LastUsableLBA $lu" ws2019 \
	--copy both --header first_usable=$((lu + 1)) --fix-header-crc
refused 4 "both headers: LastUsableLBA beyond the disk" "LastUsableLBA" ws2019 \
	--copy both --header last_usable=$((last + 100)) --fix-header-crc
refused 4 "both arrays overlap their own header" "overlaps a header" ws2019 \
	--header entry_lba=1 --fix-header-crc + \
	--copy backup --header entry_lba=$((last - ab + 1)) --fix-header-crc
refused 4 "both arrays overlap the usable range" "overlaps the usable range" \
	ws2019 --header entry_lba=3 --fix-header-crc + \
	--copy backup --header entry_lba=$lu --fix-header-crc
refused 4 "both headers: SizeOfPartitionEntry 0" "SizeOfPartitionEntry 0" \
	ws2019 --copy both --header entry_size=0 --fix-header-crc
refused 4 "both headers: SizeOfPartitionEntry 100" "SizeOfPartitionEntry 100" \
	ws2019 --copy both --header entry_size=100 --fix-crc
refused 4 "both headers: SizeOfPartitionEntry 129" "SizeOfPartitionEntry 129" \
	ws2019 --copy both --header entry_size=129 --fix-crc
refused 4 "both headers: SizeOfPartitionEntry 2^31 (array over the limit)" \
	"limit" ws2019 --copy both --header entry_size=0x80000000 \
	--fix-header-crc
# One 32 KiB entry: larger than the 16 KiB between LBA 2 and FirstUsable.
refused 4 "both headers: one entry of 32 KiB, larger than the array space" \
	"overlaps the usable range" ws2019 --copy both \
	--header entry_size=32768 --header num_entries=1 --fix-crc
refused 4 "both headers: NumberOfPartitionEntries 0" \
	"NumberOfPartitionEntries is 0" ws2019 \
	--copy both --header num_entries=0 --fix-crc
# 0x02000001 x 128 = 2^32 + 128: wraps to 128 in 32 bits.
refused 4 "both headers: 0x02000001 entries (x 128 wraps 32 bits)" "limit" \
	ws2019 --copy both --header num_entries=0x02000001 --fix-header-crc
refused 4 "both headers: 0xffffffff entries of 2^31 bytes (2^63 bytes)" \
	"limit" ws2019 --copy both --header num_entries=0xffffffff \
	--header entry_size=0x80000000 --fix-header-crc
# x 512 and + 32 blocks both overflow 64 bits.
refused 4 "both headers: entry array at LBA 2^64-16" "outside the disk" \
	ws2019 --copy both --header entry_lba=0xfffffffffffffff0 \
	--fix-header-crc
refused 4 "both arrays: CRC" "entry array: CRC" ws2019 \
	--copy both --bad-crc array
refused 4 "primary Reserved field and backup array CRC" \
	"both copies bad: primary header: Reserved" ws2019 \
	--header reserved=1 --fix-header-crc + --copy backup --bad-crc array

# ---- Two valid copies that disagree: refused even with --repair.
refused 4 "copies with different disk GUIDs" "copies disagree: disk GUID" \
	ws2019 --copy backup \
	--header disk_guid=5753F019-0000-4000-8000-00000000BAD0 --fix-crc
refused 4 "copies with different entry counts" \
	"copies disagree: 128 x 128-byte entries vs 64" ws2019 --copy backup \
	--header num_entries=64 --fix-crc
refused 4 "copies with different usable ranges" \
	"copies disagree: usable range" ws2019 --copy backup \
	--header first_usable=40 --fix-crc
refused 4 "copies with different entries" "copies disagree: entry 4" \
	ws2019 --copy backup --entry "3:name=Data" --fix-crc
refused 4 "backup AlternateLBA not the primary" "AlternateLBA 2" ws2019 \
	--copy backup --header alternate_lba=2 --fix-crc
refused 4 "both headers point at one entry array" "entry arrays" ws2019 \
	--copy backup --header entry_lba=2 --fix-crc

# ---- Used entries (both copies): refused even with --repair.
# sector IMAGE N First|Last: where partition N starts or ends (sgdisk -i).
sector() {
	sgdisk -i "$2" "$1" | sed -n "s/^$3 sector: \([0-9]*\).*/\1/p"
}
esp_first=$(sector "${BASE_IMG[ws2019]}" 2 First)
esp_last=$(sector "${BASE_IMG[ws2019]}" 2 Last)
refused 4 "entry with StartingLBA > EndingLBA" "StartingLBA" ws2019 \
	--copy both --entry 1:end=$((esp_first - 1)) --fix-crc
refused 4 "entry below FirstUsableLBA" "outside the usable range" ws2019 \
	--copy both --entry 0:start=$((fu - 1)) --fix-crc
refused 4 "entry beyond LastUsableLBA" "outside the usable range" ws2019 \
	--copy both --entry 3:end=$((lu + 1)) --fix-crc
refused 4 "entry ending at LBA 2^64-1" "outside the usable range" ws2019 \
	--copy both --entry 3:end=0xffffffffffffffff --fix-crc
refused 4 "overlapping entries" "overlaps entry" ws2019 \
	--copy both --entry 2:start="$esp_last" --fix-crc
refused 4 "duplicate unique GUIDs" "same unique GUID" ws2019 --copy both \
	--entry 0:guid=5753F019-0001-4000-8000-000000000001 \
	--entry 1:guid=5753F019-0001-4000-8000-000000000001 --fix-crc

# ---- LBA 0, no GPT, too small.
refused 4 "protective MBR missing (no 0x55AA)" "protective MBR" ws2019 \
	--mbr signature=0
refused 4 "0xEE record not at LBA 1" "protective MBR" ws2019 \
	--mbr 0:start=2
refused 4 "legacy MBR over a stale GPT" "protective MBR" ws2019 \
	--zero-mbr --mbr signature=0xAA55 --mbr 0:type=7 --mbr 0:start=2048 \
	--mbr 0:size=1000000
refused 3 "MBR-only disk" "MBR disk" mbr-only
refused 3 "blank disk" "blank" blank
refused 3 "disk of 3 sectors" "too small" tiny
refused 4 "disk of 34 sectors (the primary GPT only)" "beyond the last LBA 33" \
	cut34

name="hybrid MBR: reported, kept byte for byte, the removal succeeds"
if selected "$name"; then
begin "$name"
if prepare hybrid; then
	cp --sparse=always "$D/disk.img" "$D/orig.img"
	s=$(sum_of "$D/disk.img")
	run_gptrim 1 "$D/disk.img"
	out_has "hybrid MBR"
	unchanged "$D/disk.img" "$s"
	run_gptrim 0 --apply "$D/disk.img"
	out_has "hybrid MBR (0xEE record and 1 other record(s)); it is kept byte for byte"
	summary_has "removed 1, healthy"
	expect "LBA 0 byte-identical" cmp -n 512 "$D/orig.img" "$D/disk.img"
	judge_removed "$D/orig.img" "$D/disk.img" 512 1
	# --repair changes nothing of that.
	cp --sparse=always "$D/orig.img" "$D/repair.img"
	run_gptrim 0 --apply --repair --no-backup "$D/repair.img"
	[ "$($CHECK digest "$D/repair.img")" = "$($CHECK digest "$D/disk.img")" ] ||
		flunk "--apply --repair gives another result than --apply"
fi
end
fi

# ---- One bad copy: refused, then rebuilt by --repair.
one_bad "primary header CRC; --repair" "header CRC" primary ws2019 \
	--bad-crc header
one_bad "primary signature; --repair" "signature" primary ws2019 \
	--header "signature=EFI PARU" --fix-header-crc
one_bad "primary MyLBA; --repair" "MyLBA 2" primary ws2019 \
	--header my_lba=2 --fix-header-crc
one_bad "primary AlternateLBA beyond the disk; --repair" "AlternateLBA" \
	primary ws2019 --header alternate_lba=$((last + 10)) --fix-header-crc
one_bad "primary FirstUsableLBA > LastUsableLBA; --repair" "FirstUsableLBA" \
	primary ws2019 --header first_usable=$((lu + 1)) --fix-header-crc
one_bad "primary SizeOfPartitionEntry 129; --repair" "SizeOfPartitionEntry" \
	primary ws2019 --header entry_size=129 --fix-crc
one_bad "primary 0x02000001 entries; --repair" "limit" primary ws2019 \
	--header num_entries=0x02000001 --fix-header-crc
one_bad "primary entry array CRC; --repair" "entry array: CRC" primary \
	ws2019 --bad-crc array
one_bad "backup header missing; --repair" "signature" backup ws2019 \
	--copy backup --header signature=0x0000000000000000
one_bad "backup MyLBA; --repair" "MyLBA" backup ws2019 --copy backup \
	--header my_lba=$((last - 1)) --fix-header-crc
one_bad "backup array in the usable range; --repair" \
	"overlaps the usable range" backup ws2019 --copy backup \
	--header entry_lba=$lu --fix-crc
one_bad "backup entry array CRC; --repair" "entry array: CRC" backup ws2019 \
	--copy backup --bad-crc array

# ---- 1024- and 2048-byte sectors (--sector-size).
if [ -n "${BASE_IMG[ws2019-1k]:-}" ]; then
	refused 4 "1024-byte sectors: both headers HeaderSize 1025" \
		"HeaderSize 1025 exceeds the block size 1024" ws2019-1k \
		--copy both --header header_size=1025 --fix-header-crc
	one_bad "1024-byte sectors: primary header CRC; --repair" \
		"header CRC" primary ws2019-1k --bad-crc header
	geometry ws2019-2k
	refused 4 "2048-byte sectors: both headers HeaderSize 2049" \
		"HeaderSize 2049 exceeds the block size 2048" ws2019-2k \
		--copy both --header header_size=2049 --fix-header-crc
	refused 4 "2048-byte sectors: overlapping entries" "overlaps entry" \
		ws2019-2k --copy both --entry 2:start=$((fu + 100)) --fix-crc
	one_bad "2048-byte sectors: backup entry array CRC; --repair" \
		"entry array: CRC" backup ws2019-2k --copy backup --bad-crc array
else
	for c in "1024-byte sectors" "2048-byte sectors"; do
		skip "$c" "needs root and loop devices"
	done
fi

echo "# hostile cases: $NCASES"
finish

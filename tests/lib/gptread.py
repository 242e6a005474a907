#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gptread: an independent GPT reader for the tests (stdlib only).

Written from the UEFI 2.10 spec (sections 5.2-5.3) and the rules of the two
readers a VM's disk meets, restated here, not copied:

Linux, block/partitions/efi.c
  pMBR      gpt_is_pmbr_valid: 0x55AA at 510 and a record with type 0xEE
            whose StartingLBA is 1 (other records: hybrid, still accepted).
            Skipped when the kernel is booted with the `gpt` parameter.
  a copy    is_gpt_valid(lba): the header block is readable (lba <= last
            LBA); signature "EFI PART"; HeaderSize <= block size and >= 92;
            CRC32 over HeaderSize bytes with the CRC field zeroed; MyLBA ==
            lba; FirstUsable <= last LBA; LastUsable <= last LBA; LastUsable
            >= FirstUsable; SizeOfPartitionEntry == 128 exactly; Num * Size
            <= KMALLOC_MAX_SIZE (4 MiB on x86-64) and > 0; the array is
            readable (starts at or before the last LBA, ends on the disk);
            array CRC32 over Num * Size bytes. Revision and reserved bytes
            are not checked.
  the pick  find_valid_gpt: primary at LBA 1; the backup is looked for at
            the primary's AlternateLBA only when the primary is valid; with
            the `gpt` parameter (force_gpt) also at the last LBA. Primary
            valid -> primary (compare_gpts only warns when the copies
            differ or the backup is missing); else backup valid -> backup
            ("Primary GPT is invalid, using alternate GPT."), which a stock
            kernel (no `gpt`) never reaches; else no GPT.

EDK2, MdeModulePkg/Universal/Disk/PartitionDxe/Gpt.c
  pMBR      a record with BootIndicator 0x00, type 0xEE, StartingLBA 1
            (the 0x55AA signature is checked by the caller, PartitionDxe's
            MBR probe does; we require it too).
  a copy    PartitionValidGptTable(lba): signature; 0 < HeaderSize <= block
            size and its CRC32; MyLBA == lba; SizeOfPartitionEntry >= 128;
            Num * Size does not overflow; the array is readable; array CRC.
  the pick  primary at LBA 1 if valid, else the backup at the LAST LBA (not
            at AlternateLBA) if valid, else none. (It then rewrites the bad
            copy from the good one; we only read.)

The canonical table (for "exactly the old table" / "exactly the new one"):
disk GUID, usable range, entry count and size, and every entry that is not
all zero as (index, type, unique, start, end, attributes, name[, extra]).
It leaves out what differs between the two copies of one table (MyLBA,
AlternateLBA, PartitionEntryLBA, CRCs).

  gptread.py IMAGE [--sector-size N] [--json]
  python3 -c 'import gptread; print(gptread.edk2_pick("x.img", 512))'
"""
import argparse
import json
import os
import struct
import sys
import uuid
import zlib

SIGNATURE = b"EFI PART"
HEADER_MIN = 92
LINUX_ENTRY_SIZE = 128
LINUX_KMALLOC_MAX = 4 << 20          # KMALLOC_MAX_SIZE, x86-64, 4 KiB pages
EDK2_MAX_UINTN = (1 << 64) - 1
ARRAY_READ_LIMIT = 64 << 20          # we refuse to hash larger arrays
WINDOWS_RE = "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def merge_ranges(ranges):
    """Byte ranges [(start, end), ...] sorted, overlapping or touching ones
    joined into one."""
    out = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def subtract_ranges(ranges, holes):
    """The parts of the byte ranges outside the holes (sorted, as
    merge_ranges returns them); both lists of (start, end)."""
    out = []
    for s, e in ranges:
        cur = s
        for hs, he in holes:
            if he <= cur or hs >= e:
                continue
            if hs > cur:
                out.append((cur, hs))
            cur = max(cur, he)
        if cur < e:
            out.append((cur, e))
    return out


def guid_str(raw):
    return str(uuid.UUID(bytes_le=bytes(raw))).upper()


class Disk:
    """An image file read block by block; never written."""

    def __init__(self, path, sector_size=512):
        if sector_size not in (512, 1024, 2048, 4096):
            raise ValueError("sector size %d not in 512..4096" % sector_size)
        self.path = path
        self.bs = sector_size
        self.size = os.path.getsize(path)
        self.blocks = self.size // sector_size
        self.last_lba = self.blocks - 1
        self._f = open(path, "rb")

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read(self, lba, nbytes):
        """nbytes from lba on, or None when any of it is beyond the disk."""
        if lba < 0 or lba > self.last_lba or nbytes < 0:
            return None
        if lba * self.bs + nbytes > self.blocks * self.bs:
            return None
        self._f.seek(lba * self.bs)
        data = self._f.read(nbytes)
        return data if len(data) == nbytes else None


def parse_header(raw):
    (sig, rev, hsize, hcrc, resv, my, alt, first, last) = struct.unpack_from(
        "<8sIIIIQQQQ", raw, 0)
    (elba, num, esize, acrc) = struct.unpack_from("<QIII", raw, 72)
    return {
        "signature": sig, "revision": rev, "header_size": hsize,
        "header_crc": hcrc, "reserved": resv, "my_lba": my,
        "alternate_lba": alt, "first_usable": first, "last_usable": last,
        "disk_guid": guid_str(raw[56:72]), "entry_lba": elba,
        "num_entries": num, "entry_size": esize, "array_crc": acrc,
    }


def header_crc_of(raw, hsize):
    buf = bytearray(raw[:hsize])
    buf[16:20] = b"\0\0\0\0"
    return crc32(bytes(buf))


class Copy:
    """One copy (header + array) judged by one reader's rules."""

    def __init__(self, where, lba):
        self.where = where       # "primary" / "backup"
        self.lba = lba
        self.header = None       # parsed fields, when the block was read
        self.array = None        # raw array bytes, when read
        self.header_ok = False
        self.array_ok = False
        self.why = None          # first failed check

    @property
    def valid(self):
        return self.header_ok and self.array_ok

    def fail(self, why):
        self.why = why
        return self

    def as_dict(self):
        d = {"where": self.where, "lba": self.lba, "header_ok": self.header_ok,
             "array_ok": self.array_ok, "valid": self.valid, "why": self.why}
        if self.header is not None:
            h = dict(self.header)
            h["signature"] = h["signature"].decode("latin-1")
            d["header"] = h
        return d


def _read_copy(disk, where, lba):
    c = Copy(where, lba)
    raw = disk.read(lba, disk.bs)
    if raw is None:
        return c, None
    c.header = parse_header(raw)
    return c, raw


def linux_copy(disk, where, lba):
    """is_gpt_valid() of efi.c, one check per line."""
    c, raw = _read_copy(disk, where, lba)
    if raw is None:
        return c.fail("header LBA %d beyond last LBA %d" % (lba, disk.last_lba))
    h = c.header
    if h["signature"] != SIGNATURE:
        return c.fail("signature %r" % h["signature"])
    if h["header_size"] > disk.bs:
        return c.fail("header size %d > block size %d" % (h["header_size"], disk.bs))
    if h["header_size"] < HEADER_MIN:
        return c.fail("header size %d < %d" % (h["header_size"], HEADER_MIN))
    crc = header_crc_of(raw, h["header_size"])
    if crc != h["header_crc"]:
        return c.fail("header CRC 0x%08x, computed 0x%08x" % (h["header_crc"], crc))
    if h["my_lba"] != lba:
        return c.fail("MyLBA %d != %d" % (h["my_lba"], lba))
    if h["first_usable"] > disk.last_lba:
        return c.fail("FirstUsable %d > last LBA %d" % (h["first_usable"], disk.last_lba))
    if h["last_usable"] > disk.last_lba:
        return c.fail("LastUsable %d > last LBA %d" % (h["last_usable"], disk.last_lba))
    if h["last_usable"] < h["first_usable"]:
        return c.fail("LastUsable %d < FirstUsable %d" % (h["last_usable"], h["first_usable"]))
    if h["entry_size"] != LINUX_ENTRY_SIZE:
        return c.fail("entry size %d != 128" % h["entry_size"])
    nbytes = h["num_entries"] * h["entry_size"]
    if nbytes > LINUX_KMALLOC_MAX:
        return c.fail("array %d bytes > %d" % (nbytes, LINUX_KMALLOC_MAX))
    c.header_ok = True
    if nbytes == 0:
        return c.fail("no entries")
    arr = disk.read(h["entry_lba"], nbytes)
    if arr is None:
        return c.fail("array at LBA %d (%d bytes) not on the disk" % (h["entry_lba"], nbytes))
    c.array = arr
    crc = crc32(arr)
    if crc != h["array_crc"]:
        return c.fail("array CRC 0x%08x, computed 0x%08x" % (h["array_crc"], crc))
    c.array_ok = True
    return c


def edk2_copy(disk, where, lba):
    """PartitionValidGptTable() of EDK2 PartitionDxe."""
    c, raw = _read_copy(disk, where, lba)
    if raw is None:
        return c.fail("header LBA %d beyond last LBA %d" % (lba, disk.last_lba))
    h = c.header
    if h["signature"] != SIGNATURE:
        return c.fail("signature %r" % h["signature"])
    if h["header_size"] == 0 or h["header_size"] > disk.bs:
        return c.fail("header size %d not in 1..%d" % (h["header_size"], disk.bs))
    crc = header_crc_of(raw, h["header_size"])
    if crc != h["header_crc"]:
        return c.fail("header CRC 0x%08x, computed 0x%08x" % (h["header_crc"], crc))
    if h["my_lba"] != lba:
        return c.fail("MyLBA %d != %d" % (h["my_lba"], lba))
    if h["entry_size"] < 128:
        return c.fail("entry size %d < 128" % h["entry_size"])
    if h["num_entries"] > EDK2_MAX_UINTN // h["entry_size"]:
        return c.fail("entry count %d overflows" % h["num_entries"])
    c.header_ok = True
    nbytes = h["num_entries"] * h["entry_size"]
    if nbytes > ARRAY_READ_LIMIT:
        return c.fail("array %d bytes: larger than this reader hashes" % nbytes)
    arr = disk.read(h["entry_lba"], nbytes) if nbytes else b""
    if arr is None:
        return c.fail("array at LBA %d (%d bytes) not on the disk" % (h["entry_lba"], nbytes))
    c.array = arr
    crc = crc32(arr)
    if crc != h["array_crc"]:
        return c.fail("array CRC 0x%08x, computed 0x%08x" % (h["array_crc"], crc))
    c.array_ok = True
    return c


def linux_pmbr(disk):
    """gpt_is_pmbr_valid(): 'protective', 'hybrid' or None."""
    mbr = disk.read(0, 512)
    if mbr is None or mbr[510:512] != b"\x55\xaa":
        return None
    recs = [mbr[446 + 16 * i:462 + 16 * i] for i in range(4)]
    if not any(r[4] == 0xEE and struct.unpack_from("<I", r, 8)[0] == 1
               for r in recs):
        return None
    if any(r[4] not in (0x00, 0xEE) for r in recs):
        return "hybrid"
    return "protective"


def edk2_pmbr(disk):
    mbr = disk.read(0, 512)
    if mbr is None or mbr[510:512] != b"\x55\xaa":
        return False
    return any(mbr[446 + 16 * i] == 0x00 and mbr[450 + 16 * i] == 0xEE and
               struct.unpack_from("<I", mbr, 454 + 16 * i)[0] == 1
               for i in range(4))


def canonical(copy):
    """The table a valid copy describes, independent of which copy it is."""
    if copy is None or not copy.valid:
        return None
    h = copy.header
    entries = []
    size = h["entry_size"]
    for i in range(h["num_entries"]):
        e = copy.array[i * size:(i + 1) * size]
        if not any(e):
            continue
        start, end, attrs = struct.unpack_from("<QQQ", e, 32)
        name = e[56:128].decode("utf-16-le", "replace").split("\0")[0]
        row = [i, guid_str(e[0:16]), guid_str(e[16:32]), start, end, attrs, name]
        if size > 128 and any(e[128:]):
            row.append(e[128:].hex())
        entries.append(row)
    return {
        "disk_guid": h["disk_guid"],
        "first_usable": h["first_usable"],
        "last_usable": h["last_usable"],
        "num_entries": h["num_entries"],
        "entry_size": h["entry_size"],
        "entries": entries,
    }


def _differ(p, b):
    """What compare_gpts would warn about (both copies valid)."""
    out = []
    ph, bh = p.header, b.header
    if ph["my_lba"] != bh["alternate_lba"]:
        out.append("primary MyLBA %d != backup AlternateLBA %d" % (ph["my_lba"], bh["alternate_lba"]))
    if ph["alternate_lba"] != bh["my_lba"]:
        out.append("primary AlternateLBA %d != backup MyLBA %d" % (ph["alternate_lba"], bh["my_lba"]))
    for f in ("first_usable", "last_usable", "disk_guid", "num_entries",
              "entry_size", "array_crc"):
        if ph[f] != bh[f]:
            out.append("%s differs: %s != %s" % (f, ph[f], bh[f]))
    return out


def linux_pick_disk(disk, force_gpt=False):
    """find_valid_gpt(): which copy Linux uses, and why."""
    res = {"reader": "linux", "force_gpt": force_gpt, "copy": None,
           "table": None, "warnings": [], "pmbr": linux_pmbr(disk)}
    if not force_gpt and res["pmbr"] is None:
        res["warnings"].append("no protective MBR: not a GPT disk")
        return res
    p = linux_copy(disk, "primary", 1)
    b = None
    if p.valid:
        b = linux_copy(disk, "backup", p.header["alternate_lba"])
    if (b is None or not b.valid) and force_gpt:
        b = linux_copy(disk, "backup", disk.last_lba)
    res["primary"] = p.as_dict()
    res["backup"] = b.as_dict() if b is not None else None
    if p.valid:
        res["copy"], chosen = "primary", p
        if b is None or not b.valid:
            res["warnings"].append("Alternate GPT is invalid, using primary GPT.")
        else:
            res["warnings"] += _differ(p, b)
            if p.header["alternate_lba"] != disk.last_lba:
                res["warnings"].append("backup not at the end of the disk")
    elif b is not None and b.valid:
        res["copy"], chosen = "backup", b
        res["warnings"].append("Primary GPT is invalid, using alternate GPT.")
    else:
        if not force_gpt:
            res["warnings"].append("primary invalid (%s); backup not looked for "
                                   "without the gpt parameter" % p.why)
        return res
    res["table"] = canonical(chosen)
    return res


def edk2_pick_disk(disk):
    """PartitionInstallGptChildHandles(): primary, else backup at last LBA."""
    res = {"reader": "edk2", "copy": None, "table": None,
           "pmbr": edk2_pmbr(disk)}
    if not res["pmbr"]:
        return res
    p = edk2_copy(disk, "primary", 1)
    b = edk2_copy(disk, "backup", disk.last_lba)
    res["primary"] = p.as_dict()
    res["backup"] = b.as_dict()
    if p.valid:
        res["copy"], chosen = "primary", p
    elif b.valid:
        res["copy"], chosen = "backup", b
    else:
        return res
    res["table"] = canonical(chosen)
    return res


def linux_pick(img, sector_size=512, force_gpt=False):
    with Disk(img, sector_size) as d:
        return linux_pick_disk(d, force_gpt)


def edk2_pick(img, sector_size=512):
    with Disk(img, sector_size) as d:
        return edk2_pick_disk(d)


def copies(img, sector_size=512):
    """Both copies by Linux's rules: the primary at LBA 1, the backup at the
    primary's AlternateLBA when that header could be read, and at the last
    LBA too when that is elsewhere."""
    with Disk(img, sector_size) as d:
        p = linux_copy(d, "primary", 1)
        out = {"primary": p}
        alt = p.header["alternate_lba"] if p.header_ok else None
        if alt is not None and alt != d.last_lba:
            out["backup_at_alternate"] = linux_copy(d, "backup", alt)
        out["backup"] = linux_copy(d, "backup", d.last_lba)
        return out


def table_of(img, sector_size=512, which="primary"):
    """Canonical table of one copy (the backup at the last LBA), or None."""
    return canonical(copies(img, sector_size)[which])


def report(img, sector_size=512):
    with Disk(img, sector_size) as d:
        cs = {}
        p = linux_copy(d, "primary", 1)
        cs["primary"] = p.as_dict()
        cs["primary"]["edk2_valid"] = edk2_copy(d, "primary", 1).valid
        if p.header_ok and p.header["alternate_lba"] != d.last_lba:
            alt = p.header["alternate_lba"]
            ba = linux_copy(d, "backup", alt)
            cs["backup_at_alternate"] = ba.as_dict()
            cs["backup_at_alternate"]["edk2_valid"] = edk2_copy(d, "backup", alt).valid
        b = linux_copy(d, "backup", d.last_lba)
        cs["backup"] = b.as_dict()
        cs["backup"]["edk2_valid"] = edk2_copy(d, "backup", d.last_lba).valid
        return {
            "image": img, "sector_size": d.bs, "last_lba": d.last_lba,
            "copies": cs,
            "linux_pick": linux_pick_disk(d, False),
            "linux_pick_force_gpt": linux_pick_disk(d, True),
            "edk2_pick": edk2_pick_disk(d),
        }


def sgdisk_backup_table(path):
    """The table in an sgdisk --backup file (what sgdisk had loaded): 512-byte
    slots for the protective MBR, the main header and the backup header,
    then the array (Num x Size bytes), whatever the sector size. CRCs are
    not checked here (sgdisk saves what it holds in memory). None when the
    file is short or has no header signature."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 1536 or data[512:520] != SIGNATURE:
        return None
    h = parse_header(data[512:1024])
    nbytes = h["num_entries"] * h["entry_size"]
    if h["entry_size"] < 128 or len(data) < 1536 + nbytes:
        return None
    c = Copy("sgdisk-backup", h["my_lba"])
    c.header, c.array = h, data[1536:1536 + nbytes]
    c.header_ok = c.array_ok = True
    return canonical(c)


def _print_table(t, indent="    "):
    print("%sdisk %s, usable %d..%d, %d x %d-byte entries" % (
        indent, t["disk_guid"], t["first_usable"], t["last_usable"],
        t["num_entries"], t["entry_size"]))
    for row in t["entries"]:
        i, typ, uniq, start, end, attrs, name = row[:7]
        tag = " (Windows RE)" if typ == WINDOWS_RE else ""
        print("%s  #%d %s%s %d..%d attrs 0x%016x %r" % (
            indent, i + 1, typ, tag, start, end, attrs, name))


def main(argv):
    ap = argparse.ArgumentParser(description="Read a GPT image as Linux and EDK2 would.")
    ap.add_argument("image")
    ap.add_argument("--sector-size", type=int, default=512)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        r = report(a.image, a.sector_size)
    except (OSError, ValueError) as e:
        print("gptread: %s" % e, file=sys.stderr)
        return 2
    if a.json:
        json.dump(r, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    print("%s: %d-byte sectors, last LBA %d" % (a.image, r["sector_size"], r["last_lba"]))
    for name, c in r["copies"].items():
        state = "valid" if c["valid"] else "INVALID (%s)" % c["why"]
        print("  %s at LBA %d: %s; edk2: %s" % (name, c["lba"], state,
                                              "valid" if c["edk2_valid"] else "invalid"))
    for key in ("linux_pick", "linux_pick_force_gpt", "edk2_pick"):
        pk = r[key]
        print("  %s: %s" % (key, pk["copy"] or "no GPT"))
        for w in pk.get("warnings", []):
            print("    warning: %s" % w)
    pk = r["linux_pick_force_gpt"]
    if pk["table"]:
        print("  table (%s):" % pk["copy"])
        _print_table(pk["table"])
    return 0 if r["edk2_pick"]["copy"] or r["linux_pick_force_gpt"]["copy"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

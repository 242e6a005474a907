# SPDX-License-Identifier: MIT
"""gptrules: which GPT copy Linux and EDK2 would use (stdlib only).

Written from the UEFI 2.10 spec (sections 5.2-5.3) and the rules of the two
readers a VM's disk meets, restated here, not copied:

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
"""
import struct

from gptformat import (HEADER_MIN, SIGNATURE, Copy, canonical, crc32,
                       header_crc_of, parse_header)

LINUX_ENTRY_SIZE = 128
LINUX_KMALLOC_MAX = 4 << 20          # KMALLOC_MAX_SIZE, x86-64, 4 KiB pages
EDK2_MAX_UINTN = (1 << 64) - 1
ARRAY_READ_LIMIT = 64 << 20          # we refuse to hash larger arrays


def _signed_header(disk, where, lba):
    """Both readers first: the header block at lba is readable and has the
    signature. (copy, raw block), raw None when the copy already failed."""
    c = Copy(where, lba)
    raw = disk.read(lba, disk.bs)
    if raw is None:
        return c.fail("header LBA %d beyond last LBA %d" % (lba, disk.last_lba)), None
    c.header = parse_header(raw)
    if c.header["signature"] != SIGNATURE:
        return c.fail("signature %r" % c.header["signature"]), None
    return c, raw


def _crc_and_place(c, raw):
    """Both readers, after their HeaderSize checks: the header CRC over
    HeaderSize bytes, then MyLBA == the LBA it was read at. The failure, or
    None."""
    h = c.header
    crc = header_crc_of(raw, h["header_size"])
    if crc != h["header_crc"]:
        return "header CRC 0x%08x, computed 0x%08x" % (h["header_crc"], crc)
    if h["my_lba"] != c.lba:
        return "MyLBA %d != %d" % (h["my_lba"], c.lba)
    return None


def _array(c, disk, nbytes):
    """Both readers last: the array is on the disk and matches its CRC."""
    h = c.header
    arr = disk.read(h["entry_lba"], nbytes) if nbytes else b""
    if arr is None:
        return c.fail("array at LBA %d (%d bytes) not on the disk" % (h["entry_lba"], nbytes))
    c.array = arr
    crc = crc32(arr)
    if crc != h["array_crc"]:
        return c.fail("array CRC 0x%08x, computed 0x%08x" % (h["array_crc"], crc))
    c.array_ok = True
    return c


def linux_copy(disk, where, lba):
    """is_gpt_valid() of efi.c, one check per line."""
    c, raw = _signed_header(disk, where, lba)
    if raw is None:
        return c
    h = c.header
    if h["header_size"] > disk.bs:
        return c.fail("header size %d > block size %d" % (h["header_size"], disk.bs))
    if h["header_size"] < HEADER_MIN:
        return c.fail("header size %d < %d" % (h["header_size"], HEADER_MIN))
    why = _crc_and_place(c, raw)
    if why:
        return c.fail(why)
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
    return _array(c, disk, nbytes)


def edk2_copy(disk, where, lba):
    """PartitionValidGptTable() of EDK2 PartitionDxe."""
    c, raw = _signed_header(disk, where, lba)
    if raw is None:
        return c
    h = c.header
    if h["header_size"] == 0 or h["header_size"] > disk.bs:
        return c.fail("header size %d not in 1..%d" % (h["header_size"], disk.bs))
    why = _crc_and_place(c, raw)
    if why:
        return c.fail(why)
    if h["entry_size"] < 128:
        return c.fail("entry size %d < 128" % h["entry_size"])
    if h["num_entries"] > EDK2_MAX_UINTN // h["entry_size"]:
        return c.fail("entry count %d overflows" % h["num_entries"])
    c.header_ok = True
    nbytes = h["num_entries"] * h["entry_size"]
    if nbytes > ARRAY_READ_LIMIT:
        return c.fail("array %d bytes: larger than this reader hashes" % nbytes)
    return _array(c, disk, nbytes)


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

# SPDX-License-Identifier: MIT
"""gptformat: the GPT on-disk format for the independent readers of the
tests (stdlib only), written from the UEFI 2.10 spec, sections 5.2-5.3:
an image read block by block, a header's fields and CRC, one copy (header
and array) as a reader judged it, and the canonical table a valid copy
describes. The readers' rules are in gptrules.py; gptread.py is the
entry point.

The canonical table (for "exactly the old table" / "exactly the new one"):
disk GUID, usable range, entry count and size, and every entry that is not
all zero as (index, type, unique, start, end, attributes, name[, extra]).
It leaves out what differs between the two copies of one table (MyLBA,
AlternateLBA, PartitionEntryLBA, CRCs).
"""
import os
import struct
import uuid
import zlib

SIGNATURE = b"EFI PART"
HEADER_MIN = 92
WINDOWS_RE = "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


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

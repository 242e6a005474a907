#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""gptread: an independent GPT reader for the tests (stdlib only).

The entry point of the independent GPT reader of the tests: what Linux and
EDK2 would read from an image (gptrules.py, where their rules are restated),
both copies, the canonical table (gptformat.py), an sgdisk --backup file's
table, and a report on the command line. Every name callers import from
here stays here (merge_ranges and subtract_ranges live in byteranges.py).

  gptread.py IMAGE [--sector-size N] [--json]
  python3 -c 'import gptread; print(gptread.edk2_pick("x.img", 512))'
"""
import argparse
import json
import sys

from byteranges import merge_ranges, subtract_ranges  # noqa: F401
from gptformat import (SIGNATURE, WINDOWS_RE, Copy, Disk,  # noqa: F401
                       canonical, parse_header)
from gptrules import (edk2_copy, edk2_pick_disk, linux_copy,  # noqa: F401
                      linux_pick_disk)


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

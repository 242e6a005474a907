#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Small, independent GPT helpers for the end-to-end suite (stdlib only).

Independent of gptrim's core on purpose: it parses the structures with
struct and zlib.crc32 straight from the UEFI spec.

  gpttool.py areas IMG BS
      print the byte ranges "START END what" of the protective MBR, both
      headers and both entry arrays (as the primary header describes them).
  gpttool.py compare ORIG NEW BS [--skip START:END]... [--skip-gpt] [--skip-mbr]
      compare two images byte by byte outside the skipped ranges (with
      --skip-gpt, outside both images' GPT headers and arrays); print the first
      differences and exit 1 when they differ. Holes in sparse files are
      skipped quickly.
  gpttool.py tables ORIG.json NEW.json --removed K [--grown]
      compare two `sfdisk --json` dumps: disk GUID, usable range (unless
      --grown: the last usable LBA may grow), sector size equal; the new table
      is the old one without exactly K Windows RE entries, every other entry
      identical and at the same index. Exit 1 with the reasons otherwise.
  gpttool.py disagree IMG BS
      make the two copies disagree while each stays valid: rename the last
      used entry in the backup array only, fix the backup's CRCs.
  gpttool.py overlap IMG BS
      make entry 4 start inside entry 3 in both copies, fix all CRCs.
"""
import json
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
from gptread import merge_ranges, subtract_ranges  # noqa: E402

WINRE = "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"
HDR = struct.Struct("<8sIIIIQQQQ16sQIII")


def die(msg):
    print("gpttool: " + msg, file=sys.stderr)
    sys.exit(2)


class Header:
    def __init__(self, f, lba, bs):
        self.lba = lba
        f.seek(lba * bs)
        raw = f.read(bs)
        self.raw = bytearray(raw)
        (self.sig, self.rev, self.size, self.crc, _, self.my, self.alt,
         self.first, self.last, self.guid, self.array_lba, self.count,
         self.esize, self.array_crc) = HDR.unpack_from(raw)
        if self.sig != b"EFI PART":
            die("no GPT header at LBA %d" % lba)

    def array_range(self, bs):
        n = self.count * self.esize
        start = self.array_lba * bs
        blocks = (n + bs - 1) // bs
        return start, start + blocks * bs

    def fix_crc(self, array):
        self.array_crc = zlib.crc32(array) & 0xFFFFFFFF
        struct.pack_into("<I", self.raw, 88, self.array_crc)
        struct.pack_into("<I", self.raw, 16, 0)
        crc = zlib.crc32(bytes(self.raw[:self.size])) & 0xFFFFFFFF
        struct.pack_into("<I", self.raw, 16, crc)


def headers(path, bs):
    with open(path, "rb") as f:
        p = Header(f, 1, bs)
        b = Header(f, p.alt, bs)
    return p, b


def areas(path, bs):
    p, b = headers(path, bs)
    out = [(0, bs, "protective MBR"),
           (p.lba * bs, (p.lba + 1) * bs, "primary header")]
    s, e = p.array_range(bs)
    out.append((s, e, "primary array"))
    s, e = b.array_range(bs)
    out.append((s, e, "backup array"))
    out.append((b.lba * bs, (b.lba + 1) * bs, "backup header"))
    return out


def data_extents(path):
    """(start, end) ranges that may hold data: everything but holes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        out = []
        pos = 0
        while pos < size:
            try:
                d = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:
                break
            h = os.lseek(fd, d, os.SEEK_HOLE)
            out.append((d, h))
            pos = h
        return size, out
    finally:
        os.close(fd)


def cmd_areas(args):
    path, bs = args[0], int(args[1])
    for s, e, what in areas(path, bs):
        print(s, e, what)


def cmd_compare(args):
    orig, new, bs = args[0], args[1], int(args[2])
    skips = []
    i = 3
    while i < len(args):
        if args[i] == "--skip":
            s, e = args[i + 1].split(":")
            skips.append((int(s), int(e)))
            i += 2
        elif args[i] == "--skip-gpt":
            for img in (orig, new):
                try:
                    skips += [(s, e) for s, e, w in areas(img, bs)
                              if w != "protective MBR"]
                except SystemExit:
                    pass
            i += 1
        elif args[i] == "--skip-mbr":
            skips.append((0, bs))
            i += 1
        else:
            die("compare: unknown " + args[i])
    skips = merge_ranges(skips)
    osize, oext = data_extents(orig)
    nsize, next_ = data_extents(new)
    diffs = []
    if osize != nsize:
        diffs.append("size %d, now %d" % (osize, nsize))
    todo = subtract_ranges(merge_ranges(oext + next_), skips)
    ndiff = 0
    with open(orig, "rb") as fo, open(new, "rb") as fn:
        for s, e in todo:
            pos = s
            while pos < e:
                n = min(1 << 20, e - pos)
                fo.seek(pos)
                fn.seek(pos)
                a = fo.read(n)
                b = fn.read(n)
                if a != b:
                    for k in range(min(len(a), len(b))):
                        if a[k] != b[k]:
                            break
                    else:
                        k = min(len(a), len(b))
                    ndiff += 1
                    if len(diffs) < 5:
                        off = pos + k
                        diffs.append("byte %d (LBA %d) differs" %
                                     (off, off // bs))
                pos += n
    if diffs:
        for d in diffs:
            print(d)
        return 1
    return 0


def norm_parts(table):
    out = {}
    for p in table.get("partitions", []):
        node = p["node"]
        # The node is the device or image name followed by the entry number.
        digits = ""
        for ch in reversed(node):
            if not ch.isdigit():
                break
            digits = ch + digits
        idx = int(digits)
        q = dict(p)
        del q["node"]
        out[idx] = q
    return out


def cmd_tables(args):
    a = json.load(open(args[0]))["partitiontable"]
    b = json.load(open(args[1]))["partitiontable"]
    removed = None
    grown = False
    i = 2
    while i < len(args):
        if args[i] == "--removed":
            removed = int(args[i + 1])
            i += 2
        elif args[i] == "--grown":
            grown = True
            i += 1
        else:
            die("tables: unknown " + args[i])
    why = []
    for k in ("label", "id", "firstlba", "sectorsize"):
        if a.get(k) != b.get(k):
            why.append("%s was %s, now %s" % (k, a.get(k), b.get(k)))
    if grown:
        if b.get("lastlba", 0) < a.get("lastlba", 0):
            why.append("lastlba shrank from %s to %s" %
                       (a.get("lastlba"), b.get("lastlba")))
    elif a.get("lastlba") != b.get("lastlba"):
        why.append("lastlba was %s, now %s" % (a.get("lastlba"), b.get("lastlba")))
    pa, pb = norm_parts(a), norm_parts(b)
    gone = 0
    for idx, p in sorted(pa.items()):
        q = pb.get(idx)
        if p["type"].upper() == WINRE:
            if q is None:
                gone += 1
            else:
                why.append("recovery entry %d still present" % idx)
            continue
        if q != p:
            why.append("entry %d was %s, now %s" % (idx, p, q))
    for idx in pb:
        if idx not in pa:
            why.append("entry %d appeared: %s" % (idx, pb[idx]))
    if removed is not None and gone != removed:
        why.append("%d entries removed, expected %d" % (gone, removed))
    for w in why:
        print(w)
    return 1 if why else 0


def rewrite(path, bs, edit, copies):
    """edit(array: bytearray, hdr) changes an entry array in place; the
    header and array CRCs of each edited copy are recomputed."""
    p, b = headers(path, bs)
    with open(path, "r+b") as f:
        for h in (p, b):
            if (h is p and "primary" not in copies) or \
               (h is b and "backup" not in copies):
                continue
            n = h.count * h.esize
            f.seek(h.array_lba * bs)
            arr = bytearray(f.read(n))
            edit(arr, h)
            h.fix_crc(bytes(arr))
            f.seek(h.array_lba * bs)
            f.write(arr)
            f.seek(h.lba * bs)
            f.write(h.raw)


def used(arr, h):
    return [i for i in range(h.count)
            if any(arr[i * h.esize:i * h.esize + 16])]


def cmd_disagree(args):
    path, bs = args[0], int(args[1])

    def edit(arr, h):
        idx = used(arr, h)[-1]
        name = "gptrim-e2e-disagree".encode("utf-16-le")
        off = idx * h.esize + 56
        arr[off:off + 72] = name.ljust(72, b"\0")
    rewrite(path, bs, edit, ("backup",))


def cmd_overlap(args):
    path, bs = args[0], int(args[1])

    def edit(arr, h):
        u = used(arr, h)
        if len(u) < 4:
            die("overlap: need four used entries")
        e3 = u[2] * h.esize
        e4 = u[3] * h.esize
        end3 = struct.unpack_from("<Q", arr, e3 + 40)[0]
        struct.pack_into("<Q", arr, e4 + 32, end3 - 7)
    rewrite(path, bs, edit, ("primary", "backup"))


def main():
    if len(sys.argv) < 2:
        die("usage: see the top of this file")
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"areas": cmd_areas, "compare": cmd_compare, "tables": cmd_tables,
          "disagree": cmd_disagree, "overlap": cmd_overlap}.get(cmd)
    if fn is None:
        die("unknown command " + cmd)
    sys.exit(fn(args) or 0)


if __name__ == "__main__":
    main()

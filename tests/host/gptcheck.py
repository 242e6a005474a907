#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent judge and fixture editor for the host end-to-end tests.

Standard library only, and written from the UEFI specification rather than
from gptrim's core, so a bug shared by both is unlikely. Subcommands:

  outside A B --bs N [--disk-bytes N]   every byte outside the GPT areas of
        A and B (LBA 1..primary array end, backup array..backup header;
        the union over both images) is identical; LBA 0 and a VHD footer
        included. Sparse files are compared extent by extent.
  zero-slots IMG --bs N NUM...    entry NUM (1-based) is all zero bytes in
        the primary and the backup array.
  table-diff ORIG IMG --bs N [--removed N,..] [--grown]   byte level: in
        both copies every entry slot but the removed ones (now all zero)
        is identical, and so is every header field but the CRCs (and,
        with --grown, the backup's location and LastUsableLBA).
  same-tables IMG --bs N          both arrays hold the same bytes.
  sfdiff BEFORE.json AFTER.json [--removed N,..] [--grown]
        sfdisk --json output: AFTER is BEFORE without the removed entries.
  marks IMG --bs N                write recognisable data at each partition's
        first and last 4 KiB and in the gaps next to the arrays.
  damage IMG --bs N OP            OP: primary-header, primary-array,
        backup-header, backup-array (break the CRC), disagree (both valid,
        backup array differs), overlap (entries 2 and 3 overlap, CRCs
        fixed), both-headers.
  digest FILE                     SHA-256 of the content (size and every
        non-zero 4 KiB block with its offset), fast on sparse files.
  vhd-footer IMG --type 2|3|4     append a VHD footer (fixed, dynamic,
        differencing) to a raw image.
"""
import argparse
import errno
import json
import os
import re
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from gptread import merge_ranges, subtract_ranges  # noqa: E402

HDR = struct.Struct('<8sIIIIQQQQ16sQIII')


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def disk_bytes(path, given):
    return given if given is not None else os.path.getsize(path)


def read_at(f, off, n):
    f.seek(off)
    return f.read(n)


def parse_header(block):
    if len(block) < 92 or block[:8] != b'EFI PART':
        return None
    (sig, rev, hsize, crc, _res, my, alt, first, last, guid, elba, num,
     esize, acrc) = HDR.unpack_from(block)
    ok_crc = False
    if 92 <= hsize <= len(block):
        b = bytearray(block[:hsize])
        b[16:20] = b'\0\0\0\0'
        ok_crc = zlib.crc32(bytes(b)) == crc
    return dict(my=my, alt=alt, first=first, last=last, guid=guid,
                elba=elba, num=num, esize=esize, acrc=acrc, hsize=hsize,
                crc_ok=ok_crc)


def headers(path, bs, dbytes):
    """Primary and backup headers found (by signature), with their LBA."""
    last = dbytes // bs - 1
    found = []
    with open(path, 'rb') as f:
        p = parse_header(read_at(f, bs, bs))
        if p:
            found.append(('primary', 1, p))
        for lba in sorted({last} | ({p['alt']} if p else set())):
            if 1 < lba <= last:
                h = parse_header(read_at(f, lba * bs, bs))
                if h:
                    found.append(('backup', lba, h))
    return found


def array_blocks(h, bs):
    n = h['num'] * h['esize']
    if n == 0 or n > 64 << 20:
        return 0
    return (n + bs - 1) // bs


def gpt_areas(path, bs, dbytes):
    """Byte ranges [a, b) that a GPT writer may change."""
    last = dbytes // bs - 1
    areas = []
    for kind, lba, h in headers(path, bs, dbytes):
        nb = array_blocks(h, bs)
        if kind == 'primary':
            end = max(1, h['elba'] + nb - 1) if h['elba'] <= last else 1
            areas.append((bs, (min(end, last) + 1) * bs))
        else:
            start = h['elba'] if 1 < h['elba'] <= lba else lba
            areas.append((start * bs, (lba + 1) * bs))
    return areas


def data_extents(path, size):
    fd = os.open(path, os.O_RDONLY)
    out, off = [], 0
    try:
        while off < size:
            try:
                d = os.lseek(fd, off, os.SEEK_DATA)
            except OSError as e:
                if e.errno == errno.ENXIO:
                    break
                raise
            h = min(os.lseek(fd, d, os.SEEK_HOLE), size)
            out.append((d, h))
            off = h
    finally:
        os.close(fd)
    return out


def cmd_outside(a):
    size = os.path.getsize(a.a)
    if os.path.getsize(a.b) != size:
        die('sizes differ: %d and %d' % (size, os.path.getsize(a.b)))
    areas = merge_ranges(
        gpt_areas(a.a, a.bs, disk_bytes(a.a, a.disk_bytes)) +
        gpt_areas(a.b, a.bs, disk_bytes(a.b, a.disk_bytes)))
    check = subtract_ranges(merge_ranges(data_extents(a.a, size) +
                                         data_extents(a.b, size)), areas)
    total = 0
    with open(a.a, 'rb') as fa, open(a.b, 'rb') as fb:
        for lo, hi in check:
            off = lo
            while off < hi:
                n = min(1 << 20, hi - off)
                x, y = read_at(fa, off, n), read_at(fb, off, n)
                if x != y:
                    i = next(k for k in range(n) if x[k] != y[k])
                    die('byte %d (LBA %d) differs outside the GPT areas %s'
                        % (off + i, (off + i) // a.bs,
                           [(p // a.bs, q // a.bs - 1) for p, q in areas]))
                off += n
                total += n
    print('identical outside GPT areas (%d data bytes compared)' % total)


def arrays(path, bs, dbytes):
    out = []
    with open(path, 'rb') as f:
        for kind, lba, h in headers(path, bs, dbytes):
            out.append((kind, h, read_at(f, h['elba'] * bs,
                                         h['num'] * h['esize'])))
    return out


def cmd_zero_slots(a):
    arrs = arrays(a.img, a.bs, disk_bytes(a.img, a.disk_bytes))
    kinds = [k for k, _, _ in arrs]
    if 'primary' not in kinds or 'backup' not in kinds:
        die('expected both headers, found %s' % kinds)
    for kind, h, arr in arrs:
        for num in a.num:
            s = arr[(num - 1) * h['esize']:num * h['esize']]
            if len(s) != h['esize'] or any(s):
                die('%s array: entry %d is not all zero' % (kind, num))
    print('entries %s zero in both arrays' % a.num)


def copies(path, bs, dbytes):
    """{'primary': (header, array), 'backup': (header, array)}, the backup
    being the one the primary points to."""
    out = {}
    with open(path, 'rb') as f:
        for kind, lba, h in headers(path, bs, dbytes):
            if kind in out:
                continue
            p = out.get('primary')
            if kind == 'backup' and p and p[0]['alt'] != lba:
                continue
            out[kind] = (h, read_at(f, h['elba'] * bs,
                                    h['num'] * h['esize']))
    return out


def cmd_table_diff(a):
    removed = {int(x) for x in a.removed.split(',') if x}
    o = copies(a.orig, a.bs, disk_bytes(a.orig, a.disk_bytes))
    n = copies(a.img, a.bs, disk_bytes(a.img, a.disk_bytes))
    for kind in ('primary', 'backup'):
        if kind not in o or kind not in n:
            die('%s copy missing (orig %s, new %s)' % (kind, sorted(o),
                                                       sorted(n)))
        (oh, oa), (nh, na) = o[kind], n[kind]
        if not nh['crc_ok']:
            die('%s header CRC is wrong' % kind)
        if zlib.crc32(na) != nh['acrc']:
            die('%s array CRC is wrong' % kind)
        skip = {'crc_ok', 'acrc'}
        if a.grown:
            skip |= {'last', 'alt', 'my'} | (
                {'elba'} if kind == 'backup' else set())
        for k in oh:
            if k not in skip and oh[k] != nh[k]:
                die('%s header %s changed: %r -> %r' % (kind, k, oh[k],
                                                         nh[k]))
        es = oh['esize']
        for i in range(oh['num']):
            old, new = oa[i * es:(i + 1) * es], na[i * es:(i + 1) * es]
            if i + 1 in removed:
                if any(new) or not any(old[:16]):
                    die('%s entry %d: expected a used entry now zero'
                        % (kind, i + 1))
            elif old != new:
                die('%s entry %d changed' % (kind, i + 1))
    print('headers and entries identical but for %s' % sorted(removed))


def cmd_same_tables(a):
    arrs = arrays(a.img, a.bs, disk_bytes(a.img, a.disk_bytes))
    if len(arrs) < 2 or arrs[0][2] != arrs[-1][2]:
        die('the two arrays differ or one is missing')
    print('both arrays identical')


def node_number(dev, node):
    m = re.search(r'(\d+)$', node[len(dev):])
    return int(m.group(1))


def cmd_sfdiff(a):
    b = json.load(open(a.before))['partitiontable']
    c = json.load(open(a.after))['partitiontable']
    removed = {int(x) for x in a.removed.split(',') if x}
    for k in ('label', 'id', 'sectorsize', 'firstlba', 'unit') + \
            (() if a.grown else ('lastlba',)):
        if b.get(k) != c.get(k):
            die('%s changed: %r -> %r' % (k, b.get(k), c.get(k)))
    want = {}
    for p in b['partitions']:
        n = node_number(b['device'], p['node'])
        if n not in removed:
            want[n] = {k: v for k, v in p.items() if k != 'node'}
    got = {node_number(c['device'], p['node']):
           {k: v for k, v in p.items() if k != 'node'}
           for p in c['partitions']}
    if want != got:
        die('partitions differ:\nexpected %s\ngot      %s' % (want, got))
    gone = removed & set(got)
    if gone or not removed <= {node_number(b['device'], p['node'])
                               for p in b['partitions']}:
        die('removed entries %s not as expected' % sorted(removed))
    print('entries %s gone, %d others identical' % (sorted(removed),
                                                     len(got)))


def entries(path, bs, dbytes):
    kind, h, arr = arrays(path, bs, dbytes)[0]
    out = []
    for i in range(h['num']):
        e = arr[i * h['esize']:(i + 1) * h['esize']]
        if any(e[:16]):
            first, last = struct.unpack_from('<QQ', e, 32)
            out.append((i + 1, first, last))
    return h, out


def pattern(tag, n):
    seed = zlib.crc32(tag.encode())
    return bytes((seed + i * 131 + (i >> 8)) & 0xFF for i in range(n))


def cmd_marks(a):
    dbytes = disk_bytes(a.img, a.disk_bytes)
    h, ents = entries(a.img, a.bs, dbytes)
    spots = [('gap-after-array', (h['elba'] + array_blocks(h, a.bs)) * a.bs),
             ('before-backup', h['last'] * a.bs)]
    for num, first, last in ents:
        spots.append(('p%d-first' % num, first * a.bs))
        spots.append(('p%d-last' % num, (last + 1) * a.bs - 4096))
    with open(a.img, 'r+b') as f:
        for tag, off in spots:
            if h['elba'] * a.bs < off and off + 4096 <= (h['last'] + 1) * a.bs:
                f.seek(off)
                f.write(pattern(tag, 4096))
    print('marked %d spots' % len(spots))


def seal(block, arr):
    b = bytearray(block)
    hsize = struct.unpack_from('<I', b, 12)[0]
    struct.pack_into('<I', b, 88, zlib.crc32(arr))
    b[16:20] = b'\0\0\0\0'
    struct.pack_into('<I', b, 16, zlib.crc32(bytes(b[:hsize])))
    return bytes(b)


def cmd_damage(a):
    bs, dbytes = a.bs, disk_bytes(a.img, a.disk_bytes)
    hs = {k: (lba, h) for k, lba, h in headers(a.img, bs, dbytes)}
    if set(hs) != {'primary', 'backup'}:
        die('both headers needed, found %s' % sorted(hs))
    with open(a.img, 'r+b') as f:
        def flip(off):
            f.seek(off)
            x = f.read(1)[0]
            f.seek(off)
            f.write(bytes([x ^ 0x5A]))

        def rewrite(kind, edit):
            lba, h = hs[kind]
            n = h['num'] * h['esize']
            arr = bytearray(read_at(f, h['elba'] * bs, n))
            edit(arr, h['esize'])
            f.seek(h['elba'] * bs)
            f.write(arr)
            block = seal(read_at(f, lba * bs, bs), bytes(arr))
            f.seek(lba * bs)
            f.write(block)

        def overlap(arr, es):
            end2 = struct.unpack_from('<Q', arr, es + 40)[0]
            struct.pack_into('<Q', arr, 2 * es + 32, end2 - 100)

        def rename(arr, es):
            arr[56] ^= 0x01  # first name character of entry 1

        op = a.op
        if op in ('primary-header', 'both-headers'):
            flip(hs['primary'][0] * bs + 60)  # inside the disk GUID
        if op in ('backup-header', 'both-headers'):
            flip(hs['backup'][0] * bs + 60)
        if op == 'primary-array':
            flip(hs['primary'][1]['elba'] * bs + 56)
        if op == 'backup-array':
            flip(hs['backup'][1]['elba'] * bs + 56)
        if op == 'disagree':
            rewrite('backup', rename)
        if op == 'overlap':
            rewrite('primary', overlap)
            rewrite('backup', overlap)
    print('damaged: %s' % a.op)


def cmd_digest(a):
    import hashlib
    size = os.path.getsize(a.file)
    h = hashlib.sha256(b'size %d;' % size)
    zero = bytes(4096)
    with open(a.file, 'rb') as f:
        for lo, hi in data_extents(a.file, size):
            off = lo - lo % 4096
            while off < hi:
                n = min(1 << 20, hi - off)
                buf = read_at(f, off, n)
                for k in range(0, len(buf), 4096):
                    blk = buf[k:k + 4096]
                    if blk != zero[:len(blk)]:
                        h.update(b'%d:' % (off + k))
                        h.update(blk)
                off += n
    print(h.hexdigest())


def cmd_vhd_footer(a):
    size = os.path.getsize(a.img)
    f = bytearray(512)
    f[0:8] = b'conectix'
    struct.pack_into('>IIQI4sI4sQQ', f, 8, 2, 0x00010000,
                     0xFFFFFFFFFFFFFFFF if a.type == 2 else 512, 0,
                     b'gptt', 0x00010000, b'Wi2k', size, size)
    c, h, s = 65535, 16, 255  # geometry is informational for us
    struct.pack_into('>HBB', f, 56, min(c, size // 512 // (h * s)), h, s)
    struct.pack_into('>I', f, 60, a.type)
    f[68:84] = bytes(range(1, 17))
    struct.pack_into('>I', f, 64, (~sum(f)) & 0xFFFFFFFF)
    with open(a.img, 'ab') as out:
        out.write(f)
    print('appended a type %d VHD footer' % a.type)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)

    def add(name, fn, *args):
        s = sub.add_parser(name)
        for x in args:
            s.add_argument(x)
        if name not in ('sfdiff', 'vhd-footer', 'digest'):
            s.add_argument('--bs', type=int, required=True)
            s.add_argument('--disk-bytes', type=int)
        s.set_defaults(fn=fn)
        return s
    add('outside', cmd_outside, 'a', 'b')
    add('zero-slots', cmd_zero_slots, 'img').add_argument(
        'num', type=int, nargs='+')
    s = add('table-diff', cmd_table_diff, 'orig', 'img')
    s.add_argument('--removed', default='')
    s.add_argument('--grown', action='store_true')
    add('same-tables', cmd_same_tables, 'img')
    s = add('sfdiff', cmd_sfdiff, 'before', 'after')
    s.add_argument('--removed', default='')
    s.add_argument('--grown', action='store_true')
    add('marks', cmd_marks, 'img')
    add('damage', cmd_damage, 'img', 'op')
    add('digest', cmd_digest, 'file')
    add('vhd-footer', cmd_vhd_footer, 'img').add_argument(
        '--type', type=int, default=2)
    a = p.parse_args()
    a.fn(a)


if __name__ == '__main__':
    main()

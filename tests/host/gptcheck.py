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
import json
import os
import re
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from byteranges import data_extents, first_difference, merge_ranges  # noqa: E402
import gptedit  # noqa: E402
from gptscan import (arrays, copies, disk_bytes, gpt_areas,  # noqa: E402
                     read_at)


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def cmd_outside(a):
    size = os.path.getsize(a.a)
    if os.path.getsize(a.b) != size:
        die('sizes differ: %d and %d' % (size, os.path.getsize(a.b)))
    areas = merge_ranges(
        gpt_areas(a.a, a.bs, disk_bytes(a.a, a.disk_bytes)) +
        gpt_areas(a.b, a.bs, disk_bytes(a.b, a.disk_bytes)))
    off, total = first_difference(a.a, a.b, areas)
    if off is not None:
        die('byte %d (LBA %d) differs outside the GPT areas %s'
            % (off, off // a.bs, [(p // a.bs, q // a.bs - 1) for p, q in areas]))
    print('identical outside GPT areas (%d data bytes compared)' % total)


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


def cmd_marks(a):
    n = gptedit.marks(a.img, a.bs, disk_bytes(a.img, a.disk_bytes))
    print('marked %d spots' % n)


def cmd_damage(a):
    try:
        gptedit.damage(a.img, a.bs, disk_bytes(a.img, a.disk_bytes), a.op)
    except ValueError as e:
        die(str(e))
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
    gptedit.vhd_footer(a.img, a.type)
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

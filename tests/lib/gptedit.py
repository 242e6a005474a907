# SPDX-License-Identifier: MIT
"""gptedit: edit fixture images for the host tests (stdlib only): marks
where data must survive, damage of one kind to a table, a VHD footer.
Tables are found with gptscan.py; CRCs are recomputed with zlib, never by
gptrim's core.
"""
import os
import struct
import zlib

from gptscan import array_blocks, entries, headers, read_at


def pattern(tag, n):
    seed = zlib.crc32(tag.encode())
    return bytes((seed + i * 131 + (i >> 8)) & 0xFF for i in range(n))


def marks(img, bs, dbytes):
    """Recognisable data at each partition's first and last 4 KiB and in
    the gaps next to the arrays."""
    h, ents = entries(img, bs, dbytes)
    spots = [('gap-after-array', (h['elba'] + array_blocks(h, bs)) * bs),
             ('before-backup', h['last'] * bs)]
    for num, first, last in ents:
        spots.append(('p%d-first' % num, first * bs))
        spots.append(('p%d-last' % num, (last + 1) * bs - 4096))
    with open(img, 'r+b') as f:
        for tag, off in spots:
            if h['elba'] * bs < off and off + 4096 <= (h['last'] + 1) * bs:
                f.seek(off)
                f.write(pattern(tag, 4096))
    return len(spots)


def seal(block, arr):
    b = bytearray(block)
    hsize = struct.unpack_from('<I', b, 12)[0]
    struct.pack_into('<I', b, 88, zlib.crc32(arr))
    b[16:20] = b'\0\0\0\0'
    struct.pack_into('<I', b, 16, zlib.crc32(bytes(b[:hsize])))
    return bytes(b)


def damage(img, bs, dbytes, op):
    """Break the table of img in one way (see gptcheck.py damage)."""
    hs = {k: (lba, h) for k, lba, h in headers(img, bs, dbytes)}
    if set(hs) != {'primary', 'backup'}:
        raise ValueError('both headers needed, found %s' % sorted(hs))
    with open(img, 'r+b') as f:
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


def vhd_footer(img, disk_type):
    """Append a VHD footer of that disk type (2 fixed, 3 dynamic, 4
    differencing) to a raw image."""
    size = os.path.getsize(img)
    f = bytearray(512)
    f[0:8] = b'conectix'
    struct.pack_into('>IIQI4sI4sQQ', f, 8, 2, 0x00010000,
                     0xFFFFFFFFFFFFFFFF if disk_type == 2 else 512, 0,
                     b'gptt', 0x00010000, b'Wi2k', size, size)
    c, h, s = 65535, 16, 255  # geometry is informational for us
    struct.pack_into('>HBB', f, 56, min(c, size // 512 // (h * s)), h, s)
    struct.pack_into('>I', f, 60, disk_type)
    f[68:84] = bytes(range(1, 17))
    struct.pack_into('>I', f, 64, (~sum(f)) & 0xFFFFFFFF)
    with open(img, 'ab') as out:
        out.write(f)

# SPDX-License-Identifier: MIT
"""gptscan: GPT headers found by their signature, CRC or not, with their
entry arrays and the areas a GPT writer may change (stdlib only). For
comparing and editing images whose tables may be damaged
(tests/host/gptcheck.py, tests/lib/gptedit.py); written from the UEFI
specification, not from gptrim's core. Header fields as a dict: my, alt,
first, last, guid, elba, num, esize, acrc, hsize, crc_ok.
"""
import os
import struct
import zlib

HDR = struct.Struct('<8sIIIIQQQQ16sQIII')


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


def arrays(path, bs, dbytes):
    out = []
    with open(path, 'rb') as f:
        for kind, lba, h in headers(path, bs, dbytes):
            out.append((kind, h, read_at(f, h['elba'] * bs,
                                         h['num'] * h['esize'])))
    return out


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


def entries(path, bs, dbytes):
    kind, h, arr = arrays(path, bs, dbytes)[0]
    out = []
    for i in range(h['num']):
        e = arr[i * h['esize']:(i + 1) * h['esize']]
        if any(e[:16]):
            first, last = struct.unpack_from('<QQ', e, 32)
            out.append((i + 1, first, last))
    return h, out

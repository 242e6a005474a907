# SPDX-License-Identifier: MIT
"""byteranges: byte ranges of image files, for "every byte outside the GPT
areas is as before" (stdlib only). The one place of this range logic for
tests/lib/gptread.py (which re-exports merge_ranges and subtract_ranges for
older callers), tests/cuts/judge.py and tests/host/gptcheck.py.

A range is (start, end): bytes start <= i < end.
"""
import errno
import os


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


def data_extents(path, size=None):
    """(start, end) ranges of a sparse file that may hold data (holes read
    as zeros), up to size (default: the file's size)."""
    fd = os.open(path, os.O_RDONLY)
    out, off = [], 0
    try:
        if size is None:
            size = os.fstat(fd).st_size
        while off < size:
            try:
                d = os.lseek(fd, off, os.SEEK_DATA)
            except OSError as e:
                if e.errno == errno.ENXIO:
                    break  # only a hole is left
                raise
            h = min(os.lseek(fd, d, os.SEEK_HOLE), size)
            out.append((d, h))
            off = h
    finally:
        os.close(fd)
    return out


def first_difference(path_a, path_b, skip, chunk=1 << 20):
    """Compare two files of the same size everywhere but the skip ranges
    (any order, may overlap), and only where either file holds data.
    Returns (offset of the first differing byte or None, number of data
    bytes compared)."""
    size = os.path.getsize(path_a)
    check = subtract_ranges(
        merge_ranges(data_extents(path_a, size) + data_extents(path_b, size)),
        merge_ranges(skip))
    total = 0
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        for lo, hi in check:
            off = lo
            while off < hi:
                n = min(chunk, hi - off)
                fa.seek(off)
                fb.seek(off)
                x, y = fa.read(n), fb.read(n)
                if x != y:
                    return off + next(k for k in range(n)
                                      if x[k:k + 1] != y[k:k + 1]), total
                off += n
                total += n
    return None, total

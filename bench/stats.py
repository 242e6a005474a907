#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The numbers of make bench (bench/bench.sh).

  stats.py row RUN FILE.json DEVICE
      one tab-separated line: RUN, seconds from QEMU's start to the guest's
      power-off, and DEVICE's bytes read, bytes written, write operations
      and flushes from QMP query-blockstats (console.py --blockstats)
  stats.py report RUNS TABLE.md FOOTER
      the results in Markdown from RUNS/boots.tsv and RUNS/size.tsv (and
      TABLE.md of bench/table.sh when there): medians and minima over the
      rounds, ratios against the baselines, targets met or not
"""
import json
import os
import statistics
import sys

TARGETS = {"floor": 1.10, "linux": 0.5, "disk_ms": 50,
           "efi": 96 * 1024, "iso": 2 * 1024 * 1024}
BOOT_KINDS = [
    ("floor", "empty app (floor)"),
    ("gptrim", "gptrim, default (ESP backup + log)"),
    ("nobackup", "gptrim --no-backup"),
    ("linux", "Linux + sgdisk -d (peer)"),
]


def row(run, path, device):
    with open(path) as f:
        j = json.load(f)
    if j.get("reason") != "guest-shutdown":
        sys.exit("%s: the guest did not power off (%s)" % (run, j.get("reason")))
    for d in j["blockstats"] or []:
        if d.get("device") == device:
            s = d["stats"]
            print("\t".join(str(v) for v in (
                run, j["shutdown_s"], s["rd_bytes"], s["wr_bytes"],
                s["wr_operations"], s["flush_operations"])))
            return
    sys.exit("%s: no device %s in query-blockstats" % (run, device))


def load_runs(path):
    """{(kind, n): [(wall, rd, wr, wr_ops, flushes), ...]} from boots.tsv.
    Run names: boot-KIND-ROUND or scale-KIND-N-ROUND."""
    runs = {}
    if not os.path.exists(path):
        return runs
    with open(path) as f:
        for line in f:
            name, wall, *io = line.split("\t")
            parts = name.split("-")
            key = (parts[0], parts[1], int(parts[2]) if parts[0] == "scale"
                   else 1)
            runs.setdefault(key, []).append(
                (float(wall),) + tuple(int(v) for v in io))
    return runs


def same_or_range(values):
    lo, hi = min(values), max(values)
    return "%d" % lo if lo == hi else "%d–%d" % (lo, hi)


def verdict(ok):
    return "met" if ok else "**missed**"


def boot_section(runs, out):
    med = {}
    if not any(k[0] == "boot" for k in runs):
        return
    out.append("### One VM, one WS2019 disk (virtio-blk), %d rounds"
               % max((len(v) for k, v in runs.items() if k[0] == "boot"),
                     default=0))
    out.append("")
    out.append("| run | median s | min s | read | written | write ops | flushes |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for kind, label in BOOT_KINDS:
        r = runs.get(("boot", kind, 1))
        if not r:
            continue
        walls = [x[0] for x in r]
        med[kind] = statistics.median(walls)
        out.append("| %s | %.2f | %.2f | %s | %s | %s | %s |" % (
            label, med[kind], min(walls),
            same_or_range([x[1] for x in r]), same_or_range([x[2] for x in r]),
            same_or_range([x[3] for x in r]), same_or_range([x[4] for x in r])))
    out.append("")
    out.append("Read and written are bytes of the disk, from QMP "
               "`query-blockstats` at power-off.")
    out.append("")
    for kind in ("gptrim", "nobackup"):
        if kind not in med:
            continue
        label = dict(BOOT_KINDS)[kind]
        if "floor" in med:
            q = med[kind] / med["floor"]
            out.append("- %s / floor: **%.3f** (target ≤ %.2f: %s)" % (
                label, q, TARGETS["floor"], verdict(q <= TARGETS["floor"])))
        if "linux" in med:
            q = med[kind] / med["linux"]
            out.append("- %s / Linux: **%.3f** (target ≤ %.2f: %s)" % (
                label, q, TARGETS["linux"], verdict(q <= TARGETS["linux"])))
    nb = runs.get(("boot", "nobackup", 1))
    if nb:
        w = sorted({x[2] for x in nb})
        out.append("- written with --no-backup: %s bytes (target 2048, "
                   "4 blocks: %s)" % (" / ".join(map(str, w)),
                                      verdict(w == [2048])))
    out.append("")


def slope(points):
    """Least-squares slope of (x, y) points."""
    mx = statistics.mean(p[0] for p in points)
    my = statistics.mean(p[1] for p in points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx


def scale_section(runs, out):
    ns = sorted({k[2] for k in runs if k[0] == "scale"})
    if not ns:
        return
    out.append("### Many disks in one VM (virtio-blk), medians of %d rounds"
               % min(len(v) for k, v in runs.items() if k[0] == "scale"))
    out.append("")
    out.append("| disks | connect-only app s | gptrim s | difference s |")
    out.append("|---:|---:|---:|---:|")
    pts = {"connect": [], "gptrim": []}
    for n in ns:
        m = {}
        for kind in pts:
            r = runs.get(("scale", kind, n))
            if r:
                m[kind] = statistics.median(x[0] for x in r)
                pts[kind].append((n, m[kind]))
        if len(m) == 2:
            out.append("| %d | %.2f | %.2f | %.2f |" % (
                n, m["connect"], m["gptrim"], m["gptrim"] - m["connect"]))
    out.append("")
    if len(ns) >= 2 and all(len(p) == len(ns) for p in pts.values()):
        sc, sg = slope(pts["connect"]), slope(pts["gptrim"])
        extra = (sg - sc) * 1000
        out.append("- slope: connect-only %.0f ms a disk, gptrim %.0f ms a "
                   "disk; gptrim's own cost of a disk **%.0f ms** (target "
                   "≤ %d ms: %s)" % (sc * 1000, sg * 1000, extra,
                                     TARGETS["disk_ms"],
                                     verdict(extra <= TARGETS["disk_ms"])))
        out.append("")


def size_section(runs_dir, out):
    path = os.path.join(runs_dir, "size.tsv")
    if not os.path.exists(path):
        return
    with open(path) as f:
        sizes = dict(line.split() for line in f)
    out.append("### Size")
    out.append("")
    out.append("| file | bytes | KiB | target | |")
    out.append("|---|---:|---:|---:|---|")
    for key, label in (("efi", "build/gptrim.efi"), ("iso", "build/gptrim.iso")):
        b = int(sizes[key])
        out.append("| %s | %d | %.1f | ≤ %d KiB | %s |" % (
            label, b, b / 1024, TARGETS[key] // 1024,
            verdict(b <= TARGETS[key])))
    out.append("")


def report(runs_dir, table_md, footer):
    runs = load_runs(os.path.join(runs_dir, "boots.tsv"))
    out = ["## make bench", ""]
    boot_section(runs, out)
    scale_section(runs, out)
    if os.path.exists(table_md):
        out.append("### Table size (host, callgrind)")
        out.append("")
        with open(table_md) as f:
            out.extend(line.rstrip("\n") for line in f)
        out.append("")
    size_section(runs_dir, out)
    out.append("_%s_" % footer)
    print("\n".join(out))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "row":
        row(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "report":
        report(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

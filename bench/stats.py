#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The numbers of make bench (bench/bench.sh).

  stats.py row RUN FILE.json DEVICE
      one tab-separated line: RUN, seconds from QEMU's start to the guest's
      power-off, DEVICE's bytes read, bytes written, write operations and
      flushes from QMP query-blockstats (console.py --blockstats), and the
      guest instructions executed (under -icount; else 0)
  stats.py report RUNS TABLE.md FOOTER
      the results in Markdown from RUNS/boots.tsv, RUNS/size.tsv and
      RUNS/profile-*.log (and TABLE.md of bench/table.sh when there):
      medians and minima over the rounds, ratios against the baselines,
      targets met or not, where a disk's time goes
"""
import json
import os
import re
import statistics
import sys

TARGETS = {"floor": 1.10, "linux": 0.5, "disk_ms": 50,
           "efi": 96 * 1024, "iso": 2 * 1024 * 1024}
BOOT_KINDS = [
    ("floor", "empty app (floor)"),
    ("connect", "connect-only app (firmware connects every controller)"),
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
                s["wr_operations"], s["flush_operations"],
                j.get("icount") or 0)))
            return
    sys.exit("%s: no device %s in query-blockstats" % (run, device))


def load_runs(path):
    """{(part, kind, n): [(wall, rd, wr, wr_ops, flushes, icount), ...]}
    from boots.tsv. Run names: PART-KIND-ROUND (boot, icount) or
    PART-KIND-N-ROUND (scale, profile)."""
    runs = {}
    if not os.path.exists(path):
        return runs
    with open(path) as f:
        for line in f:
            name, wall, *io = line.split("\t")
            parts = name.split("-")
            key = (parts[0], parts[1], int(parts[2])
                   if parts[0] in ("scale", "profile") else 1)
            runs.setdefault(key, []).append(
                (float(wall),) + tuple(int(v) for v in io))
    return runs


def same_or_range(values):
    lo, hi = min(values), max(values)
    return "%d" % lo if lo == hi else "%d–%d" % (lo, hi)


def verdict(ok):
    return "met" if ok else "**missed**"


def ratio_lines(value, out):
    """The ratios of the boot part from {kind: median wall or icount}."""
    if "connect" in value and "floor" in value:
        out.append("- connect-only / floor: %.3f (the firmware connecting "
                   "the controllers and the disk, before gptrim does anything; "
                   "no target)" % (value["connect"] / value["floor"]))
    for kind in ("gptrim", "nobackup"):
        if kind not in value:
            continue
        label = dict(BOOT_KINDS)[kind]
        for base, name in (("floor", "floor"), ("linux", "Linux")):
            if value.get(base):
                q = value[kind] / value[base]
                out.append("- %s / %s: **%.3f** (target ≤ %.2f: %s)" % (
                    label, name, q, TARGETS[base], verdict(q <= TARGETS[base])))
        if value.get("connect"):
            out.append("- %s / connect-only: %.3f (gptrim's own share, after "
                       "the firmware's connect)" % (
                           label, value[kind] / value["connect"]))


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
    ratio_lines(med, out)
    nb = runs.get(("boot", "nobackup", 1))
    if nb:
        w = sorted({x[2] for x in nb})
        out.append("- written with --no-backup: %s bytes (target 2048, "
                   "4 blocks: %s)" % (" / ".join(map(str, w)),
                                      verdict(w == [2048])))
    out.append("")


def icount_section(runs, out):
    """The boot part's -icount boots: guest instructions to power-off."""
    ins = {k[1]: v[0][5] for k, v in runs.items() if k[0] == "icount"}
    if not ins:
        return
    out.append("### The same boots under `-icount`: guest instructions, "
               "one boot each")
    out.append("")
    out.append("QEMU counts the instructions the guest executes (1 ns of "
               "virtual time each; idle time jumps to the next timer), so "
               "these do not move with the host's load, unlike the wall "
               "times above.")
    out.append("")
    out.append("| run | guest instructions (millions) |")
    out.append("|---|---:|")
    for kind, label in BOOT_KINDS:
        if kind in ins:
            out.append("| %s | %.1f |" % (label, ins[kind] / 1e6))
    out.append("")
    ratio_lines(ins, out)
    out.append("")


def slope(points):
    """Least-squares slope of (x, y) points."""
    mx = statistics.mean(p[0] for p in points)
    my = statistics.mean(p[1] for p in points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx


def scale_section(runs, out, prof):
    ns = sorted({k[2] for k in runs if k[0] == "scale"})
    if not ns:
        return
    out.append("### Many disks in one VM (virtio-blk), medians of %d rounds"
               % min(len(v) for k, v in runs.items() if k[0] == "scale"))
    out.append("")
    out.append("| disks | connect-only app s | gptrim s | difference s | "
               "ms a disk since the previous row: connect-only / gptrim |")
    out.append("|---:|---:|---:|---:|---:|")
    pts = {"connect": [], "gptrim": []}
    prev = None
    for n in ns:
        m = {}
        for kind in pts:
            r = runs.get(("scale", kind, n))
            if r:
                m[kind] = statistics.median(x[0] for x in r)
                pts[kind].append((n, m[kind]))
        if len(m) == 2:
            step = "" if prev is None else "%.0f / %.0f" % tuple(
                1000 * (m[k] - prev[1][k]) / (n - prev[0])
                for k in ("connect", "gptrim"))
            out.append("| %d | %.2f | %.2f | %.2f | %s |" % (
                n, m["connect"], m["gptrim"], m["gptrim"] - m["connect"],
                step))
            prev = (n, m)
    out.append("")
    if len(ns) >= 2 and all(len(p) == len(ns) for p in pts.values()):
        sc, sg = slope(pts["connect"]), slope(pts["gptrim"])
        extra = (sg - sc) * 1000
        out.append("- slope: connect-only %.0f ms a disk, gptrim %.0f ms a "
                   "disk; gptrim's own cost of a disk **%.0f ms** (target "
                   "≤ %d ms: %s)" % (sc * 1000, sg * 1000, extra,
                                     TARGETS["disk_ms"],
                                     verdict(extra <= TARGETS["disk_ms"])))
        if prof:
            split_disk_cost(extra, prof, out)
        out.append("")


# The lines of the profile build that end a step of a disk (bench.sh
# part_profile); every other interval of the disk is reading and reporting.
PROFILE_STEPS = [
    ("read", "open, read and check both GPT copies; print the report "
             "(about 20 lines)"),
    ("backup", "save the GPT on the ESP (FAT driver)"),
    ("commit", "commit: 4 writes, 2 flushes, read back both copies"),
    ("reread", "firmware re-read: disconnect and connect the disk's "
               "partition driver (and the FAT driver on its ESP)"),
    ("log", "summary line, then the log line on the ESP"),
]
ANSI = re.compile(r"\x1b\[[0-9;=]*[A-Za-z]")


def profile_steps(path):
    """(connect per disk, [{step: thousands of instructions}] per disk)
    from a profile boot's console."""
    lines = []
    with open(path, errors="replace") as f:
        for raw in f:
            m = re.search(r"@(\d+) ?(.*)", ANSI.sub("", raw))
            if m:
                lines.append((int(m.group(1)), m.group(2).strip()))
    disks, cur, connect = [], None, None
    for (t0, prev), (t1, text) in zip(lines, lines[1:]):
        m = re.match(r"(\d+) disk\(s\) to look at", text)
        if m:
            connect = (t1 - lines[0][0]) / int(m.group(1))
            continue
        if text == "" and (cur is None or prev.startswith("Firmware re-read")):
            if cur is not None:
                cur["log"] = cur.get("log", 0) + t1 - t0
                disks.append(cur)
            cur = {}
            continue
        if cur is None:
            continue
        step = ("backup" if text.startswith("Saved the GPT") else
                "commit" if text.startswith("Removed") else
                "reread" if text.startswith("Firmware re-read") else "read")
        cur[step] = cur.get(step, 0) + t1 - t0
    return connect, disks


def profile_medians(path):
    connect, disks = profile_steps(path)
    if not disks:
        return None
    med = {k: statistics.median(d.get(k, 0) for d in disks)
           for k, _ in PROFILE_STEPS}
    med["total"] = statistics.median(sum(d.values()) for d in disks)
    return connect, len(disks), med


def profile_section(runs_dir, out):
    """Where a disk's time goes, from part_profile's two boots."""
    found = {}
    for name in sorted(os.listdir(runs_dir)):
        m = re.match(r"profile-(std|none)-(\d+)-1\.log$", name)
        if m:
            found[m.group(1)] = profile_medians(os.path.join(runs_dir, name))
    if not found.get("std") or not found.get("none"):
        return None
    vga, plain = found["std"], found["none"]
    out.append("### Where a disk's time goes (profile build under "
               "`-icount`, %d disks)" % vga[1])
    out.append("")
    out.append("Median per disk, in millions of guest instructions, with "
               "OVMF's VGA console (as in the other boots) and without "
               "(`-vga none`: the serial console only).")
    out.append("")
    out.append("| step | VGA console | serial only | share (VGA) |")
    out.append("|---|---:|---:|---:|")
    for key, label in PROFILE_STEPS:
        out.append("| %s | %.2f | %.2f | %.0f%% |" % (
            label, vga[2][key] / 1000, plain[2][key] / 1000,
            100 * vga[2][key] / vga[2]["total"]))
    out.append("| **a disk, in all** | **%.2f** | **%.2f** | |" % (
        vga[2]["total"] / 1000, plain[2]["total"] / 1000))
    out.append("| for comparison: connecting every controller and listing "
               "the disks, divided by the disks | %.2f | %.2f | |"
               % (vga[0] / 1000, plain[0] / 1000))
    out.append("")
    return vga[2], plain[2]


def split_disk_cost(extra, prof, out):
    """Share out gptrim's wall cost of a disk by the profile's guest
    instructions (approximate: TCG's cost of an instruction varies)."""
    vga, plain = prof
    reread = vga["reread"] / vga["total"]
    console = (vga["total"] - plain["total"]) / vga["total"]
    own = 1 - reread - console
    out.append("- by the profile below (guest instructions, so ≈): the "
               "firmware re-reading the disk's partitions %.0f%% (≈ %.0f ms), "
               "OVMF drawing the report's lines on the VGA console %.0f%% "
               "(≈ %.0f ms), gptrim's own reading, checking, ESP backup, "
               "commit and log %.0f%% (**≈ %.0f ms**, target ≤ %d ms: %s)" % (
                   100 * reread, extra * reread, 100 * console,
                   extra * console, 100 * own, extra * own,
                   TARGETS["disk_ms"], verdict(extra * own <= TARGETS["disk_ms"])))


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
    icount_section(runs, out)
    prof_out = []
    prof = profile_section(runs_dir, prof_out)
    scale_section(runs, out, prof)
    out.extend(prof_out)
    if os.path.exists(table_md):
        out.append("### Table size (host, callgrind)")
        out.append("")
        with open(table_md) as f:
            out.extend(line.rstrip("\n") for line in f)
        out.append("")
    size_section(runs_dir, out)
    fleet_md = os.path.join(runs_dir, "fleet.md")  # bench/fleet.sh's
    if os.path.exists(fleet_md):
        with open(fleet_md) as f:
            out.extend(line.rstrip("\n") for line in f)
        out.append("")
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

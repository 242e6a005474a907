#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Judges for ovmf/faults.sh (stdlib and tests/lib/gptread.py only).

  faultjudge.py state ORIG IMG BS [--expect old|new|either]
      Reads IMG as Linux (stock, and with the `gpt` parameter) and EDK2
      would (tests/lib/gptread.py) and passes when both pick a valid copy
      holding exactly the old table (ORIG's) or exactly the new one (ORIG's
      without its Windows RE entries), the same table, the one --expect
      names; and when `sgdisk -v` says "No problems found" exactly when the
      disk is clean (both copies valid, the same table, the backup at the
      last LBA) and names a problem otherwise. Prints one line describing
      the state.
  faultjudge.py writes TRACE ORIG BS [--forbid A:B]... [--gpt-first LIST]
                [--gpt-max N] [--max N]
      TRACE is QEMU's trace of the guest's write requests
      (virtio_blk_handle_write, scsi_disk_dma_command_WRITE). --forbid: no
      request touched LBAs A..B; --gpt-first "LBA:COUNT ...": the first
      requests touching a GPT area (LBA 0, the primary header and array,
      the backup array and header of ORIG) were these, in this order;
      --gpt-max: at most N requests touched a GPT area; --max: at most N
      write requests at all. Prints the GPT-area requests.
Exit status 0 when the judge passes, 1 when not (reasons on stdout), 2 on
bad input.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import gptread  # noqa: E402

WINRE = gptread.WINDOWS_RE


def tables(orig, bs):
    c = gptread.copies(orig, bs)
    if not (c["primary"].valid and c["backup"].valid):
        raise ValueError("%s: not a clean GPT" % orig)
    old = gptread.canonical(c["primary"])
    new = dict(old, entries=[e for e in old["entries"] if e[1] != WINRE])
    if new == old:
        raise ValueError("%s: no Windows RE entry" % orig)
    return old, new


def name_of(table, old, new):
    if table is None:
        return "none"
    if table == old:
        return "old"
    if table == new:
        return "new"
    return "neither"


def copy_state(cp, old, new):
    if not cp.valid:
        return "invalid (%s)" % cp.why
    return "valid, %s" % name_of(gptread.canonical(cp), old, new)


def judge_state(a):
    old, new = tables(a.orig, a.bs)
    bad = []
    lin = gptread.linux_pick(a.img, a.bs)
    lin_f = gptread.linux_pick(a.img, a.bs, force_gpt=True)
    edk2 = gptread.edk2_pick(a.img, a.bs)
    picks = {"EDK2": edk2, "Linux gpt": lin_f}
    got = {k: name_of(v["table"], old, new) for k, v in picks.items()}
    for k, v in got.items():
        if v not in ("old", "new"):
            bad.append("%s reads %s" % (k, v))
    if got["EDK2"] != got["Linux gpt"]:
        bad.append("EDK2 reads %s, Linux (gpt) %s" % (got["EDK2"],
                                                       got["Linux gpt"]))
    if a.expect != "either" and got["EDK2"] != a.expect:
        bad.append("expected the %s table, EDK2 reads %s" % (a.expect,
                                                           got["EDK2"]))
    stock = name_of(lin["table"], old, new)
    c = gptread.copies(a.img, a.bs)
    p, b = c["primary"], c["backup"]
    if stock != got["Linux gpt"] and p.valid:
        bad.append("stock Linux reads %s" % stock)
    clean = (p.valid and b.valid and "backup_at_alternate" not in c and
             gptread.canonical(p) == gptread.canonical(b))
    r = subprocess.run(["sgdisk", "-v", a.img], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    says_clean = "No problems found" in r.stdout
    problems = [ln.strip() for ln in r.stdout.splitlines()
                if re.search(r"problem|differ|ERROR|don't match|corrupt|"
                             r"invalid|damaged", ln, re.I)]
    if clean != says_clean:
        bad.append("sgdisk -v %s, but the disk is %s" % (
            "finds no problem" if says_clean else "finds problems",
            "clean" if clean else "not clean"))
    sg = "no problems" if says_clean else "; ".join(problems[:3])
    print("%s: primary %s; backup %s; EDK2 and Linux (gpt) read %s, stock "
          "Linux %s; sgdisk -v: %s" % (
              "clean" if clean else "not clean", copy_state(p, old, new),
              copy_state(b, old, new), got["EDK2"], stock, sg))
    for x in bad:
        print("  " + x)
    return 1 if bad else 0


TRACE_RES = (
    re.compile(r"virtio_blk_handle_write .*sector (\d+) nsectors (\d+)"),
    re.compile(r"scsi_disk_dma_command_WRITE Write \(sector (\d+), "
               r"count (\d+)\)"),
)


def lba_range(s):
    lo, _, hi = s.partition(":")
    return int(lo), int(hi or lo)


def judge_writes(a):
    c = gptread.copies(a.orig, a.bs)
    p, b = c["primary"].header, c["backup"].header
    blocks = lambda h: -(-h["num_entries"] * h["entry_size"] // a.bs)
    areas = [(0, p["entry_lba"] + blocks(p) - 1),
             (b["entry_lba"], b["entry_lba"] + blocks(b) - 1),
             (b["my_lba"], b["my_lba"])]
    # QEMU counts 512-byte sectors in both trace points.
    per = a.bs // 512
    writes = []
    with open(a.trace, errors="replace") as f:
        for line in f:
            for rx in TRACE_RES:
                m = rx.search(line)
                if m:
                    s, n = int(m.group(1)), int(m.group(2))
                    writes.append((s // per, max(1, n // per)))
    touches = lambda w, lo, hi: w[0] <= hi and w[0] + w[1] - 1 >= lo
    gpt = [w for w in writes
           if any(touches(w, lo, hi) for lo, hi in areas)]
    bad = []
    for r in a.forbid:
        lo, hi = lba_range(r)
        hit = [w for w in writes if touches(w, lo, hi)]
        if hit:
            bad.append("LBAs %d..%d written: %s" % (
                lo, hi, " ".join("%d:%d" % w for w in hit)))
    if a.gpt_first is not None:
        want = [tuple(int(x) for x in t.split(":"))
                for t in a.gpt_first.split()]
        if gpt[:len(want)] != want:
            bad.append("first GPT writes %s, expected %s" % (
                " ".join("%d:%d" % w for w in gpt[:len(want)]) or "none",
                a.gpt_first))
    if a.gpt_max is not None and len(gpt) > a.gpt_max:
        bad.append("%d GPT writes, at most %d expected" % (len(gpt),
                                                           a.gpt_max))
    if a.max is not None and len(writes) > a.max:
        bad.append("%d write requests, at most %d expected" % (len(writes),
                                                               a.max))
    print("%d write request(s), to the GPT areas: %s" % (
        len(writes), " ".join("%d:%d" % w for w in gpt) or "none"))
    for x in bad:
        print("  " + x)
    return 1 if bad else 0


def main(argv):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("state")
    s.add_argument("orig")
    s.add_argument("img")
    s.add_argument("bs", type=int)
    s.add_argument("--expect", choices=("old", "new", "either"),
                   default="either")
    w = sub.add_parser("writes")
    w.add_argument("trace")
    w.add_argument("orig")
    w.add_argument("bs", type=int)
    w.add_argument("--forbid", action="append", default=[])
    w.add_argument("--gpt-first")
    w.add_argument("--gpt-max", type=int)
    w.add_argument("--max", type=int)
    a = ap.parse_args(argv)
    try:
        return judge_state(a) if a.cmd == "state" else judge_writes(a)
    except (OSError, ValueError) as e:
        print("faultjudge: %s" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

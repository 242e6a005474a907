#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""judge: every cut, tear and in-epoch reorder of one removal, judged.

Called by tests/cuts/run.sh once per layout, with the layout's image (made
by sgdisk), the same disk with the removal done by sgdisk (the expected new
table, made without our core), the cutter and a private copy of gptrim.

For every state the cutter can leave (see cutter.c) it asserts:
 (a) old-or-new: the copy Linux would use (efi.c find_valid_gpt, with the
     `gpt` parameter so that a bad primary falls back to the backup) and the
     copy EDK2 would use (primary, else backup at the last LBA) are valid
     and exactly the old or exactly the new table, and the same table. A
     stock kernel (no `gpt`) sees no GPT when the primary is damaged:
     counted and reported, not a failure (no write order avoids it; every
     sgdisk write has the same window).
     sgdisk (gptfdisk 1.0.9), as measured: `sgdisk -v` says "No problems
     found" exactly when the state is clean (both copies valid, the same
     table, the backup at the last LBA), and names a problem whenever one
     copy is damaged or the copies differ -- asserted both ways. The table
     sgdisk loads (its --backup file) is exactly old or new, with one
     exception asserted as such: when the primary header is valid and only
     its array fails the CRC, gptfdisk keeps that array as it is ("Caution!
     After loading partitions, the CRC doesn't check out!", and -v says "The
     CRC for the main partition table is invalid"); after a cut inside a
     multi-block array write that array is a mix. Also counted: -v calls a
     backup array that matches its own header "ERROR" whenever it differs
     from the main one (a false alarm of gptfdisk).
 (b) bytes: every byte outside the GPT areas (LBA 1 to the end of the
     primary array; the old and the new backup array and header) is as
     before.
 (c) convergence: gptrim --apply --repair --no-backup on a copy exits 0 and
     leaves exactly the new table in both copies (valid by Linux's and
     EDK2's rules, the backup at the last LBA), `sgdisk -v` clean, and (b).

Prints "# ..." details and one PASS/FAIL line; the last line is
"# tried N states" for run.sh to add up. CUTS_BREAK=old|new|bytes|sgdisk|
converge|order breaks one expectation on purpose (to see each assertion
fail; order: the cutter writes both arrays before either header).
"""
import argparse
import os
import re
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import gptread  # noqa: E402
from byteranges import first_difference  # noqa: E402
from sgdiskrun import run, sgdisk_backup_file_table, sgdisk_verify  # noqa: E402

WINRE = gptread.WINDOWS_RE
BREAK = os.environ.get("CUTS_BREAK", "")


class Judge:
    def __init__(self, a):
        self.a = a
        self.ss = a.sector_size
        self.work = a.work
        self.failures = []
        self.tried = {"cut": 0, "tear": 0, "reorder": 0}
        self.stock_linux_blind = 0
        self.sgdisk_problem_kinds = {}
        self.classes = {}
        self.sgdisk_disagrees = 0
        self.sgdisk_torn_main = 0
        self.sgdisk_false_backup = 0
        self.order = []

    # ---- expectations, from the sgdisk-made images only ----
    def setup(self):
        a = self.a
        base = gptread.copies(a.base, self.ss)
        p = base["primary"]
        bk = base.get("backup_at_alternate", base["backup"])
        if a.repair:
            # One copy damaged on purpose: the old table is the good copy's.
            if p.valid == bk.valid:
                return self.fixture("repair layout: exactly one copy must be "
                                    "bad (%s / %s)" % (p.why, bk.why))
        elif not (p.valid and bk.valid) or gptread.canonical(p) != gptread.canonical(bk):
            return self.fixture("base image: copies not both valid and equal "
                                "(%s / %s)" % (p.why, bk.why))
        self.old = gptread.canonical(p if p.valid else bk)
        exp = gptread.copies(a.expect, self.ss)
        if not (exp["primary"].valid and exp["backup"].valid):
            return self.fixture("expected image (sgdisk -d) is not a clean GPT")
        self.new = gptread.canonical(exp["primary"])
        # sgdisk's result must be the old table minus the WinRE entries,
        # in place (nothing renumbered), disk GUID and sizes kept.
        keep = [e for e in self.old["entries"] if e[1] != WINRE]
        if self.new["entries"] != keep or len(keep) == len(self.old["entries"]):
            return self.fixture("sgdisk's new table is not the old one minus "
                                "its Windows RE entries")
        for f in ("disk_guid", "first_usable", "num_entries", "entry_size"):
            if self.new[f] != self.old[f]:
                return self.fixture("sgdisk changed %s" % f)
        # The GPT areas: LBA 1, and the header and array of every copy,
        # old (where valid) and as sgdisk places them; nothing else may
        # change.
        blocks = lambda h: -(-h["num_entries"] * h["entry_size"] // self.ss)
        self.areas = [(1, 1)]
        for c in (p, bk, exp["primary"], exp["backup"]):
            if c.valid:
                h = c.header
                self.areas += [(h["entry_lba"], h["entry_lba"] + blocks(h) - 1),
                               (h["my_lba"], h["my_lba"])]
        if BREAK == "old":
            self.old = dict(self.old, disk_guid="00000000-0000-0000-0000-000000000001")
        if BREAK == "new":
            self.new = dict(self.new, last_usable=self.new["last_usable"] - 1)
        if BREAK == "bytes":
            self.areas = [r for r in self.areas if r[0] > 1]
        self.size = os.path.getsize(a.base)
        return True

    def fixture(self, why):
        self.failures.append("fixture: " + why)
        return False

    def name_of(self, t):
        if t is None:
            return "none"
        if t == self.old:
            return "old"
        if t == self.new:
            return "new"
        return "other"

    # ---- one state ----
    def cutter(self, args, out):
        cmd = ([self.a.cutter, "--sector-size", str(self.ss)] + args + self.order +
               (["--repair"] if self.a.repair else []) + [self.a.base, out])
        r = run(cmd)
        if r.returncode != 0:
            raise RuntimeError("cutter %s: exit %d: %s" % (" ".join(args), r.returncode, r.stdout.strip()))

    def sgdisk_verify(self, img, save_to=None):
        """sgdisk -v (and -b save_to in the same run); CUTS_BREAK=sgdisk
        hides its "No problems found"."""
        return sgdisk_verify(img, self.ss, save_to, hide_clean=BREAK == "sgdisk")

    def bytes_kept(self, img):
        """None when every byte outside the GPT areas is as in the base
        image. Only where either file holds data can they differ."""
        if os.path.getsize(img) != self.size:
            return "size %d, was %d" % (os.path.getsize(img), self.size)
        skip = [(lo * self.ss, (hi + 1) * self.ss) for lo, hi in self.areas]
        off, _ = first_difference(img, self.a.base, skip)
        if off is None:
            return None
        return "byte %d (LBA %d) changed outside the GPT areas" % (off, off // self.ss)

    def clean_state(self, img):
        cs = gptread.copies(img, self.ss)
        p, b = cs["primary"], cs["backup"]
        ok = (p.valid and b.valid and gptread.canonical(p) == gptread.canonical(b)
              and p.header["alternate_lba"] == b.lba and b.header["alternate_lba"] == 1)
        return ok, cs

    def judge(self, label, img):
        errs = []
        # (a) the readers
        lf = gptread.linux_pick(img, self.ss, force_gpt=True)
        ls = gptread.linux_pick(img, self.ss, force_gpt=False)
        ep = gptread.edk2_pick(img, self.ss)
        ln, en, sn = self.name_of(lf["table"]), self.name_of(ep["table"]), self.name_of(ls["table"])
        if ln not in ("old", "new"):
            errs.append("Linux (gpt) picks %s: %s table" % (lf["copy"], ln))
        if en not in ("old", "new"):
            errs.append("EDK2 picks %s: %s table" % (ep["copy"], en))
        if ln != en:
            errs.append("Linux reads the %s table, EDK2 the %s one" % (ln, en))
        if sn == "none":
            self.stock_linux_blind += 1
            if ls["primary"]["valid"]:
                errs.append("stock Linux sees no GPT with a valid primary")
        elif sn != ln:
            errs.append("stock Linux reads the %s table, with gpt= the %s" % (sn, ln))
        clean, cs = self.clean_state(img)
        bv = cs["backup"].valid
        tag = lambda c: self.name_of(gptread.canonical(c)) if c.valid else "bad"
        cls = "P:%s B:%s" % (tag(cs["primary"]), tag(cs["backup"]))
        if "backup_at_alternate" in cs:  # a grown disk: where the primary points
            cls += " A:%s" % tag(cs["backup_at_alternate"])
        self.classes[cls] = self.classes.get(cls, 0) + 1
        bk = img + ".sgdisk"
        if os.path.exists(bk):
            os.unlink(bk)
        sclean, kinds, text = self.sgdisk_verify(img, bk)
        if sclean is None:
            errs.append(kinds[0])
        elif sclean != clean:
            errs.append("sgdisk -v %s, but the state is %s (%s): %s" % (
                "finds no problem" if sclean else "finds problems",
                "clean" if clean else "not clean", cls, "; ".join(kinds) or text.strip()[:200]))
        elif not clean:
            for k in kinds:
                self.sgdisk_problem_kinds[k] = self.sgdisk_problem_kinds.get(k, 0) + 1
            # gptfdisk 1.0.9 calls a backup array that matches its own
            # header an ERROR when it differs from the main one: count it.
            if bv and "Backup partition table: ERROR" in text:
                self.sgdisk_false_backup += 1
        st = sgdisk_backup_file_table(bk)
        stn = self.name_of(st) if not isinstance(st, str) else st
        p = cs["primary"]
        if stn in ("old", "new"):
            if stn != ln:
                self.sgdisk_disagrees += 1
        elif (p.header_ok and not p.array_ok and sclean is False and
              "The CRC for the main partition table is invalid" in text):
            # gptfdisk keeps the main array when only its CRC fails (it
            # says so, and "Consider loading the backup partition table").
            self.sgdisk_torn_main += 1
            stn += ", the torn primary array, flagged"
        else:
            errs.append("sgdisk loads the %s table" % stn)
        # (b) bytes outside the GPT
        e = self.bytes_kept(img)
        if e:
            errs.append(e)
        # (c) convergence
        conv = img + ".conv"
        if run(["cp", "--sparse=always", img, conv]).returncode != 0:
            raise RuntimeError("cp %s %s failed" % (img, conv))
        cmd = [self.a.gptrim, "--apply", "--repair", "--no-backup"]
        if BREAK == "converge":
            cmd.remove("--repair")
        if self.ss != 512:
            cmd += ["--sector-size", str(self.ss)]
        r = run(cmd + [conv])
        if r.returncode != 0:
            errs.append("gptrim --apply --repair exits %d: %s" % (
                r.returncode, " | ".join(l for l in r.stdout.splitlines()
                                         if "error" in l.lower() or "refus" in l.lower())[:300]
                or r.stdout.strip()[-300:]))
        else:
            cclean, ccs = self.clean_state(conv)
            cp, cb = ccs["primary"], ccs["backup"]
            ep2 = gptread.edk2_pick(conv, self.ss)
            if not cclean:
                errs.append("after gptrim: copies %s / %s" % (cp.why or "ok", cb.why or "ok"))
            elif self.name_of(gptread.canonical(cp)) != "new":
                errs.append("after gptrim: the %s table" % self.name_of(gptread.canonical(cp)))
            elif ep2["primary"] is None or not (ep2["primary"]["valid"] and ep2["backup"]["valid"]):
                errs.append("after gptrim: a copy invalid by EDK2's rules")
            v, vk, vt = self.sgdisk_verify(conv)
            if v is not True:
                errs.append("after gptrim: sgdisk -v: %s" % ("; ".join(vk) or vt.strip()[:200]))
            e = self.bytes_kept(conv)
            if e:
                errs.append("after gptrim: " + e)
        os.unlink(conv)
        print("# %-44s %-17s Linux %s (%s), EDK2 %s, stock Linux %s; sgdisk %s, "
              "loads %s; gptrim again: %s" % (
                  label + ":", cls, ln, lf["copy"], en, sn,
                  "clean" if sclean else "%d problem kinds" % len(kinds), stn,
                  "FAILED" if [e for e in errs if "gptrim" in e] else "new, clean"))
        if errs:
            self.failures.append("%s [%s]: %s" % (label, cls, "; ".join(errs)))
        return not errs

    # ---- all states ----
    def states(self):
        r = run([self.a.cutter, "--count", "--sector-size", str(self.ss)] +
                (["--repair"] if self.a.repair else []) + [self.a.base])
        if r.returncode != 0:
            self.failures.append("cutter --count: " + r.stdout.strip())
            return
        m = re.match(r"blocks (\d+) calls (\d+) flushes (\d+) removed (\d+)", r.stdout)
        n, calls, flushes, removed = (int(x) for x in m.groups())
        epochs = [int(x) for x in re.findall(r"epoch (\d+)$", r.stdout, re.M)]
        self.journal = r.stdout
        if BREAK == "order":
            # Both arrays before either header: a cut after the arrays
            # leaves two bad copies. The judge must catch it.
            lbas = [int(x) for x in re.findall(r"lba (\d+) ", r.stdout)]
            hdr = [i + 1 for i, l in enumerate(lbas) if l in (1, max(lbas))]
            arr = [i + 1 for i in range(len(lbas)) if i + 1 not in hdr]
            self.order = ["--order", ",".join(str(i) for i in arr + hdr)]
            print("# CUTS_BREAK=order: blocks written in the order %s" % self.order[1])
        print("# %s: the commit writes %d blocks in %d calls, %d flushes, "
              "removes %d" % (self.a.name, n, calls, flushes, removed))
        for line in r.stdout.splitlines()[1:]:
            print("#   " + line.lstrip("# "))
        self.nblocks = n
        img = os.path.join(self.work, "state.img")
        # the whole commit: exactly new, clean
        self.cutter(["--cut", str(n + 1)], img)
        clean, cs = self.clean_state(img)
        if not clean or self.name_of(gptread.canonical(cs["primary"])) != "new":
            self.failures.append("the whole commit does not leave exactly the "
                                 "new table in two clean copies")
        for k in range(1, n + 1):
            self.cutter(["--cut", str(k)], img)
            self.tried["cut"] += 1
            self.judge("cut %d (blocks 1..%d written)" % (k, k - 1), img)
            for t in range(1, self.ss // 512):
                self.cutter(["--cut", str(k), "--tear", str(t)], img)
                self.tried["tear"] += 1
                self.judge("tear %d.%d (block %d: first %d bytes new)" % (k, t, k, t * 512), img)
        for e in sorted(set(epochs)) if not self.order else []:
            m_ = epochs.count(e)
            if m_ < 2 or m_ > 10:
                continue
            for mask in range(1, (1 << m_) - 1):
                if mask == (1 << (mask.bit_length())) - 1:
                    continue  # a prefix: the same as a cut
                self.cutter(["--reorder", str(e), str(mask)], img)
                self.tried["reorder"] += 1
                self.judge("reorder epoch %d mask 0x%x" % (e, mask), img)
        for f in (img, img + ".conv"):
            if os.path.exists(f):
                os.unlink(f)


def main():
    # Let finally: clauses detach loop devices on a kill.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--sector-size", type=int, default=512)
    ap.add_argument("--base", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--cutter", required=True)
    ap.add_argument("--gptrim", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--repair", action="store_true",
                    help="one copy is bad: the commit rebuilds it (cutter --repair)")
    a = ap.parse_args()
    j = Judge(a)
    try:
        if j.setup():
            j.states()
    except RuntimeError as e:
        j.failures.append(str(e))
    n = sum(j.tried.values())
    for cls, cnt in sorted(j.classes.items()):
        print("# %s: %d states %s" % (a.name, cnt, cls))
    if j.sgdisk_problem_kinds:
        print("# %s: sgdisk -v on the states that are not clean:" % a.name)
        for k, cnt in sorted(j.sgdisk_problem_kinds.items()):
            print("#   %3d x %s" % (cnt, k))
    print("# %s: stock Linux (no gpt=) sees no GPT in %d of %d states (primary "
          "damaged); sgdisk loads another table than Linux in %d, the torn "
          "primary array (flagged) in %d" % (
              a.name, j.stock_linux_blind, n, j.sgdisk_disagrees, j.sgdisk_torn_main))
    print("# %s: sgdisk -v says \"Backup partition table: ERROR\" of a backup "
          "valid by Linux's and EDK2's rules in %d states" % (a.name, j.sgdisk_false_backup))
    for f in j.failures:
        print("# FAILED %s: %s" % (a.name, f))
    counts = "%d cuts, %d tears, %d reorders" % (j.tried["cut"], j.tried["tear"], j.tried["reorder"])
    if j.failures:
        print("FAIL: %s: %s, %d failed: %s" % (a.name, counts, len(j.failures), j.failures[0][:300]))
    else:
        print("PASS: %s: %s, all old-or-new, all converge" % (a.name, counts))
    print("# tried %d states" % n)
    return 1 if j.failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The fleet suite's judge of a summary-MODE.json (docs/fleet.md).

  sumjson.py GOT EXPECTED --sha1 SHA1 --sha256 SHA256 --moids FILE --results DIR
             --t0 EPOCH --t1 EPOCH [--subst KEY=VALUE]... [--print]

What differs from run to run is checked here, then replaced by a
placeholder: the ISO's SHA-1 (the local ISO's, SHA1) by @SHA1@ and its
first 12 digits in the datastore path by @SHA12@; its SHA-256 (SHA256)
by @SHA256@; in each "recovered" entry, the run its record names (a run
before this one) by @RUN_RECORD@ and the VM's moid by @MOID@, in each
"secure_boot_left_off" entry the VM's moid by @MOID@; the run's name
(YYYYMMDD-HHMMSS) by @RUN@, wherever it appears; each VM's moid (the one
vCenter has for that name, FILE: "NAME MOID" lines) by @MOID@; start and
end (ISO 8601 UTC, start <= end, both within the playbook's run, t0..t1 in
seconds since the epoch, to the second) by @TIME@; the results directory
DIR by @RESULTS@. A value that fails its check stays as it is, so the
comparison shows it. Then the whole is compared with EXPECTED, in which
each --subst KEY=VALUE replaces @KEY@ first. Prints the differences and
exits 1 when there are any; --print prints the placeholder form of GOT
instead (to write an expected file from a run, after reading it).
"""
import argparse
import calendar
import difflib
import json
import re
import sys
import time

RUN = re.compile(r"\d{8}-\d{6}")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def normalize(got, a, moids, notes):
    sha1 = a.sha1
    run = got.get("run") or ""
    if RUN.fullmatch(run):
        got["run"] = "@RUN@"
    else:
        notes.append("run %r is not YYYYMMDD-HHMMSS" % run)
        run = None
    if got.get("iso", {}).get("sha1") == sha1:
        got["iso"]["sha1"] = "@SHA1@"
    if got.get("iso", {}).get("sha256") == a.sha256:
        got["iso"]["sha256"] = "@SHA256@"

    def text(s):
        s = s.replace(sha1[:12], "@SHA12@")
        if run:
            s = s.replace(run, "@RUN@")
        return s.replace(a.results, "@RESULTS@")

    def walk(v):
        if isinstance(v, str):
            return text(v)
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        return v

    for vm in got.get("vms", []):
        name = vm.get("name")
        if vm.get("moid") is not None and vm.get("moid") == moids.get(name):
            vm["moid"] = "@MOID@"
        if vm.get("iso_sha1") == sha1:
            vm["iso_sha1"] = "@SHA1@"
        times = [vm.get("start"), vm.get("end")]
        if times != [None, None]:
            ok = all(isinstance(t, str) and TIME.match(t) for t in times)
            if ok:
                s, e = utc(times[0]), utc(times[1])
                ok = int(a.t0) <= s <= e <= int(a.t1) + 1
            if ok:
                vm["start"] = vm["end"] = "@TIME@"
            else:
                notes.append("%s: start %s, end %s: not ISO 8601 UTC in "
                             "order within the run (%s..%s)" % (
                                 name, times[0], times[1],
                                 time.strftime("%H:%M:%S", time.gmtime(a.t0)),
                                 time.strftime("%H:%M:%S", time.gmtime(a.t1))))
    for v in got.get("secure_boot_left_off") or []:
        if v.get("moid") is not None and v.get("moid") == moids.get(v.get("name")):
            v["moid"] = "@MOID@"
    # A record's run (a run that died, or timed out, before this one).
    for rec in got.get("recovered") or []:
        if rec.get("moid") is not None and rec.get("moid") == moids.get(rec.get("name")):
            rec["moid"] = "@MOID@"
        r = rec.get("run") or ""
        if RUN.fullmatch(r):
            rec.update(json.loads(json.dumps(rec).replace(r, "@RUN_RECORD@")))
    return walk(got)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("got")
    p.add_argument("expected")
    p.add_argument("--sha1", required=True)
    p.add_argument("--sha256", required=True)
    p.add_argument("--moids", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--t0", type=int, required=True)
    p.add_argument("--t1", type=int, required=True)
    p.add_argument("--subst", action="append", default=[])
    p.add_argument("--print", action="store_true")
    a = p.parse_args()
    moids = {}
    with open(a.moids) as f:
        for line in f:
            name, moid = line.split()
            moids[name] = moid
    try:
        with open(a.got) as f:
            got = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (a.got, e))
        return 1
    notes = []
    got = normalize(got, a, moids, notes)
    out = json.dumps(got, indent=2) + "\n"
    if a.print:
        sys.stdout.write(out)
        return 0
    with open(a.expected) as f:
        want = f.read()
    for kv in a.subst:
        k, v = kv.split("=", 1)
        want = want.replace("@%s@" % k, v)
    want = json.dumps(json.loads(want), indent=2) + "\n"
    diff = list(difflib.unified_diff(want.splitlines(True),
                                     out.splitlines(True),
                                     "expected", "got", n=2))
    for n in notes:
        print(n)
    sys.stdout.writelines(diff)
    return 1 if diff or notes else 0


if __name__ == "__main__":
    sys.exit(main())

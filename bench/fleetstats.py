#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench, part fleet (bench/fleet.sh): the checks and the report.

  fleetstats.py check SUMMARY.json N
      exit 1 unless summary-dry-run.json has N VMs, each "would fix"
  fleetstats.py boots BRIDGE.log N
      the median of the fast boots' own seconds in the bridge's log
      ("fastboot: exit 0 (guest-shutdown) after S s"); exit 1 unless N
  fleetstats.py report RUNS.tsv DIR FOOTER
      the Markdown report: RUNS.tsv lines "LABEL VMS BATCH WALL BOOT
      CPU SIM-CPU", the baseline runs labelled base-*; DIR/LABEL.ansible the playbook
      outputs with profile_tasks' summary (PROFILE_TASKS_SORT_ORDER=none)

Overhead per VM = (wall - baseline) / VMs, the baseline the mean wall time
of the base-* runs (no VM selected: the ISO check, the selection, the
summary). Its ratio to the 20-VM run of the same batch says how flat it is.
The CPU seconds per VM (ansible-playbook with all it started; the
simulator) are taken the same way: less moved by other work on the machine
than the wall time is.
Where the time goes: profile_tasks gives each task the time from its start
to the next task's start (all the hosts of a batch), so a task's seconds,
summed over the batches, add up to the wall time; they are summed per task
name and per file of fleet/ (found by the task's name)."""
import glob
import json
import os
import re
import statistics
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROFILE = re.compile(r"^(.*?)[ -]*(\d+\.\d+)s$")
FASTBOOT = re.compile(r"fastboot: exit 0 \(guest-shutdown\) after "
                      r"(\d+\.\d+) s")


def check(path, n):
    vms = json.load(open(path))["vms"]
    bad = [v for v in vms if v["result"] != "would fix"]
    if len(vms) != int(n) or bad:
        print("%s: %d VMs (want %s); not 'would fix': %s" % (
            path, len(vms), n, json.dumps(bad[:3])))
        return 1
    return 0


def boots(path, n):
    secs = [float(m.group(1)) for m in
            (FASTBOOT.search(line) for line in open(path)) if m]
    if len(secs) != int(n):
        print("%s: %d fast boots, not %s" % (path, len(secs), n),
              file=sys.stderr)
        return 1
    print("%.2f" % statistics.median(secs) if secs else "-")
    return 0


def profile(path):
    """{task name: seconds} from profile_tasks' summary (after the recap's
    clock line of '=' signs)."""
    lines = open(path).read().splitlines()
    at = max((i for i, l in enumerate(lines) if re.match(r"^=+\s*$", l)),
             default=None)
    tasks = {}
    for line in lines[at + 1:] if at is not None else []:
        m = PROFILE.match(line)
        if m:
            tasks[m.group(1)] = tasks.get(m.group(1), 0) + float(m.group(2))
    return tasks


def task_files():
    """{task name: file under fleet/} of every named task."""
    where = {}

    def walk(items, f):
        for t in items or []:
            if isinstance(t, dict):
                if "name" in t:
                    where.setdefault(t["name"], f)
                for k in ("block", "rescue", "always", "tasks"):
                    walk(t.get(k), f)
    for f in sorted(glob.glob(os.path.join(TOP, "fleet", "tasks", "*.yml")) +
                    [os.path.join(TOP, "fleet", "gptrim.yml")]):
        walk(yaml.safe_load(open(f)), os.path.relpath(f, os.path.join(
            TOP, "fleet")))
    return where


def report(runs_path, d, footer):
    rows = [line.split("\t") for line in open(runs_path).read().splitlines()]
    base = [float(r[3]) for r in rows if r[0].startswith("base")]
    b = statistics.mean(base)
    runs = [r for r in rows if not r[0].startswith("base")]
    per = {(int(r[2]), int(r[1])): (float(r[3]) - b) / int(r[1])
           for r in runs}
    bcpu = statistics.mean(float(r[5]) for r in rows if r[0].startswith("base"))
    bsim = statistics.mean(float(r[6]) for r in rows if r[0].startswith("base"))
    out = ["### Fleet: the playbook's own cost (simulated vCenter, fast "
           "boots)", "",
           "Baseline (no VM selected: ISO check, selection, summary): "
           "%s s, mean %.1f s." % (", ".join("%.1f" % x for x in base), b),
           "",
           "| VMs | gptrim_batch | wall s | overhead per VM s | ratio to "
           "20 VMs | fast boot median s | control node CPU s per VM | "
           "simulator CPU s per VM |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        n, batch = int(r[1]), int(r[2])
        ref = per.get((batch, 20))
        out.append("| %d | %d | %.1f | %.2f | %s | %s | %.2f | %.2f |" % (
            n, batch, float(r[3]), per[(batch, n)],
            "%.2f" % (per[(batch, n)] / ref) if ref else "—", r[4],
            (float(r[5]) - bcpu) / n, (float(r[6]) - bsim) / n))
    out.append("")
    if not runs:
        print("\n".join(out))
        return 0
    where = task_files()
    big = max(runs, key=lambda r: (int(r[2]) == 25, int(r[1])))
    n = int(big[1])
    tasks = profile(os.path.join(d, big[0] + ".ansible"))
    total = sum(tasks.values()) or 1
    files = {}
    for t, s in tasks.items():
        f = where.get(t, "?")
        files[f] = files.get(f, 0) + s
    out += ["Where the time goes, %d VMs, gptrim_batch %s (profile_tasks, "
            "%.0f s of tasks in %.1f s wall):" % (n, big[2], total,
                                                  float(big[3])), "",
            "| file | s | s per VM | share |", "|---|---:|---:|---:|"]
    for f, s in sorted(files.items(), key=lambda x: -x[1]):
        out.append("| %s | %.1f | %.2f | %.0f %% |" % (f, s, s / n,
                                                      100 * s / total))
    out += ["", "| task (top 12) | file | s per VM |", "|---|---|---:|"]
    for t, s in sorted(tasks.items(), key=lambda x: -x[1])[:12]:
        out.append("| %s | %s | %.3f |" % (t, where.get(t, "?"), s / n))
    out += ["", "_%s_" % footer]
    print("\n".join(out))
    return 0


def main(argv):
    if len(argv) == 3 and argv[0] == "check":
        return check(*argv[1:])
    if len(argv) == 3 and argv[0] == "boots":
        return boots(*argv[1:])
    if len(argv) == 4 and argv[0] == "report":
        return report(*argv[1:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

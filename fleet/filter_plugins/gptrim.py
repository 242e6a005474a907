# SPDX-License-Identifier: MIT
"""Filters of the fleet playbook: a VM's result from gptrim's console, the
VMs to boot (a selection, or the failures of an earlier run), the summary
table and its machine-readable twin (summary-MODE.json, docs/fleet.md).

gptrim prints, on the firmware console that the serial port mirrors, one
line per disk and one exit line (efi/main.c, core/gptrim.c):
    gptrim: disk N <device path>: removed K, healthy | would remove K
        (report only) | nothing to remove, healthy | no GPT, skipped |
        undone: restored K entries, healthy | would restore K (report only)
        | skipped: <why> (--undo) | refused: <why> | error: <why> ...
    gptrim: exit status S (<meaning>)
and an --undo boot that put back no disk says "--undo: no disk was undone"
before exit status 4. The console holds terminal escapes and CRs; they are
dropped first."""
import json
import re

ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")
DISK = re.compile(r"gptrim: disk (\d+) ([^\n]*?): ([a-z][^\n]*)$", re.M)
EXIT = re.compile(r"gptrim: exit status (\d+) \(([^)\n]*)\)")
REMOVED = re.compile(r"^removed (\d+), healthy$")
WOULD = re.compile(r"^would remove (\d+) \(report only\)$")
UNDONE = re.compile(r"^undone: restored (\d+) entr(?:y|ies), healthy$")
WOULD_UNDO = re.compile(r"^would restore (\d+) \(report only\)$")
NO_UNDO = re.compile(r"--undo: no disk (?:was|would be) undone")
# The results of a run that a retry (gptrim_retry_from) boots again by
# default: the VM's end is unknown or an error. "refused" is a decision
# (the VM was left as it was, the reason named): retried only when asked.
RETRY_RESULTS = ("failed", "timed out", "no result")


def disk_lines(text):
    """[(disk number, what gptrim said of it)] in order."""
    return [(int(n), what.strip()) for n, _, what in DISK.findall(text)]


def disk_outcomes(text):
    """[{number, path, outcome}] of the console's summary lines."""
    return [{"number": int(n), "path": path.strip(), "outcome": what.strip()}
            for n, path, what in DISK.findall(text)]


def count(disks, pattern):
    return sum(int(m.group(1)) for m in (pattern.match(w) for _, w in disks)
               if m)


def gptrim_console_result(console):
    """{result, detail, exit_status, disks} of one boot from its console
    text. result is one of fixed, would fix, undone, would undo, nothing to
    do, nothing to undo, refused, failed, no result; exit_status is the
    console's (None without one), disks its disk_outcomes."""
    text = ESCAPES.sub("", console or "")
    r = verdict(text)
    m = EXIT.search(text)
    r["exit_status"] = int(m.group(1)) if m else None
    r["disks"] = disk_outcomes(text)
    return r


def verdict(text):
    disks = disk_lines(text)
    m = EXIT.search(text)
    if not m:
        return {"result": "no result",
                "detail": "no 'gptrim: exit status' line on the console"}
    status, meaning = int(m.group(1)), m.group(2)
    removed = count(disks, REMOVED)

    def named(pred):
        return "; ".join("disk %d: %s" % (n, w) for n, w in disks if pred(w))

    if status == 0 and count(disks, UNDONE):
        return {"result": "undone", "detail": named(UNDONE.match)}
    if status == 1 and count(disks, WOULD_UNDO):
        return {"result": "would undo", "detail": named(WOULD_UNDO.match)}
    if status == 0 and removed:
        return {"result": "fixed",
                "detail": named(lambda w: REMOVED.match(w) and
                                not w.startswith("removed 0"))}
    if status == 0:
        return {"result": "nothing to do",
                "detail": "%d disk(s) looked at, nothing to remove"
                % len(disks)}
    if status == 1:
        return {"result": "would fix", "detail": named(WOULD.match)}
    # An undo boot with no backup to put back anywhere (no disk refused).
    if status == 4 and NO_UNDO.search(text) and not named(
            lambda w: w.startswith("refused:")):
        return {"result": "nothing to undo",
                "detail": "exit status 4: " + (named(
                    lambda w: w.startswith("skipped:")) or
                    "no disk has a gptrim backup on its ESP")}
    if status == 4:
        # Without a disk's summary line (a console that lost it), the
        # exit line is the reason.
        return {"result": "refused",
                "detail": named(lambda w: w.startswith("refused:")) or
                "exit status 4 (%s)" % meaning}
    # The VM was not looked at, or holds nothing gptrim can fix: failed,
    # with the likely causes gptrim names on the console.
    if status == 7:
        return {"result": "failed",
                "detail": "exit status 7: the firmware shows no fixed disk "
                "(a controller without a firmware driver, or a boot that "
                "brought up only the CD)"}
    if status == 3 and not named(lambda w: w.startswith("not GPT:")):
        return {"result": "failed",
                "detail": "exit status 3: no disk has a GPT (%d looked at; "
                "a controller without a firmware driver, or Windows "
                "installed for BIOS)" % len(disks)}
    return {"result": "failed",
            "detail": "exit status %d (%s)%s" % (
                status, meaning, "; " + named(
                    lambda w: not REMOVED.match(w) and not WOULD.match(w))
                if disks else "")}


def gptrim_select(vms, names, tag, retry=None):
    """The VMs (vmware_vm_info's virtual_machines) named in names (all
    when names is empty) and carrying the tag tag (any when it is ""); with
    retry (gptrim_retry's rows), only those among them that a row names:
    by moid, or by name where the row has no moid."""
    def retried(vm):
        return any(r["moid"] == vm["moid"] if r.get("moid") else
                   r["name"] == vm["guest_name"] for r in retry)
    return [vm for vm in vms
            if (not names or vm["guest_name"] in names) and
            (not tag or tag in [t.get("name") for t in vm.get("tags") or []])
            and (retry is None or retried(vm))]


def gptrim_retry(summary, results=RETRY_RESULTS):
    """The rows of a summary-MODE.json (its text, or the parsed object)
    whose result is one of results: the VMs a retry boots again."""
    if isinstance(summary, str):
        summary = json.loads(summary)
    if not isinstance(summary, dict) or not isinstance(
            summary.get("vms"), list):
        raise ValueError("not a gptrim fleet summary (no \"vms\" list)")
    return [{"name": r["name"], "moid": r.get("moid"),
             "result": r["result"]}
            for r in summary["vms"] if r.get("result") in results]


def gptrim_rows(hosts, hostvars):
    """One row per VM host: its gptrim_result ({vm, result, detail} and,
    from a console, exit_status and disks) with what the play recorded
    (moid, start and end times, the ISO's SHA-1 if it was booted, what was
    put back and what was left); a host the play stopped on without a
    result (an error outside the boot) is a failed row."""
    rows = []
    for h in hosts:
        v = hostvars[h]
        r = v.get("gptrim_result")
        row = dict(r) if r else {
            "vm": h, "result": "failed",
            "detail": "the play stopped on this VM (see its output)"}
        row.setdefault("exit_status", None)
        row.setdefault("disks", [])
        row["moid"] = v.get("vm_moid")
        row["start"] = v.get("gptrim_start")
        row["end"] = v.get("gptrim_end")
        row["iso_sha1"] = v.get("gptrim_booted_sha1")
        row["put_back"] = v.get("gptrim_put_back") or {}
        row["left"] = v.get("gptrim_left") or {}
        row["powered_on_again"] = bool(v.get("gptrim_powered_on_again"))
        if v.get("gptrim_sb_left_off"):
            row["secure_boot_left_off"] = v["gptrim_sb_left_off"]
        rows.append(row)
    return rows


def gptrim_recovered(results, found, cleanup=False):
    """The rows of the VMs put back from records left by runs that died
    (tasks/recover.yml): results are gptrim_putback restore's loop results,
    found the records found (gptrim_putback find's vms). Each row: vm, moid,
    result (recovered, or failed), detail, run and mode (the dead run's),
    put_back. With cleanup, powered-on VMs carrying a record too, refused
    (their record stays). A row whose record says Secure Boot was on and
    that did not turn it on again has secure_boot_left_off (the reason)."""
    what = (("boot_order", "boot order"), ("cdrom", "CD drive"),
            ("serial_port", "serial port"),
            ("efi.serialConsole.enabled", "efi.serialConsole.enabled"),
            ("secure_boot", "Secure Boot"))
    rows = []
    for res in results:
        vm, rec = res["item"], res["item"].get("record") or {}
        row = {"vm": vm["name"], "moid": vm["moid"],
               "run": res.get("run") or rec.get("run"),
               "mode": res.get("mode") or rec.get("mode"),
               "put_back": res.get("put_back") or {}}
        if res.get("failed"):
            row.update(result="failed", detail="put-back record: " +
                       str(res.get("msg", "failed")))
            if rec.get("secure_boot"):
                row["secure_boot_left_off"] = row["detail"]
        else:
            done = [name for key, name in what if key in row["put_back"]]
            row.update(result="recovered", detail="put back what an "
                       "unfinished run (%s) left: %s" % (
                           row["mode"], ", ".join(done) if done else
                           "nothing differed; its record removed"))
        rows.append(row)
    if cleanup:
        for vm in found:
            if vm["power_state"] != "poweredOff":
                rec = vm.get("record") or {}
                rows.append({
                    "vm": vm["name"], "moid": vm["moid"], "result": "refused",
                    "detail": "%s: its put-back record stays; cleanup again "
                    "once it is off" % vm["power_state"],
                    "run": rec.get("run"), "mode": rec.get("mode"),
                    "put_back": {}})
                if rec.get("secure_boot"):
                    rows[-1]["secure_boot_left_off"] = rows[-1]["detail"]
    return rows


def gptrim_sb_left_off(rows, recovered=(), found=()):
    """The VMs whose Secure Boot a run turned off and that have it off
    still: [{name, moid, reason}], sorted by name. rows (gptrim_rows) and
    recovered (gptrim_recovered) carry secure_boot_left_off; found (the
    records gptrim_putback find saw) adds the powered-on VMs whose record
    says Secure Boot was on (a run can put it back only once they are
    off)."""
    out = {}
    for r in list(rows) + list(recovered):
        why = r.get("secure_boot_left_off")
        if why:
            if why.startswith(r["vm"] + ": "):  # a module's message
                why = why[len(r["vm"]) + 2:]
            out[r["vm"]] = {"name": r["vm"], "moid": r.get("moid"),
                            "reason": why}
    for vm in found:
        if (vm["power_state"] != "poweredOff" and vm["name"] not in out and
                (vm.get("record") or {}).get("secure_boot")):
            out[vm["name"]] = {
                "name": vm["name"], "moid": vm["moid"],
                "reason": "%s with the record of run %s: put back once it "
                "is off (gptrim_mode=cleanup)" % (
                    vm["power_state"], vm["record"].get("run"))}
    return [out[k] for k in sorted(out)]


def gptrim_sb_alarm(left_off):
    """The summary's first lines: one per VM of gptrim_sb_left_off."""
    return "".join("FAILED: Secure Boot left off: %s: %s\n" % (
        v["name"], v["reason"]) for v in left_off)


# The fields of each VM in summary-MODE.json, in this order (docs/fleet.md).
FIELDS = ("name", "moid", "result", "detail", "exit_status", "disks",
          "start", "end", "iso_sha1", "put_back", "left",
          "powered_on_again")


def gptrim_json(rows, mode, run, iso_path, iso_sha1, retry_from="",
                retry_results=(), iso_sha256=None, recovered=(),
                sb_left_off=()):
    """summary-MODE.json: the run (and, for a retry, the file and the
    results it took the VMs of), the VMs with Secure Boot left off
    (gptrim_sb_left_off), then one object per VM (sorted by name), FIELDS
    each."""
    vms = []
    for r in sorted(rows, key=lambda r: r["vm"]):
        o = dict(r, name=r["vm"])
        if o.get("exit_status") not in (None, ""):
            o["exit_status"] = int(o["exit_status"])
        else:
            o["exit_status"] = None
        empty = {"disks": [], "put_back": {}, "left": {},
                 "powered_on_again": False}
        vms.append({k: o.get(k, empty.get(k)) for k in FIELDS})
    return json.dumps({"secure_boot_left_off": list(sb_left_off),
                       "mode": mode, "run": run,
                       "iso": {"path": iso_path, "sha1": iso_sha1,
                               "sha256": iso_sha256 or None}
                       if iso_path else None,
                       "retry_from": retry_from or None,
                       "retry_results": list(retry_results)
                       if retry_from else None, "vms": vms,
                       "recovered": [
                           {"name": r["vm"], "moid": r["moid"],
                            "result": r["result"], "detail": r["detail"],
                            "run": r["run"], "mode": r["mode"],
                            "put_back": r["put_back"]}
                           for r in sorted(recovered,
                                           key=lambda r: r["vm"])]},
                      indent=2) + "\n"


def gptrim_table(rows):
    """The summary: one line per VM (sorted by name) under a header,
    columns aligned; rows are {vm, result, detail} dicts."""
    rows = sorted(rows, key=lambda r: r["vm"])
    head = ("VM", "RESULT", "DETAIL")
    w0 = max([len(head[0])] + [len(r["vm"]) for r in rows])
    w1 = max([len(head[1])] + [len(r["result"]) for r in rows])
    lines = ["%-*s  %-*s  %s" % (w0, head[0], w1, head[1], head[2])]
    for r in rows:
        lines.append("%-*s  %-*s  %s" % (w0, r["vm"], w1, r["result"],
                                         r["detail"]))
    return "\n".join(line.rstrip() for line in lines) + "\n"


class FilterModule:
    def filters(self):
        return {"gptrim_console_result": gptrim_console_result,
                "gptrim_json": gptrim_json,
                "gptrim_recovered": gptrim_recovered,
                "gptrim_retry": gptrim_retry,
                "gptrim_rows": gptrim_rows,
                "gptrim_sb_alarm": gptrim_sb_alarm,
                "gptrim_sb_left_off": gptrim_sb_left_off,
                "gptrim_select": gptrim_select,
                "gptrim_table": gptrim_table}

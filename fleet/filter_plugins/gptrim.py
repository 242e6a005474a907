# SPDX-License-Identifier: MIT
"""Filters of the fleet playbook: a VM's result from gptrim's console, and
the summary table.

gptrim prints, on the firmware console that the serial port mirrors, one
line per disk and one exit line (efi/main.c, core/gptrim.c):
    gptrim: disk N <device path>: removed K, healthy | would remove K
        (report only) | nothing to remove, healthy | no GPT, skipped |
        undone: restored K entries, healthy | would restore K (report only)
        | refused: <why> | error: <why> ...
    gptrim: exit status S (<meaning>)
The console holds terminal escapes and CRs; they are dropped first."""
import re

ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")
DISK = re.compile(r"gptrim: disk (\d+) [^\n]*?: ([a-z][^\n]*)$", re.M)
EXIT = re.compile(r"gptrim: exit status (\d+) \(([^)\n]*)\)")
REMOVED = re.compile(r"^removed (\d+), healthy$")
WOULD = re.compile(r"^would remove (\d+) \(report only\)$")
UNDONE = re.compile(r"^undone: restored (\d+) entr(?:y|ies), healthy$")
WOULD_UNDO = re.compile(r"^would restore (\d+) \(report only\)$")


def disk_lines(text):
    """[(disk number, what gptrim said of it)] in order."""
    return [(int(n), what.strip()) for n, what in DISK.findall(text)]


def count(disks, pattern):
    return sum(int(m.group(1)) for m in (pattern.match(w) for _, w in disks)
               if m)


def gptrim_console_result(console):
    """{result, detail} of one boot from its console text. result is one of
    fixed, would fix, undone, would undo, nothing to do, refused, failed,
    no result."""
    text = ESCAPES.sub("", console or "")
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
    if status == 4:
        return {"result": "refused",
                "detail": named(lambda w: w.startswith("refused:"))}
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


def gptrim_select(vms, names, tag):
    """The VMs (vmware_vm_info's virtual_machines) named in names (all
    when names is empty) and carrying the tag tag (any when it is "")."""
    return [vm for vm in vms
            if (not names or vm["guest_name"] in names) and
            (not tag or tag in [t.get("name") for t in vm.get("tags") or []])]


def gptrim_rows(hosts, hostvars):
    """Each VM host's gptrim_result; a host the play stopped on without
    one (an error outside the boot) is a failed row."""
    rows = []
    for h in hosts:
        r = hostvars[h].get("gptrim_result")
        rows.append(dict(r) if r else {
            "vm": h, "result": "failed",
            "detail": "the play stopped on this VM (see its output)"})
    return rows


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
                "gptrim_rows": gptrim_rows,
                "gptrim_select": gptrim_select,
                "gptrim_table": gptrim_table}

# SPDX-License-Identifier: MIT
"""sgdiskrun: sgdisk (gptfdisk) as an independent judge of an image
(stdlib only): run it on a file or, for other sector sizes, on a read-only
loop device; what `sgdisk -v` says; the table it had loaded, from the
--backup file it saved in the same run.
"""
import os
import re
import subprocess

import gptread


def run(cmd, **kw):
    """cmd with stdout and stderr together as text."""
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def sgdisk_on(img, ss, args):
    """sgdisk ARGS on img; at other sector sizes than 512 through a
    read-only loop device of that size (on a file sgdisk assumes 512-byte
    sectors). RuntimeError when losetup fails."""
    if ss == 512:
        return run(["sgdisk"] + args + [img])
    r = run(["losetup", "-f", "--show", "-r", "-b", str(ss), img])
    if r.returncode != 0:
        raise RuntimeError("losetup -b %d: %s" % (ss, r.stdout.strip()))
    dev = r.stdout.strip()
    try:
        return run(["sgdisk"] + args + [dev])
    finally:
        run(["losetup", "-d", dev])


def sgdisk_verify(img, ss, save_to=None, hide_clean=False):
    """sgdisk -v (and -b save_to in the same run: one loop device).
    (clean, kinds, text): clean True, False, or None when sgdisk failed
    (kinds then holds the reason); kinds the warnings, cautions and errors
    it printed, numbers as N. hide_clean (to see a test fail) turns its
    "No problems found" into "Identified 0 problems"."""
    r = sgdisk_on(img, ss, ["-v"] + (["-b", save_to] if save_to else []))
    text = r.stdout
    if r.returncode != 0 or "Problem opening" in text:
        return None, ["sgdisk -v failed (exit %d)" % r.returncode], text
    if hide_clean:
        text = text.replace("No problems found", "Identified 0 problems")
    clean = "No problems found" in text
    kinds = []
    for line in text.splitlines():
        m = re.match(r"^(Problem|Caution|Warning)[:!] ?(.*)", line)
        if m:
            kinds.append(re.sub(r"\d+", "N", m.group(0))[:78])
        elif re.match(r"^(Main|Backup) (header|partition table): ERROR", line):
            kinds.append(line.strip())
    if not clean and not re.search(r"Identified \d+ problems", text):
        return None, ["sgdisk -v said neither 'No problems found' nor "
                      "'Identified N problems'"], text
    # A header sgdisk had to regenerate while loading is reported then
    # ("Main header: ERROR"), and -v may still end "No problems found":
    # clean means no warning, caution or error at all.
    return clean and not kinds, kinds, text


def sgdisk_backup_file_table(bk):
    """The table sgdisk had loaded, from the --backup file it saved (which
    is then removed); a string saying so when it saved nothing."""
    if not os.path.exists(bk):
        return "sgdisk -b saved nothing"
    t = gptread.sgdisk_backup_table(bk)
    os.unlink(bk)
    return t

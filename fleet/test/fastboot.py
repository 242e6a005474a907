#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The bridge's fast mode (make bench, part fleet): instead of booting QEMU
+ OVMF, run the host tool on the VM's disk images with the options of the
ISO's gptrim.cfg, and write to the VM's serial file the console lines
gptrim.efi would print, so that only the playbook's orchestration is
measured. Started by fleet/test/bridge.py in place of ovmf/boot.sh, through
the shim fastboot.sh (`bridge.py URL --boot fleet/test/fastboot.sh ...`),
with boot.sh's arguments:

  fastboot.py [--timeout S] --iso ISO --disk IMG:CTRL... --log FILE

The options: the ISO's El Torito FAT image (efiboot.img), extracted with
xorriso, and its \\gptrim.cfg read with mtools (what the firmware reads),
split as core/config.c splits it. --then is the firmware's: the host tool
gets the rest.

The console (CRLF lines, as on the serial port), for one disk:
    gptrim VERSION
    Options from \\gptrim.cfg[ (report only: no --apply)]
    skipped <CD's device path>: read-only removable medium (CD/DVD)
    N disk(s) to look at
    <blank>
    <the host tool's report and its "gptrim: disk N PATH: OUTCOME" line>
    <blank>
    gptrim: exit status S (MEANING)
    gptrim: powering off
Each image path is replaced by the device path OVMF gives that disk in the
QEMU machine ovmf/boot.sh builds (the CD on AHCI port 0, SATA disks on
ports 1.., every other controller a PCI slot of its own from 0x2 on, in
the order of the --disk arguments), as the fleet suite's real consoles
show. MEANING is efi/reset.c's exit_name(). As gptrim.efi without --disk,
a disk without a GPT is "no GPT, skipped" (the host tool, which names its
disks, says "not GPT: ..." and exits 3), and a run where no disk has a GPT
ends with exit status 3 and the firmware's words; an --undo that restored
no disk ends with exit status 4 and its line. Not modelled: --secboot
(refused: the fast mode cannot judge a signature), U-Boot, the IDE of
--machine pc; the backup goes where the host tool puts it (beside the
image), not to the ESP, so an undo finds only a fast apply's backups.

With --then shutdown the last line on stderr is
    fastboot: exit 0 (guest-shutdown) after 0.12 s
which the bridge, as after boot.sh, takes for the guest's power-off. With
--then exit or reboot, the VM stays on (the firmware goes on to the disk).
On a mistake (an option boot.sh has and this does not model, no
gptrim.cfg) it exits 2 with the reason; the VM stays on.
Environment: FASTBOOT_GPTRIM, the host tool (default build/gptrim).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# efi/reset.c, exit_name()
EXIT_NAMES = {
    0: "healthy, nothing left to do",
    1: "report only, entries would be removed",
    2: "bad command line or config",
    3: "no GPT on a disk named or on any disk",
    4: "damaged or inconsistent table refused",
    5: "backup not saved, disk not changed",
    6: "I/O error or read-back mismatch",
    7: "no fixed disk found",
}
# What each summary outcome (core/gptrim.c, gptrim_summary_line) exits
# with, for the exit status the EFI front end computes from its disks.
OUTCOME_EXIT = (
    (re.compile(r"^(removed|nothing to remove|no GPT|undone|restored|"
                r"skipped)"), 0),
    (re.compile(r"^would "), 1),
    (re.compile(r"^not GPT: "), 3),
    (re.compile(r"^refused: "), 4),
    (re.compile(r"^not changed, backup failed: "), 5),
)
SUMMARY = re.compile(r"^gptrim: disk (\d+) (.*?): (.*)$")
SATA = "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x%X,0xFFFF,0x0)"


class Refused(Exception):
    pass


def parse_args(argv):
    """boot.sh's arguments the bridge passes: (iso, [(image, ctrl)], log)."""
    iso, disks, log = None, [], None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--iso", "--disk", "--log", "--timeout", "--mem"):
            if i + 1 >= len(argv):
                raise Refused("%s needs a value" % a)
            v = argv[i + 1]
            if a == "--iso":
                iso = v
            elif a == "--log":
                log = v
            elif a == "--disk":
                img, _, rest = v.partition(":")
                ctrl = rest.split(":")[0] or "virtio"
                if rest.count(":") > 0 and rest.split(":")[1] not in ("", "512"):
                    raise Refused("%s: only 512-byte sectors are modelled" % v)
                disks.append((img, ctrl))
            i += 2
        else:
            raise Refused("boot.sh option %s is not modelled by the fast "
                          "mode%s" % (a, " (Secure Boot: the fast mode "
                                      "cannot judge a signature)"
                                      if a == "--secboot" else ""))
    if not log or not iso:
        raise Refused("--log and --iso are needed")
    return iso, disks, log


def device_paths(disks):
    """The device path OVMF gives each disk in boot.sh's QEMU machine."""
    slot, sata, hba, paths = 2, 1, {}, []
    for _, ctrl in disks:
        if ctrl == "sata":
            paths.append(SATA % sata)
            sata += 1
        elif ctrl in ("scsi", "pvscsi", "mptsas"):
            if ctrl not in hba:
                hba[ctrl] = [slot, 0]
                slot += 1
            s, n = hba[ctrl]
            # virtio-scsi: target 0, one LUN each; the others a target each
            paths.append("PciRoot(0x0)/Pci(0x%X,0x0)/Scsi(0x%X,0x%X)" % (
                (s, 0, n) if ctrl == "scsi" else (s, n, 0)))
            hba[ctrl][1] += 1
        elif ctrl in ("nvme", "virtio"):
            paths.append("PciRoot(0x0)/Pci(0x%X,0x0)%s" % (
                slot, "/NVMe(0x1,00-00-00-00-00-00-00-00)"
                if ctrl == "nvme" else ""))
            slot += 1
        else:
            raise Refused("controller %s is not modelled" % ctrl)
    return paths


def iso_config(iso):
    """The text of \\gptrim.cfg in the ISO's El Torito FAT image."""
    with tempfile.TemporaryDirectory(prefix="fastboot.") as tmp:
        img = os.path.join(tmp, "efiboot.img")
        r = subprocess.run(["xorriso", "-osirrox", "on", "-indev", iso,
                            "-extract", "/efiboot.img", img],
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(img):
            raise Refused("%s: no /efiboot.img (xorriso: %s)" % (
                iso, r.stderr.strip().splitlines()[-1:]))
        r = subprocess.run(["mtype", "-i", img, "::/gptrim.cfg"],
                           capture_output=True,
                           env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        if r.returncode != 0:
            raise Refused("%s: no \\gptrim.cfg in its FAT image" % iso)
    return r.stdout.decode("utf-8")


def config_split(text):
    """Arguments as core/config.c splits gptrim.cfg: whitespace between
    them, '#' to the end of the line outside quotes, '"' quotes."""
    args, word, quoted, inword, comment = [], "", False, False, False
    for c in text + "\n":
        if comment:
            comment = c != "\n"
            continue
        if c == '"':
            quoted, inword = not quoted, True
        elif not quoted and (c.isspace() or c == "#"):
            if inword:
                args.append(word)
            word, inword, comment = "", False, c == "#"
        else:
            word, inword = word + c, True
    if quoted:
        raise Refused("gptrim.cfg: an open quote")
    return args


def split_then(opts):
    """(the options without --then, the --then action: exit by default)."""
    rest, then, i = [], "exit", 0
    while i < len(opts):
        if opts[i] == "--then" and i + 1 < len(opts):
            then, i = opts[i + 1], i + 2
        elif opts[i].startswith("--then="):
            then, i = opts[i][len("--then="):], i + 1
        else:
            rest.append(opts[i])
            i += 1
    return rest, then


def console(tool, opts, disks, paths):
    """(console lines, exit status) of gptrim.efi for these disks."""
    version = subprocess.run([tool, "--version"], capture_output=True,
                             text=True).stdout.split(" (")[0].strip()
    r = subprocess.run([tool] + opts + [img for img, _ in disks],
                       capture_output=True, text=True,
                       env=dict(os.environ, NO_COLOR="1"))
    if disks and not any(SUMMARY.match(l) for l in r.stdout.splitlines()):
        raise Refused("the host tool ended with %d and no summary line: %s"
                      % (r.returncode, (r.stderr or r.stdout).strip()))
    named = any(o == "--disk" or o.startswith("--disk=") for o in opts)
    lines = [version, "Options from \\gptrim.cfg%s" % (
        "" if "--apply" in opts else " (report only: no --apply)"),
        "skipped %s: read-only removable medium (CD/DVD)" % (SATA % 0),
        "%d disk(s) to look at" % len(disks), ""]
    worst, gpt, undone = 0, 0, 0
    for line in r.stdout.splitlines():
        if line.startswith("gptrim: note: ") or line.startswith("gptrim: undo"):
            continue  # the host tool's own lines
        for (img, _), path in zip(disks, paths):
            line = line.replace(img, path)
        m = SUMMARY.match(line)
        if m:
            what = m.group(3)
            if what.startswith("not GPT: ") and not named:
                what = "no GPT, skipped"
                line = "gptrim: disk %s %s: %s" % (m.group(1), m.group(2), what)
            code = next((c for p, c in OUTCOME_EXIT if p.match(what)), 6)
            worst = max(worst, code)
            gpt += what != "no GPT, skipped" and not what.startswith("not GPT")
            undone += what.startswith("undone") or what.startswith(
                "would restore")
        lines.append(line)
    if disks and not gpt:
        lines += ["", "no disk has a GPT (%d looked at): is the Windows disk "
                  "on a controller this firmware has no driver for, or is "
                  "Windows installed for BIOS (MBR)?" % len(disks)]
        worst = max(worst, 3)
    if "--undo" in opts and worst < 4 and not undone:
        lines += ["", "--undo: no disk %s undone: none has a gptrim backup on "
                  "its ESP that this undo can put back (each disk says why "
                  "above)" % ("was" if "--apply" in opts else "would be")]
        worst = 4
    if not disks:
        worst = 7
    lines += ["", "gptrim: exit status %d (%s)" % (worst, EXIT_NAMES[worst])]
    return lines, worst


def main(argv):
    t0 = time.monotonic()
    tool = os.environ.get("FASTBOOT_GPTRIM", os.path.join(TOP, "build",
                                                          "gptrim"))
    try:
        iso, disks, log = parse_args(argv)
        paths = device_paths(disks)
        opts, then = split_then(config_split(iso_config(iso)))
        lines, _ = console(tool, opts, disks, paths)
    except (Refused, OSError) as e:
        print("fastboot: %s" % e, file=sys.stderr)
        return 2
    if then == "shutdown":
        lines.append("gptrim: powering off")
    elif then == "reboot":
        lines.append("gptrim: rebooting")
    with open(log, "w", newline="") as f:
        f.write("".join(l + "\r\n" for l in lines))
    secs = time.monotonic() - t0
    if then == "shutdown":
        print("fastboot: exit 0 (guest-shutdown) after %.2f s" % secs,
              file=sys.stderr)
    else:
        print("fastboot: --then %s: no power-off, the VM stays on (%.2f s)"
              % (then, secs), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: MIT
"""What ovmf/console.py does when text appears: on the serial console, keys
typed (--expect/--send), QEMU stopped (--quit-on), times noted (--mark),
screendumps (--screendump) and QMP steps (--qmp-on, also on QEMU's own
stdout), each as its option says; the commands of --qmp-start; and what
was left waiting at the end."""
import json
import os
import sys
import time


def unescape(s):
    return (s.replace("\\r", "\r").replace("\\n", "\n")
            .replace("\\e", "\x1b").replace("\\\\", "\\"))


class Reactions:
    """The reactions to the console's text that the options ask for. The
    caller sets qmp once QEMU has connected, serial (the FIFOs) at once."""

    def __init__(self, a, start):
        self.start = start
        self.qmp = None
        self.serial = None
        self.qmp_failed = []
        self.qsteps = list(a.qmp_on)
        self.qbuf = {"console": b"", "qemu": b""}   # text a step may still match
        self.seen = b""          # console text not yet consumed by a match
        self.steps = list(zip(a.expect, a.send))
        self.dumps = list(a.screendump)
        self.quits = [q.encode() for q in a.quit_on]
        self.qseen = b""
        self.dseen = b""
        self.marks = {m: None for m in a.mark}
        self.mseen = b""

    def run_qmp(self, cmds, why):
        for c in cmds:
            if "until" in c:
                r = self.poll_qmp(c)
            else:
                r = self.qmp.call(c["execute"], **c.get("arguments", {}))
            ok = r is not None and "error" not in r
            print("console.py: qmp (%s) %s -> %s" % (
                why, json.dumps(c), json.dumps(r) if r is not None
                else "no reply"), file=sys.stderr)
            if not ok:
                self.qmp_failed.append(c)

    def poll_qmp(self, c):
        """A command with "until": TEXT and "within": SECONDS (default 30)
        runs again until its reply contains TEXT or the time is out; the
        last reply is returned, with the number of tries added (a state
        the guest reaches a little after its console says so, e.g. the
        CPU halted after the line before the hlt)."""
        end = time.monotonic() + float(c.get("within", 30))
        tries = 0
        while True:
            r = self.qmp.call(c["execute"], **c.get("arguments", {}))
            tries += 1
            if (r is None or "error" in r or c["until"] in
                    json.dumps(r.get("return")) or time.monotonic() >= end):
                break
        if r is not None:
            r = dict(r, tries=tries)
        return r

    def run_qmp_steps(self):
        # Each step matches only what its source printed after the
        # previous step ran.
        qbuf = self.qbuf
        while self.qsteps and self.qmp is not None and self.qmp.ready:
            src, text, cmds = self.qsteps[0]
            i = qbuf[src].find(text.encode())
            if i < 0:
                return
            for k in qbuf:
                qbuf[k] = qbuf[k][i + len(text):] if k == src else b""
            self.qsteps.pop(0)
            self.run_qmp(cmds, "on %s %r" % (src, text))

    def qemu_output(self, data):
        """QEMU's own stdout: only --qmp-on steps watch it."""
        if self.qsteps:
            self.qbuf["qemu"] = (self.qbuf["qemu"] + data)[-65536:]
            self.run_qmp_steps()

    def console(self, data):
        """Serial console output, in the order: quit, marks, screendumps,
        QMP steps, then keys."""
        qmp = self.qmp
        self.seen += data
        if self.quits and qmp is not None:
            self.qseen = (self.qseen + data)[-65536:]
            if any(q in self.qseen for q in self.quits):
                qmp.send("quit")
                self.quits = []
        if any(v is None for v in self.marks.values()):
            self.mseen = (self.mseen + data)[-65536:]
            for m, v in self.marks.items():
                if v is None and m.encode() in self.mseen:
                    self.marks[m] = time.monotonic() - self.start
        # Screendumps first and synchronously: a key sent below must not
        # change the screen before it is saved.
        if self.dumps and qmp is not None:
            self.dseen = (self.dseen + data)[-65536:]
            for d in list(self.dumps):
                if d[0].encode() in self.dseen:
                    r = qmp.call("screendump",
                                 filename=os.path.abspath(d[1]))
                    if r is None or "error" in r:
                        print("console.py: screendump failed: %r" % (r,),
                              file=sys.stderr)
                    self.dumps.remove(d)
        # QMP steps next, also before any key of this output is sent.
        if self.qsteps:
            self.qbuf["console"] = (self.qbuf["console"] + data)[-65536:]
            self.run_qmp_steps()
        # Firmware consoles redraw with escape sequences: match on text
        # with them left in; callers choose plain words.
        progressed = True
        while progressed:
            progressed = False
            if self.steps:
                text = self.steps[0][0].encode()
                i = self.seen.find(text)
                if i >= 0:
                    keys = unescape(self.steps[0][1]).encode()
                    try:
                        self.serial.sendall(keys)
                    except OSError:
                        pass
                    self.seen = self.seen[i + len(text):]
                    self.steps.pop(0)
                    progressed = True
        # Keep the tail only: enough for any expected text to straddle.
        if not self.steps:
            self.seen = b""
        elif len(self.seen) > 1 << 20:
            self.seen = self.seen[-4096:]

    def report(self, rc, strict):
        """The marks and what was still awaited, on stderr; the exit
        status: 125 for a step left waiting (with --strict) or a failed
        QMP command, when QEMU's was 0."""
        for m, v in self.marks.items():
            if v is not None:
                print("console.py: mark %r at %.1f s" % (m, v), file=sys.stderr)
        if self.steps:
            print("console.py: still waiting for %r" % self.steps[0][0],
                  file=sys.stderr)
            if strict and rc == 0:
                rc = 125
        if self.qsteps:
            print("console.py: still waiting for %r on %s (--qmp-on)" %
                  (self.qsteps[0][1], self.qsteps[0][0]), file=sys.stderr)
            if strict and rc == 0:
                rc = 125
        if self.qmp_failed and rc == 0:
            rc = 125
        return rc

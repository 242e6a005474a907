#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run one QEMU boot with its serial console and QMP on sockets we own.

ovmf/boot.sh builds the QEMU command line; this program runs it:
  - listens on two Unix sockets that QEMU connects to as a client
    (serial console and QMP), so nothing races a socket file appearing;
  - copies every byte of the serial console to --log (and with --show to
    stdout, as it arrives);
  - answers prompts: each --expect TEXT / --send KEYS pair waits, in order,
    for TEXT to appear in the console output after the previous match, then
    types KEYS ("\\r", "\\n", "\\e" escapes allowed) on the console;
  - --screendump TEXT FILE: when TEXT appears, asks QEMU for a screendump of
    the graphical console (PPM) through QMP;
  - --quit-on TEXT: when TEXT appears, stops QEMU through QMP (for boots
    that would otherwise sit at a prompt or a firmware menu);
  - --mark TEXT: reports when TEXT first appeared (seconds after start);
  - enforces a hard --timeout: QEMU is killed when it runs out.
Exit status: QEMU's own, 124 on timeout, 125 when QEMU could not start or an
expectation was still pending when QEMU exited (--strict).
A last line "console.py: qemu exit S (REASON) after T s" goes to stderr, where
REASON is QMP's SHUTDOWN reason (guest-shutdown, guest-reset, ...) or none.
"""
import argparse
import json
import os
import select
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time


def unescape(s):
    return (s.replace("\\r", "\r").replace("\\n", "\n")
            .replace("\\e", "\x1b").replace("\\\\", "\\"))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--show", action="store_true")
    p.add_argument("--strict", action="store_true")
    p.add_argument("--expect", action="append", default=[])
    p.add_argument("--send", action="append", default=[])
    p.add_argument("--quit-on", action="append", default=[])
    p.add_argument("--mark", action="append", default=[])
    p.add_argument("--screendump", nargs=2, action="append", default=[],
                   metavar=("TEXT", "FILE"))
    p.add_argument("qemu", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.qemu and a.qemu[0] == "--":
        a.qemu = a.qemu[1:]
    if not a.qemu:
        p.error("no QEMU command")
    if len(a.expect) != len(a.send):
        p.error("--expect and --send come in pairs")
    return a


class Qmp:
    """Just enough QMP: negotiate, issue commands, collect events."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.reason = None
        self.ready = False
        self.replies = []

    def send(self, cmd, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        try:
            self.sock.sendall(json.dumps(msg).encode() + b"\n")
        except OSError:
            pass

    def feed(self, data):
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "QMP" in msg:
                self.send("qmp_capabilities")
                self.ready = True
            elif msg.get("event") == "SHUTDOWN":
                self.reason = msg.get("data", {}).get("reason")
            elif "return" in msg or "error" in msg:
                self.replies.append(msg)

    def call(self, cmd, timeout=10, **args):
        """Send a command and wait for its reply (events are kept)."""
        self.replies = []
        self.send(cmd, **args)
        end = time.monotonic() + timeout
        while not self.replies and time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [],
                                    max(0, end - time.monotonic()))
            if not r:
                break
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                break
            if not data:
                break
            self.feed(data)
        return self.replies[0] if self.replies else None


def main():
    a = parse_args()
    rundir = tempfile.mkdtemp(prefix="gptrim-console.")
    ser_path = os.path.join(rundir, "serial")
    qmp_path = os.path.join(rundir, "qmp")
    listeners = {}
    for name, path in (("serial", ser_path), ("qmp", qmp_path)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        listeners[name] = s
    cmd = list(a.qemu) + [
        "-chardev", "socket,id=gptrim_ser,path=" + ser_path,
        "-serial", "chardev:gptrim_ser",
        "-chardev", "socket,id=gptrim_qmp,path=" + qmp_path,
        "-mon", "chardev=gptrim_qmp,mode=control",
    ]
    log = open(a.log, "wb")
    start = time.monotonic()
    deadline = start + a.timeout
    try:
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    except OSError as e:
        print("console.py: cannot start QEMU: %s" % e, file=sys.stderr)
        return 125

    def stop(signum, _frame):
        # Ctrl-C, timeout(1) or a killed suite: never leave QEMU behind.
        qemu.terminate()
        try:
            qemu.wait(timeout=5)
        except subprocess.TimeoutExpired:
            qemu.kill()
        print("console.py: stopped by signal %d" % signum, file=sys.stderr)
        os._exit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    sel = selectors.DefaultSelector()
    for name, s in listeners.items():
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, ("listen", name))
    serial = None
    qmp = None
    seen = b""          # console text not yet consumed by a match
    steps = list(zip(a.expect, a.send))
    dumps = list(a.screendump)
    quits = [q.encode() for q in a.quit_on]
    qseen = b""
    dseen = b""
    marks = {m: None for m in a.mark}
    mseen = b""
    timed_out = False
    rc = None
    while True:
        rc = qemu.poll()
        now = time.monotonic()
        if rc is not None:
            break
        if now >= deadline:
            timed_out = True
            break
        for key, _ in sel.select(timeout=min(0.2, deadline - now)):
            kind, name = key.data
            if kind == "listen":
                conn, _ = key.fileobj.accept()
                conn.setblocking(False)
                sel.unregister(key.fileobj)
                sel.register(conn, selectors.EVENT_READ, ("conn", name))
                if name == "serial":
                    serial = conn
                else:
                    qmp = Qmp(conn)
                continue
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(key.fileobj)
                continue
            if name == "qmp":
                qmp.feed(data)
                continue
            log.write(data)
            log.flush()
            if a.show:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            seen += data
            if quits and qmp is not None:
                qseen = (qseen + data)[-65536:]
                if any(q in qseen for q in quits):
                    qmp.send("quit")
                    quits = []
            if any(v is None for v in marks.values()):
                mseen = (mseen + data)[-65536:]
                for m, v in marks.items():
                    if v is None and m.encode() in mseen:
                        marks[m] = time.monotonic() - start
            # Screendumps first and synchronously: a key sent below must not
            # change the screen before it is saved.
            if dumps and qmp is not None:
                dseen = (dseen + data)[-65536:]
                for d in list(dumps):
                    if d[0].encode() in dseen:
                        r = qmp.call("screendump",
                                     filename=os.path.abspath(d[1]))
                        if r is None or "error" in r:
                            print("console.py: screendump failed: %r" % (r,),
                                  file=sys.stderr)
                        dumps.remove(d)
            # Firmware consoles redraw with escape sequences: match on text
            # with them left in; callers choose plain words.
            progressed = True
            while progressed:
                progressed = False
                if steps:
                    text = steps[0][0].encode()
                    i = seen.find(text)
                    if i >= 0:
                        keys = unescape(steps[0][1]).encode()
                        try:
                            serial.sendall(keys)
                        except OSError:
                            pass
                        seen = seen[i + len(text):]
                        steps.pop(0)
                        progressed = True
            # Keep the tail only: enough for any expected text to straddle.
            if not steps:
                seen = b""
            elif len(seen) > 1 << 20:
                seen = seen[-4096:]
    if timed_out:
        qemu.terminate()
        try:
            qemu.wait(timeout=5)
        except subprocess.TimeoutExpired:
            qemu.kill()
            qemu.wait()
        rc = 124
    else:
        # Drain what QEMU wrote before it exited.
        for key in list(sel.get_map().values()):
            if key.data[0] == "conn" and key.data[1] == "serial":
                key.fileobj.setblocking(True)
                key.fileobj.settimeout(1)
                try:
                    while True:
                        data = key.fileobj.recv(65536)
                        if not data:
                            break
                        log.write(data)
                        if a.show:
                            sys.stdout.buffer.write(data)
                except OSError:
                    pass
            elif key.data[0] == "conn" and key.data[1] == "qmp":
                key.fileobj.setblocking(True)
                key.fileobj.settimeout(1)
                try:
                    while True:
                        data = key.fileobj.recv(65536)
                        if not data:
                            break
                        qmp.feed(data)
                except OSError:
                    pass
    log.close()
    if a.show:
        sys.stdout.flush()
    elapsed = time.monotonic() - start
    reason = qmp.reason if qmp and qmp.reason else "none"
    if timed_out:
        reason = "timeout"
    for p in (ser_path, qmp_path):
        try:
            os.unlink(p)
        except OSError:
            pass
    os.rmdir(rundir)
    for m, v in marks.items():
        if v is not None:
            print("console.py: mark %r at %.1f s" % (m, v), file=sys.stderr)
    if steps:
        print("console.py: still waiting for %r" % steps[0][0],
              file=sys.stderr)
        if a.strict and rc == 0:
            rc = 125
    print("console.py: qemu exit %d (%s) after %.1f s" % (rc, reason, elapsed),
          file=sys.stderr)
    return rc


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())

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
  - --qmp-start JSON: QMP command(s) (an object, or an array of them) run
    before the guest starts (QEMU is started with -S, then continued);
  - --qmp-on SOURCE TEXT JSON: in order, each waits for TEXT in SOURCE
    (console: the serial console; qemu: QEMU's own stdout, where blkdebug
    says "blkdebug: Suspended request 'TAG'") after the previous one ran,
    then runs its QMP command(s) synchronously, before any key of the same
    output is typed; each reply goes to stderr as "console.py: qmp ...";
    a command with "until": TEXT (and "within": SECONDS, default 30) is
    repeated until its reply contains TEXT or the time is out, and its
    reply carries "tries";
  - --blockstats FILE: for QEMU run with -no-shutdown (boot.sh adds it):
    when the guest powers off, writes {"shutdown_s": seconds after QEMU
    started, "reason": ..., "blockstats": query-blockstats' return} to FILE
    as JSON, then quits QEMU (the benchmark's I/O counts);
  - enforces a hard --timeout: QEMU is killed when it runs out.
Exit status: QEMU's own, 124 on timeout, 125 when QEMU could not start or an
expectation was still pending when QEMU exited (--strict) or a QMP command
of --qmp-start/--qmp-on failed.
A last line "console.py: qemu exit S (REASON) after T s" goes to stderr, where
REASON is QMP's SHUTDOWN reason (guest-shutdown, guest-reset, ...) or none.
The Qmp client is in ovmf/qmp.py, what the console's text triggers in
ovmf/consolewatch.py.
"""
import argparse
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

from consolewatch import Reactions
from qmp import Qmp, qmp_commands, save_blockstats


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
    p.add_argument("--qmp-start", action="append", default=[],
                   metavar="JSON")
    p.add_argument("--blockstats", metavar="FILE")
    p.add_argument("--qmp-on", nargs=3, action="append", default=[],
                   metavar=("SOURCE", "TEXT", "JSON"))
    p.add_argument("qemu", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.qemu and a.qemu[0] == "--":
        a.qemu = a.qemu[1:]
    if not a.qemu:
        p.error("no QEMU command")
    if len(a.expect) != len(a.send):
        p.error("--expect and --send come in pairs")
    try:
        a.qmp_start = [c for j in a.qmp_start for c in qmp_commands(j)]
        a.qmp_on = [(src, text, qmp_commands(j)) for src, text, j in a.qmp_on]
    except ValueError as e:
        p.error(str(e))
    for src, _, _ in a.qmp_on:
        if src not in ("console", "qemu"):
            p.error("--qmp-on SOURCE is console or qemu, not %r" % src)
    return a


def drain(sock, sink):
    """Hand everything left on sock to sink, until EOF or a 1 s lull."""
    sock.setblocking(True)
    sock.settimeout(1)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            sink(data)
    except OSError:
        pass


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
    if a.qmp_start:
        cmd.append("-S")    # continued once the start commands have run
    # QEMU's stdout is read only when a step waits for text on it.
    pipe_out = any(src == "qemu" for src, _, _ in a.qmp_on)
    log = open(a.log, "wb")
    start = time.monotonic()
    deadline = start + a.timeout
    try:
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE if pipe_out else None)
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
    if pipe_out:
        os.set_blocking(qemu.stdout.fileno(), False)
        sel.register(qemu.stdout, selectors.EVENT_READ, ("pipe", "qemu"))
    r = Reactions(a, start)
    started = not a.qmp_start
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
        if not started and r.qmp is not None and r.qmp.ready:
            r.run_qmp(a.qmp_start, "start")
            r.run_qmp([{"execute": "cont"}], "start")
            started = True
        for key, _ in sel.select(timeout=min(0.2, deadline - now)):
            kind, name = key.data
            if kind == "pipe":
                try:
                    data = os.read(key.fileobj.fileno(), 65536)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
                r.qemu_output(data)
                continue
            if kind == "listen":
                conn, _ = key.fileobj.accept()
                conn.setblocking(False)
                sel.unregister(key.fileobj)
                sel.register(conn, selectors.EVENT_READ, ("conn", name))
                if name == "serial":
                    r.serial = conn
                else:
                    r.qmp = Qmp(conn)
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
                r.qmp.feed(data)
                if a.blockstats and r.qmp.shutdown_at is not None:
                    save_blockstats(r.qmp, a.blockstats, start)
                    a.blockstats = None
                continue
            log.write(data)
            log.flush()
            if a.show:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            r.console(data)
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
        def to_log(data):
            log.write(data)
            if a.show:
                sys.stdout.buffer.write(data)
        sinks = {"serial": to_log, "qmp": r.qmp.feed}
        for key in list(sel.get_map().values()):
            if key.data[0] == "conn" and key.data[1] in sinks:
                drain(key.fileobj, sinks[key.data[1]])
            elif key.data[0] == "pipe":
                os.set_blocking(key.fileobj.fileno(), True)
                sys.stdout.buffer.write(key.fileobj.read())
                sys.stdout.flush()
    log.close()
    if a.show:
        sys.stdout.flush()
    elapsed = time.monotonic() - start
    reason = r.qmp.reason if r.qmp and r.qmp.reason else "none"
    if timed_out:
        reason = "timeout"
    for p in (ser_path, qmp_path):
        try:
            os.unlink(p)
        except OSError:
            pass
    os.rmdir(rundir)
    rc = r.report(rc, a.strict)
    print("console.py: qemu exit %d (%s) after %.1f s" % (rc, reason, elapsed),
          file=sys.stderr)
    return rc


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())

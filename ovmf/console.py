#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run one QEMU boot with its serial console on FIFOs and QMP on a socket.

ovmf/boot.sh builds the QEMU command line; this program runs it:
  - makes the serial console's two FIFOs (QEMU's pipe chardev) and listens
    on the Unix socket QEMU connects to for QMP, all before QEMU starts,
    so nothing races a file appearing;
  - copies every byte of the serial console to --log (and with --show to
    stdout, as it arrives), however late it reads (see SerialFifos);
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
  - --pause-on TEXT SECONDS: when TEXT first appears, stops reading the
    console for SECONDS while the guest goes on, as a reader on a loaded
    machine may (the suites show that no byte is lost);
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
import array
import fcntl
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import termios
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
    p.add_argument("--pause-on", nargs=2, metavar=("TEXT", "SECONDS"))
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
    if a.pause_on:
        try:
            a.pause_on[1] = float(a.pause_on[1])
        except ValueError:
            a.pause_on[1] = -1
        if not 0 <= a.pause_on[1] <= 600:
            p.error("--pause-on SECONDS is a number from 0 to 600")
    return a


class SerialFifos:
    """The serial console on QEMU's pipe chardev: PATH.out carries what the
    guest writes, PATH.in what it reads. Not a Unix socket: QEMU's UART
    sends one byte at a time, a socket charges each send a whole buffer
    and is full after about a hundred unread bytes, and then the UART
    drops bytes (a console read 0.5 s late kept 70 of 1400). A pipe packs
    the bytes into its pages; at 1 MiB it outlasts any pause of ours."""

    def __init__(self, path):
        os.mkfifo(path + ".in")
        os.mkfifo(path + ".out")
        # O_RDWR: neither open waits for QEMU's, and a read before QEMU
        # has written finds nothing rather than end-of-file.
        self.out = os.open(path + ".out", os.O_RDWR | os.O_NONBLOCK)
        self.inp = os.open(path + ".in", os.O_RDWR)
        try:
            fcntl.fcntl(self.out, fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:
            pass    # the default 64 KiB is still far more than a socket
        self.path = path

    def fileno(self):
        return self.out

    def waiting(self):
        """How many bytes the guest wrote that we have not read."""
        n = array.array("i", [0])
        fcntl.ioctl(self.out, termios.FIONREAD, n)
        return n[0]

    def read(self):
        """What the guest wrote and we have not read, b"" when nothing."""
        try:
            return os.read(self.out, 65536)
        except BlockingIOError:
            return b""

    def sendall(self, data):
        while data:
            data = data[os.write(self.inp, data):]

    def close(self):
        os.close(self.out)
        os.close(self.inp)
        for end in (".in", ".out"):
            os.unlink(self.path + end)


class Pause:
    """--pause-on TEXT SECONDS: after the console data in which TEXT first
    appears, sleep, reading nothing. Not synchronisation: a stand-in for
    a reader slowed by a loaded machine."""

    def __init__(self, opt, serial):
        self.text = opt[0].encode() if opt else None
        self.seconds = opt[1] if opt else 0
        self.serial = serial
        self.seen = b""

    def after(self, data):
        if self.text is None:
            return
        self.seen = (self.seen + data)[-65536:]
        if self.text in self.seen:
            text = self.text.decode()
            self.text = None
            self.seen = b""
            time.sleep(self.seconds)
            # What the guest wrote meanwhile: 0 would mean the pause
            # tested nothing.
            print("console.py: console not read for %.1f s after %r; "
                  "%d bytes waiting then" % (self.seconds, text,
                                             self.serial.waiting()),
                  file=sys.stderr)


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
    serial = SerialFifos(ser_path)
    listeners = {}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(qmp_path)
    s.listen(1)
    listeners["qmp"] = s
    cmd = list(a.qemu) + [
        "-chardev", "pipe,id=gptrim_ser,path=" + ser_path,
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
        serial.close()
        os.unlink(qmp_path)
        os.rmdir(rundir)
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
    r.serial = serial
    sel.register(serial, selectors.EVENT_READ, ("serial", "serial"))
    pause = Pause(a.pause_on, serial)

    def to_log(data):
        log.write(data)
        log.flush()
        if a.show:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()

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
            if kind == "serial":
                data = serial.read()
                if data:
                    to_log(data)
                    r.console(data)
                    pause.after(data)
                continue
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
            r.qmp.feed(data)
            if a.blockstats and r.qmp.shutdown_at is not None:
                save_blockstats(r.qmp, a.blockstats, start)
                a.blockstats = None
    if timed_out:
        qemu.terminate()
        try:
            qemu.wait(timeout=5)
        except subprocess.TimeoutExpired:
            qemu.kill()
            qemu.wait()
        rc = 124
    # QEMU has exited: every byte it wrote is in the pipe already (the
    # last lines before a timeout too).
    data = serial.read()
    while data:
        to_log(data)
        data = serial.read()
    if not timed_out:
        for key in list(sel.get_map().values()):
            if key.data == ("conn", "qmp"):
                drain(key.fileobj, r.qmp.feed)
            elif key.data[0] == "pipe":
                os.set_blocking(key.fileobj.fileno(), True)
                sys.stdout.buffer.write(key.fileobj.read())
                sys.stdout.flush()
    serial.close()
    log.close()
    if a.show:
        sys.stdout.flush()
    elapsed = time.monotonic() - start
    reason = r.qmp.reason if r.qmp and r.qmp.reason else "none"
    if timed_out:
        reason = "timeout"
    try:
        os.unlink(qmp_path)
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

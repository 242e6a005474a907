# SPDX-License-Identifier: MIT
"""Just enough QMP for ovmf/console.py: the commands of --qmp-start and
--qmp-on parsed, a client on QEMU's QMP socket, and the I/O counters saved
when the guest powers off (--blockstats)."""
import json
import select
import time


def qmp_commands(text):
    """A QMP command object, or an array of them, from JSON text."""
    try:
        v = json.loads(text)
    except ValueError as e:
        raise ValueError("bad QMP JSON %r: %s" % (text, e))
    cmds = v if isinstance(v, list) else [v]
    for c in cmds:
        if not isinstance(c, dict) or "execute" not in c:
            raise ValueError("not a QMP command: %r" % (c,))
    return cmds


class Qmp:
    """Just enough QMP: negotiate, issue commands, collect events."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.reason = None
        self.shutdown_at = None
        self.ready = False
        self.replies = []
        self.next_id = 0

    def send(self, cmd, msg_id=None, **args):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        if msg_id is not None:
            msg["id"] = msg_id
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
                self.shutdown_at = time.monotonic()
            elif "return" in msg or "error" in msg:
                self.replies.append(msg)

    def call(self, cmd, timeout=10, **args):
        """Send a command and wait for its reply, matched by id (events
        are kept; a late reply to qmp_capabilities is not taken)."""
        self.next_id += 1
        want = "console.py-%d" % self.next_id
        self.replies = []
        self.send(cmd, msg_id=want, **args)
        end = time.monotonic() + timeout

        def mine():
            return [r for r in self.replies if r.get("id") == want]
        while not mine() and time.monotonic() < end:
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
        return mine()[0] if mine() else None


def save_blockstats(qmp, path, start):
    """The guest powered off (QEMU paused by -no-shutdown): its disks' I/O
    counters, then quit."""
    r = qmp.call("query-blockstats")
    # Under -icount, the guest instructions executed: a clock that the
    # host's load does not move (query-replay works without a replay).
    icount = (qmp.call("query-replay") or {}).get("return", {}).get("icount")
    with open(path, "w") as f:
        json.dump({"shutdown_s": round(qmp.shutdown_at - start, 3),
                   "reason": qmp.reason, "icount": icount,
                   "blockstats": r.get("return") if r else None}, f)
    qmp.send("quit")


#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a deb822 sources list that adds deb-src to every archive this
machine's apt already uses, for ovmf/build-ovmf-vmware.sh's private apt.

  apt-deb-src.py [--root DIR]

It reads apt's own configuration (DIR defaults to /): etc/apt/sources.list
and etc/apt/sources.list.d/*.list (one-line style) and
etc/apt/sources.list.d/*.sources (deb822), keeps the entries of type deb
that are enabled, and prints each as a stanza with "Types: deb deb-src"
and the same URIs, suites, components and Signed-By. So the build names no
archive of its own and works behind a local mirror or proxy as the machine
does. Exits 1 with a message on stderr when no entry can be derived."""
import argparse
import glob
import os
import sys


def one_line_entries(path):
    """(uri, suite, components, signed_by) of the deb lines of a .list."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            opts = {}
            if words and words[0].startswith("["):
                text = []
                while words:
                    w = words.pop(0)
                    text.append(w)
                    if w.endswith("]"):
                        break
                for o in " ".join(text).strip("[]").split():
                    k, _, v = o.partition("=")
                    opts[k] = v
            if len(words) < 2 or opts.get("enabled", "yes") == "no":
                continue
            out.append((words[0], words[1], words[2:],
                        opts.get("signed-by", "")))
    return out


def deb822_stanzas(path):
    """Fields of each stanza of a .sources file (continuation lines of
    a multi-line field, such as an inline key, are kept as they are)."""
    stanzas, cur, last = [], {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    stanzas.append(cur)
                cur, last = {}, None
                continue
            if line[0] in " \t" and last:
                cur[last] += "\n" + line
                continue
            k, _, v = line.partition(":")
            last = k.strip().lower()
            cur[last] = v.strip()
    if cur:
        stanzas.append(cur)
    return stanzas


def deb822_entries(path):
    out = []
    for s in deb822_stanzas(path):
        if "deb" not in s.get("types", "").split():
            continue
        if s.get("enabled", "yes").lower() == "no":
            continue
        uris, suites = s.get("uris", "").split(), s.get("suites", "").split()
        comps = s.get("components", "").split()
        for u in uris:
            for su in suites:
                out.append((u, su, comps, s.get("signed-by", "")))
    return out


def entries(root):
    etc = os.path.join(root, "etc/apt")
    found = []
    lists = [os.path.join(etc, "sources.list")] + sorted(
        glob.glob(os.path.join(etc, "sources.list.d/*.list")))
    for p in lists:
        if os.path.isfile(p):
            found += one_line_entries(p)
    for p in sorted(glob.glob(os.path.join(etc, "sources.list.d/*.sources"))):
        found += deb822_entries(p)
    return found


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default="/")
    a = ap.parse_args(argv)
    found = entries(a.root)
    if not found:
        print("apt-deb-src.py: no enabled 'deb' entry in %s/etc/apt "
              "(sources.list, sources.list.d/*.list or *.sources): cannot "
              "say where Debian's source packages come from" % a.root.rstrip("/"),
              file=sys.stderr)
        return 1
    seen = set()
    for uri, suite, comps, signed in found:
        key = (uri, suite, tuple(comps), signed)
        if key in seen:
            continue
        seen.add(key)
        print("Types: deb deb-src")
        print("URIs: %s" % uri)
        print("Suites: %s" % suite)
        if comps:
            print("Components: %s" % " ".join(comps))
        if signed:
            print("Signed-By: %s" % signed)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

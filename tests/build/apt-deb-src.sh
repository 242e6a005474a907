#!/bin/sh
# SPDX-License-Identifier: MIT
# ovmf/apt-deb-src.py: the private sources list of the OVMF build comes from
# the machine's own apt configuration (deb822 and one-line styles), with
# deb-src added, disabled and source-only entries left out; no usable entry
# is an error. Made-up mirrors (.invalid) stand for the machine's.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
W=$BUILD/apt-deb-src
rm -rf "$W" && mkdir -p "$W/root/etc/apt/sources.list.d" "$W/empty/etc/apt"
TOOL="python3 $top/ovmf/apt-deb-src.py"

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; }

cat >"$W/root/etc/apt/sources.list.d/mirror.sources" <<'S'
# a local mirror, deb822
Types: deb
URIs: http://mirror.example.invalid/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src-only.example.invalid/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://disabled.example.invalid/debian
Suites: bookworm
Components: main
Enabled: no
S
cat >"$W/root/etc/apt/sources.list" <<'S'
# deb http://commented.example.invalid/debian bookworm main
deb [arch=amd64 signed-by=/etc/apt/keyrings/proxy.gpg] http://proxy.example.invalid:3142/debian-security bookworm-security main
deb-src http://src-line.example.invalid/debian bookworm main
S
cat >"$W/want" <<'S'
Types: deb deb-src
URIs: http://proxy.example.invalid:3142/debian-security
Suites: bookworm-security
Components: main
Signed-By: /etc/apt/keyrings/proxy.gpg

Types: deb deb-src
URIs: http://mirror.example.invalid/debian
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example.invalid/debian
Suites: bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

S
if $TOOL --root "$W/root" >"$W/got" 2>"$W/err" && cmp -s "$W/want" "$W/got"; then
	pass "deb822 and one-line entries of type deb, with deb-src added; disabled, commented and source-only ones left out"
else
	fail "the derived sources list differs from the expected one"
	diff "$W/want" "$W/got" | sed 's/^/#   /'
	sed 's/^/#   /' "$W/err"
fi
if $TOOL --root "$W/empty" >"$W/got" 2>"$W/err"; then
	fail "no apt configuration: exit 0"
elif grep -q "no enabled 'deb' entry" "$W/err" && [ ! -s "$W/got" ]; then
	pass "no apt entry: exit 1, $(cut -c1-60 "$W/err")..."
else
	fail "no apt configuration: no clear message"
	sed 's/^/#   /' "$W/err"
fi
if grep -rqE 'https?://[a-z0-9.-]*(debian\.org|ubuntu\.com)' "$top/ovmf" "$top/tools" "$top/.ci" "$top/Makefile" "$top"/*/*.mk 2>/dev/null; then
	fail "the build names a package archive: $(grep -rlE 'https?://[a-z0-9.-]*(debian\.org|ubuntu\.com)' "$top/ovmf" "$top/tools" "$top/.ci" "$top"/*/*.mk | tr '\n' ' ')"
else
	pass "no package archive's address in ovmf/, tools/, .ci/ or the makefiles"
fi

#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/check-no-fpu.sh, the link-time check that gptrim.efi holds no SSE,
# x87 or MMX instruction (firmware need not enable them; U-Boot does not):
# it passes on the linked gptrim and bench apps, and fails where it must:
# on code compiled with floating point, on varargs code built without
# -mgeneral-regs-only (it saves %xmm registers), and on Debian's libefi.a,
# which is why gptrim does not link it.
# Environment: BUILD (build), CC (cc).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
CC=${CC:-cc}
CHECK=$top/tools/check-no-fpu.sh
W=$BUILD/no-fpu
rm -rf "$W" && mkdir -p "$W"

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; }

# expect WANT WHAT FILE: the check's verdict on FILE is WANT (0 or 1).
expect() {
	"$CHECK" "$3" >"$W/out" 2>&1
	rc=$?
	last=$(tail -n 1 "$W/out")
	if [ "$rc" = "$1" ]; then
		pass "$2: $last"
	else
		fail "$2: check-no-fpu.sh exit $rc, expected $1"
		sed 's/^/#   /' "$W/out" | tail -n 20
	fi
}

for f in "$BUILD/efi/gptrim.so" "$BUILD/bench/empty.so" "$BUILD/bench/connect.so"; do
	if [ -r "$f" ]; then
		expect 0 "${f#"$BUILD"/} (as linked) has none" "$f"
	else
		fail "${f#"$BUILD"/} not built"
	fi
done

cat >"$W/float.c" <<'C'
double scale(double x);
double scale(double x) { return x * 1.5; }
C
# The va_list goes elsewhere (as sb_printf hands it to sb_vprintf), so
# the prologue saves every argument register, %xmm0-7 included.
cat >"$W/varargs.c" <<'C'
#include <stdarg.h>
int vcount(int n, va_list ap);
int count(int n, ...);
int count(int n, ...)
{
	va_list ap;
	int s;

	va_start(ap, n);
	s = vcount(n, ap);
	va_end(ap);
	return s;
}
C
"$CC" -O2 -c "$W/float.c" -o "$W/float.o" &&
	expect 1 "floating point (SSE2 on x86-64) is found" "$W/float.o"
"$CC" -O2 -c "$W/varargs.c" -o "$W/varargs.o" &&
	expect 1 "a varargs function without -mgeneral-regs-only (saves %xmm) is found" "$W/varargs.o"
"$CC" -O2 -mgeneral-regs-only -c "$W/varargs.c" -o "$W/varargs-gro.o" &&
	expect 0 "the same with -mgeneral-regs-only (as gptrim is built) is clean" "$W/varargs-gro.o"
printf 'fld1\nfstp %%st(0)\nemms\nldmxcsr (%%rax)\n' >"$W/x87.s"
"$CC" -c "$W/x87.s" -o "$W/x87.o" &&
	expect 1 "x87, MMX state and MXCSR instructions are found" "$W/x87.o"
if [ -r /usr/lib/libefi.a ]; then
	mkdir -p "$W/libefi" && (cd "$W/libefi" && ar x /usr/lib/libefi.a print.o)
	expect 1 "Debian's libefi.a print.o (why gptrim does not link libefi) is refused" "$W/libefi/print.o"
else
	fail "no /usr/lib/libefi.a (gnu-efi)"
fi

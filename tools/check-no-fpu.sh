#!/bin/sh
# SPDX-License-Identifier: MIT
# Fail when an EFI image's code holds an SSE, AVX, x87 or MMX instruction.
#
# Usage: tools/check-no-fpu.sh FILE.so|FILE.o...
#
# Firmware need not enable the FPU or SSE for an application: U-Boot's UEFI
# leaves CR4.OSFXSR clear, so the first SSE instruction is an invalid-opcode
# exception and, there, a triple fault. gptrim is built with
# -mgeneral-regs-only and links nothing of gnu-efi's libefi (built with SSE);
# this check reads every instruction of the linked image, whatever calls it,
# so a library function that would come in later is caught too.
#
# What counts: any operand in an x87 (%st), MMX (%mm), SSE (%xmm), AVX
# (%ymm, %zmm) or AVX-512 mask (%k) register; x87 mnemonics (they all begin
# with f: fld, fstp, fnstcw, fxsave...); and the state instructions that
# take no register operand (ldmxcsr, stmxcsr, emms, xsave*, xrstor*,
# vzeroupper). Prints each offending instruction with its function, then a
# count; exit 1 when there is any.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
status=0
for f in "$@"; do
	objdump -d --no-show-raw-insn "$f" >"$f.dis" || { rm -f "$f.dis"; exit 2; }
	awk -v file="$f" '
	/^[0-9a-f]+ <.*>:$/ { fn = $2; next }
	/^ *[0-9a-f]+:\t/ {
		split($0, part, "\t")
		insn = part[2]
		mnem = insn; sub(/[ \t].*/, "", mnem)
		ops = insn; sub(/^[^ \t]+[ \t]*/, "", ops)
		# a prefix (rep, lock, data16, notrack, bnd) before the mnemonic
		while (mnem ~ /^(rep|repz|repnz|repe|repne|lock|data16|notrack|bnd|cs|ds|es|fs|gs|ss)$/ && ops != "") {
			mnem = ops; sub(/[ \t].*/, "", mnem)
			sub(/^[^ \t]+[ \t]*/, "", ops)
		}
		bad = 0
		if (ops ~ /%(st|mm[0-7]|xmm[0-9]|ymm[0-9]|zmm[0-9]|k[0-7]([^0-9]|$))/) bad = 1
		if (mnem ~ /^f/) bad = 1
		if (mnem ~ /^(ldmxcsr|stmxcsr|vldmxcsr|vstmxcsr|emms|femms|xsave|xsaveopt|xsavec|xsaves|xrstor|xrstors|vzeroupper|vzeroall)(64)?$/) bad = 1
		if (bad) { n++; printf "%s: %s %s\n", file, fn, insn }
	}
	END {
		printf "check-no-fpu: %s: %d SSE/x87/MMX instruction(s)\n", file, n
		exit n > 0
	}' "$f.dis" || status=1
	rm -f "$f.dis"
done
exit $status

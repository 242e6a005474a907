#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end suite: gptrim.efi booted under QEMU + OVMF (TCG, q35) against
# disk images, judged on the host with independent tools.
#
# Usage: ovmf/e2e.sh [CASE...]      all cases (or the named ones), 2 at a time
#        ovmf/e2e.sh --list         the case names
#        ovmf/e2e.sh --case CASE    one case (used by the runner)
# Environment: BUILD (build), MAKE (make), E2E_JOBS (2), E2E_DIR ($BUILD/e2e),
#              E2E_KEEP=1 keeps the disk images of passing cases.
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines,
# details of failures as "#   " lines, and "# timing:" / "# size:" lines.
#
# Each case makes its fixtures (ovmf/fixtures.sh), boots once or twice
# (ovmf/boot.sh: fresh OVMF_VARS, serial console log, hard timeout), then
# checks, as each applies:
#   - sgdisk -v finds no problems;
#   - sfdisk --json: the Windows RE entries are gone, every other entry and
#     the header fields are unchanged and at the same index;
#   - every byte outside the two GPT copies and the ESP is unchanged; disks
#     that must be untouched are byte-identical, ESP included;
#   - the ESP: \EFI\gptrim\<disk GUID>.gpt is byte-identical to what
#     `sgdisk --backup` writes for the original, `sgdisk --load-backup` of it
#     on a copy gives back the original disk byte for byte (outside the
#     ESP), gptrim.log has a line, BCD is intact, fsck.fat finds no errors;
#   - the serial console has "gptrim: disk N ...: removed K, healthy" (or
#     the refusal), the shell's %lasterror%, and how QEMU ended.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init E2E e2e 240
. "$here/e2e-fix.sh"
. "$here/e2e-refuse.sh"
. "$here/e2e-restore.sh"

SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_PEM=/usr/share/ovmf/PkKek-1-snakeoil.pem

# Longest first, so the two workers finish together. The timing pair goes
# first: both boots start at the same moment on the two cores.
CASES="timing-gptrim timing-empty interactive-none interactive-yes
shell-idempotent iso-idempotent iso-virtio-ws2019 iso-multi
shell-ws2019 shell-refuse-disagree shell-refuse-overlap
iso-refuse-disagree iso-refuse-overlap iso-restore iso-restore-grown iso-esp-full iso-config-empty iso-no-disk iso-no-gpt secboot-signed secboot-release secboot-unsigned
iso-scsi-ws2022 iso-nvme-tworec iso-sata-ws2019 iso-virtio4k-ws2019
iso-scsi4k-tworec iso-nvme4k-ws2022 iso-virtio-grown"

# The cases, by topic: ovmf/e2e-fix.sh (a disk fixed), ovmf/e2e-refuse.sh
# (nothing fixed: refusals and errors), ovmf/e2e-restore.sh (an undo).

run_case() {
	case_dir "$1"
	case_call
	# Free space: keep the images of failed cases for a look.
	case_clean "${E2E_KEEP:-}" '*.img' '*.orig' '*.after1' '*.fat'
}

# ------------------------------------------------------------------ setup ---

# make_iso NAME OPTIONS [SIGN]: `make iso` and keep a copy.
make_iso() {
	_name=$1 _opts=$2
	shift 2
	if $MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" iso \
		OPTIONS="$_opts" "$@" >"$ISO_DIR/$_name.make" 2>&1; then
		cp "$BUILD/gptrim.iso" "$ISO_DIR/$_name.iso"
	else
		echo "FAIL: make iso OPTIONS=\"$_opts\" $* (ISO $_name)"
		sed 's/^/#   /' "$ISO_DIR/$_name.make"
		return 1
	fi
	if _why=$(iso_check "$ISO_DIR/$_name.iso" "$_opts"); then
		echo "PASS: make iso OPTIONS=\"$_opts\"${1:+ SIGN_KEY= SIGN_CERT=}: \\EFI\\BOOT\\BOOTX64.EFI and the right \\gptrim.cfg, $(stat -c %s "$ISO_DIR/$_name.iso") bytes"
	else
		echo "FAIL: make iso OPTIONS=\"$_opts\": $_why"
	fi
}

# release_signed: `make release` signed with the snakeoil key, straight
# from its encrypted file (SIGN_PASS); every .efi verifies, SHA256SUMS
# checks. The secboot-release case boots its apply ISO.
release_signed() {
	_d=$ISO_DIR/dist
	if ! $MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" release \
		DIST_DIR="$_d" SIGN_KEY="$SNAKEOIL_KEY" SIGN_CERT="$SNAKEOIL_PEM" \
		SIGN_PASS=snakeoil >"$ISO_DIR/release.make" 2>&1; then
		echo "FAIL: make release SIGN_KEY= SIGN_CERT= SIGN_PASS="
		sed 's/^/#   /' "$ISO_DIR/release.make"
		return 1
	fi
	_apply=$(ls "$_d"/gptrim-*-apply.iso 2>/dev/null)
	if iso_check "$_apply" "--apply --then shutdown" >/dev/null &&
		sbverify --cert "$SNAKEOIL_PEM" "$_d/gptrim.efi" >/dev/null 2>&1 &&
		sbverify --cert "$SNAKEOIL_PEM" "$W/iso/x/BOOTX64.EFI" \
			>/dev/null 2>&1 &&
		(cd "$_d" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1; then
		echo "PASS: signed make release: gptrim.efi and the apply ISO's BOOTX64.EFI verify against the snakeoil certificate, SHA256SUMS checks"
	else
		echo "FAIL: signed make release: an .efi does not verify, or SHA256SUMS does not check"
		ls -l "$_d" | sed 's/^/#   /'
	fi
	cp "$_apply" "$ISO_DIR/release-apply.iso"
}

setup() {
	suite_fresh
	make_iso unattended "--apply --then shutdown" || return 1
	make_iso interactive "" || return 1
	umask 077
	if openssl rsa -passin pass:snakeoil -in "$SNAKEOIL_KEY" \
		-out "$ISO_DIR/snakeoil.key" 2>"$ISO_DIR/openssl.err"; then
		umask 022
		make_iso signed "--apply --then shutdown" \
			SIGN_KEY="$ISO_DIR/snakeoil.key" SIGN_CERT="$SNAKEOIL_PEM" ||
			return 1
		_x=$W/iso/x
		if sbverify --cert "$SNAKEOIL_PEM" "$_x/BOOTX64.EFI" >/dev/null 2>&1; then
			echo "PASS: the signed ISO's BOOTX64.EFI verifies with sbverify against the snakeoil certificate"
		else
			echo "FAIL: the signed ISO's BOOTX64.EFI does not verify (sbverify)"
		fi
	else
		umask 022
		echo "FAIL: decrypting the snakeoil key"
		sed 's/^/#   /' "$ISO_DIR/openssl.err"
		return 1
	fi
	release_signed || return 1
	# Leave build/gptrim.iso as the user's default build.
	$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" iso \
		>/dev/null 2>&1 || true
	$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" ovmf-empty \
		>"$ISO_DIR/empty.make" 2>&1 ||
		{ echo "FAIL: make ovmf-empty"; sed 's/^/#   /' "$ISO_DIR/empty.make"; return 1; }
	cp "$BUILD/bench/empty.iso" "$ISO_DIR/empty.iso"
	echo "# size: build/gptrim.efi $(stat -c %s "$BUILD/gptrim.efi") bytes, unattended ISO $(stat -c %s "$ISO_DIR/unattended.iso") bytes, empty app $(stat -c %s "$BUILD/bench/empty.efi") bytes"
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		xorriso sbsign sbverify openssl mkfs.vfat fsck.fat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd OVMF_CODE_4M.secboot.fd \
		OVMF_VARS_4M.snakeoil.fd || return 1
	[ -r "$SNAKEOIL_KEY" ] || { echo "no $SNAKEOIL_KEY"; return 1; }
	[ "$(id -u)" = 0 ] || { echo "not root (4Kn fixtures need losetup)"; return 1; }
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_start ovmf-e2e "$@"
setup || { echo "FAIL: setting up the ISOs; no boots run"; exit 1; }
echo "SKIP: 4Kn on SATA (QEMU's IDE/AHCI emulation has 512-byte logical blocks only)"
suite_cases $cases
# Boot to power-off of the two timing boots (run side by side, one per core),
# and the part after the firmware started the app from the CD.
timing() { # CASE -> "TOTAL APP" in seconds
	[ -r "$W/cases/$1/run.end" ] || return 1
	read -r _end _total _start <"$W/cases/$1/run.end"
	[ "$_end" = guest-shutdown ] && [ -n "$_start" ] || return 1
	echo "$_total $(echo "$_total $_start" | awk '{ printf "%.1f", $1 - $2 }')"
}
if g=$(timing timing-gptrim) && e=$(timing timing-empty); then
	set -- $g $e
	echo "# timing: boot to power-off under TCG, same VM (ISO + 4 disks on virtio-blk), same run, side by side: gptrim unattended ISO $1 s, empty gnu-efi app $3 s; from the firmware starting the CD to power-off: gptrim $2 s, empty $4 s"
fi
suite_exit e2e "$start" $cases

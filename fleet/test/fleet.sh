#!/bin/sh
# SPDX-License-Identifier: MIT
# Fleet suite: fleet/gptrim.yml run by ansible-playbook against a simulated
# vCenter (govmomi's simulator, fleet/test/vcsim) whose VMs boot for real:
# fleet/test/bridge.py boots each powered-on VM's disk image with the ISO
# attached to it under QEMU + OVMF (ovmf/boot.sh) and powers the VM off
# when the guest does; the firmware console is the VM's serial file. The
# firmware is make ovmf-vmware's (built first when missing, under the lock
# ovmf/vmware.sh takes too), which drives VMware's controllers as QEMU
# emulates them: PVSCSI as pvscsi, LSI Logic SAS as mptsas1068 (any other
# SCSI controller is virtio-scsi); a VM with Secure Boot on boots it with
# Debian's variables that enrol its test keys, so Secure Boot is enforced
# and the unsigned ISO refused.
#
# Usage: fleet/test/fleet.sh
# Environment: BUILD (build), MAKE (make), FLEET_DIR ($BUILD/fleet-test),
#   FLEET_TIMEOUT (60: the playbook's gptrim_timeout, seconds), FLEET_KEEP=1
#   keeps the images.
#
# The VMs, in folder /DC0/vm/fleet, selected by that folder, batches of 2:
#   ws2019  WS2019 layout on LSI Logic SAS dry run: would fix; then fixed
#   ws2022  WS2022 layout on PVSCSI        dry run: would fix; then fixed
#   norec   no recovery partition, on LSI  nothing to do, twice
#           Logic (parallel: virtio-scsi)
#   bios    WS2019 layout, BIOS firmware   refused by the playbook, never
#                                          powered on or reconfigured
#   damaged copies that disagree           refused by gptrim (exit 4)
#   stuck   WS2022 layout; the bridge never boots it: the dry run times
#           out and leaves it on; the real run refuses it (powered on)
# and one VM outside the folder, "bystander" (WS2019, EFI): not on the list.
# Then, the VMs shut down (as their administrator would), an undo run
# (gptrim_mode=undo): ws2019 and ws2022 undone, norec and damaged nothing
# to undo (no backup on any disk), stuck refused (still on); and a second
# undo run: ws2019 and ws2022 refused by gptrim (the table is no longer the
# one its change left). Last, stuck powered off and no longer hung (the
# bridge restarted without --hang), a retry of the dry run's failures
# (gptrim_retry_from=summary-dry-run.json): exactly stuck, now "would fix".
# Judged: each run's summary table against fleet/test/expected/NAME.txt
# and its summary-MODE.json against expected/NAME.json (fleet/test/
# sumjson.py: moids, times and the ISO's SHA-1 checked, then the rest
# compared); after the dry run every image byte-identical; after the real
# run ws2019 and ws2022 as the end-to-end suite judges a fix
# (ovmf/checks.sh), the others byte-identical; after the undo ws2019 and
# ws2022 as the end-to-end suite judges an undo (every byte but the ESP's
# as the original's, both GPT copies included), the others byte-identical;
# the second undo writes not a byte; vCenter's view of every VM (boot
# order, CD drive, serial ports) as before, the stuck one still on (its
# serial port left); the real run powers the booted VMs on again
# (gptrim_power_on_after), from their disks; vCenter logged nothing for
# bios and bystander, nor for stuck in the real and undo runs, nor for any
# VM but stuck in the retry. Then two runs killed (SIGKILL) while ws2019
# and ws2022 boot: each leaves the ISO in, the CD first and its put-back
# record (gptrim.putback) on both; the next run (ws2019 and ws2022
# selected) and, after the second kill, gptrim_mode=cleanup (every VM
# vCenter shows) put both back exactly as they were (recovered), and a
# later power-on boots their own disks; a second cleanup changes nothing;
# a record the put-back cannot follow (set on norec by hand): cleanup
# reports it failed, with the reason, and changes nothing.
# Last, the dry run's ISO on the datastore replaced by the apply ISO's
# bytes: the next run reads it back, refuses to start (the file and both
# SHA-256s named), vCenter logs nothing for any VM; deleted, it is
# uploaded again and read back as the local ISO.
# Last, Secure Boot (folder /DC0/vm/secure, dry runs): sb (WS2022 layout,
# PVSCSI), sbtpm (WS2019, LSI Logic SAS, a virtual TPM), sbvbs (WS2019,
# SATA, Virtualization Based Security on) and sbhang (WS2022, SATA; the
# bridge never boots it), all with Secure Boot on. With the default
# (gptrim_secure_boot skip) all four are refused, nothing logged by
# vCenter. With toggle: sb would fix (booted with Secure Boot off: with
# it on, the firmware refuses the unsigned ISO), sbtpm refused (virtual
# TPM), sbvbs refused (VBS) with nothing logged by vCenter, sbhang timed
# out and left running, so vCenter refuses to turn its Secure Boot on
# again: the summary starts with "FAILED: Secure Boot left off: sbhang"
# (also in summary-dry-run.json) and the run fails. A cleanup while sbhang
# still runs refuses it (its record kept, nothing changed, the run failed
# with "Secure Boot left off"); sbhang powered off, gptrim_mode=cleanup
# puts Secure Boot back from its record (recovered);
# toggle with gptrim_secure_boot_vtpm: sbtpm would fix. At the end every
# one of them has Secure Boot on in vCenter, its configuration as before
# and its disk not one byte changed.
# The helpers are in fleet-lib.sh, the killed runs in fleet-killed.sh, the
# Secure Boot part in fleet-secure.sh, each sourced here in its turn.
# Prints PASS:/FAIL:/SKIP: lines and "# fleet: ..." timings.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
OVMF=$top/ovmf
. "$OVMF/lib.sh"
suite_env FLEET fleet-test
TIMEOUT=${FLEET_TIMEOUT:-60}
# Debian's python3-pyvmomi belongs to Debian's python3 (not another one
# first on PATH).
PY=/usr/bin/python3
. "$OVMF/fixtures.sh"
. "$OVMF/checks.sh"
. "$here/sim.sh"

VMS="ws2019 ws2022 norec bios damaged stuck"

. "$here/fleet-lib.sh"

# ------------------------------------------------------------------- main ---

if ! why=$(prereqs); then
	echo "SKIP: fleet (the suite cannot run: $why)"
	exit 0
fi
start=$(date +%s)
rm -rf "$W"
mkdir -p "$W/ds" "$W/results"
C=$W NAME=setup FAILED=0
: >"$C/result" && : >"$FX_LOCK"
trap 'sim_stop' EXIT INT TERM
setup() {
	$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" fleet-isos \
		>"$W/isos.log" 2>&1 ||
		{ fail "make fleet-isos"; detail <"$W/isos.log"; return 1; }
	if ! _fw=$(ovmf_vmware "$W/ovmf-vmware.make"); then
		fail "make ovmf-vmware: OVMF with the PVSCSI and LSI SAS drivers not built"
		tail -n 40 "$W/ovmf-vmware.make" | detail
		return 1
	fi
	echo "# firmware: $_fw" >>"$C/result"
	sim_build || return 1
	sim_start || return 1
	vm ws2019 ws2019 lsisas efi && vm ws2022 ws2022 pvscsi efi &&
		vm norec data lsilogic efi && vm bios ws2019 sata bios &&
		vm damaged ws2019 sata efi && vm stuck ws2022 sata efi &&
		vm bystander ws2019 sata efi elsewhere || return 1
	for _n in $VMS bystander; do
		$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
		cp "$C/$_n.state.0" "$C/$_n.state.setup"
		$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
		echo "$_n $($PY "$here/simvms.py" "$URL" moid "$_n")" >>"$C/moids"
	done
	bridge_start --hang stuck || return 1
	sim_vars >"$C/vcenter.yml"
	pass "a simulated vCenter at $URL with 7 VMs, the bridge watching ($(( $(date +%s) - start )) s)"
}
if ! setup; then
	cat "$C/result"
	exit 1
fi

NAME=dry-run
playbook dry-run
DRY=$SECS
check_table dry-run
check_json dry-run report
check_untouched $VMS bystander
check_config ws2019 ws2022 norec damaged
check_stuck
check_quiet bios bystander
# VMware's controllers as QEMU emulates them, under make ovmf-vmware's
# firmware (the disks gptrim saw, by their device paths, in the JSON above).
check_bus ws2019 mptsas
check_bus ws2022 pvscsi
check_bus norec scsi
# Left running, the stuck VM is refused by the real run: powered on. Its
# state and events from here on must not change.
snapshot stuck
NAME=apply
playbook apply -e gptrim_power_on_after=true
APPLY=$SECS
check_table apply
check_json apply apply
check_fixed ws2019 1
check_fixed ws2022 1
check_untouched norec bios damaged stuck bystander
check_on_again ws2019 ws2022 norec damaged
check_config stuck
check_quiet bios bystander stuck

# The undo. gptrim_power_on_after started the booted VMs again: their
# Windows is shut down first, as an administrator would.
NAME=undo
for _vm in ws2019 ws2022 norec damaged; do
	$PY "$here/simvms.py" "$URL" poweroff "$_vm"
done
playbook undo
UNDO=$SECS
check_table undo
check_json undo undo
check_original ws2019
check_original ws2022
check_untouched norec bios damaged stuck bystander
check_config ws2019 ws2022 norec damaged stuck
check_quiet bios bystander stuck
for _vm in ws2019 ws2022; do
	cp --sparse=always "$C/$_vm.img" "$C/$_vm.undone"
done
mv "$C/undo.ansible" "$C/undo-first.ansible"
cp "$C/results/summary-undo.json" "$C/undo-first.json"

# A second undo: nothing left to put back.
NAME=undo-again
playbook undo
AGAIN=$SECS
check_table undo undo-again
check_json undo undo undo-again
check_same ws2019 ws2022
check_untouched norec bios damaged stuck bystander
check_config ws2019 ws2022 norec damaged stuck
check_quiet bios bystander stuck

# A retry of the dry run's failures: the stuck VM, powered off, and what
# hung it gone (the bridge restarted without --hang). Nothing else may be
# touched.
NAME=retry
$PY "$here/simvms.py" "$URL" poweroff stuck
bridge_stop
bridge_start
snapshot $VMS bystander
cp "$C/results/summary-dry-run.json" "$C/dry-run-first.json"
playbook dry-run -e gptrim_retry_from=summary-dry-run.json
RETRY=$SECS
check_table dry-run retry
check_json dry-run report retry
check_untouched stuck
# As at setup: the serial port the timed-out dry run left is taken over by
# the retry, and removed with its own.
cp "$C/stuck.state.setup" "$C/stuck.state.0"
check_config stuck
check_quiet ws2019 ws2022 norec bios damaged bystander
. "$here/fleet-killed.sh"

# The dry run's ISO on the datastore replaced by other bytes, the apply
# ISO's (one that writes, under the report-only one's name): the next dry
# run reads it back, refuses to start, names the file and both SHA-256s,
# and touches no VM (nothing logged by vCenter, nothing booted by the
# bridge, no summary written). Then, the file deleted, a run uploads it
# again and reads it back as the local ISO.
NAME=replaced
snapshot $VMS bystander
cp "$C/results/summary-dry-run.json" "$C/dry-run-retry.json"
_boots=$(grep -c '^bridge: .*: powered on' "$W/bridge.log")
_dsiso=$(find "$W/ds" -name 'gptrim-dry-run-*.iso')
_dsname=${_dsiso##*/}
_local=$(sha256sum <"$BUILD/fleet/gptrim-report.iso" | cut -d' ' -f1)
_other=$(sha256sum <"$BUILD/fleet/gptrim-apply.iso" | cut -d' ' -f1)
if [ "$(echo "$_dsiso" | wc -l)" = 1 ] && [ -f "$_dsiso" ]; then
	cp "$BUILD/fleet/gptrim-apply.iso" "$_dsiso"
	REFUSE="[LocalDS_0] $_dsname is not $BUILD/fleet/gptrim-report.iso: SHA-256 on the datastore $_other, local $_local"
	playbook dry-run
	REFUSE=
	check_quiet $VMS bystander
	check_config $VMS bystander
	judge "$C/replaced.cmp" "no summary written (summary-dry-run.json as the retry left it)" \
		"summary-dry-run.json rewritten by the refused run" \
		cmp "$C/dry-run-retry.json" "$C/results/summary-dry-run.json"
	_now=$(grep -c '^bridge: .*: powered on' "$W/bridge.log")
	if [ "$_now" = "$_boots" ]; then
		pass "the bridge booted nothing during the refused run"
	else
		fail "the bridge booted $(( _now - _boots )) VM(s) during the refused run"
	fi
	rm -f "$_dsiso"
	NAME=reupload
	playbook dry-run -e '{"gptrim_vms": ["nosuch"]}'
	if [ -f "$_dsiso" ] && [ "$(sha256sum <"$_dsiso" | cut -d' ' -f1)" = "$_local" ] &&
		grep -A1 '^TASK \[Upload it\]' "$C/dry-run.ansible" | grep -q '^changed: \[localhost\]' &&
		grep -A1 "^TASK \[The datastore's copy is the local ISO\]" "$C/dry-run.ansible" | grep -q '^ok: \[localhost\]'; then
		pass "deleted, the ISO is uploaded again and read back as the local one"
	else
		fail "the ISO not uploaded again, or not read back as the local one"
		grep -A1 '^TASK \[\(Upload it\|The datastore.s copy is the local ISO\)\]' "$C/dry-run.ansible" | detail
	fi
	check_quiet $VMS bystander
else
	fail "not one gptrim-dry-run-*.iso in the simulator's datastore: $_dsiso"
fi

. "$here/fleet-secure.sh"

grep -h '^bridge: ' "$W/bridge.log" | sed 's/^/# /' >>"$C/result"
cat "$C/result"
echo "# fleet: 6 VMs in batches of 2 (gptrim_timeout $TIMEOUT s): dry run $DRY s (one timeout), real run $APPLY s, undo $UNDO s, second undo $AGAIN s, retry $RETRY s, two killed runs and their put-back, Secure Boot; suite $(( $(date +%s) - start )) s"
if [ "$FAILED" = 0 ] && [ -z "${FLEET_KEEP:-}" ]; then
	rm -rf "$W/ds" "$C"/*.orig "$C"/*.new
fi
[ "$FAILED" = 0 ]

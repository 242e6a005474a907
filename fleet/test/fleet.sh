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
# later power-on boots their own disks; a second cleanup changes nothing.
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
# (also in summary-dry-run.json) and the run fails. sbhang powered off,
# gptrim_mode=cleanup puts Secure Boot back from its record (recovered);
# toggle with gptrim_secure_boot_vtpm: sbtpm would fix. At the end every
# one of them has Secure Boot on in vCenter, its configuration as before
# and its disk not one byte changed.
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

# vm NAME LAYOUT CONTROLLER FIRMWARE [FOLDER [OPTION...]]: the fixture
# (its functions use _n, hence _vm here), its pristine copy and table
# beside it in $C, then the VM made through the API (simvms.py create,
# with the OPTIONs: --secure-boot, --vtpm, --vbs) with the image moved to
# its directory on the datastore; $C/NAME.img links to it there.
vm() {
	_vm=$1 _layout=$2 _ctrl=$3 _fw=$4 _folder=${5:-fleet}
	shift 4
	[ $# -gt 0 ] && shift
	"fx_$_layout" "$C/$_vm.new" 512 >"$C/$_vm.fx.log" 2>&1 ||
		{ fail "fixture $_vm ($_layout)"; detail <"$C/$_vm.fx.log"; return 1; }
	[ "$_vm" = damaged ] && python3 "$OVMF/gpttool.py" disagree "$C/$_vm.new" 512
	echo 512 >"$C/$_vm.bs"
	cp --sparse=always "$C/$_vm.new" "$C/$_vm.orig"
	fx_sfdisk_json "$C/$_vm.orig" 512 >"$C/$_vm.orig.json" 2>/dev/null
	_flat=$($PY "$here/simvms.py" "$URL" create "$_vm" "$C/$_vm.new" \
		--folder "$_folder" --firmware "$_fw" --controller "$_ctrl" "$@" \
		2>"$C/$_vm.create.err") ||
		{ fail "creating VM $_vm"; detail <"$C/$_vm.create.err"; return 1; }
	ln -sf "$_flat" "$C/$_vm.img"
}

# playbook MODE [ARGS...]: ansible-playbook in MODE; its output in
# $C/MODE.ansible, the summary files in $C/results/summary-MODE.txt and
# .json; T0 and T1 its start and end (seconds since the epoch). With
# REFUSE set, the run must fail (exit 2) on the control node, its message
# (a fatal on localhost) containing the text REFUSE: a refusal to start,
# or the failure that ends a run leaving Secure Boot off.
playbook() {
	_mode=$1
	shift
	_t0=$(date +%s)
	T0=$_t0
	ANSIBLE_LOCAL_TEMP=$W/ansible-tmp ANSIBLE_REMOTE_TEMP=$W/ansible-tmp \
	ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False \
	ANSIBLE_NOCOLOR=1 \
	ansible-playbook "$top/fleet/gptrim.yml" -e "@$C/vcenter.yml" \
		-e "gptrim_mode=$_mode" "$@" >"$C/$_mode.ansible" 2>&1
	_rc=$?
	T1=$(date +%s)
	SECS=$(( T1 - _t0 ))
	if [ -n "${REFUSE:-}" ]; then
		if [ "$_rc" = 2 ] && grep '^fatal: \[localhost\]: FAILED! => ' "$C/$_mode.ansible" |
			grep -qF "$REFUSE"; then
			pass "ansible-playbook failed as it must (exit 2 after $SECS s): $REFUSE"
		else
			fail "ansible-playbook exit $_rc after $SECS s, not the refusal: $REFUSE"
			grep -E '^(fatal|ERROR)|FAILED' "$C/$_mode.ansible" | head -n 20 | detail
		fi
	elif [ "$_rc" = 0 ]; then
		pass "ansible-playbook ran to the end in $SECS s"
	else
		fail "ansible-playbook exit $_rc after $SECS s"
		grep -E '^(fatal|ERROR)|FAILED' "$C/$_mode.ansible" | head -n 20 | detail
	fi
}

# check_table MODE [EXPECTED]: the summary file against
# expected/EXPECTED.txt (EXPECTED: MODE).
check_table() {
	_got=$C/results/summary-$1.txt _e=${2:-$1}
	sed -e "s/@TIMEOUT@/$TIMEOUT/" -e "s/@GUID_damaged@/$(damaged_guid)/" \
		"$here/expected/$_e.txt" >"$C/$_e.expected"
	if [ ! -r "$_got" ]; then
		fail "no summary file $_got"
	elif grep -v '^#' "$_got" | diff -u "$C/$_e.expected" - >"$C/$_e.diff"; then
		pass "the summary table is the expected one ($(grep -vc '^#\|^VM \|^FAILED: ' "$_got") VMs)"
		sed 's/^/#     /' "$C/$_e.expected" >>"$C/result"
	else
		fail "the summary table differs from fleet/test/expected/$_e.txt"
		detail <"$C/$_e.diff"
	fi
}

# check_json MODE ISO [EXPECTED]: summary-MODE.json against
# expected/EXPECTED.json (EXPECTED: MODE), by fleet/test/sumjson.py: the
# moids vCenter has, start and end within the last playbook run, the
# SHA-1 and SHA-256 of ISO (build/fleet/gptrim-ISO.iso).
check_json() {
	_got=$C/results/summary-$1.json _e=${3:-$1}
	_sha1=$(sha1sum <"$BUILD/fleet/gptrim-$2.iso" | cut -d' ' -f1)
	_sha256=$(sha256sum <"$BUILD/fleet/gptrim-$2.iso" | cut -d' ' -f1)
	if [ ! -r "$_got" ]; then
		fail "no summary-$1.json"
		return
	fi
	if [ ! -r "$here/expected/$_e.json" ]; then
		fail "no fleet/test/expected/$_e.json (what this run wrote: $C/$_e.json.got)"
		$PY "$here/sumjson.py" "$_got" - --print --sha1 "$_sha1" --sha256 "$_sha256" \
			--moids "$C/moids" --results "$W/results" --t0 "$T0" \
			--t1 "$T1" >"$C/$_e.json.got"
		return
	fi
	judge "$C/$_e.jdiff" \
		"summary-$1.json is the expected one ($($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["vms"]))' "$_got") VMs; moids, times within the run, the ISO's SHA-1 and SHA-256 checked)" \
		"summary-$1.json differs from fleet/test/expected/$_e.json" \
		$PY "$here/sumjson.py" "$_got" "$here/expected/$_e.json" \
		--sha1 "$_sha1" --sha256 "$_sha256" --moids "$C/moids" --results "$W/results" \
		--t0 "$T0" --t1 "$T1" --subst "TIMEOUT=$TIMEOUT" \
		--subst "GUID_damaged=$(damaged_guid)"
}

# The damaged fixture's disk GUID (random), which the undo names.
damaged_guid() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["partitiontable"]["id"])' \
		"$C/damaged.orig.json"
}

# check_same NAME...: byte-identical to NAME.undone, the image after the
# first undo.
check_same() {
	for _n in "$@"; do
		judge "$C/$_n.cmp2" "disk $_n: not one byte changed by the second undo" \
			"disk $_n: changed by the second undo" \
			compare_disk "$_n" "$C/$_n.undone"
	done
}

# check_recorded WHAT SED OK BAD NAME...: `simvms.py WHAT NAME` (state:
# power, boot order, CD drive, serial ports, the playbook's settings) says
# now what it said after the setup, edited by the sed script SED.
check_recorded() {
	_what=$1 _sed=$2 _ok=$3 _bad=$4
	shift 4
	for _vm in "$@"; do
		$PY "$here/simvms.py" "$URL" "$_what" "$_vm" >"$C/$_vm.$_what.now"
		sed "$_sed" "$C/$_vm.$_what.0" >"$C/$_vm.$_what.want"
		if cmp -s "$C/$_vm.$_what.want" "$C/$_vm.$_what.now"; then
			pass "VM $_vm: $_ok"
		else
			fail "VM $_vm: $_bad"
			diff "$C/$_vm.$_what.want" "$C/$_vm.$_what.now" | detail
		fi
	done
}
check_config() {
	check_recorded state "" "boot order, CD drive, serial ports, settings and power as before" \
		"configuration not put back" "$@"
}
# check_on_again NAME...: as before, but powered on again, its own disk
# booted (the bridge saw no ISO, or not the CD first).
check_on_again() {
	check_recorded state 's/"poweredOff"/"poweredOn"/' \
		"boot order, CD drive, serial ports as before, powered on again" \
		"configuration not put back, or not on" "$@"
	for _vm in "$@"; do
		_last=$(grep "^bridge: $_vm: powered on" "$W/bridge.log" | tail -n 1)
		case $_last in
		*"its disk boots") pass "VM $_vm: its disk boots (bridge: ${_last#*; })" ;;
		*) fail "VM $_vm: powered on again, but not from its disk"
			echo "$_last" | detail ;;
		esac
	done
}
# check_bus NAME BUS: the bridge booted NAME from the ISO with its disk on
# QEMU's BUS (boot.sh's name: mptsas for mptsas1068, pvscsi, scsi for
# virtio-scsi), in its last boot.
check_bus() {
	_last=$(grep "^bridge: $1: powered on; boots \[" "$W/bridge.log" | tail -n 1)
	case $_last in
	*"; disks on $2") pass "VM $1: its disk on QEMU's $2 (bridge: ${_last##*; })" ;;
	*) fail "VM $1: not booted with its disk on $2"
		echo "$_last" | detail ;;
	esac
}

# check_quiet NAME...: vCenter logged no event for NAME since NAME.events.0
# was written: none with a key above the latest one then (the simulator
# keeps only its last 1000 events: older ones may be gone since).
check_quiet() {
	for _vm in "$@"; do
		$PY "$here/simvms.py" "$URL" events "$_vm" >"$C/$_vm.events.now"
		_last=$(sed -n 's/^latest //p' "$C/$_vm.events.0")
		awk -v last="${_last:-x}" '$1 != "latest" && $1 + 0 > last + 0' \
			"$C/$_vm.events.now" >"$C/$_vm.events.new"
		if [ -n "$_last" ] && [ -s "$C/$_vm.events.now" ] && [ ! -s "$C/$_vm.events.new" ]; then
			pass "VM $_vm: vCenter logged nothing for it (never reconfigured or powered on)"
		else
			fail "VM $_vm: vCenter logged events for it"
			detail <"$C/$_vm.events.new"
		fi
	done
}

# without_serial: simvms.py's state JSON on stdin without its serial ports
# and the playbook's advanced settings.
without_serial() {
	$PY -c 'import json, sys; s = json.load(sys.stdin); s.pop("serial_files"); s.pop("options"); print(json.dumps(s))'
}

# check_stuck: still on (left running), boot order and CD drive put back.
check_stuck() {
	$PY "$here/simvms.py" "$URL" state stuck >"$C/stuck.state.now"
	# Its serial port stays: it cannot be removed from a running VM.
	_want=$(sed 's/"poweredOff"/"poweredOn"/' "$C/stuck.state.0" | without_serial)
	_got=$(without_serial <"$C/stuck.state.now")
	if [ "$_got" = "$_want" ]; then
		pass "VM stuck: left running, boot order and CD drive put back"
	else
		fail "VM stuck: not left running as it was"
		{ echo "$_want"; echo "$_got"; } | detail
	fi
	# What is left is recorded on it, for the next run to put back.
	judge "$C/stuck.record" \
		"VM stuck: its put-back record stays (serial port and setting left)" \
		"VM stuck: no put-back record for what was left" \
		has_record stuck "$C/stuck.state.now"
}

# has_record NAME STATE [trap]: STATE (simvms.py's state JSON of VM NAME)
# has a gptrim.putback record naming its serial port; with trap, also the
# ISO in its CD drive, connected at power-on, and the CD first.
has_record() {
	$PY - "$@" <<'PYEOF'
import json, sys
name, s = sys.argv[1], json.load(open(sys.argv[2]))
trap = sys.argv[3:] == ["trap"]
r = json.loads(s["options"].get("gptrim.putback", "null"))
bad = []
if not isinstance(r, dict):
    bad.append("no gptrim.putback record")
elif r.get("serial_port") not in s["serial_files"]:
    bad.append("the record names no serial port of the VM")
if trap and not (s["boot_order"][:1] == ["BootableCdromDevice"] and
                 s["cdroms"][0]["iso"] and s["cdroms"][0]["start_connected"]):
    bad.append("not the CD first with the ISO in")
if bad:
    print("%s: %s: %s" % (name, "; ".join(bad), json.dumps(s)))
    sys.exit(1)
PYEOF
}

prereqs() {
	need_tools ansible-playbook go qemu-system-x86_64 sgdisk sfdisk mcopy \
		xorriso mkfs.vfat fsck.fat python3 flock patch || return 1
	$PY -c 'import pyVmomi' 2>/dev/null || { echo "no python3-pyvmomi"; return 1; }
	[ -d /usr/lib/python3/dist-packages/ansible_collections/community/vmware ] ||
		{ echo "no community.vmware (Debian's ansible)"; return 1; }
	[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] ||
		{ echo "no golang-github-vmware-govmomi-dev"; return 1; }
	need_ovmf OVMF_VARS_4M.snakeoil.fd || return 1
	[ "$(id -u)" = 0 ] || { echo "not root (the simulator listens on port 443)"; return 1; }
}

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
$PY "$here/simvms.py" "$URL" state stuck >"$C/stuck.state.0"
$PY "$here/simvms.py" "$URL" events stuck >"$C/stuck.events.0"
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
for _n in $VMS bystander; do
	$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
	$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
done
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
# A run that dies. The control node killed (SIGKILL to ansible-playbook and
# all it started) while a batch boots: no always: runs, the ISO stays in and
# the CD first; what the run recorded on each VM first (gptrim.putback) is
# all that is left to put things back. The next run, and gptrim_mode=
# cleanup, put back every VM carrying a record exactly as it was.
KILLED="ws2019 ws2022"

# killed_run MODE: a run of ws2019 and ws2022, in a session of its own,
# killed with its process group once the bridge boots both from the ISO;
# then, the guests powering themselves off (gptrim --then shutdown), the
# trap each is left in: ISO in, CD first, the record.
vm_booted() { grep -q "^bridge: $1: powered on; boots \[" "$W/bridge.log.new"; }
both_booted() {
	tail -n +"$_lines" "$W/bridge.log" >"$W/bridge.log.new"
	vm_booted ws2019 && vm_booted ws2022
}
both_off() {
	for _vm in $KILLED; do
		$PY "$here/simvms.py" "$URL" state "$_vm" | grep -q '"power": "poweredOff"' || return 1
	done
}
killed_run() {
	_lines=$(( $(wc -l <"$W/bridge.log") + 1 ))
	ANSIBLE_LOCAL_TEMP=$W/ansible-tmp ANSIBLE_REMOTE_TEMP=$W/ansible-tmp \
	ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_NOCOLOR=1 \
	setsid ansible-playbook "$top/fleet/gptrim.yml" -e "@$C/vcenter.yml" \
		-e "gptrim_mode=$1" -e '{"gptrim_vms": ["ws2019", "ws2022"]}' \
		>"$C/$NAME-killed.ansible" 2>&1 &
	_pid=$!
	if poll 120 both_booted; then
		# (dash's kill takes no "--": -PID is the process group)
		if kill -KILL "-$_pid"; then
			pass "ansible-playbook killed (SIGKILL, with all it started) while ws2019 and ws2022 boot the ISO"
		else
			fail "could not kill process group $_pid"
		fi
		wait "$_pid"
	else
		kill -KILL "-$_pid"
		wait "$_pid"
		fail "ws2019 and ws2022 not booted from the ISO within 120 s"
		tail -n 20 "$C/$NAME-killed.ansible" | detail
		return 1
	fi
	if poll 300 both_off; then
		pass "ws2019 and ws2022 powered themselves off (gptrim --then shutdown)"
	else
		fail "ws2019 and ws2022 not off 300 s after the kill"
	fi
	for _vm in $KILLED; do
		$PY "$here/simvms.py" "$URL" state "$_vm" >"$C/$_vm.state.killed"
		judge "$C/$_vm.trap" \
			"VM $_vm: left with the ISO in, the CD first and the run's put-back record" \
			"VM $_vm: not the trap a dead run leaves" \
			has_record "$_vm" "$C/$_vm.state.killed" trap
	done
}

# check_recovered MODE NAME...: summary-MODE.json's recovered list is
# exactly NAME... (result recovered), each put back as its record (the
# dead run's, $C/NAME.state.killed) said: boot order, CD drive, serial
# port, setting.
check_recovered() {
	judge "$C/$NAME.recovered" \
		"summary-$1.json: $(echo "$*" | cut -d' ' -f2- ) recovered, each as its record said" \
		"summary-$1.json: not the recovery expected" \
		$PY - "$C/results/summary-$1.json" "$C/moids" "$C" "$@" <<'PYEOF'
import json, sys
got, moids, c, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5:]
moids = dict(l.split() for l in open(moids))
rows = json.load(open(got))["recovered"]
want = []
for n in names:
    r = json.loads(json.load(open("%s/%s.state.killed" % (c, n)))["options"]["gptrim.putback"])
    want.append({"name": n, "moid": moids[n], "result": "recovered",
                 "detail": "put back what an unfinished run (%s) left: boot order, CD drive, serial port, efi.serialConsole.enabled" % r["mode"],
                 "run": r["run"], "mode": r["mode"],
                 "put_back": {"boot_order": r["boot_order"], "cdrom": r["cdrom"],
                              "serial_port": {"removed": r["serial_port"]},
                              "efi.serialConsole.enabled": r["efi.serialConsole.enabled"]}})
if rows != want:
    print("want", json.dumps(want, indent=1))
    print("got ", json.dumps(rows, indent=1))
    sys.exit(1)
PYEOF
}

# check_still NAME...: disk NAME byte-identical to NAME.undone (the image
# after the first undo): the dry runs below write nothing.
check_still() {
	for _n in "$@"; do
		judge "$C/$_n.cmp3" "disk $_n: not one byte changed" \
			"disk $_n: changed" compare_disk "$_n" "$C/$_n.undone"
	done
}

# on_again_both: the bridge has seen ws2019 and ws2022 powered on again.
on_again_both() {
	tail -n +"$_lines" "$W/bridge.log" >"$W/bridge.log.new"
	grep -q '^bridge: ws2019: powered on' "$W/bridge.log.new" &&
		grep -q '^bridge: ws2022: powered on' "$W/bridge.log.new"
}

NAME=killed
for _n in $VMS bystander; do
	$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
	$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
done
if killed_run dry-run; then
	# The next run of the same VMs puts both back first, then boots them.
	NAME=recovered
	playbook dry-run -e '{"gptrim_vms": ["ws2019", "ws2022"]}'
	check_table dry-run recovered
	check_recovered dry-run $KILLED
	check_config $KILLED
	check_still $KILLED
	check_untouched norec bios damaged stuck bystander
	check_quiet norec bios damaged stuck bystander
fi
NAME=cleanup
if killed_run dry-run; then
	# Only the put-back, for every VM vCenter shows (no folder).
	playbook cleanup -e '{"gptrim_folder": ""}'
	check_table cleanup
	check_recovered cleanup $KILLED
	check_config $KILLED
	check_still $KILLED
	check_quiet norec bios damaged stuck bystander
	# A later power-on (an ordinary reboot, weeks later) boots its disk.
	_lines=$(( $(wc -l <"$W/bridge.log") + 1 ))
	for _vm in $KILLED; do
		$PY "$here/simvms.py" "$URL" poweron "$_vm"
	done
	poll 30 on_again_both || fail "the bridge did not see ws2019 and ws2022 powered on"
	check_on_again $KILLED
	for _vm in $KILLED; do
		$PY "$here/simvms.py" "$URL" poweroff "$_vm"
	done
fi
# A second cleanup: no record left anywhere, nothing changed.
NAME=cleanup-again
for _n in $VMS bystander; do
	$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
	$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
done
playbook cleanup -e '{"gptrim_folder": ""}'
check_table cleanup cleanup-again
check_quiet $VMS bystander

# The dry run's ISO on the datastore replaced by other bytes, the apply
# ISO's (one that writes, under the report-only one's name): the next dry
# run reads it back, refuses to start, names the file and both SHA-256s,
# and touches no VM (nothing logged by vCenter, nothing booted by the
# bridge, no summary written). Then, the file deleted, a run uploads it
# again and reads it back as the local ISO.
NAME=replaced
for _n in $VMS bystander; do
	$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
	$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
done
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

# Secure Boot. Four VMs with Secure Boot on in a folder of their own; the
# bridge hangs sbhang. Dry runs: the images must not change.
SB="sb sbtpm sbvbs sbhang"
SBSEL='{"gptrim_folder": "/DC0/vm/secure"}'

# check_sb_on NAME...: vCenter has Secure Boot on for NAME (simvms.py
# state, read through the API).
check_sb_on() {
	for _vm in "$@"; do
		if $PY "$here/simvms.py" "$URL" state "$_vm" | grep -q '"secure_boot": true'; then
			pass "VM $_vm: Secure Boot on in vCenter"
		else
			fail "VM $_vm: Secure Boot not on in vCenter"
			$PY "$here/simvms.py" "$URL" state "$_vm" | detail
		fi
	done
}
# sb_snapshot NAME...: their state and events now, to compare with later.
sb_snapshot() {
	for _n in "$@"; do
		$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
		$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
	done
}
# check_sb_hung: sbhang left running, Secure Boot off, its boot order and
# CD drive put back, the record saying Secure Boot goes back on.
check_sb_hung() {
	$PY "$here/simvms.py" "$URL" state sbhang >"$C/sbhang.state.hung"
	judge "$C/sbhang.hung" \
		"VM sbhang: left running with Secure Boot off, its record saying it goes back on" \
		"VM sbhang: not left as a timed-out toggled VM" \
		$PY -c 'import json, sys
s = json.load(open(sys.argv[1]))
r = json.loads(s["options"].get("gptrim.putback", "null") or "null")
ok = (s["power"] == "poweredOn" and s["secure_boot"] is False and
      isinstance(r, dict) and r.get("secure_boot") is True and
      s["boot_order"] == [] and s["cdroms"][0]["iso"] is None)
print(json.dumps(s)); sys.exit(0 if ok else 1)' "$C/sbhang.state.hung"
}

NAME=secure-setup
bridge_stop
bridge_start --hang sbhang
if vm sb ws2022 pvscsi efi secure --secure-boot &&
	vm sbtpm ws2019 lsisas efi secure --secure-boot --vtpm &&
	vm sbvbs ws2019 sata efi secure --secure-boot --vbs &&
	vm sbhang ws2022 sata efi secure --secure-boot; then
	for _n in $SB; do
		echo "$_n $($PY "$here/simvms.py" "$URL" moid "$_n")" >>"$C/moids"
	done
	sb_snapshot $SB
	for _n in $SB; do cp "$C/$_n.state.0" "$C/$_n.state.setup"; done

	# The default: gptrim_secure_boot skip. All refused, none touched.
	NAME=secure-skip
	playbook dry-run -e "$SBSEL"
	check_table dry-run secure-skip
	check_quiet $SB

	# toggle: sb booted with Secure Boot off and put back; the vTPM and the
	# VBS VM refused; sbhang timed out, its Secure Boot left off.
	NAME=secure-toggle
	REFUSE="FAILED: Secure Boot left off: sbhang: turning Secure Boot on: vCenter refuses it while the VM is poweredOn"
	playbook dry-run -e "$SBSEL" -e gptrim_secure_boot=toggle
	REFUSE=
	check_table dry-run secure-toggle
	check_json dry-run report secure-toggle
	check_untouched $SB
	check_bus sb pvscsi
	check_config sb
	check_sb_on sb
	check_quiet sbtpm sbvbs
	check_sb_hung
	if grep -q '^bridge: sb: powered on; boots \[LocalDS_0\] gptrim-dry-run-[0-9a-f]*\.iso, console' "$W/bridge.log"; then
		pass "VM sb: the bridge booted it with Secure Boot off (it refuses the unsigned ISO with it on)"
	else
		fail "VM sb: not booted with Secure Boot off"
		grep '^bridge: sb:' "$W/bridge.log" | detail
	fi

	# sbhang off (its administrator), cleanup: Secure Boot back on from
	# its record.
	NAME=secure-cleanup
	$PY "$here/simvms.py" "$URL" poweroff sbhang
	playbook cleanup -e "$SBSEL" -e '{"gptrim_vms": ["sbhang"]}'
	check_table cleanup secure-cleanup
	cp "$C/sbhang.state.setup" "$C/sbhang.state.0"
	check_config sbhang
	check_sb_on sbhang

	# toggle with gptrim_secure_boot_vtpm: sbtpm booted too.
	NAME=secure-vtpm
	sb_snapshot sbtpm
	playbook dry-run -e "$SBSEL" -e '{"gptrim_vms": ["sbtpm"]}' \
		-e gptrim_secure_boot=toggle -e gptrim_secure_boot_vtpm=true
	check_table dry-run secure-vtpm
	check_bus sbtpm mptsas
	check_untouched $SB
	# At the end: each as at setup, Secure Boot on.
	for _n in $SB; do cp "$C/$_n.state.setup" "$C/$_n.state.0"; done
	check_config $SB
	check_sb_on $SB
fi
grep -h '^bridge: ' "$W/bridge.log" | sed 's/^/# /' >>"$C/result"
cat "$C/result"
echo "# fleet: 6 VMs in batches of 2 (gptrim_timeout $TIMEOUT s): dry run $DRY s (one timeout), real run $APPLY s, undo $UNDO s, second undo $AGAIN s, retry $RETRY s, two killed runs and their put-back, Secure Boot; suite $(( $(date +%s) - start )) s"
if [ "$FAILED" = 0 ] && [ -z "${FLEET_KEEP:-}" ]; then
	rm -rf "$W/ds" "$C"/*.orig "$C"/*.new
fi
[ "$FAILED" = 0 ]

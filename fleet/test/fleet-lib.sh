# SPDX-License-Identifier: MIT
# The fleet suite's helpers (sourced by fleet/test/fleet.sh, which sets
# here, top, C, W, URL, PY and TIMEOUT): the VMs made through the API, one
# playbook run, and the checks of its table, JSON, images and of vCenter's
# view of each VM.
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

# snapshot NAME...: their state and events now (NAME.state.0,
# NAME.events.0), for check_config, check_quiet and the like to compare with.
snapshot() {
	for _n in "$@"; do
		$PY "$here/simvms.py" "$URL" state "$_n" >"$C/$_n.state.0"
		$PY "$here/simvms.py" "$URL" events "$_n" >"$C/$_n.events.0"
	done
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

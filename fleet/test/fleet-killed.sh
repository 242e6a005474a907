# SPDX-License-Identifier: MIT
# The fleet suite's killed runs (sourced by fleet/test/fleet.sh, after the
# retry): two runs killed while ws2019 and ws2022 boot, the next run and
# gptrim_mode=cleanup putting both back, a second cleanup changing nothing.
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
snapshot $VMS bystander
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
snapshot $VMS bystander
playbook cleanup -e '{"gptrim_folder": ""}'
check_table cleanup cleanup-again
check_quiet $VMS bystander

# A record the put-back cannot follow (another tool's, or cut short): on
# norec, off. cleanup reports it failed, with the module's reason, and
# leaves the VM and its record as they are.
NAME=cleanup-bad-record
$PY "$here/simvms.py" "$URL" option norec gptrim.putback '{"run": "20261203-000000", "mode": "apply"}'
snapshot norec
playbook cleanup -e '{"gptrim_vms": ["norec"]}'
check_table cleanup cleanup-bad-record
check_quiet norec
check_config norec
$PY "$here/simvms.py" "$URL" option norec gptrim.putback ""

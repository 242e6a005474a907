# SPDX-License-Identifier: MIT
# The fleet suite's Secure Boot part (sourced by fleet/test/fleet.sh, last):
# gptrim_secure_boot skip and toggle, a VM with a virtual TPM, one with VBS,
# one whose Secure Boot cannot be put back, and cleanup.
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
	snapshot $SB
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

	# cleanup while sbhang still runs: refused (its serial port and its
	# Secure Boot cannot change while it is on), the record kept, nothing
	# changed, Secure Boot still reported left off, and the run fails.
	NAME=secure-cleanup-on
	snapshot sbhang
	REFUSE="FAILED: Secure Boot left off: sbhang: poweredOn: its put-back record stays"
	playbook cleanup -e "$SBSEL" -e '{"gptrim_vms": ["sbhang"]}'
	REFUSE=
	check_table cleanup secure-cleanup-on
	check_quiet sbhang
	check_config sbhang

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
	snapshot sbtpm
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

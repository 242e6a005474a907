# SPDX-License-Identifier: MIT
# The fleet suite's simulated vCenter and bridge: build, start, stop.
# Sourced by fleet/test/fleet.sh (needs here, top, OVMF, BUILD, W, PY).
#   sim_build            $BUILD/fleet/vcsim from fleet/test/vcsim/main.go
#                        (GOPATH mode, Debian's govmomi, its simulator
#                        patched by fleet/test/vcsim/simulator.patch; cached)
#   sim_start            the simulator on 127.X.Y.1:443; sets URL, HOST
#   bridge_start ARGS... fleet/test/bridge.py watching it, its log
#                        $W/bridge.log (appended to), booting make
#                        ovmf-vmware's firmware
#   bridge_stop          stop the bridge (and its boots)
#   sim_vars             the playbook's vCenter variables, as YAML
#   sim_stop             stop the bridge (and its boots), then the simulator
# shellcheck shell=sh

SIM_BIN=$BUILD/fleet/vcsim
SIM_PID="" BRIDGE_PID=""

# poll SECONDS CMD...: run CMD every 0.1 s until it succeeds (0) or
# SECONDS have passed (1). For states a process reports (a line in its
# output, its exit), not for time to pass.
poll() {
	_n=$(( $1 * 10 ))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# sim_patched: Debian's govmomi in $BUILD/fleet/gopath (first in GOPATH)
# as symbolic links, but for the simulator's files that
# fleet/test/vcsim/simulator.patch changes (Secure Boot as vSphere keeps
# it: left as it is by a spec that does not set it, changed only while
# the VM is off): copies, patched.
sim_patched() {
	_gv=$BUILD/fleet/gopath/src/github.com/vmware/govmomi
	rm -rf "$_gv"
	mkdir -p "${_gv%/*}"
	cp -rs /usr/share/gocode/src/github.com/vmware/govmomi "$_gv" || return 1
	for _f in $(sed -n 's|^+++ b/\([^	 ]*\).*|\1|p' "$top/fleet/test/vcsim/simulator.patch"); do
		rm "$_gv/$_f" && cp "/usr/share/gocode/src/github.com/vmware/govmomi/$_f" "$_gv/$_f" ||
			return 1
	done
	patch -s -d "$_gv" -p1 <"$top/fleet/test/vcsim/simulator.patch"
}

sim_build() {
	_src=$top/fleet/test/vcsim/main.go
	if [ -x "$SIM_BIN" ] && [ "$SIM_BIN" -nt "$_src" ] &&
		[ "$SIM_BIN" -nt "$top/fleet/test/vcsim/simulator.patch" ]; then
		return 0
	fi
	mkdir -p "$BUILD/fleet/gopath"
	_t0=$(date +%s)
	# GOENV=off: no per-user go.env (CI may have no HOME).
	if sim_patched >"$W/go-build.log" 2>&1 &&
		GO111MODULE=off GOENV=off GOPATH="$BUILD/fleet/gopath:/usr/share/gocode" \
		GOCACHE="$BUILD/fleet/gocache" go build -o "$SIM_BIN" "$_src" \
		>>"$W/go-build.log" 2>&1; then
		pass "the simulator built from Debian's govmomi $(dpkg-query -W -f '${Version}' golang-github-vmware-govmomi-dev 2>/dev/null), patched (fleet/test/vcsim/simulator.patch), in $(( $(date +%s) - _t0 )) s"
	else
		fail "go build of fleet/test/vcsim"
		detail <"$W/go-build.log"
		return 1
	fi
}

sim_up() { [ -s "$W/vcsim.url" ] || ! kill -0 "$SIM_PID" 2>/dev/null; }

# An address of its own in 127.0.0.0/8 (port 443 is what vsphere_copy and
# vsphere_file talk to); another one if it is taken.
sim_start() {
	for _try in 1 2 3; do
		_a=$(( ($$ + _try * 37) % 200 + 20 )) _b=$(( ($$ / 200) % 250 + 1 ))
		HOST=127.$_a.$_b.1
		: >"$W/vcsim.url"
		TMPDIR=$W/ds "$SIM_BIN" "$HOST:443" >"$W/vcsim.url" \
			2>"$W/vcsim.log" &
		SIM_PID=$!
		poll 30 sim_up
		URL=$(head -n 1 "$W/vcsim.url")
		[ -n "$URL" ] && return 0
	done
	fail "the simulator did not start"
	tail -n 5 "$W/vcsim.log" | detail
	return 1
}

# The number of "watching" lines (one a start of the bridge).
bridge_starts() {
	{ cat "$W/bridge.log" 2>/dev/null || :; } | grep -c '^bridge: -: watching'
}

bridge_up() {
	[ "$(bridge_starts)" -gt "$_starts" ] || ! kill -0 "$BRIDGE_PID" 2>/dev/null
}

# The bridge's firmware: make ovmf-vmware's (its drivers for pvscsi and
# mptsas1068), with Debian's variables that enrol its test keys for a VM
# with Secure Boot on.
BRIDGE_FIRMWARE="--firmware $BUILD/ovmf-vmware/OVMF_CODE.fd $BUILD/ovmf-vmware/OVMF_VARS.fd --secure-vars /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd"

bridge_start() {
	_starts=$(bridge_starts)
	# shellcheck disable=SC2086 # BRIDGE_FIRMWARE: its words
	$PY "$here/bridge.py" "$URL" --boot "$OVMF/boot.sh" --work "$W/bridge" \
		--jobs 2 --timeout 300 $BRIDGE_FIRMWARE "$@" >>"$W/bridge.log" 2>&1 &
	BRIDGE_PID=$!
	poll 30 bridge_up
	[ "$(bridge_starts)" -gt "$_starts" ] && return 0
	fail "the bridge did not start"
	detail <"$W/bridge.log"
	return 1
}

sim_vars() {
	cat <<EOF
vcenter_hostname: $HOST
vcenter_username: user
vcenter_password: pass
vcenter_validate_certs: false
vcenter_datacenter: DC0
gptrim_datastore: LocalDS_0
# vsphere_file state=directory wants 201 Created; the simulator answers 200.
gptrim_iso_dir: ""
gptrim_folder: /DC0/vm/fleet
gptrim_batch: 2
gptrim_timeout: $TIMEOUT
gptrim_results_dir: $W/results
gptrim_iso_dry_run: $BUILD/fleet/gptrim-report.iso
gptrim_iso_apply: $BUILD/fleet/gptrim-apply.iso
gptrim_iso_undo: $BUILD/fleet/gptrim-undo.iso
EOF
}

bridge_stop() {
	if [ -n "$BRIDGE_PID" ]; then
		kill "$BRIDGE_PID" 2>/dev/null && wait "$BRIDGE_PID" 2>/dev/null
		BRIDGE_PID=""
	fi
}

sim_stop() {
	bridge_stop
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
		SIM_PID=""
	fi
}
